//! MAC-rate benchmark of the convolution kernels, for the SIGNS network's first layer
//! (64x64x3 input, 4x4x3x8 filters, SAME, stride 1, batch 64): 98% of training time.
//!
//! The clock is passed in (`now()` in milliseconds) so the same code runs natively with
//! `std::time::Instant` (`cargo bench -p convlab --bench conv`) and in the browser with
//! `performance.now()`.

use crate::conv::ConvGeometry;
use crate::conv::shape::Padding;
use serde::{Deserialize, Serialize};

/// Shortest sample: long enough for a 4 ms clock tick or a coarse browser timer.
const MIN_SAMPLE_MS: f64 = 50.0;
/// Warm-up time before sampling.
const WARM_UP_MS: f64 = 200.0;

/// Measured speed of one convolution shape. GMAC/s = 1e9 multiply-accumulates per
/// second, counted as the lecture does (padded taps included): batch * out_h * out_w *
/// c_out * f_h * f_w * c_in per pass.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConvRates {
    /// Multiply-accumulates in one forward pass (the filter gradient has as many).
    pub macs: u64,
    /// Samples timed (after one warm-up run); each repeats the kernel for 50 ms or more.
    pub reps: usize,
    /// Best (per-run) time of one forward pass, in milliseconds.
    pub forward_ms: f64,
    /// Forward rate, in GMAC/s (from the best time).
    pub forward_gmacs: f64,
    /// Best time of one filter + bias gradient pass (no input gradient, as for conv1).
    pub filter_grad_ms: f64,
    /// Filter-gradient rate, in GMAC/s.
    pub filter_grad_gmacs: f64,
    /// Best time of one input-gradient pass (what the later layers also need).
    pub input_grad_ms: f64,
    /// Input-gradient rate, in GMAC/s.
    pub input_grad_gmacs: f64,
    /// The filter gradient as training gives it work: an output gradient that is nonzero
    /// at one pixel of each 8x8 window per filter (behind ReLU and SIGNS's 8x8 max pool).
    /// The kernel visits only those pixels: the MACs it does ([`ConvGeometry::filter_grad_macs`]).
    pub pooled_filter_grad_macs: u64,
    /// Best time of one such pass, in milliseconds.
    pub pooled_filter_grad_ms: f64,
    /// Its rate in MACs done, in GMAC/s.
    pub pooled_filter_grad_gmacs: f64,
}

/// An output gradient as max pooling with `f`x`f` windows hands it back: one pixel of each
/// window per channel nonzero (picked pseudo-randomly), the rest exactly 0.
fn pooled_gradient(geo: &ConvGeometry, f: usize, seed: u32) -> Vec<f32> {
    let (oh, ow, k) = (geo.out_h, geo.out_w, geo.c_out);
    let mut dy = vec![0f32; geo.out_len()];
    let mut vals = vec![0f32; geo.out_len()];
    fill(&mut vals, seed);
    let mut s = seed.wrapping_mul(747_796_405).wrapping_add(1);
    for n in 0..geo.batch {
        for wi in (0..oh).step_by(f) {
            for wj in (0..ow).step_by(f) {
                for kk in 0..k {
                    s ^= s << 13;
                    s ^= s >> 17;
                    s ^= s << 5;
                    let i = (wi + (s as usize % f)).min(oh - 1);
                    let j = (wj + ((s >> 8) as usize % f)).min(ow - 1);
                    let at = ((n * oh + i) * ow + j) * k + kk;
                    dy[at] = vals[at];
                }
            }
        }
    }
    dy
}

/// Geometry of the SIGNS network's conv1 for a batch of 64.
pub fn conv1_geometry() -> ConvGeometry {
    ConvGeometry::new(64, (64, 64, 3), (4, 4, 8), 1, Padding::Same)
        .expect("the SIGNS conv1 shape is valid")
}

/// Deterministic pseudo-random values in [-1, 1) (no RNG state to carry around).
fn fill(buf: &mut [f32], seed: u32) {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    for v in buf {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        *v = (s as f32 / u32::MAX as f32) * 2.0 - 1.0;
    }
}

