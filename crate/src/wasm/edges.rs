//! Bindings for section 2, edge detection: the preset filters, test pictures, a photo in
//! grey, filter responses and gradient magnitude in colour, and the learned filter.

use super::{grey_view, js_err, to_js};
use crate::conv::shape::Padding;
use crate::lesson::colormap::{diverging_into, diverging_legend, grey_into, sequential_into, sequential_legend, ColorRange};
use crate::lesson::edges::{apply_kernel, gradient_magnitude, grey_from_bytes, kernel_from_slice, transpose_kernel, EdgeFilter};
use crate::lesson::learned_filter::FilterLearner;
use crate::lesson::test_pictures::TestPicture;
use ndarray::Array2;
use wasm_bindgen::prelude::*;

/// A grey image and its RGBA pixels, ready for one `putImageData`.
#[wasm_bindgen]
pub struct GreyImage {
    rows: usize,
    cols: usize,
    values: Vec<f32>,
    max: f32,
}

#[wasm_bindgen]
impl GreyImage {
    #[wasm_bindgen(getter)]
    pub fn rows(&self) -> usize { self.rows }
    #[wasm_bindgen(getter)]
    pub fn cols(&self) -> usize { self.cols }
    /// Grey levels, row-major (copied into a Float32Array).
    #[wasm_bindgen(getter)]
    pub fn values(&self) -> Vec<f32> { self.values.clone() }
    /// The level drawn white (10 for the step images, 255 for photos).
    #[wasm_bindgen(getter)]
    pub fn max(&self) -> f32 { self.max }
    /// RGBA bytes, 0 black and `max` white.
    pub fn rgba(&self) -> Result<Vec<u8>, JsError> {
        let mut out = vec![0u8; self.values.len() * 4];
        grey_into(&self.values, 0.0, self.max.max(f32::MIN_POSITIVE), &mut out).map_err(js_err)?;
        Ok(out)
    }
}

impl GreyImage {
    fn from_array(a: Array2<f32>, max: f32) -> GreyImage {
        let (rows, cols) = a.dim();
        GreyImage { rows, cols, values: a.as_standard_layout().iter().copied().collect(), max }
    }
}

/// A map of values with its colours and the range for the legend.
#[wasm_bindgen]
pub struct ColoredMap {
    rows: usize,
    cols: usize,
    values: Vec<f32>,
    rgba: Vec<u8>,
    range: ColorRange,
}

#[wasm_bindgen]
impl ColoredMap {
    #[wasm_bindgen(getter)]
    pub fn rows(&self) -> usize { self.rows }
    #[wasm_bindgen(getter)]
    pub fn cols(&self) -> usize { self.cols }
    #[wasm_bindgen(getter)]
    pub fn values(&self) -> Vec<f32> { self.values.clone() }
    #[wasm_bindgen(getter)]
    pub fn rgba(&self) -> Vec<u8> { self.rgba.clone() }
    /// Value of the first legend colour (-m diverging, 0 sequential).
    #[wasm_bindgen(getter)]
    pub fn low(&self) -> f32 { self.range.low }
    #[wasm_bindgen(getter)]
    pub fn high(&self) -> f32 { self.range.high }
    #[wasm_bindgen(getter, js_name = dataMin)]
    pub fn data_min(&self) -> f32 { self.range.data_min }
    #[wasm_bindgen(getter, js_name = dataMax)]
    pub fn data_max(&self) -> f32 { self.range.data_max }
}

fn colored(a: Array2<f32>, diverging: bool, scale: Option<f32>) -> Result<ColoredMap, JsError> {
    let (rows, cols) = a.dim();
    let values: Vec<f32> = a.as_standard_layout().iter().copied().collect();
    let mut rgba = vec![0u8; values.len() * 4];
    let range = if diverging { diverging_into(&values, scale, &mut rgba) } else { sequential_into(&values, scale, &mut rgba) }
        .map_err(js_err)?;
    Ok(ColoredMap { rows, cols, values, rgba, range })
}

fn grey_array(image: &[f32], h: usize, w: usize) -> Result<Array2<f32>, JsError> {
    Ok(grey_view(image, h, w, "image")?.to_owned())
}

/// The preset edge filters: `[{name, label, kernel: [9 numbers row-major]}]`.
#[wasm_bindgen(js_name = edgeFilters)]
pub fn edge_filters() -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct F { name: &'static str, label: &'static str, kernel: Vec<f32> }
    let list: Vec<F> = EdgeFilter::ALL
        .iter()
        .map(|f| F { name: f.name(), label: f.label(), kernel: f.kernel().iter().flatten().copied().collect() })
        .collect();
    to_js(&list)
}

/// The name of a preset filter as the core spells it (accepts aliases like "sobel").
#[wasm_bindgen(js_name = edgeFilterName)]
pub fn edge_filter_name(name: &str) -> Result<String, JsError> {
    Ok(EdgeFilter::from_name(name).map_err(js_err)?.name().to_string())
}

