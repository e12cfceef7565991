//! 2-D convolution over volumes, as the lecture defines it: an input (m, n_H, n_W, n_C)
//! and a bank of filters (f, f, n_C, n_C') plus one bias per filter give an output
//! (m, n_H', n_W', n_C'). Deep learning's "convolution" is cross-correlation; true
//! convolution first rotates each filter by 180 degrees.
//!
//! Two layers of API:
//! - [`conv2d`] / [`conv2d_backward`] on ndarray views, for teaching and tests;
//! - [`ConvGeometry`] with allocation-free slice kernels ([`ConvGeometry::forward_into`],
//!   [`ConvGeometry::backward_into`]) for the training engine. The ndarray functions call
//!   these kernels, so there is one implementation.
//!
//! Forward, for output pixel (n, i, j) and filter k (cross-correlation):
//! `y[n,i,j,k] = b[k] + sum_{di,dj,c} x[n, i*s+di-p_top, j*s+dj-p_left, c] * w[di,dj,c,k]`,
//! where reads outside the input are zeros (padding).
//! Backward: `dw[di,dj,c,k] = sum_{n,i,j} x[n, i*s+di-p_top, j*s+dj-p_left, c] * dy[n,i,j,k]`,
//! `db[k] = sum_{n,i,j} dy[n,i,j,k]`, and `dx[n,y,x,c] = sum dy[n,i,j,k] * w[di,dj,c,k]`
//! over all (i, j, di, dj) with i*s+di-p_top = y and j*s+dj-p_left = x.
//!
//! Speed: the kernels never read padding. For each output row the valid filter rows are
//! computed once; output columns whose window lies fully inside the input ("interior")
//! go through register-tiled micro-kernels (4 pixels x 8 filters for the forward pass,
//! 4 taps x 8 filters for the filter gradient) whose inner loops run over contiguous
//! channels and that LLVM turns into `f32x4` SIMD on wasm `simd128`; the few border
//! columns take a clipped path. Nothing allocates.

pub mod shape;
pub mod bench;

use crate::error::Result;
use crate::conv::shape::{Padding, Pads};
use crate::{param_err, shape_err};
use ndarray::{s, Array1, Array4, ArrayView1, ArrayView4};

/// Which operation the filter performs as it slides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correlation {
    /// What deep learning calls convolution: the filter is used as written.
    #[default]
    Cross,
    /// The mathematician's convolution: the filter is rotated by 180 degrees first.
    True,
}

/// The filter rotated by 180 degrees (both spatial axes reversed): true convolution
/// with `w` is cross-correlation with `flip_filter(w)`.
pub fn flip_filter(w: ArrayView4<f32>) -> Array4<f32> {
    // Standard (row-major) layout, so the slice kernels can use it directly.
    w.slice(s![..;-1, ..;-1, .., ..]).as_standard_layout().into_owned()
}

/// Width of the filter block kept in registers (two `f32x4` vectors).
const KB: usize = 8;
/// Output pixels per forward tile (4 x 8 accumulators = 8 vectors).
const PIX: usize = 4;
/// Filter taps per filter-gradient tile (4 x 8 accumulators = 8 vectors).
const TAPS: usize = 4;

/// Everything about one convolution that does not depend on the numbers: sizes, stride,
/// resolved padding and output size. Buffers are NHWC and contiguous:
/// x (batch, h, w, c_in), out / dy (batch, out_h, out_w, c_out), filters
/// (f_h, f_w, c_in, c_out), bias (c_out). The kernels use filters as written
/// (cross-correlation); flip them first for true convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConvGeometry {
    pub batch: usize,
    pub h: usize,
    pub w: usize,
    pub c_in: usize,
    pub f_h: usize,
    pub f_w: usize,
    pub c_out: usize,
    pub stride: usize,
    pub pads: Pads,
    pub out_h: usize,
    pub out_w: usize,
}

/// The gradients of a convolution: input (when asked for), filters and biases.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvGrads {
    /// dL/dx, shape of x; `None` when `need_dx` was false (first layer).
    pub dx: Option<Array4<f32>>,
    /// dL/dw, shape of the filters as the caller gave them.
    pub dw: Array4<f32>,
    /// dL/db, one per filter.
    pub db: Array1<f32>,
}

fn checked_len(dims: &[usize], what: &str) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| shape_err!("the {what} is too large to hold in memory"))
}

fn check_len(got: usize, want: usize, what: &str) -> Result<()> {
    if got != want {
        return Err(shape_err!("the {what} buffer holds {got} numbers but this convolution needs {want}"));
    }
    Ok(())
}

/// Valid filter offsets [lo, hi) along one axis for output position `o`: the taps whose
/// input index o*s + d - pad falls inside 0..n.
#[inline(always)]
pub(crate) fn tap_range(o: usize, s: usize, pad: usize, n: usize, f: usize) -> (usize, usize) {
    let start = o * s;
    let lo = pad.saturating_sub(start).min(f);
    let hi = (n + pad).saturating_sub(start).min(f);
    (lo, hi.max(lo))
}

/// Output columns [j0, j1) whose window lies fully inside the input (no padding read).
fn interior_range(out: usize, s: usize, pad: usize, n: usize, f: usize) -> (usize, usize) {
    let j0 = pad.div_ceil(s).min(out);
    let j1 = if n + pad >= f { ((n + pad - f) / s + 1).min(out) } else { 0 };
    (j0, j1.max(j0))
}

impl ConvGeometry {
    /// Resolve padding and output size for a batch of `input` = (h, w, c_in) images and
    /// filters `filter` = (f_h, f_w, c_out) (the filters' depth is c_in).
    pub fn new(
        batch: usize,
        input: (usize, usize, usize),
        filter: (usize, usize, usize),
        stride: usize,
        padding: Padding,
    ) -> Result<Self> {
        let (h, w, c_in) = input;
        let (f_h, f_w, c_out) = filter;
        if batch == 0 {
            return Err(shape_err!("the batch is empty: it needs at least one image"));
        }
        if c_in == 0 || c_out == 0 {
            return Err(shape_err!(
                "a convolution needs at least one input channel and one filter (got {c_in} and {c_out})"
            ));
        }
        let (pads, (out_h, out_w)) = padding.resolve((h, w), (f_h, f_w), stride)?;
        checked_len(&[batch, h, w, c_in], "input")?;
        checked_len(&[batch, out_h, out_w, c_out], "output")?;
        checked_len(&[f_h, f_w, c_in, c_out], "filter bank")?;
        Ok(ConvGeometry { batch, h, w, c_in, f_h, f_w, c_out, stride, pads, out_h, out_w })
    }

