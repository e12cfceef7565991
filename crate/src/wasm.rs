//! The only module that knows about wasm-bindgen: opaque handles and plain slices in,
//! typed arrays or small serde structs out, core errors as `JsError` with their message.

use crate::conv::{conv2d, Correlation};
use crate::shape::Padding;
use ndarray::{Array1, Array4};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn js_err(e: crate::ConvLabError) -> JsError {
    JsError::new(&e.to_string())
}

/// Convolve one grey image (h x w, row-major) with one f_h x f_w filter at the given
/// stride and symmetric padding p. Returns the output row-major; its width is
/// `conv_output_width`.
#[wasm_bindgen(js_name = convolveGrey)]
pub fn convolve_grey(
    image: &[f32],
    h: usize,
    w: usize,
    filter: &[f32],
    f: usize,
    stride: usize,
    pad: usize,
    true_convolution: bool,
) -> Result<Vec<f32>, JsError> {
    let x = Array4::from_shape_vec((1, h, w, 1), image.to_vec())
        .map_err(|_| JsError::new("image size does not match h x w"))?;
    let k = Array4::from_shape_vec((f, f, 1, 1), filter.to_vec())
        .map_err(|_| JsError::new("filter size does not match f x f"))?;
    let mode = if true_convolution { Correlation::True } else { Correlation::Cross };
    let y = conv2d(x.view(), k.view(), Array1::zeros(1).view(), stride, Padding::Pad(pad), mode)
        .map_err(js_err)?;
    Ok(y.into_raw_vec_and_offset().0)
}
