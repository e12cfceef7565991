//! Native x86-64 builds target the baseline CPU (SSE2: 4 lanes). Where the CPU has AVX2
//! (checked once, at run time) the kernels run compiled a second time for it, with the
//! micro-kernels written with AVX2 intrinsics (8 lanes; 8- and 16-filter blocks in one or
//! two registers per row, every accumulator in a register). Same operations in the same
//! order (a multiply then an add, no fused multiply-add), so the same numbers to the bit
//! as the portable build. wasm32 instead has one build per target feature set
//! (`scripts/build.sh`).

use crate::conv::kernels::{Isa, Portable};
use crate::conv::ConvGeometry;
use core::arch::x86_64::{__m256, _mm256_add_ps, _mm256_broadcast_ss, _mm256_loadu_ps, _mm256_mul_ps, _mm256_setzero_ps, _mm256_storeu_ps};

pub(crate) fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// The AVX2 micro-kernels. Only this module makes one, after [`has_avx2`].
#[derive(Clone, Copy)]
struct Avx2(());

impl Isa for Avx2 {
    #[inline(always)]
    fn fwd_tile<const P: usize, const B: usize>(taps: usize, xrow: &[f32], starts: [usize; P], wseg: &[f32], k: usize, k0: usize, acc: &mut [[f32; B]; P]) {
        if B == 8 || B == 16 {
            // SAFETY: an Avx2 exists only where the CPU has AVX2.
            unsafe { fwd_tile::<P, B>(taps, xrow, starts, wseg, k, k0, acc) }
        } else {
            Portable::fwd_tile::<P, B>(taps, xrow, starts, wseg, k, k0, acc)
        }
    }

    #[inline(always)]
    fn dw_pairs<const T: usize, const B: usize>(acc: &mut [[f32; B]; T], x: &[f32], dy: &[f32], pairs: &[[usize; 2]], off: usize) {
        if B == 8 || B == 16 {
            // SAFETY: as above.
            unsafe { dw_pairs::<T, B>(acc, x, dy, pairs, off) }
        } else {
            Portable::dw_pairs::<T, B>(acc, x, dy, pairs, off)
        }
    }
}

/// B (8 or 16) floats as one or two registers.
#[inline(always)]
unsafe fn load<const B: usize>(p: *const f32) -> [__m256; 2] {
    [_mm256_loadu_ps(p), if B > 8 { _mm256_loadu_ps(p.add(8)) } else { _mm256_setzero_ps() }]
}

#[inline(always)]
unsafe fn store<const B: usize>(p: *mut f32, v: [__m256; 2]) {
    _mm256_storeu_ps(p, v[0]);
    if B > 8 {
        _mm256_storeu_ps(p.add(8), v[1]);
    }
}

/// acc + x * w, per lane: a multiply, then an add (the portable kernels' rounding).
#[inline(always)]
unsafe fn madd(x: __m256, w: __m256, acc: __m256) -> __m256 {
    _mm256_add_ps(acc, _mm256_mul_ps(x, w))
}

/// See `portable::fwd_tile`.
#[inline(always)]
unsafe fn fwd_tile<const P: usize, const B: usize>(taps: usize, xrow: &[f32], starts: [usize; P], wseg: &[f32], k: usize, k0: usize, acc: &mut [[f32; B]; P]) {
    if taps == 0 {
        return;
    }
    assert!(k0 + B <= k && (taps - 1) * k + k0 + B <= wseg.len(), "filter segment too short");
    let xs: [*const f32; P] = core::array::from_fn(|p| xrow[starts[p]..starts[p] + taps].as_ptr());
    let mut a: [[__m256; 2]; P] = core::array::from_fn(|p| load::<B>(acc[p].as_ptr()));
    let mut wp = wseg.as_ptr().add(k0);
    for t in 0..taps {
        let wv = load::<B>(wp);
        for p in 0..P {
            let xv = _mm256_broadcast_ss(&*xs[p].add(t));
            a[p][0] = madd(xv, wv[0], a[p][0]);
            if B > 8 {
                a[p][1] = madd(xv, wv[1], a[p][1]);
            }
        }
        wp = wp.add(k);
    }
    for p in 0..P {
        store::<B>(acc[p].as_mut_ptr(), a[p]);
    }
}

/// See `portable::dw_pairs`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn dw_pairs<const T: usize, const B: usize>(acc: &mut [[f32; B]; T], x: &[f32], dy: &[f32], pairs: &[[usize; 2]], off: usize) {
    let mut a: [[__m256; 2]; T] = core::array::from_fn(|q| load::<B>(acc[q].as_ptr()));
    for &[xi, gi] in pairs {
        let g = load::<B>(dy[gi..gi + B].as_ptr());
        let base = xi.wrapping_add(off);
        let xv = x[base..base + T].as_ptr();
        for q in 0..T {
            let xq = _mm256_broadcast_ss(&*xv.add(q));
            a[q][0] = madd(xq, g[0], a[q][0]);
            if B > 8 {
                a[q][1] = madd(xq, g[1], a[q][1]);
            }
        }
    }
    for q in 0..T {
        store::<B>(acc[q].as_mut_ptr(), a[q]);
    }
}

/// The AVX-512 micro-kernels for 16-filter blocks (one register per accumulator row,
/// tiles of 8); narrower blocks take the AVX2 ones. Only [`forward512`] and
/// [`backward512`] use them, after [`has_avx512`].
#[derive(Clone, Copy)]
struct Avx512(());