/// A built-in test picture drawn at h x w (the lecture's numbers are always 6x6).
#[wasm_bindgen(js_name = testPicture)]
pub fn test_picture(name: &str, h: usize, w: usize) -> Result<GreyImage, JsError> {
    let p = TestPicture::from_name(name).map_err(js_err)?;
    Ok(GreyImage::from_array(p.render(h, w).map_err(js_err)?, p.max_value()))
}

/// A photo's RGBA bytes (from `getImageData`) as grey levels 0..255 (BT.601 weights).
#[wasm_bindgen(js_name = greyFromRgba)]
pub fn grey_from_rgba(bytes: &[u8], h: usize, w: usize) -> Result<GreyImage, JsError> {
    Ok(GreyImage::from_array(grey_from_bytes(bytes, h, w, 4).map_err(js_err)?, 255.0))
}

/// Response of a 3x3 filter (9 numbers, row-major) on a grey image, VALID, as written
/// (cross-correlation), coloured with the diverging map.
#[wasm_bindgen(js_name = edgeResponse)]
pub fn edge_response(image: &[f32], h: usize, w: usize, kernel: &[f32]) -> Result<ColoredMap, JsError> {
    let k = kernel_from_slice(kernel).map_err(js_err)?;
    colored(apply_kernel(grey_array(image, h, w)?.view(), &k, Padding::Valid).map_err(js_err)?, true, None)
}

/// Gradient magnitude of the filter and its transpose (the other orientation), sequential map.
#[wasm_bindgen(js_name = edgeMagnitude)]
pub fn edge_magnitude_js(image: &[f32], h: usize, w: usize, kernel: &[f32]) -> Result<ColoredMap, JsError> {
    let k = kernel_from_slice(kernel).map_err(js_err)?;
    let img = grey_array(image, h, w)?;
    let gx = apply_kernel(img.view(), &k, Padding::Valid).map_err(js_err)?;
    let gy = apply_kernel(img.view(), &transpose_kernel(&k), Padding::Valid).map_err(js_err)?;
    colored(gradient_magnitude(gx.view(), gy.view()).map_err(js_err)?, false, None)
}

/// Legend strips of `n` colours, left to right: diverging (-m..m) or sequential (0..m).
#[wasm_bindgen(js_name = colorLegend)]
pub fn color_legend(n: usize, diverging: bool) -> Vec<u8> {
    if diverging { diverging_legend(n.min(4096)) } else { sequential_legend(n.min(4096)) }
}

/// A 3x3 filter learned by gradient descent to imitate an edge detector turned to an angle.
#[wasm_bindgen]
pub struct EdgeLearner {
    inner: FilterLearner,
}

fn kernel_vec(k: [[f32; 3]; 3]) -> Vec<f32> {
    k.iter().flatten().copied().collect()
}

#[wasm_bindgen]
impl EdgeLearner {
    /// Learner on a grey image for the target angle (degrees; 0 = Sobel vertical, 90 =
    /// Sobel horizontal), random start from `seed`, with the core's safe learning rate.
    #[wasm_bindgen(constructor)]
    pub fn new(image: &[f32], h: usize, w: usize, angle_deg: f32, seed: u32) -> Result<EdgeLearner, JsError> {
        let mut inner = FilterLearner::for_angle(grey_array(image, h, w)?, angle_deg, 1e-3, seed as u64).map_err(js_err)?;
        let lr = inner.suggested_learning_rate();
        inner.set_learning_rate(lr).map_err(js_err)?;
        Ok(EdgeLearner { inner })
    }
    /// `n` gradient-descent steps; the loss before each.
    pub fn step(&mut self, n: usize) -> Result<Vec<f32>, JsError> {
        self.inner.step(n.min(10_000)).map_err(js_err)
    }
    /// Current nine weights, row-major.
    pub fn kernel(&self) -> Vec<f32> { kernel_vec(self.inner.kernel()) }
    /// The nine weights being imitated.
    #[wasm_bindgen(js_name = targetKernel)]
    pub fn target_kernel(&self) -> Vec<f32> { kernel_vec(self.inner.target_kernel()) }
    #[wasm_bindgen(js_name = learningRate)]
    pub fn learning_rate(&self) -> f32 { self.inner.learning_rate() }
    pub fn loss(&self) -> Result<f32, JsError> { self.inner.loss().map_err(js_err) }
    /// The current filter's response, coloured on the target's scale so the maps compare.
    pub fn response(&self) -> Result<ColoredMap, JsError> {
        let scale = self.target_scale();
        colored(self.inner.response().map_err(js_err)?, true, scale)
    }
}

impl EdgeLearner {
    fn target_scale(&self) -> Option<f32> {
        let t = self.inner.target_response();
        let m = t.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        (m > 0.0).then_some(m)
    }
}
