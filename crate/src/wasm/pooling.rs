//! Bindings for section 5, pooling: max and average pooling of one grid, with the
//! winning cell and the position of each window.

use super::{from_js, grey_view, js_err, to_js};
use crate::conv::shape::Padding;
use crate::nn::params::filter_positions;
use crate::nn::pool::{PoolGeometry, PoolKind, NO_CELL};
use wasm_bindgen::prelude::*;

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
        other => return Err(js_err(crate::message::Message::PoolUnknown { name: other.to_string() }.param())),
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
