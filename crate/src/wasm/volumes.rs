//! Bindings for section 4, volumes and layers: one conv layer over a volume, parameter
//! counts, and the layer table with its presets.

use super::{from_js, js_err, to_js};
use crate::conv::shape::Padding;
use crate::lesson::volume_step::explain_conv_layer;
use crate::nn::layers::{layer_table, layer_table_partial, network_presets, LayerSpec, Shape3};
use crate::nn::params::{conv_param_count, conv_param_count_ignoring_channels, explain_conv_param_count, fully_connected_equivalent};
use ndarray::{ArrayView1, ArrayView3, ArrayView4};
use wasm_bindgen::prelude::*;

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
    to_js(&crate::lesson::receptive_field::receptive_field(input, &specs, layer, row, col).map_err(js_err)?)
}

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
