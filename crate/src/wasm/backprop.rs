//! Bindings for the backprop lesson: one conv and one pooling layer, window by window.

use super::{js_err, to_js};
use crate::lesson::backprop_step::{conv_backprop_step, gradient_check, lesson_numbers, pool_backprop_step};
use crate::nn::pool::PoolKind;
use ndarray::{Array2, ArrayView2};
use wasm_bindgen::prelude::*;

fn grid<'a>(data: &'a [f32], h: usize, w: usize, what: &str) -> Result<ArrayView2<'a, f32>, JsError> {
    ArrayView2::from_shape((h, w), data).map_err(|_| JsError::new(&format!("the {what} has {} values, not {h} x {w}", data.len())))
}

fn kind(name: &str) -> Result<PoolKind, JsError> {
    match name {
        "max" => Ok(PoolKind::Max),
        "avg" => Ok(PoolKind::Avg),
        other => Err(js_err(crate::message::Message::PoolUnknown { name: other.to_string() }.param())),
    }
}

/// The lesson's starting numbers as rows: `{ a_prev, w, dz, pool_x, pool_dy, f, stride }`.
#[wasm_bindgen(js_name = backpropLesson)]
pub fn backprop_lesson() -> Result<JsValue, JsError> {
    let rows = |a: &Array2<f32>| -> Vec<Vec<f32>> { a.rows().into_iter().map(|r| r.to_vec()).collect() };
    let l = lesson_numbers();
    #[derive(serde::Serialize)]
    struct Lesson { a_prev: Vec<Vec<f32>>, w: Vec<Vec<f32>>, dz: Vec<Vec<f32>>, pool_x: Vec<Vec<f32>>, pool_dy: Vec<Vec<f32>>, f: usize, stride: usize }
    to_js(&Lesson { a_prev: rows(&l.a_prev), w: rows(&l.w), dz: rows(&l.dz), pool_x: rows(&l.pool_x), pool_dy: rows(&l.pool_dy), f: 2, stride: 2 })
}

/// dA_prev (h x w), dW (f x f) and db after the first `done` windows of dZ, and the
/// window just added: `{ done, windows, current: {row, col, dz, a_slice, w_dz, a_dz} | null,
/// da_prev, dw, db }`.
#[wasm_bindgen(js_name = convBackpropStep)]
#[allow(clippy::too_many_arguments)]
pub fn conv_backprop_step_js(a_prev: &[f32], h: usize, w: usize, filter: &[f32], f: usize, dz: &[f32], done: usize) -> Result<JsValue, JsError> {
    let (oh, ow) = (h.saturating_sub(f) + 1, w.saturating_sub(f) + 1);
    let step = conv_backprop_step(grid(a_prev, h, w, "input")?, grid(filter, f, f, "filter")?, grid(dz, oh, ow, "dZ")?, done).map_err(js_err)?;
    to_js(&step)
}

/// dX of a pooling layer (`kind` "max" or "avg", f x f windows, stride s) after `done`
/// windows of dY: `{ done, windows, current: {row, col, dy, top, left, share, winner}, dx }`.
#[wasm_bindgen(js_name = poolBackpropStep)]
#[allow(clippy::too_many_arguments)]
pub fn pool_backprop_step_js(x: &[f32], h: usize, w: usize, dy: &[f32], dy_h: usize, dy_w: usize, pool: &str, f: usize, s: usize, done: usize) -> Result<JsValue, JsError> {
    let step = pool_backprop_step(grid(x, h, w, "input")?, grid(dy, dy_h, dy_w, "dY")?, kind(pool)?, f, s, done).map_err(js_err)?;
    to_js(&step)
}

/// Relative errors of both layers' backward passes against central differences:
/// `{ conv, max_pool, avg_pool, h }`.
#[wasm_bindgen(js_name = backpropGradientCheck)]
#[allow(clippy::too_many_arguments)]
pub fn backprop_gradient_check(a_prev: &[f32], h: usize, w: usize, filter: &[f32], f: usize, dz: &[f32], x: &[f32], xh: usize, xw: usize, dy: &[f32], dy_h: usize, dy_w: usize, pool_f: usize, s: usize) -> Result<JsValue, JsError> {
    let (oh, ow) = (h.saturating_sub(f) + 1, w.saturating_sub(f) + 1);
    let check = gradient_check(
        grid(a_prev, h, w, "input")?,
        grid(filter, f, f, "filter")?,
        grid(dz, oh, ow, "dZ")?,
        grid(x, xh, xw, "pooling input")?,
        grid(dy, dy_h, dy_w, "dY")?,
        pool_f,
        s,
    )
    .map_err(js_err)?;
    to_js(&check)
}
