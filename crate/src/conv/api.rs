//! The teaching API on ndarray views: [`conv2d`] and [`conv2d_backward`], cross-correlation
//! or true convolution. They check shapes, lay the arrays out contiguously and run the
//! slice kernels of [`ConvGeometry`], so there is one implementation.

use crate::conv::shape::Padding;
use crate::conv::ConvGeometry;
use crate::error::Result;
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

fn check_filter(c: usize, fc: usize, k: usize, nb: usize) -> Result<()> {
    if fc != c {
        return Err(crate::message::Message::ConvFilterChannels { fc, c }.shape());
    }
    if nb != k {
        return Err(crate::message::Message::ConvBiases { k, got: nb }.shape());
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
