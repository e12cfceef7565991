//! The baseline build's micro-kernels: generic loops that LLVM vectorises (SSE2 natively),
//! or explicit `f32x4` code on wasm with `simd128`.

use crate::conv::kernels::Isa;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use crate::conv::kernels::simd128;

/// The baseline build's micro-kernels.
#[derive(Clone, Copy)]
pub(crate) struct Portable;

impl Isa for Portable {
    #[inline(always)]
    fn fwd_tile<const P: usize, const B: usize>(taps: usize, xrow: &[f32], starts: [usize; P], wseg: &[f32], k: usize, k0: usize, acc: &mut [[f32; B]; P]) {
        fwd_tile_any::<P, B>(taps, xrow, starts, wseg, k, k0, acc)
    }

    #[inline(always)]
    fn dw_pairs<const T: usize, const B: usize>(acc: &mut [[f32; B]; T], x: &[f32], dy: &[f32], pairs: &[[usize; 2]], off: usize) {
        dw_pairs_any::<T, B>(acc, x, dy, pairs, off)
    }
}

/// The micro-kernels. Portable builds use the generic versions (which LLVM vectorises);
/// wasm with `simd128` uses explicit `f32x4` code for blocks of 4k filters, so the hot
/// loops are SIMD whatever the optimisation level and the autovectoriser's heuristics.
#[inline(always)]
fn fwd_tile_any<const P: usize, const B: usize>(
    taps: usize,
    xrow: &[f32],
    starts: [usize; P],
    wseg: &[f32],
    k: usize,
    k0: usize,
    acc: &mut [[f32; B]; P],
) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if B.is_multiple_of(4) && B <= 16 {
        return simd128::fwd_tile::<P, B>(taps, xrow, starts, wseg, k, k0, acc);
    }
    fwd_tile::<P, B>(taps, xrow, starts, wseg, k, k0, acc)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dw_pairs_any<const T: usize, const B: usize>(acc: &mut [[f32; B]; T], x: &[f32], dy: &[f32], pairs: &[[usize; 2]], off: usize) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if B.is_multiple_of(4) && B <= 16 {
        return simd128::dw_pairs::<T, B>(acc, x, dy, pairs, off);
    }
    dw_pairs::<T, B>(acc, x, dy, pairs, off)
}

/// Forward micro-kernel: for P output pixels whose (clipped) input rows start at
/// `xrow[starts[p]..]`, accumulate `sum_t x[t] * w[t, k0..k0+B]` over the taps of one
/// filter row segment `wseg` (taps x k, row-major). The x values are broadcast, the
/// B filter values are a contiguous load: `acc` lives in registers.
#[inline(always)]
fn fwd_tile<const P: usize, const B: usize>(
    taps: usize,
    xrow: &[f32],
    starts: [usize; P],
    wseg: &[f32],
    k: usize,
    k0: usize,
    acc: &mut [[f32; B]; P],
) {
    let xs: [&[f32]; P] = core::array::from_fn(|p| &xrow[starts[p]..starts[p] + taps]);
    let mut a = *acc;
    for (t, wk) in wseg.chunks_exact(k).take(taps).enumerate() {
        let wv: &[f32; B] = wk[k0..k0 + B].try_into().expect("B-wide filter block");
        for p in 0..P {
            let xv = xs[p][t];
            for q in 0..B {
                a[p][q] += xv * wv[q];
            }
        }
    }
    *acc = a;
}

/// Filter-gradient micro-kernel: the tile `acc` = dw[t0..t0+T, k0..k0+B] of one filter
/// row, accumulated over the interior pixels `pairs` ([x index, dy index] each, see
/// [`DwSweep`]): acc[q] += x[x index + off + q] * dy[dy index..+B].
#[inline(always)]
fn dw_pairs<const T: usize, const B: usize>(acc: &mut [[f32; B]; T], x: &[f32], dy: &[f32], pairs: &[[usize; 2]], off: usize) {
    let mut a = *acc;
    for &[xi, gi] in pairs {
        let gv: &[f32; B] = dy[gi..gi + B].try_into().expect("B-wide gradient block");
        let base = xi.wrapping_add(off);
        let xv: &[f32; T] = x[base..base + T].try_into().expect("T taps");
        for q in 0..T {
            for r in 0..B {
                a[q][r] += xv[q] * gv[r];
            }
        }
    }
    *acc = a;
}
