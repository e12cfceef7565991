//! Bindings for the lecture sections: convolution, the sliding window, shapes.

use super::{from_js, js_err, to_js};
use crate::conv::{conv2d, Correlation};
use crate::layers::{layer_table, layer_table_partial, LayerSpec, Shape3};
use crate::shape::Padding;
use crate::stepper::window_step;
use ndarray::{Array1, Array4, ArrayView2};
use wasm_bindgen::prelude::*;

fn grey_view<'a>(data: &'a [f32], h: usize, w: usize, what: &str) -> Result<ArrayView2<'a, f32>, JsError> {
    ArrayView2::from_shape((h, w), data)
        .map_err(|_| JsError::new(&format!("the {what} has {} values, not {h} x {w}", data.len())))
}

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

/// Per-layer output shape, parameters and MACs of a stack of layer specs.
#[wasm_bindgen(js_name = layerTable)]
pub fn layer_table_js(input: JsValue, specs: JsValue) -> Result<JsValue, JsError> {
    let input: Shape3 = from_js(input, "input shape")?;
    let specs: Vec<LayerSpec> = from_js(specs, "layer list")?;
    to_js(&layer_table(input, &specs).map_err(js_err)?)
}

/// The table up to the first bad layer: `{ rows: [...], error: { layer, error } | null }`
/// (`layer` 0-based, `error` the message naming it).
#[wasm_bindgen(js_name = layerTablePartial)]
pub fn layer_table_partial_js(input: JsValue, specs: JsValue) -> Result<JsValue, JsError> {
    let input: Shape3 = from_js(input, "input shape")?;
    let specs: Vec<LayerSpec> = from_js(specs, "layer list")?;
    to_js(&layer_table_partial(input, &specs))
}

/// The input region seen by cell (row, col) of layer `layer` (0-based) of a stack:
/// `{ size: [r_h, r_w], jump, rows: [a, b], cols, clipped_rows, clipped_cols, growth }`.
#[wasm_bindgen(js_name = receptiveField)]
pub fn receptive_field_js(input: JsValue, specs: JsValue, layer: usize, row: usize, col: usize) -> Result<JsValue, JsError> {
    let input: Shape3 = from_js(input, "input shape")?;
    let specs: Vec<LayerSpec> = from_js(specs, "layer list")?;
    to_js(&crate::receptive_field::receptive_field(input, &specs, layer, row, col).map_err(js_err)?)
}

// ---------------------------------------------------------------- section 2: edges

use crate::colormap::{diverging_into, diverging_legend, grey_into, sequential_into, sequential_legend, ColorRange};
use crate::edges::{apply_kernel, gradient_magnitude, grey_from_bytes, kernel_from_slice, transpose_kernel, EdgeFilter};
use crate::learned_filter::FilterLearner;
use crate::test_pictures::TestPicture;
use ndarray::Array2;

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

/// Names of the built-in test pictures.
#[wasm_bindgen(js_name = testPictureNames)]
pub fn test_picture_names() -> Vec<String> {
    TestPicture::ALL.iter().map(|p| p.name().to_string()).collect()
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
    #[wasm_bindgen(js_name = initialLoss)]
    pub fn initial_loss(&self) -> f32 { self.inner.initial_loss() }
    pub fn loss(&self) -> Result<f32, JsError> { self.inner.loss().map_err(js_err) }
    /// The current filter's response, coloured on the target's scale so the maps compare.
    pub fn response(&self) -> Result<ColoredMap, JsError> {
        let scale = self.target_scale();
        colored(self.inner.response().map_err(js_err)?, true, scale)
    }
    #[wasm_bindgen(js_name = targetResponse)]
    pub fn target_response(&self) -> Result<ColoredMap, JsError> {
        colored(self.inner.target_response(), true, None)
    }
}

impl EdgeLearner {
    fn target_scale(&self) -> Option<f32> {
        let t = self.inner.target_response();
        let m = t.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        (m > 0.0).then_some(m)
    }
}

// ---------------------------------------------------------------- section 3: shapes

use crate::params::{filter_positions, filter_visits_map};
use crate::shape::same_padding;

