//! The micro-kernels, one implementation of [`Isa`] per instruction set: the loops of
//! `forward`, `filter_grad` and `input_grad` are written once, generic over it, and
//! compiled for each. Every one does a multiply then an add per lane in the same order,
//! so all give the same numbers to the bit (relaxed-SIMD wasm, opt-in, fuses them).

mod portable;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86;

pub(crate) use portable::Portable;

/// Width of the filter block kept in registers (two `f32x4` vectors).
pub(super) const KB: usize = 8;
/// Output pixels per forward tile (4 x 8 accumulators = 8 vectors).
pub(super) const PIX: usize = 4;
/// Filter taps per filter-gradient tile (4 x 8 accumulators = 8 vectors).
pub(super) const TAPS: usize = 4;

/// Filters per wide register block: 16 natively (two AVX2 registers, four SSE2 ones per
/// accumulator row); 8 on wasm, whose engines map `f32x4` onto 16 x86 registers.
#[cfg(not(target_arch = "wasm32"))]
pub(super) const WIDE: usize = 16;
#[cfg(target_arch = "wasm32")]
pub(super) const WIDE: usize = 8;

/// Filters per register block for `left` filters still to do: WIDE, then KB, then one.
#[inline(always)]
pub(super) fn block_width(left: usize) -> usize {
    if left >= WIDE {
        WIDE
    } else if left >= KB {
        KB
    } else {
        1
    }
}

/// The micro-kernels of one instruction set: the loops of `conv::forward`,
/// `conv::filter_grad` and `conv::input_grad` are written once and compiled for each
/// (`Portable`: generic code LLVM vectorises, or explicit wasm SIMD; `x86::Avx2`,
/// `x86::Avx512`).
pub(crate) trait Isa {
    /// Tiles of 8 pixels or taps by 16 filters (x86 with AVX-512 has 32 registers of 16
    /// lanes): 8 independent accumulators instead of 4.
    const TALL: bool = false;
    /// See [`portable::fwd_tile`].
    fn fwd_tile<const P: usize, const B: usize>(taps: usize, xrow: &[f32], starts: [usize; P], wseg: &[f32], k: usize, k0: usize, acc: &mut [[f32; B]; P]);
    /// See [`portable::dw_pairs`].
    #[allow(clippy::too_many_arguments)]
    fn dw_pairs<const T: usize, const B: usize>(acc: &mut [[f32; B]; T], x: &[f32], dy: &[f32], pairs: &[[usize; 2]], off: usize);
}