/// Time forward, filter gradient and input gradient of `geo`: best of `reps` samples each.
pub fn conv_mac_rates(geo: &ConvGeometry, now: &dyn Fn() -> f64, reps: usize) -> ConvRates {
    let reps = reps.max(1);
    let mut x = vec![0f32; geo.x_len()];
    let mut w = vec![0f32; geo.w_len()];
    let mut b = vec![0f32; geo.c_out];
    let mut dy = vec![0f32; geo.out_len()];
    fill(&mut x, 1);
    fill(&mut w, 2);
    fill(&mut b, 3);
    fill(&mut dy, 4);
    let mut out = vec![0f32; geo.out_len()];
    let mut dw = vec![0f32; geo.w_len()];
    let mut db = vec![0f32; geo.c_out];
    let mut dx = vec![0f32; geo.x_len()];
    // Each sample repeats the kernel for at least MIN_SAMPLE_MS (calibrated on a warm-up
    // run), so a coarse clock still resolves it; the best sample is kept, which filters
    // out interruptions by other processes.
    let best = |f: &mut dyn FnMut()| {
        // Warm-up (also lets a JIT such as V8's tier the code up) and calibration.
        let start = now();
        let mut calls = 0usize;
        while calls < 2 || (now() - start < WARM_UP_MS && calls < 1000) {
            f();
            calls += 1;
        }
        let once = ((now() - start) / calls as f64).max(0.01);
        let iters = ((MIN_SAMPLE_MS / once).ceil() as usize).clamp(1, 10_000);
        let mut best = f64::INFINITY;
        for _ in 0..reps {
            let t0 = now();
            for _ in 0..iters {
                f();
            }
            best = best.min((now() - t0) / iters as f64);
        }
        best.max(1e-6)
    };
    // Buffers are sized from `geo`, so the kernels cannot fail here.
    let forward_ms = best(&mut || {
        let _ = geo.forward_into(&x, &w, &b, &mut out);
    });
    let filter_grad_ms = best(&mut || {
        let _ = geo.backward_into(&x, &w, &dy, &mut dw, &mut db, None);
    });
    let both_ms = best(&mut || {
        let _ = geo.backward_into(&x, &w, &dy, &mut dw, &mut db, Some(&mut dx));
    });
    let input_grad_ms = (both_ms - filter_grad_ms).max(1e-6);
    let pooled = pooled_gradient(geo, 8, 5);
    let pooled_filter_grad_ms = best(&mut || {
        let _ = geo.backward_into(&x, &w, &pooled, &mut dw, &mut db, None);
    });
    let pooled_filter_grad_macs = geo.filter_grad_macs(&pooled);
    std::hint::black_box((&out, &dw, &db, &dx));
    let macs = geo.macs();
    let rate = |ms: f64| macs as f64 / (ms * 1e6);
    ConvRates {
        macs,
        reps,
        forward_ms,
        forward_gmacs: rate(forward_ms),
        filter_grad_ms,
        filter_grad_gmacs: rate(filter_grad_ms),
        input_grad_ms,
        input_grad_gmacs: rate(input_grad_ms),
        pooled_filter_grad_macs,
        pooled_filter_grad_ms,
        pooled_filter_grad_gmacs: pooled_filter_grad_macs as f64 / (pooled_filter_grad_ms * 1e6),
    }
}

/// [`conv_mac_rates`] for the SIGNS conv1 shape, batch 64.
pub fn conv1_mac_rates(now: &dyn Fn() -> f64, reps: usize) -> ConvRates {
    conv_mac_rates(&conv1_geometry(), now, reps)
}

/// Independent multiply-add chains in [`simd_peak_gmacs`]: enough to hide the latency
/// of a multiply then an add (about 8 cycles) behind two SIMD ports.
const PEAK_CHAINS: usize = 12;

/// `iters` rounds of acc = acc * a + b on PEAK_CHAINS x 4 lanes: one multiply-add per
/// lane (the multiply depends on acc, so it cannot be hoisted out of the loop).
// Never inlined: V8 compiles a wasm function with its baseline compiler first and swaps in
// the optimised code only for later calls (no on-stack replacement), so the loop must be
// a function called repeatedly, not one long call (measured: 0.03 GMAC/s otherwise).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(never)]
fn madd_chains(iters: usize, seed: f32) -> f32 {
    use core::arch::wasm32::{f32x4_extract_lane, f32x4_splat};
    let (a, b) = (f32x4_splat(0.9999), f32x4_splat(seed * 1e-4));
    let mut acc = [f32x4_splat(seed); PEAK_CHAINS];
    for _ in 0..iters {
        for v in acc.iter_mut() {
            // The build's own multiply-add: fused with relaxed SIMD, as the kernels do.
            #[cfg(target_feature = "relaxed-simd")]
            {
                *v = core::arch::wasm32::f32x4_relaxed_madd(*v, a, b);
            }
            #[cfg(not(target_feature = "relaxed-simd"))]
            {
                *v = core::arch::wasm32::f32x4_add(core::arch::wasm32::f32x4_mul(*v, a), b);
            }
        }
    }
    acc.iter().map(|&v| f32x4_extract_lane::<0>(v)).sum()
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(never)]
fn madd_chains(iters: usize, seed: f32) -> f32 {
    let mut acc = [[seed; 4]; PEAK_CHAINS];
    for _ in 0..iters {
        for v in acc.iter_mut() {
            for l in v.iter_mut() {
                *l = *l * 0.9999 + seed * 1e-4;
            }
        }
    }
    acc.iter().map(|v| v[0]).sum()
}