    /// Numbers in x: batch * h * w * c_in.
    pub fn x_len(&self) -> usize {
        self.batch * self.h * self.w * self.c_in
    }
    /// Numbers in the filter bank: f_h * f_w * c_in * c_out.
    pub fn w_len(&self) -> usize {
        self.f_h * self.f_w * self.c_in * self.c_out
    }
    /// Numbers in the output (and in dy): batch * out_h * out_w * c_out.
    pub fn out_len(&self) -> usize {
        self.batch * self.out_h * self.out_w * self.c_out
    }
    /// Multiply-accumulates of the forward pass, counting padded taps as the lecture does:
    /// batch * out_h * out_w * c_out * f_h * f_w * c_in. The filter gradient costs the same.
    pub fn macs(&self) -> u64 {
        [self.batch, self.out_h, self.out_w, self.c_out, self.f_h, self.f_w, self.c_in]
            .iter()
            .map(|&v| v as u64)
            .product()
    }

    /// Forward pass into `out` (overwritten): out = conv(x, w) + b.
    /// Errors only when a buffer length does not match the geometry.
    pub fn forward_into(&self, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) -> Result<()> {
        self.forward_impl::<false>(x, w, b, out)
    }

    /// Forward pass and ReLU in one: out = max(0, conv(x, w) + b), with NaN kept (a
    /// diverged run must show). Saves a pass over the output, the largest activation.
    pub fn forward_relu_into(&self, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) -> Result<()> {
        self.forward_impl::<true>(x, w, b, out)
    }

    fn forward_impl<const RELU: bool>(&self, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) -> Result<()> {
        check_len(x.len(), self.x_len(), "input")?;
        check_len(w.len(), self.w_len(), "filter")?;
        check_len(b.len(), self.c_out, "bias")?;
        check_len(out.len(), self.out_len(), "output")?;
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx512() {
            // SAFETY: the CPU has AVX-512F (checked at run time).
            unsafe { x86::forward512::<RELU>(self, x, w, b, out) };
            return Ok(());
        } else if x86::has_avx2() {
            // SAFETY: the CPU has AVX2 (checked at run time).
            unsafe { x86::forward::<RELU>(self, x, w, b, out) };
            return Ok(());
        }
        self.forward_kernel::<Portable, RELU>(x, w, b, out);
        Ok(())
    }

