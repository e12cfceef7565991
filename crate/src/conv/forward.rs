//! The forward pass's loops: output rows in blocks of filters, interior pixels in
//! register tiles, border pixels with their taps clipped to the input.

use crate::conv::geometry::{interior_range, tap_range};
use crate::conv::kernels::{block_width, Isa, KB, PIX, WIDE};
use crate::conv::ConvGeometry;

impl ConvGeometry {
    /// The forward loops (lengths already checked); inlined into each CPU-specific build.
    ///
    /// Each output is `b + sum over valid filter rows di (in order) of sum over that row's
    /// valid taps (in order) of x * w`, whatever tile it is computed in: the tiling below
    /// (how many pixels and filters share registers) never changes a single number.
    #[inline(always)]
    pub(super) fn forward_kernel<K: Isa, const RELU: bool>(&self, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) {
        let (h, wd, c, k) = (self.h, self.w, self.c_in, self.c_out);
        let (oh, ow) = (self.out_h, self.out_w);
        for n in 0..self.batch {
            let ximg = &x[n * h * wd * c..(n + 1) * h * wd * c];
            for i in 0..oh {
                let orow = &mut out[((n * oh + i) * ow) * k..((n * oh + i) * ow + ow) * k];
                let mut k0 = 0;
                while k0 < k {
                    let kb = block_width(k - k0);
                    if kb == WIDE && K::TALL {
                        self.forward_block::<K, RELU, WIDE, { 2 * PIX }>(ximg, w, b, orow, i, k0);
                    } else if kb == WIDE {
                        self.forward_block::<K, RELU, WIDE, PIX>(ximg, w, b, orow, i, k0);
                    } else if kb == KB {
                        self.forward_block::<K, RELU, KB, PIX>(ximg, w, b, orow, i, k0);
                    } else {
                        self.forward_block::<K, RELU, 1, PIX>(ximg, w, b, orow, i, k0);
                    }
                    k0 += kb;
                }
            }
        }
    }

    /// Output row `i` of one image, filters k0..k0+B: interior pixels in tiles of P,
    /// every tap valid; the rest one pixel at a time, taps clipped to the input.
    #[inline(always)]
    fn forward_block<K: Isa, const RELU: bool, const B: usize, const P: usize>(
        &self,
        ximg: &[f32],
        w: &[f32],
        b: &[f32],
        orow: &mut [f32],
        i: usize,
        k0: usize,
    ) {
        let (h, wd, c, k, s) = (self.h, self.w, self.c_in, self.c_out, self.stride);
        let (fh, fw, ow) = (self.f_h, self.f_w, self.out_w);
        let (pt, pl) = (self.pads.top, self.pads.left);
        let row_taps = fw * c; // one filter row (dj, c) flattened
        let (j0, j1) = interior_range(ow, s, pl, wd, fw);
        let (di_lo, di_hi) = tap_range(i, s, pt, h, fh);
        let xrow_of = |di: usize| {
            let yi = i * s + di - pt;
            &ximg[yi * wd * c..(yi + 1) * wd * c]
        };
        let wrow_of = |di: usize| &w[di * row_taps * k..(di + 1) * row_taps * k];
        let bias: &[f32; B] = b[k0..k0 + B].try_into().expect("B biases");
        let mut j = j0;
        // Tiles of P pixels, then narrower ones for the rest of the interior (with one
        // accumulator a pixel would wait on the latency of its adds).
        while j + P <= j1 {
            self.forward_tile::<K, RELU, B, P>(ximg, w, bias, orow, i, k0, j);
            j += P;
        }
        if P > 4 && j + 4 <= j1 {
            self.forward_tile::<K, RELU, B, 4>(ximg, w, bias, orow, i, k0, j);
            j += 4;
        }
        if j + 2 <= j1 {
            self.forward_tile::<K, RELU, B, 2>(ximg, w, bias, orow, i, k0, j);
            j += 2;
        }
        for j in (j..j1).chain(0..j0).chain(j1..ow) {
            let (dj_lo, dj_hi) = tap_range(j, s, pl, wd, fw);
            // A window entirely in the padding reads nothing: bias only.
            let start = if dj_hi > dj_lo { (j * s + dj_lo - pl) * c } else { 0 };
            let mut acc = [*bias; 1];
            for di in di_lo..di_hi {
                let wseg = &wrow_of(di)[dj_lo * c * k..dj_hi * c * k];
                K::fwd_tile::<1, B>((dj_hi - dj_lo) * c, xrow_of(di), [start], wseg, k, k0, &mut acc);
            }
            store::<RELU>(&mut orow[j * k + k0..j * k + k0 + B], &acc[0]);
        }
    }

    /// Interior pixels j..j + T of output row `i`, filters k0..k0+B, in one register tile.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn forward_tile<K: Isa, const RELU: bool, const B: usize, const T: usize>(
        &self,
        ximg: &[f32],
        w: &[f32],
        bias: &[f32; B],
        orow: &mut [f32],
        i: usize,
        k0: usize,
        j: usize,
    ) {
        let (h, wd, c, k, s) = (self.h, self.w, self.c_in, self.c_out, self.stride);
        let (pt, pl) = (self.pads.top, self.pads.left);
        let row_taps = self.f_w * c;
        let (di_lo, di_hi) = tap_range(i, s, pt, h, self.f_h);
        let starts: [usize; T] = core::array::from_fn(|p| ((j + p) * s - pl) * c);
        let mut acc = [*bias; T];
        for di in di_lo..di_hi {
            let yi = i * s + di - pt;
            let xrow = &ximg[yi * wd * c..(yi + 1) * wd * c];
            K::fwd_tile::<T, B>(row_taps, xrow, starts, &w[di * row_taps * k..(di + 1) * row_taps * k], k, k0, &mut acc);
        }
        for (p, a) in acc.iter().enumerate() {
            store::<RELU>(&mut orow[(j + p) * k + k0..(j + p) * k + k0 + B], a);
        }
    }
}

/// Write finished outputs, rectified when `RELU` ("negative -> 0", so NaN passes).
#[inline(always)]
fn store<const RELU: bool>(dst: &mut [f32], src: &[f32]) {
    if RELU {
        for (d, &v) in dst.iter_mut().zip(src) {
            *d = if v < 0.0 { 0.0 } else { v };
        }
    } else {
        dst.copy_from_slice(src);
    }
}