/// Everything the padding-and-stride view draws for an n x n input, an f x f filter,
/// padding (`"valid"`, `"same"` or `{pad: p}`) and stride s:
/// `{ before, after, padded, out, positions, visits, visitColors, maxVisits, same }`.
/// `positions`, `visits` (n*n counts) and its colours are only filled for n <= 64
/// (drawable sizes).
const DRAWABLE_SIDE: usize = 64;

#[wasm_bindgen(js_name = shapeReport)]
pub fn shape_report(n: usize, f: usize, padding: JsValue, s: usize) -> Result<JsValue, JsError> {
    let padding: Padding = from_js(padding, "padding")?;
    let (pads, (out, _)) = padding.resolve((n, n), (f, f), s).map_err(js_err)?;
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Same { before: usize, after: usize, out: usize }
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Report {
        before: usize,
        after: usize,
        padded: usize,
        out: usize,
        positions: Vec<usize>,
        visits: Vec<usize>,
        visit_colors: Vec<u8>,
        max_visits: usize,
        same: Option<Same>,
    }
    // Only drawable sizes get per-position lists: a huge n would mean a huge allocation.
    let positions = if n <= DRAWABLE_SIDE {
        filter_positions(n, f, pads.top, pads.bottom, s).map_err(js_err)?
    } else {
        Vec::new()
    };
    let (visits, visit_colors, max_visits) = if n <= DRAWABLE_SIDE {
        let map = filter_visits_map(n, n, f, padding, s).map_err(js_err)?;
        let v: Vec<usize> = map.iter().copied().collect();
        let as_f: Vec<f32> = v.iter().map(|&c| c as f32).collect();
        let mut rgba = vec![0u8; as_f.len() * 4];
        sequential_into(&as_f, None, &mut rgba).map_err(js_err)?;
        let max = v.iter().copied().max().unwrap_or(0);
        (v, rgba, max)
    } else {
        (Vec::new(), Vec::new(), 0)
    };
    let same = same_padding(n, f, s).ok().map(|(before, after, out)| Same { before, after, out });
    to_js(&Report {
        before: pads.top,
        after: pads.bottom,
        padded: n + pads.top + pads.bottom,
        out,
        positions,
        visits,
        visit_colors,
        max_visits,
        same,
    })
}

// ---------------------------------------------------------------- section 4: volumes

use crate::layers::network_presets;
use crate::params::{conv_param_count, conv_param_count_ignoring_channels, explain_conv_param_count, fully_connected_equivalent};
use crate::volume_step::explain_conv_layer;
use ndarray::{ArrayView1, ArrayView3, ArrayView4};

/// One conv layer on x (h, w, c) with k filters (f, f, c, k) and k biases, stride and
/// padding: `{ rows, cols, contributions: [filter][channel][rows*cols], sums: [filter][..],
/// z: [filter][..], a: [filter][..] }` (z = sum + bias, a = ReLU(z)).
#[wasm_bindgen(js_name = explainConvLayer)]
#[allow(clippy::too_many_arguments)]
pub fn explain_conv_layer_js(
    x: &[f32],
    h: usize,
    w: usize,
    c: usize,
    filters: &[f32],
    f: usize,
    k: usize,
    bias: &[f32],
    stride: usize,
    padding: JsValue,
) -> Result<JsValue, JsError> {
    let padding: Padding = from_js(padding, "padding")?;
    let xv = ArrayView3::from_shape((h, w, c), x)
        .map_err(|_| JsError::new(&format!("the input has {} values, not {h} x {w} x {c}", x.len())))?;
    let wv = ArrayView4::from_shape((f, f, c, k), filters)
        .map_err(|_| JsError::new(&format!("the filters have {} values, not {f} x {f} x {c} x {k}", filters.len())))?;
    let e = explain_conv_layer(xv, wv, ArrayView1::from(bias), stride, padding).map_err(js_err)?;
    let (rows, cols, _) = e.z.dim();
    let per_filter = |a: &ndarray::Array3<f32>| -> Vec<Vec<f32>> {
        (0..k).map(|i| a.index_axis(ndarray::Axis(2), i).iter().copied().collect()).collect()
    };
    let contributions: Vec<Vec<Vec<f32>>> = (0..k)
        .map(|i| {
            (0..c)
                .map(|ch| e.contributions.index_axis(ndarray::Axis(2), i).index_axis(ndarray::Axis(2), ch).iter().copied().collect())
                .collect()
        })
        .collect();
    #[derive(serde::Serialize)]
    struct Out { rows: usize, cols: usize, contributions: Vec<Vec<Vec<f32>>>, sums: Vec<Vec<f32>>, z: Vec<Vec<f32>>, a: Vec<Vec<f32>> }
    to_js(&Out { rows, cols, contributions, sums: per_filter(&e.sums), z: per_filter(&e.z), a: per_filter(&e.a) })
}