    /// The forward loops (lengths already checked); inlined into each CPU-specific build.
    ///
    /// Each output is `b + sum over valid filter rows di (in order) of sum over that row's
    /// valid taps (in order) of x * w`, whatever tile it is computed in: the tiling below
    /// (how many pixels and filters share registers) never changes a single number.
    #[inline(always)]
    fn forward_kernel<K: Isa, const RELU: bool>(&self, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) {
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

    /// Backward pass. `dw` and `db` are overwritten with the gradients of the loss with
    /// respect to the filters and biases; `dx`, when given, is overwritten with the
    /// gradient with respect to the input (skip it for a first layer: it costs as much
    /// as the forward pass). Errors only when a buffer length does not match.
    pub fn backward_into(
        &self,
        x: &[f32],
        w: &[f32],
        dy: &[f32],
        dw: &mut [f32],
        db: &mut [f32],
        dx: Option<&mut [f32]>,
    ) -> Result<()> {
        check_len(x.len(), self.x_len(), "input")?;
        check_len(w.len(), self.w_len(), "filter")?;
        check_len(dy.len(), self.out_len(), "output gradient")?;
        check_len(dw.len(), self.w_len(), "filter gradient")?;
        check_len(db.len(), self.c_out, "bias gradient")?;
        if let Some(dx) = dx.as_deref() {
            check_len(dx.len(), self.x_len(), "input gradient")?;
        }
        dw.fill(0.0);
        db.fill(0.0);
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx512() {
            // SAFETY: the CPU has AVX-512F (checked at run time).
            unsafe { x86::backward512(self, x, w, dy, dw, db, dx) };
            return Ok(());
        } else if x86::has_avx2() {
            // SAFETY: the CPU has AVX2 (checked at run time).
            unsafe { x86::backward(self, x, w, dy, dw, db, dx) };
            return Ok(());
        }
        self.filter_grad::<Portable>(x, dy, dw, db);
        if let Some(dx) = dx {
            self.input_grad::<Portable>(w, dy, dx);
        }
        Ok(())
    }

    /// The input gradient alone (`dx` overwritten): what [`Self::backward_into`] computes
    /// for `dx`, to the bit. For timing the two halves of a backward pass apart.
    pub fn input_grad_into(&self, w: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
        check_len(w.len(), self.w_len(), "filter")?;
        check_len(dy.len(), self.out_len(), "output gradient")?;
        check_len(dx.len(), self.x_len(), "input gradient")?;
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx512() {
            // SAFETY: the CPU has AVX-512F (checked at run time).
            unsafe { x86::input_grad512(self, w, dy, dx) };
            return Ok(());
        } else if x86::has_avx2() {
            // SAFETY: the CPU has AVX2 (checked at run time).
            unsafe { x86::input_grad(self, w, dy, dx) };
            return Ok(());
        }
        self.input_grad::<Portable>(w, dy, dx);
        Ok(())
    }

    /// Multiply-accumulates the filter gradient does for this `dy`: it visits only output
    /// pixels whose gradient is nonzero in a block of filters (see `filter_grad`),
    /// each for every tap (padded ones counted, as [`Self::macs`] counts them).
    pub fn filter_grad_macs(&self, dy: &[f32]) -> u64 {
        let k = self.c_out;
        let taps = (self.f_h * self.f_w * self.c_in) as u64;
        let mut live = 0u64;
        for px in dy.chunks_exact(k) {
            let mut k0 = 0;
            while k0 < k {
                let kb = block_width(k - k0);
                if px[k0..k0 + kb].iter().any(|&g| g != 0.0) {
                    live += kb as u64;
                }
                k0 += kb;
            }
        }
        live * taps
    }

    /// dw += sum over pixels of x-patch (outer) dy, db += sum over pixels of dy. Lengths
    /// already checked.
    ///
    /// Each entry sums its terms in the order (image, output row, interior columns left
    /// to right, then the border columns), whatever the tiling. A tile of TAPS taps x B
    /// filters stays in registers over a chunk of images (CHUNK_PIXELS output pixels),
    /// so it is loaded and stored once per chunk, not once per row.
    ///
    /// Only pixels with a nonzero gradient are visited: behind ReLU and max pooling most of
    /// dy is exactly zero (for SIGNS conv1, 8x8 pooling leaves 1 pixel in 64), so the
    /// kernels sweep one list of the chunk's live pixels (see [`DwSweep`]) instead of all
    /// of them (a zero gradient adds exactly nothing, so skipping it changes no number),
    /// the tile in registers over the whole list, not reloaded row by row; the bias
    /// gradient is summed from the same list.
    #[inline(always)]
    fn filter_grad<K: Isa>(&self, x: &[f32], dy: &[f32], dw: &mut [f32], db: &mut [f32]) {
        let (h, c, k, s) = (self.h, self.c_in, self.c_out, self.stride);
        let (fh, fw) = (self.f_h, self.f_w);
        let (oh, ow) = (self.out_h, self.out_w);
        let pt = self.pads.top;
        let row_taps = fw * c;
        let mut blocks = Vec::new();
        let mut k0 = 0;
        while k0 < k {
            let kb = block_width(k - k0);
            blocks.push((k0, kb));
            k0 += kb;
        }
        // Output rows [i_lo, i_hi) that filter row di reads inside the input.
        let rows_of = |di: usize| {
            let valid = |i: usize| i * s + di >= pt && i * s + di - pt < h;
            let lo = (0..oh).find(|&i| valid(i)).unwrap_or(oh);
            let hi = (lo..oh).find(|&i| !valid(i)).unwrap_or(oh);
            (lo, hi)
        };
        let chunk = (CHUNK_PIXELS / (oh * ow).max(1)).clamp(1, self.batch);
        let mut sweep = DwSweep { geo: self, x, dy, entries: Vec::new(), row_start: Vec::new(), borders: Vec::new(), n0: 0, n1: 0 };
        while sweep.n0 < self.batch {
            sweep.n1 = (sweep.n0 + chunk).min(self.batch);
            sweep.list_live(&blocks);
            // The bias gradient from the same list: each pixel's gradient in listed order
            // (a zero one adds exactly nothing, so the pixels left out change no bit).
            for (bi, &(k0, kb)) in blocks.iter().enumerate() {
                let rows = (sweep.n1 - sweep.n0) * oh;
                let (a, b) = (sweep.row_start[bi * rows], sweep.row_start[(bi + 1) * rows]);
                for &[_, gi] in &sweep.entries[a..b] {
                    let gi = gi & !BORDER;
                    for (d, &g) in db[k0..k0 + kb].iter_mut().zip(&dy[gi..gi + kb]) {
                        *d += g;
                    }
                }
            }
            for (bi, &(k0, kb)) in blocks.iter().enumerate() {
                for di in 0..fh {
                    let rows = rows_of(di);
                    if rows.0 >= rows.1 {
                        continue;
                    }
                    let dwrow = &mut dw[di * row_taps * k..(di + 1) * row_taps * k];
                    let mut t0 = 0;
                    while t0 < row_taps {
                        let tall = K::TALL && kb == WIDE && row_taps - t0 >= 2 * TAPS;
                        let tb = if tall { 2 * TAPS } else if row_taps - t0 >= TAPS { TAPS } else { 1 };
                        let at = DwTile { di, t0, bi, k0, rows };
                        // (On wasm WIDE is KB: the second branch never runs there.)
                        if tall {
                            sweep.tile::<K, { 2 * TAPS }, WIDE>(dwrow, at)
                        } else if tb == TAPS {
                            if kb == WIDE {
                                sweep.tile::<K, TAPS, WIDE>(dwrow, at)
                            } else if kb == KB {
                                sweep.tile::<K, TAPS, KB>(dwrow, at)
                            } else {
                                sweep.tile::<K, TAPS, 1>(dwrow, at)
                            }
                        } else if kb == WIDE {
                            sweep.tile::<K, 1, WIDE>(dwrow, at)
                        } else if kb == KB {
                            sweep.tile::<K, 1, KB>(dwrow, at)
                        } else {
                            sweep.tile::<K, 1, 1>(dwrow, at)
                        }
                        t0 += tb;
                    }
                }
            }
            sweep.n0 = sweep.n1;
        }
    }

    /// dx = sum over pixels and taps of w[tap] . dy (overwrites dx). Lengths checked.
    ///
    /// With stride 1 this is itself a convolution (the "transposed convolution"): of dy,
    /// padded by f - 1 - p on each side, with the filters rotated by 180 degrees and their
    /// two channel axes swapped; it runs through the forward kernel's register tiles.
    /// Other strides take a direct loop.
    #[inline(always)]
    fn input_grad<K: Isa>(&self, w: &[f32], dy: &[f32], dx: &mut [f32]) {
        if let Some(t) = self.transposed() {
            let (fh, fw, c, k) = (self.f_h, self.f_w, self.c_in, self.c_out);
            let mut wt = vec![0f32; w.len()];
            for di in 0..fh {
                for dj in 0..fw {
                    let src = ((fh - 1 - di) * fw + (fw - 1 - dj)) * c * k;
                    let dst = (di * fw + dj) * k * c;
                    for ch in 0..c {
                        for kk in 0..k {
                            wt[dst + kk * c + ch] = w[src + ch * k + kk];
                        }
                    }
                }
            }
            let zeros = vec![0f32; c];
            t.forward_kernel::<K, false>(dy, &wt, &zeros, dx);
            return;
        }
        self.input_grad_direct(w, dy, dx);
    }

    /// The geometry of the convolution whose output is this one's input gradient (see
    /// [`Self::input_grad`]); `None` for a stride above 1 or padding of f or more.
    fn transposed(&self) -> Option<ConvGeometry> {
        let p = self.pads;
        let (fh, fw) = (self.f_h, self.f_w);
        if self.stride != 1 || p.top >= fh || p.bottom >= fh || p.left >= fw || p.right >= fw {
            return None;
        }
        let pads = Pads { top: fh - 1 - p.top, bottom: fh - 1 - p.bottom, left: fw - 1 - p.left, right: fw - 1 - p.right };
        let t = ConvGeometry {
            batch: self.batch,
            h: self.out_h,
            w: self.out_w,
            c_in: self.c_out,
            f_h: fh,
            f_w: fw,
            c_out: self.c_in,
            stride: 1,
            pads,
            out_h: self.out_h + pads.top + pads.bottom + 1 - fh,
            out_w: self.out_w + pads.left + pads.right + 1 - fw,
        };
        (t.out_h == self.h && t.out_w == self.w).then_some(t)
    }

    /// [`Self::input_grad`] for any stride: each output pixel's gradient spread over its
    /// window, one dot product per tap.
    #[inline(always)]
    fn input_grad_direct(&self, w: &[f32], dy: &[f32], dx: &mut [f32]) {
        let (h, wd, c, k, s) = (self.h, self.w, self.c_in, self.c_out, self.stride);
        let (fh, fw) = (self.f_h, self.f_w);
        let (oh, ow) = (self.out_h, self.out_w);
        let (pt, pl) = (self.pads.top, self.pads.left);
        let row_taps = fw * c;
        dx.fill(0.0);
        for n in 0..self.batch {
            let dximg = &mut dx[n * h * wd * c..(n + 1) * h * wd * c];
            for i in 0..oh {
                let (di_lo, di_hi) = tap_range(i, s, pt, h, fh);
                let dyrow = &dy[((n * oh + i) * ow) * k..((n * oh + i) * ow + ow) * k];
                for di in di_lo..di_hi {
                    let yi = i * s + di - pt;
                    let dxrow = &mut dximg[yi * wd * c..(yi + 1) * wd * c];
                    let wrow = &w[di * row_taps * k..(di + 1) * row_taps * k];
                    for (j, g) in dyrow.chunks_exact(k).enumerate() {
                        let (dj_lo, dj_hi) = tap_range(j, s, pl, wd, fw);
                        if dj_hi == dj_lo {
                            continue;
                        }
                        let dxseg = &mut dxrow[(j * s + dj_lo - pl) * c..(j * s + dj_hi - pl) * c];
                        let wseg = &wrow[dj_lo * c * k..dj_hi * c * k];
                        for (d, wt) in dxseg.iter_mut().zip(wseg.chunks_exact(k)) {
                            *d += dot(wt, g);
                        }
                    }
                }
            }
        }
    }
}

/// Filters per register block for `left` filters still to do: WIDE, then KB, then one.
#[inline(always)]
fn block_width(left: usize) -> usize {
    if left >= WIDE {
        WIDE
    } else if left >= KB {
        KB
    } else {
        1
    }
}

/// Output pixels a filter-gradient tile is swept over before it is stored.
const CHUNK_PIXELS: usize = 1024;

/// Marks a border pixel's entry (its window reaches into the padding) in [`DwSweep`].
const BORDER: usize = 1 << (usize::BITS - 1);

/// One tile of a filter-gradient pass: filter row `di`, taps t0.., filters k0.. (block
/// `bi`), and the output rows [rows.0, rows.1) whose filter row `di` lies in the input.
#[derive(Clone, Copy)]
struct DwTile {
    di: usize,
    t0: usize,
    bi: usize,
    k0: usize,
    rows: (usize, usize),
}

/// One chunk of images (n0..n1) of a filter-gradient pass, with the list of its live
/// pixels: per filter block, the pixels whose gradient is nonzero in that block, row by
/// row (each row's interior columns left to right, then its border columns), each as
/// [x index of its window's first tap in filter row `pt` (the row at the output row's
/// own height), dy index of its block]. For a border pixel the first is the start of
/// that input row and the second carries [`BORDER`].
struct DwSweep<'a> {
    geo: &'a ConvGeometry,
    x: &'a [f32],
    dy: &'a [f32],
    entries: Vec<[usize; 2]>,
    /// Per block, per (image of the chunk, output row) and one more: where its entries start.
    row_start: Vec<usize>,
    /// Per block, the positions in `entries` of its border pixels, in order.
    borders: Vec<Vec<usize>>,
    n0: usize,
    n1: usize,
}

