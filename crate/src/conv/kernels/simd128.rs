//! The wasm `simd128` micro-kernels: explicit `f32x4` code for blocks of 4k filters, so the
//! hot loops are SIMD whatever the optimisation level and the autovectoriser's heuristics.

use core::arch::wasm32::{f32x4_splat, v128, v128_load, v128_store};

/// Most `f32x4` vectors per accumulator row (16 filters).
const V: usize = 4;

/// acc + a * b. With `-C target-feature=+relaxed-simd` (an opt-in build: engines
/// without relaxed SIMD reject the whole module) this is one fused multiply-add on
/// CPUs that have FMA, doubling the peak; otherwise a multiply then an add.
#[inline(always)]
fn madd(a: v128, b: v128, acc: v128) -> v128 {
    #[cfg(target_feature = "relaxed-simd")]
    {
        core::arch::wasm32::f32x4_relaxed_madd(a, b, acc)
    }
    #[cfg(not(target_feature = "relaxed-simd"))]
    {
        core::arch::wasm32::f32x4_add(acc, core::arch::wasm32::f32x4_mul(a, b))
    }
}

/// The B / 4 `f32x4` vectors of B consecutive floats (B a multiple of 4, at most 16).
#[inline(always)]
fn load<const B: usize>(a: &[f32; B]) -> [v128; V] {
    let zero = f32x4_splat(0.0);
    // SAFETY: each load reads 4 of `a`'s B valid floats; wasm loads need no alignment.
    core::array::from_fn(|v| if v < B / 4 { unsafe { v128_load(a.as_ptr().add(4 * v) as *const v128) } } else { zero })
}

#[inline(always)]
fn store<const B: usize>(a: &mut [f32; B], v: [v128; V]) {
    for (u, &x) in v.iter().enumerate().take(B / 4) {
        // SAFETY: 4 of `a`'s B valid, exclusively borrowed floats.
        unsafe { v128_store(a.as_mut_ptr().add(4 * u) as *mut v128, x) };
    }
}

#[inline(always)]
fn block<const B: usize>(s: &[f32], at: usize) -> &[f32; B] {
    s[at..at + B].try_into().expect("B-wide block")
}

/// See `portable::fwd_tile`: P pixels x B filters, accumulators in P x B/4 registers.
#[inline(always)]
pub(super) fn fwd_tile<const P: usize, const B: usize>(
    taps: usize,
    xrow: &[f32],
    starts: [usize; P],
    wseg: &[f32],
    k: usize,
    k0: usize,
    acc: &mut [[f32; B]; P],
) {
    let xs: [&[f32]; P] = core::array::from_fn(|p| &xrow[starts[p]..starts[p] + taps]);
    let mut a: [[v128; V]; P] = core::array::from_fn(|p| load(&acc[p]));
    for (t, wk) in wseg.chunks_exact(k).take(taps).enumerate() {
        let wv = load(block::<B>(wk, k0));
        for p in 0..P {
            let xv = f32x4_splat(xs[p][t]);
            for v in 0..B / 4 {
                a[p][v] = madd(xv, wv[v], a[p][v]);
            }
        }
    }
    for p in 0..P {
        store(&mut acc[p], a[p]);
    }
}

/// See `portable::dw_pairs`: T taps x B filters of dw, swept over the pixels `pairs`.
#[inline(always)]
pub(super) fn dw_pairs<const T: usize, const B: usize>(acc: &mut [[f32; B]; T], x: &[f32], dy: &[f32], pairs: &[[usize; 2]], off: usize) {
    let mut a: [[v128; V]; T] = core::array::from_fn(|q| load(&acc[q]));
    for &[xi, gi] in pairs {
        let gv = load(block::<B>(dy, gi));
        let base = xi.wrapping_add(off);
        let xv: &[f32; T] = x[base..base + T].try_into().expect("T taps");
        for q in 0..T {
            let xq = f32x4_splat(xv[q]);
            for v in 0..B / 4 {
                a[q][v] = madd(xq, gv[v], a[q][v]);
            }
        }
    }
    for q in 0..T {
        store(&mut acc[q], a[q]);
    }
}
