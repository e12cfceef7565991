//! Bindings for section 1, convolution: one grey image convolved with one filter, and
//! the sliding window step by step.

use super::{from_js, grey_view, js_err, to_js};
use crate::conv::shape::Padding;
use crate::conv::{conv2d, Correlation};
use crate::lesson::stepper::window_step;
use ndarray::{Array1, Array4};
use wasm_bindgen::prelude::*;

fn mode(true_convolution: bool) -> Correlation {
    if true_convolution { Correlation::True } else { Correlation::Cross }
}

/// Convolve one grey image (h x w, row-major) with one f_h x f_w filter. `padding` is
/// `"valid"`, `"same"`, `{pad: p}` or `{explicit: {top, bottom, left, right}}`.
/// Returns `{ rows, cols, values }` with the output row-major.
#[wasm_bindgen(js_name = convolveGrey)]
#[allow(clippy::too_many_arguments)]
pub fn convolve_grey(
    image: &[f32],
    h: usize,
    w: usize,
    filter: &[f32],
    fh: usize,
    fw: usize,
    stride: usize,
    padding: JsValue,
    true_convolution: bool,
) -> Result<JsValue, JsError> {
    let padding: Padding = from_js(padding, "padding")?;
    let x = grey_view(image, h, w, "image")?.into_shape_with_order((1, h, w, 1)).map_err(|e| JsError::new(&e.to_string()))?;
    let k = grey_view(filter, fh, fw, "filter")?.into_shape_with_order((fh, fw, 1, 1)).map_err(|e| JsError::new(&e.to_string()))?;
    let y: Array4<f32> = conv2d(x, k, Array1::zeros(1).view(), stride, padding, mode(true_convolution)).map_err(js_err)?;
    let (_, rows, cols, _) = y.dim();
    #[derive(serde::Serialize)]
    struct Out { rows: usize, cols: usize, values: Vec<f32> }
    to_js(&Out { rows, cols, values: y.into_raw_vec_and_offset().0 })
}

/// The products and sum at output cell (i, j), for the step-by-step view.
#[wasm_bindgen(js_name = windowStep)]
#[allow(clippy::too_many_arguments)]
pub fn window_step_js(
    image: &[f32],
    h: usize,
    w: usize,
    filter: &[f32],
    f: usize,
    stride: usize,
    padding: JsValue,
    true_convolution: bool,
    i: usize,
    j: usize,
) -> Result<JsValue, JsError> {
    let padding: Padding = from_js(padding, "padding")?;
    let step = window_step(
        grey_view(image, h, w, "image")?,
        grey_view(filter, f, f, "filter")?,
        stride,
        padding,
        mode(true_convolution),
        i,
        j,
    )
    .map_err(js_err)?;
    to_js(&step)
}