impl DwSweep<'_> {
    /// Lists the chunk's live pixels (see [`DwSweep`]) for each block (k0, kb).
    fn list_live(&mut self, blocks: &[(usize, usize)]) {
        let g = self.geo;
        let (wd, c, k, s) = (g.w, g.c_in, g.c_out, g.stride);
        let (oh, ow) = (g.out_h, g.out_w);
        let pl = g.pads.left;
        let (j0, j1) = interior_range(ow, s, pl, wd, g.f_w);
        let rows = (self.n1 - self.n0) * oh;
        self.entries.clear();
        self.row_start.clear();
        self.borders.resize(blocks.len(), Vec::new());
        for (bi, &(k0, kb)) in blocks.iter().enumerate() {
            self.borders[bi].clear();
            for r in 0..rows {
                let (n, i) = (self.n0 + r / oh, r % oh);
                self.row_start.push(self.entries.len());
                let row = (n * oh + i) * ow * k;
                // The row of x at the output row's height (filter row pt), image n.
                let xrow = (n * g.h + i * s) * wd * c;
                // A zero gradient adds exactly nothing: only nonzero ones are listed.
                let live = |j: usize| any_nonzero(&self.dy[row + j * k + k0..row + j * k + k0 + kb]);
                for j in j0..j1 {
                    if live(j) {
                        self.entries.push([xrow + (j * s - pl) * c, row + j * k + k0]);
                    }
                }
                for j in (0..j0).chain(j1..ow) {
                    if live(j) {
                        self.borders[bi].push(self.entries.len());
                        self.entries.push([xrow, (row + j * k + k0) | BORDER]);
                    }
                }
            }
        }
        self.row_start.push(self.entries.len());
    }

    /// The tile dw[di, t0..t0+T, k0..k0+B] of the filter row `dwrow`, accumulated over
    /// the chunk's live pixels in their listed order: runs of interior pixels in the
    /// micro-kernel (the tile in registers throughout), border pixels one by one with
    /// only the taps that land inside the input.
    #[inline(always)]
    fn tile<K: Isa, const T: usize, const B: usize>(&self, dwrow: &mut [f32], at: DwTile) {
        let DwTile { di, t0, bi, k0, rows } = at;
        let g = self.geo;
        let (wd, c, k, s) = (g.w, g.c_in, g.c_out, g.stride);
        let (oh, ow, fw) = (g.out_h, g.out_w, g.f_w);
        let (pt, pl) = (g.pads.top, g.pads.left);
        // Filter row di reads the input row (di - pt) below the listed one.
        let shift = (di * wd * c).wrapping_sub(pt * wd * c);
        let mut acc: [[f32; B]; T] =
            core::array::from_fn(|q| dwrow[(t0 + q) * k + k0..(t0 + q) * k + k0 + B].try_into().expect("B-wide block"));
        let starts = &self.row_start[bi * (self.n1 - self.n0) * oh..];
        let borders = &self.borders[bi];
        for img in 0..self.n1 - self.n0 {
            let (first, end) = (starts[img * oh + rows.0], starts[img * oh + rows.1]);
            let mut at = first;
            let mut b = borders.partition_point(|&p| p < first);
            while at < end {
                let stop = borders.get(b).copied().filter(|&p| p < end).unwrap_or(end);
                if stop > at {
                    K::dw_pairs::<T, B>(&mut acc, self.x, self.dy, &self.entries[at..stop], shift.wrapping_add(t0));
                }
                if stop == end {
                    break;
                }
                // A border pixel: only the taps whose column lands inside the input.
                let [xr, gi] = self.entries[stop];
                let gi = gi & !BORDER;
                let j = (gi / k) % ow;
                let (dj_lo, dj_hi) = tap_range(j, s, pl, wd, fw);
                let xrow = &self.x[xr.wrapping_add(shift)..xr.wrapping_add(shift) + wd * c];
                let gv = &self.dy[gi..gi + B];
                for (q, aq) in acc.iter_mut().enumerate() {
                    let t = t0 + q;
                    let dj = t / c;
                    if dj < dj_lo || dj >= dj_hi {
                        continue;
                    }
                    let xv = xrow[(j * s + dj - pl) * c + t % c];
                    for (a, &gr) in aq.iter_mut().zip(gv) {
                        *a += xv * gr;
                    }
                }
                at = stop + 1;
                b += 1;
            }
        }
        for (q, aq) in acc.iter().enumerate() {
            dwrow[(t0 + q) * k + k0..(t0 + q) * k + k0 + B].copy_from_slice(aq);
        }
    }
}