pub(crate) fn has_avx512() -> bool {
    std::is_x86_feature_detected!("avx512f")
}

impl Isa for Avx512 {
    const TALL: bool = true;

    #[inline(always)]
    fn fwd_tile<const P: usize, const B: usize>(taps: usize, xrow: &[f32], starts: [usize; P], wseg: &[f32], k: usize, k0: usize, acc: &mut [[f32; B]; P]) {
        if B == 16 {
            // SAFETY: an Avx512 tile runs only where the CPU has AVX-512F.
            unsafe { fwd_tile512::<P, B>(taps, xrow, starts, wseg, k, k0, acc) }
        } else {
            Avx2::fwd_tile::<P, B>(taps, xrow, starts, wseg, k, k0, acc)
        }
    }

    #[inline(always)]
    fn dw_pairs<const T: usize, const B: usize>(acc: &mut [[f32; B]; T], x: &[f32], dy: &[f32], pairs: &[[usize; 2]], off: usize) {
        if B == 16 {
            // SAFETY: as above.
            unsafe { dw_pairs512::<T, B>(acc, x, dy, pairs, off) }
        } else {
            Avx2::dw_pairs::<T, B>(acc, x, dy, pairs, off)
        }
    }
}

/// `portable::fwd_tile` for B = 16: one 16-lane register per pixel.
#[inline(always)]
unsafe fn fwd_tile512<const P: usize, const B: usize>(taps: usize, xrow: &[f32], starts: [usize; P], wseg: &[f32], k: usize, k0: usize, acc: &mut [[f32; B]; P]) {
    use core::arch::x86_64::{_mm512_add_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_storeu_ps};
    if taps == 0 {
        return;
    }
    assert!(B == 16 && k0 + B <= k && (taps - 1) * k + k0 + B <= wseg.len(), "filter segment too short");
    let xs: [*const f32; P] = core::array::from_fn(|p| xrow[starts[p]..starts[p] + taps].as_ptr());
    let mut a: [_; P] = core::array::from_fn(|p| _mm512_loadu_ps(acc[p].as_ptr()));
    let mut wp = wseg.as_ptr().add(k0);
    for t in 0..taps {
        let wv = _mm512_loadu_ps(wp);
        for p in 0..P {
            a[p] = _mm512_add_ps(a[p], _mm512_mul_ps(_mm512_set1_ps(*xs[p].add(t)), wv));
        }
        wp = wp.add(k);
    }
    for p in 0..P {
        _mm512_storeu_ps(acc[p].as_mut_ptr(), a[p]);
    }
}

/// `portable::dw_pairs` for B = 16.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn dw_pairs512<const T: usize, const B: usize>(acc: &mut [[f32; B]; T], x: &[f32], dy: &[f32], pairs: &[[usize; 2]], off: usize) {
    use core::arch::x86_64::{_mm512_add_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_storeu_ps};
    assert!(B == 16, "16-filter blocks");
    let mut a: [_; T] = core::array::from_fn(|q| _mm512_loadu_ps(acc[q].as_ptr()));
    for &[xi, gi] in pairs {
        let g = _mm512_loadu_ps(dy[gi..gi + B].as_ptr());
        let base = xi.wrapping_add(off);
        let xv = x[base..base + T].as_ptr();
        for q in 0..T {
            a[q] = _mm512_add_ps(a[q], _mm512_mul_ps(_mm512_set1_ps(*xv.add(q)), g));
        }
    }
    for q in 0..T {
        _mm512_storeu_ps(acc[q].as_mut_ptr(), a[q]);
    }
}

#[target_feature(enable = "avx512f")]
pub(crate) fn forward512<const RELU: bool>(g: &ConvGeometry, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) {
    g.forward_kernel::<Avx512, RELU>(x, w, b, out);
}

#[target_feature(enable = "avx512f")]
pub(crate) fn backward512(g: &ConvGeometry, x: &[f32], w: &[f32], dy: &[f32], dw: &mut [f32], db: &mut [f32], dx: Option<&mut [f32]>) {
    g.filter_grad::<Avx512>(x, dy, dw, db);
    if let Some(dx) = dx {
        g.input_grad::<Avx512>(w, dy, dx);
    }
}

#[target_feature(enable = "avx512f")]
pub(crate) fn input_grad512(g: &ConvGeometry, w: &[f32], dy: &[f32], dx: &mut [f32]) {
    g.input_grad::<Avx512>(w, dy, dx);
}

#[target_feature(enable = "avx2")]
pub(crate) fn input_grad(g: &ConvGeometry, w: &[f32], dy: &[f32], dx: &mut [f32]) {
    g.input_grad::<Avx2>(w, dy, dx);
}

#[target_feature(enable = "avx2")]
pub(crate) fn forward<const RELU: bool>(g: &ConvGeometry, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) {
    g.forward_kernel::<Avx2, RELU>(x, w, b, out);
}

#[target_feature(enable = "avx2")]
pub(crate) fn backward(g: &ConvGeometry, x: &[f32], w: &[f32], dy: &[f32], dw: &mut [f32], db: &mut [f32], dx: Option<&mut [f32]>) {
    g.filter_grad::<Avx2>(x, dy, dw, db);
    if let Some(dx) = dx {
        g.input_grad::<Avx2>(w, dy, dx);
    }
}
