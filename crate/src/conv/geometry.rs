//! [`ConvGeometry`]: the sizes of one convolution, resolved once (padding, output size,
//! buffer lengths), and the index arithmetic every kernel shares (which taps of a window
//! fall inside the input, which output columns never read padding).

use crate::conv::shape::{Padding, Pads};
use crate::error::Result;
use crate::shape_err;

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

fn checked_len(dims: &[usize], what: &str) -> Result<usize> {
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| shape_err!("the {what} is too large to hold in memory"))
}

pub(super) fn check_len(got: usize, want: usize, what: &str) -> Result<()> {
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
pub(super) fn interior_range(out: usize, s: usize, pad: usize, n: usize, f: usize) -> (usize, usize) {
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
            return Err(crate::message::Message::ConvEmptyBatch {}.shape());
        }
        if c_in == 0 || c_out == 0 {
            return Err(crate::message::Message::ConvNoChannels { c_in, c_out }.shape());
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
}