/// Whether any value is nonzero (-0.0 counts as zero): eight at a time, so that the
/// compiler makes it a few SIMD compares for the usual 8- and 16-filter blocks.
#[inline(always)]
fn any_nonzero(v: &[f32]) -> bool {
    let mut chunks = v.chunks_exact(8);
    let mut any = [false; 8];
    for c in &mut chunks {
        let c: &[f32; 8] = c.try_into().expect("8 values");
        for l in 0..8 {
            any[l] |= c[l] != 0.0;
        }
    }
    any.iter().any(|&a| a) || chunks.remainder().iter().any(|&v| v != 0.0)
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

/// Native x86-64 builds target the baseline CPU (SSE2: 4 lanes). Where the CPU has AVX2
/// (checked once, at run time) the kernels run compiled a second time for it, with the
/// micro-kernels written with AVX2 intrinsics (8 lanes; 8- and 16-filter blocks in one or
/// two registers per row, every accumulator in a register). Same operations in the same
/// order (a multiply then an add, no fused multiply-add), so the same numbers to the bit
/// as the portable build. wasm32 instead has one build per target feature set
/// (`scripts/build.sh`).
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86 {
    use super::{ConvGeometry, Isa, Portable};
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

    /// See `super::fwd_tile`.
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

    /// See `super::dw_pairs`.
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

    /// `super::fwd_tile` for B = 16: one 16-lane register per pixel.
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

    /// `super::dw_pairs` for B = 16.
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
    pub(super) fn forward512<const RELU: bool>(g: &ConvGeometry, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) {
        g.forward_kernel::<Avx512, RELU>(x, w, b, out);
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn backward512(g: &ConvGeometry, x: &[f32], w: &[f32], dy: &[f32], dw: &mut [f32], db: &mut [f32], dx: Option<&mut [f32]>) {
        g.filter_grad::<Avx512>(x, dy, dw, db);
        if let Some(dx) = dx {
            g.input_grad::<Avx512>(w, dy, dx);
        }
    }

    #[target_feature(enable = "avx512f")]
    pub(super) fn input_grad512(g: &ConvGeometry, w: &[f32], dy: &[f32], dx: &mut [f32]) {
        g.input_grad::<Avx512>(w, dy, dx);
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn input_grad(g: &ConvGeometry, w: &[f32], dy: &[f32], dx: &mut [f32]) {
        g.input_grad::<Avx2>(w, dy, dx);
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn forward<const RELU: bool>(g: &ConvGeometry, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) {
        g.forward_kernel::<Avx2, RELU>(x, w, b, out);
    }

    #[target_feature(enable = "avx2")]
    pub(super) fn backward(g: &ConvGeometry, x: &[f32], w: &[f32], dy: &[f32], dw: &mut [f32], db: &mut [f32], dx: Option<&mut [f32]>) {
        g.filter_grad::<Avx2>(x, dy, dw, db);
        if let Some(dx) = dx {
            g.input_grad::<Avx2>(w, dy, dx);
        }
    }
}

/// The micro-kernels of one instruction set: the loops above are written once and
/// compiled for each (`Portable`: generic code LLVM vectorises, or explicit wasm SIMD;
/// `x86::Avx2`).
pub(crate) trait Isa {
    /// Tiles of 8 pixels or taps by 16 filters (x86 with AVX-512 has 32 registers of 16
    /// lanes): 8 independent accumulators instead of 4.
    const TALL: bool = false;
    /// See [`fwd_tile`].
    fn fwd_tile<const P: usize, const B: usize>(taps: usize, xrow: &[f32], starts: [usize; P], wseg: &[f32], k: usize, k0: usize, acc: &mut [[f32; B]; P]);
    /// See [`dw_pairs`].
    #[allow(clippy::too_many_arguments)]
    fn dw_pairs<const T: usize, const B: usize>(acc: &mut [[f32; B]; T], x: &[f32], dy: &[f32], pairs: &[[usize; 2]], off: usize);
}

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

/// Filters per wide register block: 16 natively (two AVX2 registers, four SSE2 ones per
/// accumulator row); 8 on wasm, whose engines map `f32x4` onto 16 x86 registers.
#[cfg(not(target_arch = "wasm32"))]
const WIDE: usize = 16;
#[cfg(target_arch = "wasm32")]
const WIDE: usize = 8;

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

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
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

    /// See `super::fwd_tile`: P pixels x B filters, accumulators in P x B/4 registers.
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

    /// See `super::dw_pairs`: T taps x B filters of dw, swept over the pixels `pairs`.
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
}

/// Dot product of two equally long slices, 8 lanes at a time.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for q in 0..8 {
            acc[q] += x[q] * y[q];
        }
    }
    let mut sum = acc.iter().sum::<f32>();
    for (x, y) in ar.iter().zip(br) {
        sum += x * y;
    }
    sum
}

fn check_filter(c: usize, fc: usize, k: usize, nb: usize) -> Result<()> {
    if fc != c {
        return Err(shape_err!(
            "the filter has {fc} channels but the input has {c}: they must match"
        ));
    }
    if nb != k {
        return Err(shape_err!("{k} filters need {k} biases, got {nb}"));
    }
    Ok(())
}

/// Forward pass: x (m, h, w, c), filters (fh, fw, c, k), bias (k) -> (m, oh, ow, k),
/// with oh = floor((h + p_top + p_bottom - fh) / s) + 1 (and likewise ow).
pub fn conv2d(
    x: ArrayView4<f32>,
    w: ArrayView4<f32>,
    b: ArrayView1<f32>,
    stride: usize,
    padding: Padding,
    mode: Correlation,
) -> Result<Array4<f32>> {
    let (m, h, wd, c) = x.dim();
    let (fh, fw, fc, k) = w.dim();
    check_filter(c, fc, k, b.len())?;
    let geo = ConvGeometry::new(m, (h, wd, c), (fh, fw, k), stride, padding)?;
    let w = match mode {
        Correlation::Cross => w.as_standard_layout().into_owned(),
        Correlation::True => flip_filter(w),
    };
    let x = x.as_standard_layout();
    let b = b.to_vec();
    let mut out = Array4::<f32>::zeros((m, geo.out_h, geo.out_w, k));
    geo.forward_into(
        x.as_slice().ok_or_else(|| param_err!("input is not contiguous"))?,
        w.as_slice().ok_or_else(|| param_err!("filters are not contiguous"))?,
        &b,
        out.as_slice_mut().ok_or_else(|| param_err!("output is not contiguous"))?,
    )?;
    Ok(out)
}