/// The measured multiply-add peak of one core, in GMAC/s: f32x4 multiply + add (or, in
/// the relaxed-SIMD build, `f32x4.relaxed_madd`: fused where the CPU has FMA), 12 independent chains, no
/// memory traffic; best of `reps` samples of 50 ms or more. The ceiling a convolution
/// kernel can approach on this machine and engine.
pub fn simd_peak_gmacs(now: &dyn Fn() -> f64, reps: usize) -> f64 {
    // Warm-up: many short calls, so that the engine swaps in its optimised code.
    let chunk = 20_000usize;
    let start = now();
    let mut calls = 0usize;
    while calls < 20 || (now() - start < WARM_UP_MS && calls < 100_000) {
        std::hint::black_box(madd_chains(std::hint::black_box(chunk), 0.5));
        calls += 1;
    }
    // Each sample repeats the short call for MIN_SAMPLE_MS or more.
    let once = ((now() - start) / calls as f64).max(1e-4);
    let per_sample = ((MIN_SAMPLE_MS / once).ceil() as usize).clamp(1, 1_000_000);
    let mut best = f64::INFINITY;
    for r in 0..reps.max(1) {
        let t0 = now();
        for _ in 0..per_sample {
            std::hint::black_box(madd_chains(std::hint::black_box(chunk), 0.5 + r as f32 * 1e-3));
        }
        best = best.min((now() - t0) / per_sample as f64);
    }
    (chunk * PEAK_CHAINS * 4) as f64 / (best.max(1e-9) * 1e6)
}

/// The textbook loop nest (seven loops, a padding test per tap, filters innermost
/// over channels), kept only to show what the tiled kernels gain. Returns milliseconds
/// of one forward pass of `geo`.
pub fn naive_forward_ms(geo: &ConvGeometry, now: &dyn Fn() -> f64) -> f64 {
    let mut x = vec![0f32; geo.x_len()];
    let mut w = vec![0f32; geo.w_len()];
    fill(&mut x, 1);
    fill(&mut w, 2);
    let mut out = vec![0f32; geo.out_len()];
    let (h, wd, c, k, s) = (geo.h, geo.w, geo.c_in, geo.c_out, geo.stride);
    let t0 = now();
    for n in 0..geo.batch {
        for i in 0..geo.out_h {
            for j in 0..geo.out_w {
                for o in 0..k {
                    let mut acc = 0f32;
                    for di in 0..geo.f_h {
                        let yi = (i * s + di) as isize - geo.pads.top as isize;
                        if yi < 0 || yi >= h as isize {
                            continue;
                        }
                        for dj in 0..geo.f_w {
                            let xj = (j * s + dj) as isize - geo.pads.left as isize;
                            if xj < 0 || xj >= wd as isize {
                                continue;
                            }
                            for ch in 0..c {
                                let xi = ((n * h + yi as usize) * wd + xj as usize) * c + ch;
                                let wi = ((di * geo.f_w + dj) * c + ch) * k + o;
                                acc += x[xi] * w[wi];
                            }
                        }
                    }
                    out[((n * geo.out_h + i) * geo.out_w + j) * k + o] = acc;
                }
            }
        }
    }
    let ms = now() - t0;
    std::hint::black_box(&out);
    ms
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn rates_are_positive_and_serialisable() {
        // A tiny geometry and a fake clock that ticks 1 ms per call: exercises the code
        // path (also under wasm) without timing anything.
        let geo = ConvGeometry::new(2, (8, 8, 3), (4, 4, 8), 1, Padding::Same).unwrap();
        let t = std::cell::Cell::new(0.0);
        let clock = || {
            t.set(t.get() + 1.0);
            t.get()
        };
        let r = conv_mac_rates(&geo, &clock, 2);
        assert_eq!(r.macs, 2 * 8 * 8 * 8 * 4 * 4 * 3);
        // The fake clock ticks 1 ms per reading, so a sample reads 1 ms for 50 runs.
        assert!(r.forward_ms > 0.0 && r.forward_ms <= 1.0, "{}", r.forward_ms);
        assert!((r.forward_gmacs - r.macs as f64 / (r.forward_ms * 1e6)).abs() < 1e-9);
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("filter_grad_gmacs"));
    }

    #[test]
    fn the_peak_loop_converges() {
        // acc -> b / (1 - a) = 0.5e-4 / 1e-4 = 0.5 per chain: finite, no overflow.
        let v = madd_chains(100_000, 0.5);
        assert!((v - 0.5 * PEAK_CHAINS as f32).abs() < 1e-2, "{v}");
    }
}

/// Under wasm-bindgen-test in headless Chromium this prints the browser's conv1 rates
/// (`Date.now` as the clock: each sample lasts 50 ms or more, so 1 ms ticks suffice).
#[cfg(all(test, target_arch = "wasm32"))]
mod browser {
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn conv1_rates_in_the_browser() {
        let now = || js_sys::Date::now();
        let r = super::conv1_mac_rates(&now, 3);
        wasm_bindgen_test::console_log!(
            "wasm conv1 rates: {}",
            serde_json::to_string(&r).unwrap_or_default()
        );
        assert!(r.forward_gmacs > 0.0 && r.filter_grad_gmacs > 0.0);
    }
}