/// Parameters of a conv layer, the count that forgets the input channels, and the
/// explanation: `{ params, ignoringChannels, text }`.
#[wasm_bindgen(js_name = convParams)]
pub fn conv_params(f: usize, c_in: usize, filters: usize) -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct P { params: usize, ignoring_channels: usize, text: String }
    to_js(&P {
        params: conv_param_count(f, c_in, filters).map_err(js_err)?,
        ignoring_channels: conv_param_count_ignoring_channels(f, filters).map_err(js_err)?,
        text: explain_conv_param_count(f, c_in, filters).map_err(js_err)?,
    })
}

/// Weights of a fully connected layer from `input` to `output` shapes ([h, w, c] each).
#[wasm_bindgen(js_name = fullyConnectedWeights)]
pub fn fully_connected_weights(input: JsValue, output: JsValue) -> Result<f64, JsError> {
    let i: Shape3 = from_js(input, "input shape")?;
    let o: Shape3 = from_js(output, "output shape")?;
    Ok(fully_connected_equivalent(i, o).map_err(js_err)? as f64)
}

/// The layer-stack presets: `[{name, input: [h, w, c], layers: [spec...]}]`.
#[wasm_bindgen(js_name = networkPresets)]
pub fn network_presets_js() -> Result<JsValue, JsError> {
    to_js(&network_presets())
}

// ---------------------------------------------------------------- section 5: pooling

use crate::pool::{PoolGeometry, PoolKind, NO_CELL};

/// Pool one grey h x w grid: `kind` "max" or "avg", window f, stride s, padding.
/// `{ rows, cols, values, winners, rowStarts, colStarts, top, left }`: `winners[o]` is the
/// input index (row-major) that won window o (max only; null for avg or an empty window);
/// window o = (i, j) starts at padded row `rowStarts[i]`, column `colStarts[j]`, and the
/// input is shifted by `top` / `left` padding cells.
#[wasm_bindgen(js_name = poolGrey)]
#[allow(clippy::too_many_arguments)]
pub fn pool_grey(values: &[f32], h: usize, w: usize, kind: &str, f: usize, s: usize, padding: JsValue) -> Result<JsValue, JsError> {
    let padding: Padding = from_js(padding, "padding")?;
    let kind = match kind {
        "max" => PoolKind::Max,
        "avg" | "average" => PoolKind::Avg,
        other => return Err(JsError::new(&format!("unknown pooling \"{other}\": use max or avg"))),
    };
    grey_view(values, h, w, "grid")?;
    let geo = PoolGeometry::new(1, (h, w, 1), kind, f, s, padding).map_err(js_err)?;
    let mut out = vec![0f32; geo.out_len()];
    let mut argmax = vec![NO_CELL; geo.out_len()];
    geo.forward_into(values, &mut out, if kind == PoolKind::Max { Some(&mut argmax) } else { None })
        .map_err(js_err)?;
    let winners: Vec<Option<u32>> =
        argmax.iter().map(|&a| (kind == PoolKind::Max && a != NO_CELL).then_some(a)).collect();
    let row_starts = filter_positions(h, f, geo.pads.top, geo.pads.bottom, s).map_err(js_err)?;
    let col_starts = filter_positions(w, f, geo.pads.left, geo.pads.right, s).map_err(js_err)?;
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out { rows: usize, cols: usize, values: Vec<f32>, winners: Vec<Option<u32>>, row_starts: Vec<usize>, col_starts: Vec<usize>, top: usize, left: usize }
    to_js(&Out { rows: geo.out_h, cols: geo.out_w, values: out, winners, row_starts, col_starts, top: geo.pads.top, left: geo.pads.left })
}
