//! Bindings for section 3, padding and stride: everything the view draws for n, f, p, s.

use super::{from_js, js_err, to_js};
use crate::conv::shape::{same_padding, Padding};
use crate::lesson::colormap::sequential_into;
use crate::nn::params::{filter_positions, filter_visits_map};
use wasm_bindgen::prelude::*;

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