/// Backward pass of [`conv2d`]: given x, the filters and dL/dy (m, oh, ow, k), return
/// dL/dw (fh, fw, c, k), dL/db (k) and, if `need_dx`, dL/dx (m, h, w, c). For
/// [`Correlation::True`] the filter gradient is with respect to the filter as the caller
/// wrote it (the flip is undone).
pub fn conv2d_backward(
    x: ArrayView4<f32>,
    w: ArrayView4<f32>,
    dy: ArrayView4<f32>,
    stride: usize,
    padding: Padding,
    mode: Correlation,
    need_dx: bool,
) -> Result<ConvGrads> {
    let (m, h, wd, c) = x.dim();
    let (fh, fw, fc, k) = w.dim();
    check_filter(c, fc, k, k)?;
    let geo = ConvGeometry::new(m, (h, wd, c), (fh, fw, k), stride, padding)?;
    if dy.dim() != (m, geo.out_h, geo.out_w, k) {
        return Err(shape_err!(
            "the output gradient has shape {:?} but the convolution's output is {:?}",
            dy.dim(),
            (m, geo.out_h, geo.out_w, k)
        ));
    }
    let wk = match mode {
        Correlation::Cross => w.as_standard_layout().into_owned(),
        Correlation::True => flip_filter(w),
    };
    let x = x.as_standard_layout();
    let dy = dy.as_standard_layout();
    let mut dw = Array4::<f32>::zeros((fh, fw, c, k));
    let mut db = Array1::<f32>::zeros(k);
    let mut dx = if need_dx { Some(Array4::<f32>::zeros((m, h, wd, c))) } else { None };
    let not_contig = || param_err!("internal buffer is not contiguous");
    geo.backward_into(
        x.as_slice().ok_or_else(not_contig)?,
        wk.as_slice().ok_or_else(not_contig)?,
        dy.as_slice().ok_or_else(not_contig)?,
        dw.as_slice_mut().ok_or_else(not_contig)?,
        db.as_slice_mut().ok_or_else(not_contig)?,
        match dx.as_mut() {
            Some(d) => Some(d.as_slice_mut().ok_or_else(not_contig)?),
            None => None,
        },
    )?;
    let dw = match mode {
        Correlation::Cross => dw,
        // y uses flip(w), so dL/dw = flip(dL/d flip(w)).
        Correlation::True => flip_filter(dw.view()),
    };
    Ok(ConvGrads { dx, dw, db })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use ndarray::{arr1, Array2};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    pub(crate) fn lecture_image() -> Array2<f32> {
        ndarray::arr2(&[
            [3., 0., 1., 2., 7., 4.],
            [1., 5., 8., 9., 3., 1.],
            [2., 7., 2., 5., 1., 3.],
            [0., 1., 3., 1., 7., 8.],
            [4., 2., 1., 6., 2., 8.],
            [2., 4., 5., 2., 3., 9.],
        ])
    }

    #[test]
    fn lecture_vertical_edge_example() {
        let x = lecture_image().into_shape_with_order((1, 6, 6, 1)).unwrap();
        let f = ndarray::arr2(&[[1., 0., -1.], [1., 0., -1.], [1., 0., -1.]])
            .into_shape_with_order((3, 3, 1, 1))
            .unwrap();
        let y = conv2d(x.view(), f.view(), arr1(&[0.]).view(), 1, Padding::Valid, Correlation::Cross)
            .unwrap();
        let y = y.into_shape_with_order((4, 4)).unwrap();
        let expected = ndarray::arr2(&[
            [-5., -4., 0., 8.],
            [-10., -2., 2., 3.],
            [0., -2., -4., -7.],
            [-3., -2., -3., -16.],
        ]);
        assert_eq!(y, expected);
    }

    fn random4(rng: &mut ChaCha8Rng, d: (usize, usize, usize, usize)) -> Array4<f32> {
        Array4::from_shape_fn(d, |_| rng.random_range(-1.0f32..1.0))
    }

    /// The definition, in f64, straight from the formula (cross-correlation with `w`).
    fn reference_forward(x: &Array4<f64>, w: &Array4<f64>, b: &[f64], s: usize, p: Pads) -> Array4<f64> {
        let (m, h, wd, c) = x.dim();
        let (fh, fw, _, k) = w.dim();
        let oh = (h + p.top + p.bottom - fh) / s + 1;
        let ow = (wd + p.left + p.right - fw) / s + 1;
        Array4::from_shape_fn((m, oh, ow, k), |(n, i, j, o)| {
            let mut acc = b[o];
            for di in 0..fh {
                for dj in 0..fw {
                    let yi = (i * s + di) as isize - p.top as isize;
                    let xj = (j * s + dj) as isize - p.left as isize;
                    if yi < 0 || xj < 0 || yi >= h as isize || xj >= wd as isize {
                        continue;
                    }
                    for ch in 0..c {
                        acc += x[[n, yi as usize, xj as usize, ch]] * w[[di, dj, ch, o]];
                    }
                }
            }
            acc
        })
    }

    fn to64(a: &Array4<f32>) -> Array4<f64> {
        a.mapv(|v| v as f64)
    }

    fn rel_err(a: &[f64], b: &[f64]) -> f64 {
        let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt();
        let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
        let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
        diff / na.max(nb).max(1e-12)
    }

    #[derive(Clone)]
    struct Case {
        m: usize,
        h: usize,
        w: usize,
        c: usize,
        fh: usize,
        fw: usize,
        k: usize,
        s: usize,
        padding: Padding,
        mode: Correlation,
    }

    fn cases() -> Vec<Case> {
        use Correlation::*;
        let e = |top, bottom, left, right| Padding::Explicit { top, bottom, left, right };
        let c = |m, h, w, c, fh, fw, k, padding, mode| Case { m, h, w, c, fh, fw, k, s: 1, padding, mode };
        vec![
            c(2, 9, 11, 3, 4, 4, 8, Padding::Same, Cross),   // SIGNS conv1 in small, even filter
            c(1, 8, 8, 8, 2, 2, 16, Padding::Same, Cross),   // SIGNS conv2
            c(2, 7, 7, 3, 3, 3, 16, Padding::Same, Cross),   // robust model
            c(1, 9, 10, 2, 3, 3, 5, Padding::Valid, Cross),  // filters not a multiple of 8
            c(2, 9, 8, 3, 3, 2, 11, Padding::Same, True),    // 8 + 3 filters, non-square
            c(1, 10, 9, 2, 4, 3, 9, Padding::Same, Cross),
            c(2, 11, 9, 3, 3, 3, 8, Padding::Same, Cross),   // stride 2 below
            c(1, 8, 9, 2, 2, 4, 8, e(2, 0, 1, 3), True),     // explicit, asymmetric
            c(1, 6, 6, 1, 3, 3, 1, Padding::Pad(1), Cross),
            c(1, 4, 4, 2, 2, 2, 8, e(3, 3, 3, 3), Cross),    // windows entirely in padding
        ]
        .into_iter()
        .enumerate()
        .map(|(i, mut cs)| {
            if i == 6 || i == 7 {
                cs.s = 2;
            }
            if i == 5 {
                cs.s = 3;
            }
            cs
        })
        .collect()
    }

    #[test]
    fn fast_forward_matches_the_definition() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for cs in cases() {
            let x = random4(&mut rng, (cs.m, cs.h, cs.w, cs.c));
            let w = random4(&mut rng, (cs.fh, cs.fw, cs.c, cs.k));
            let b: Vec<f32> = (0..cs.k).map(|_| rng.random_range(-1.0f32..1.0)).collect();
            let y = conv2d(x.view(), w.view(), ArrayView1::from(&b), cs.s, cs.padding, cs.mode).unwrap();
            let (pads, _) = cs.padding.resolve((cs.h, cs.w), (cs.fh, cs.fw), cs.s).unwrap();
            let weff = match cs.mode {
                Correlation::Cross => w.clone(),
                Correlation::True => flip_filter(w.view()),
            };
            let b64: Vec<f64> = b.iter().map(|&v| v as f64).collect();
            let r = reference_forward(&to64(&x), &to64(&weff), &b64, cs.s, pads);
            assert_eq!(y.dim(), r.dim());
            for (a, e) in y.iter().zip(r.iter()) {
                assert!((*a as f64 - e).abs() < 1e-5, "{a} vs {e}");
            }
        }
    }

    /// Analytic gradients (f32 kernels) vs central differences of the f64 definition,
    /// for L = sum(y * r) with a random r (so dL/dy = r).
    #[test]
    fn gradients_match_central_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        // Dense output gradients, and sparse ones as ReLU and max pooling leave them (most
        // pixels all zero, some with only some filters zero): the filter gradient skips
        // zero pixels, which must not change it.
        for (cs, sparse) in cases().into_iter().flat_map(|c| [(c.clone(), false), (c, true)]) {
            let x = random4(&mut rng, (cs.m, cs.h, cs.w, cs.c));
            let w = random4(&mut rng, (cs.fh, cs.fw, cs.c, cs.k));
            let b: Vec<f64> = (0..cs.k).map(|_| rng.random_range(-1.0..1.0)).collect();
            let (pads, (oh, ow)) = cs.padding.resolve((cs.h, cs.w), (cs.fh, cs.fw), cs.s).unwrap();
            let mut r = random4(&mut rng, (cs.m, oh, ow, cs.k));
            if sparse {
                for px in r.as_slice_mut().unwrap().chunks_exact_mut(cs.k) {
                    let keep: f64 = rng.random_range(0.0..1.0);
                    let zeros = if keep < 0.8 { cs.k } else if keep < 0.9 { cs.k.min(8) } else { 0 };
                    px[..zeros].fill(0.0);
                }
            }
            let g = conv2d_backward(x.view(), w.view(), r.view(), cs.s, cs.padding, cs.mode, true).unwrap();
            let r64 = to64(&r);
            let mode = cs.mode;
            let loss = |x: &Array4<f64>, w: &Array4<f64>, b: &[f64]| {
                let weff = match mode {
                    Correlation::Cross => w.clone(),
                    Correlation::True => w.slice(s![..;-1, ..;-1, .., ..]).to_owned(),
                };
                (reference_forward(x, &weff, b, cs.s, pads) * &r64).sum()
            };
            let eps = 1e-4;
            let (x64, w64) = (to64(&x), to64(&w));
            // Check a random sample of coordinates (all of them for small tensors): each
            // one costs two full forward passes of the reference.
            let sample = |len: usize, rng: &mut ChaCha8Rng| -> Vec<usize> {
                if len <= 60 {
                    (0..len).collect()
                } else {
                    (0..60).map(|_| rng.random_range(0..len)).collect()
                }
            };
            let (xs, ws) = (sample(x64.len(), &mut rng), sample(w64.len(), &mut rng));
            let mut num_dx = Vec::new();
            for &idx in &xs {
                let (mut xp, mut xm) = (x64.clone(), x64.clone());
                xp.as_slice_mut().unwrap()[idx] += eps;
                xm.as_slice_mut().unwrap()[idx] -= eps;
                num_dx.push((loss(&xp, &w64, &b) - loss(&xm, &w64, &b)) / (2.0 * eps));
            }
            let mut num_dw = Vec::new();
            for &idx in &ws {
                let (mut wp, mut wm) = (w64.clone(), w64.clone());
                wp.as_slice_mut().unwrap()[idx] += eps;
                wm.as_slice_mut().unwrap()[idx] -= eps;
                num_dw.push((loss(&x64, &wp, &b) - loss(&x64, &wm, &b)) / (2.0 * eps));
            }
            let mut num_db = Vec::new();
            for idx in 0..b.len() {
                let (mut bp, mut bm) = (b.clone(), b.clone());
                bp[idx] += eps;
                bm[idx] -= eps;
                num_db.push((loss(&x64, &w64, &bp) - loss(&x64, &w64, &bm)) / (2.0 * eps));
            }
            let f = |a: &[f32]| a.iter().map(|&v| v as f64).collect::<Vec<_>>();
            let pick = |a: &[f32], idx: &[usize]| idx.iter().map(|&i| a[i] as f64).collect::<Vec<_>>();
            let dx = g.dx.unwrap();
            let e_dx = rel_err(&pick(dx.as_slice().unwrap(), &xs), &num_dx);
            let e_dw = rel_err(&pick(g.dw.as_slice().unwrap(), &ws), &num_dw);
            let e_db = rel_err(&f(g.db.as_slice().unwrap()), &num_db);
            assert!(e_dx < 1e-4 && e_dw < 1e-4 && e_db < 1e-4, "dx {e_dx} dw {e_dw} db {e_db}");
        }
    }

    /// The portable kernels and the x86 AVX2 and AVX-512 ones (where this CPU has them)
    /// give the same bits: a multiply then an add per lane, in the same order.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut shapes: Vec<_> =
            cases().iter().filter(|c| c.s == 1).map(|c| (c.m, c.h, c.w, c.c, c.fh, c.fw, c.k, c.padding)).collect();
        // The robust network's layers, small: 16, 32 and 64 filters, 16 to 64 channels.
        shapes.extend([
            (2, 9, 10, 3, 3, 3, 16, Padding::Same),
            (2, 8, 7, 16, 3, 3, 32, Padding::Same),
            (1, 6, 6, 32, 3, 3, 64, Padding::Same),
            (1, 5, 4, 64, 3, 3, 24, Padding::Valid),
        ]);
        type Out = (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>);
        for (m, h, w, c, fh, fw, k, padding) in shapes {
            let g = ConvGeometry::new(m, (h, w, c), (fh, fw, k), 1, padding).unwrap();
            let r = |n: usize, rng: &mut ChaCha8Rng| (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect::<Vec<_>>();
            let (x, wt, b) = (r(g.x_len(), &mut rng), r(g.w_len(), &mut rng), r(k, &mut rng));
            let mut dy = r(g.out_len(), &mut rng);
            dy.iter_mut().step_by(3).for_each(|v| *v = 0.0);
            let fresh = || -> Out { (vec![0.0; g.out_len()], vec![0.0; g.w_len()], vec![0.0; k], vec![0.0; g.x_len()]) };
            let mut portable = fresh();
            g.forward_kernel::<Portable, false>(&x, &wt, &b, &mut portable.0);
            g.filter_grad::<Portable>(&x, &dy, &mut portable.1, &mut portable.2);
            g.input_grad::<Portable>(&wt, &dy, &mut portable.3);
            let bits = |o: &Out| [&o.0, &o.1, &o.2, &o.3].map(|v| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>());
            if x86::has_avx2() {
                let mut o = fresh();
                // SAFETY: checked just above.
                unsafe {
                    x86::forward::<false>(&g, &x, &wt, &b, &mut o.0);
                    x86::backward(&g, &x, &wt, &dy, &mut o.1, &mut o.2, Some(&mut o.3));
                }
                assert!(bits(&o) == bits(&portable), "AVX2 differs for {:?}", (m, h, w, c, fh, fw, k));
            }
            if x86::has_avx512() {
                let mut o = fresh();
                // SAFETY: checked just above.
                unsafe {
                    x86::forward512::<false>(&g, &x, &wt, &b, &mut o.0);
                    x86::backward512(&g, &x, &wt, &dy, &mut o.1, &mut o.2, Some(&mut o.3));
                }
                assert!(bits(&o) == bits(&portable), "AVX-512 differs for {:?}", (m, h, w, c, fh, fw, k));
            }
            // The public entry points, the backward pass in two halves (as profiling runs it).
            let mut o = fresh();
            g.forward_into(&x, &wt, &b, &mut o.0).unwrap();
            g.backward_into(&x, &wt, &dy, &mut o.1, &mut o.2, None).unwrap();
            g.input_grad_into(&wt, &dy, &mut o.3).unwrap();
            assert!(bits(&o) == bits(&portable), "the halves differ for {:?}", (m, h, w, c, fh, fw, k));
        }
    }

    #[test]
    fn cross_and_true_convolution_differ_for_asymmetric_filters_only() {
        let x = lecture_image().into_shape_with_order((1, 6, 6, 1)).unwrap();
        let b = arr1(&[0f32]);
        let asym = ndarray::arr2(&[[1f32, 0., -1.], [1., 0., -1.], [1., 0., -1.]])
            .into_shape_with_order((3, 3, 1, 1))
            .unwrap();
        let sym = ndarray::arr2(&[[1f32, 2., 1.], [2., 4., 2.], [1., 2., 1.]])
            .into_shape_with_order((3, 3, 1, 1))
            .unwrap();
        let run = |w: &Array4<f32>, mode| conv2d(x.view(), w.view(), b.view(), 1, Padding::Valid, mode).unwrap();
        let (cross, truec) = (run(&asym, Correlation::Cross), run(&asym, Correlation::True));
        // Rotating [1,0,-1] by 180 degrees negates it: true convolution is the negative.
        assert_eq!(truec, cross.mapv(|v| -v));
        assert_ne!(truec, cross);
        assert_eq!(run(&sym, Correlation::Cross), run(&sym, Correlation::True));
    }

    #[test]
    fn bad_shapes_are_errors() {
        let x = Array4::<f32>::zeros((1, 5, 5, 3));
        let w = Array4::<f32>::zeros((3, 3, 2, 4));
        let b = Array1::<f32>::zeros(4);
        let e = conv2d(x.view(), w.view(), b.view(), 1, Padding::Valid, Correlation::Cross).unwrap_err();
        assert!(e.to_string().contains("channels"), "{e}");
        let w = Array4::<f32>::zeros((3, 3, 3, 4));
        let e = conv2d(x.view(), w.view(), b.view(), 0, Padding::Valid, Correlation::Cross).unwrap_err();
        assert!(e.to_string().contains("stride"), "{e}");
        let big = Array4::<f32>::zeros((8, 8, 3, 4));
        let e = conv2d(x.view(), big.view(), b.view(), 1, Padding::Pad(1), Correlation::Cross).unwrap_err();
        assert!(e.to_string().contains("larger"), "{e}");
        let e = conv2d(x.view(), w.view(), Array1::zeros(3).view(), 1, Padding::Valid, Correlation::Cross)
            .unwrap_err();
        assert!(e.to_string().contains("biases"), "{e}");
        let dy = Array4::<f32>::zeros((1, 2, 2, 4));
        assert!(conv2d_backward(x.view(), w.view(), dy.view(), 1, Padding::Valid, Correlation::Cross, true).is_err());
        // The slice kernels check buffer lengths instead of panicking.
        let geo = ConvGeometry::new(1, (5, 5, 3), (3, 3, 4), 1, Padding::Same).unwrap();
        let mut out = vec![0f32; geo.out_len()];
        assert!(geo.forward_into(&[0.0; 3], &vec![0.0; geo.w_len()], &[0.0; 4], &mut out).is_err());
    }

    #[test]
    fn geometry_of_signs_conv1() {
        let g = ConvGeometry::new(64, (64, 64, 3), (4, 4, 8), 1, Padding::Same).unwrap();
        assert_eq!((g.out_h, g.out_w), (64, 64));
        assert_eq!((g.pads.top, g.pads.bottom, g.pads.left, g.pads.right), (1, 2, 1, 2));
        assert_eq!(g.macs(), 64 * 64 * 64 * 8 * 4 * 4 * 3);
    }
}
