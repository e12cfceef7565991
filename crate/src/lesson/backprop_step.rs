//! Backprop through one conv layer and one pooling layer, one window at a time, for the
//! lesson that follows pooling (the course's optional part on backprop in a ConvNet).
//!
//! Every number comes from the core's own backward passes ([`conv2d_backward`],
//! [`pool2d_backward`]): the running sums after k windows are the backward pass of a dZ
//! whose cells after the k-th are zero, and one window's share is the backward pass of a
//! dZ that is zero everywhere else. No second convolution is written here.

use crate::conv::{conv2d, conv2d_backward, Correlation};
use crate::error::Result;
use crate::nn::gradcheck::{difference, numerical_gradient_f32};
use crate::nn::pool::{pool2d, pool2d_backward, PoolGeometry, PoolKind};
use crate::conv::shape::Padding;
use crate::shape_err;
use ndarray::{Array1, Array2, ArrayView2, ArrayView4};
use serde::Serialize;

/// One conv window's part of the gradients: dZ[h, w] times W goes to dA_prev's slice,
/// a_slice times dZ[h, w] to dW, dZ[h, w] to db.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConvWindowGrad {
    pub row: usize,
    pub col: usize,
    pub dz: f32,
    /// The input slice under the window (f x f, row-major).
    pub a_slice: Vec<f32>,
    /// W * dZ[h, w]: added to dA_prev over the window.
    pub w_dz: Vec<f32>,
    /// a_slice * dZ[h, w]: added to dW.
    pub a_dz: Vec<f32>,
}

/// The conv layer's gradients after the first `done` windows (row-major).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConvBackpropStep {
    pub done: usize,
    pub windows: usize,
    /// The window just added (the `done`-th), if any.
    pub current: Option<ConvWindowGrad>,
    /// Running sums, row-major: dA_prev (h x w), dW (f x f), db.
    pub da_prev: Vec<f32>,
    pub dw: Vec<f32>,
    pub db: f32,
}

/// One pooling window's part: where dY[h, w] goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolWindowGrad {
    pub row: usize,
    pub col: usize,
    pub dy: f32,
    /// Top-left input cell of the window.
    pub top: usize,
    pub left: usize,
    /// What each window cell receives (f x f, row-major): the whole dY at the max's
    /// winner (the mask), dY / f^2 everywhere for the average.
    pub share: Vec<f32>,
    /// The winner's (row, col) in the input, for max pooling.
    pub winner: Option<(usize, usize)>,
}

/// The pooling layer's input gradient after the first `done` windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolBackpropStep {
    pub done: usize,
    pub windows: usize,
    pub current: Option<PoolWindowGrad>,
    pub dx: Vec<f32>,
}

/// A grid as a batch of one single-channel image, the layout the layers take.
fn as4(a: ArrayView2<f32>) -> Result<ArrayView4<f32>> {
    let (h, w) = a.dim();
    a.into_shape_with_order((1, h, w, 1)).map_err(|e| shape_err!("{e}"))
}

/// dZ with only the cells selected by `keep(index)`: the gradient of those windows alone.
fn masked(dz: ArrayView2<f32>, keep: impl Fn(usize) -> bool) -> Array2<f32> {
    let cols = dz.dim().1;
    Array2::from_shape_fn(dz.dim(), |(i, j)| if keep(i * cols + j) { dz[(i, j)] } else { 0.0 })
}

fn window_count(done: usize, rows: usize, cols: usize) -> Result<usize> {
    let n = rows * cols;
    if done > n {
        return Err(crate::message::Message::BackpropStepPast { done, n }.shape());
    }
    Ok(n)
}

fn conv_grads(a_prev: ArrayView2<f32>, w: ArrayView2<f32>, dz: ArrayView2<f32>) -> Result<(Vec<f32>, Vec<f32>, f32)> {
    let (f, _) = w.dim();
    let w4 = w.into_shape_with_order((f, f, 1, 1)).map_err(|e| shape_err!("{e}"))?;
    let g = conv2d_backward(as4(a_prev)?, w4, as4(dz)?, 1, Padding::Valid, Correlation::Cross, true)?;
    let dx = g.dx.map(|d| d.into_iter().collect()).unwrap_or_default();
    Ok((dx, g.dw.into_iter().collect(), g.db[0]))
}

/// The conv layer (one channel, one f x f filter, stride 1, VALID) after `done` windows.
pub fn conv_backprop_step(a_prev: ArrayView2<f32>, w: ArrayView2<f32>, dz: ArrayView2<f32>, done: usize) -> Result<ConvBackpropStep> {
    let ((h, wd), (f, fw)) = (a_prev.dim(), w.dim());
    if f != fw || f == 0 || f > h || f > wd {
        return Err(crate::message::Message::BackpropFilterFit { h, w: wd, f, fw }.shape());
    }
    let (oh, ow) = (h - f + 1, wd - f + 1);
    if dz.dim() != (oh, ow) {
        return Err(crate::message::Message::BackpropDzSize { oh, ow, h: dz.dim().0, w: dz.dim().1 }.shape());
    }
    let windows = window_count(done, oh, ow)?;
    let (da_prev, dw, db) = conv_grads(a_prev, w, masked(dz, |k| k < done).view())?;
    let current = match done.checked_sub(1) {
        None => None,
        Some(k) => {
            let (row, col) = (k / ow, k % ow);
            let (one_dx, a_dz, _) = conv_grads(a_prev, w, masked(dz, |i| i == k).view())?;
            let window = (0..f * f).map(|t| (row + t / f, col + t % f));
            Some(ConvWindowGrad {
                row,
                col,
                dz: dz[(row, col)],
                a_slice: window.clone().map(|at| a_prev[at]).collect(),
                w_dz: window.map(|(i, j)| one_dx[i * wd + j]).collect(),
                a_dz,
            })
        }
    };
    Ok(ConvBackpropStep { done, windows, current, da_prev, dw, db })
}

/// The pooling layer (one channel, f x f windows, stride s, VALID) after `done` windows.
pub fn pool_backprop_step(x: ArrayView2<f32>, dy: ArrayView2<f32>, kind: PoolKind, f: usize, stride: usize, done: usize) -> Result<PoolBackpropStep> {
    let (h, w) = x.dim();
    let geo = PoolGeometry::new(1, (h, w, 1), kind, f, stride, Padding::Valid)?;
    if dy.dim() != (geo.out_h, geo.out_w) {
        return Err(crate::message::Message::BackpropDySize { oh: geo.out_h, ow: geo.out_w, h: dy.dim().0, w: dy.dim().1 }.shape());
    }
    let windows = window_count(done, geo.out_h, geo.out_w)?;
    let back = |d: Array2<f32>| -> Result<Vec<f32>> {
        Ok(pool2d_backward(as4(x)?, as4(d.view())?, kind, f, stride, Padding::Valid)?.into_iter().collect())
    };
    let dx = back(masked(dy, |k| k < done))?;
    let current = match done.checked_sub(1) {
        None => None,
        Some(k) => {
            let (row, col) = (k / geo.out_w, k % geo.out_w);
            let (top, left) = (row * stride, col * stride);
            let one = back(masked(dy, |i| i == k))?;
            let share: Vec<f32> = (0..f * f).map(|t| one[(top + t / f) * w + left + t % f]).collect();
            let winner = match kind {
                PoolKind::Avg => None,
                PoolKind::Max => {
                    let mut out = vec![0f32; geo.out_len()];
                    let mut argmax = vec![0u32; geo.out_len()];
                    let flat: Vec<f32> = x.iter().copied().collect();
                    geo.forward_into(&flat, &mut out, Some(argmax.as_mut_slice()))?;
                    let at = argmax[k] as usize;
                    Some((at / w, at % w))
                }
            };
            Some(PoolWindowGrad { row, col, dy: dy[(row, col)], top, left, share, winner })
        }
    };
    Ok(PoolBackpropStep { done, windows, current, dx })
}

/// The course's gradient-check difference ||grad - approx|| / (||grad|| + ||approx||)
/// between the backward passes and central differences of L = sum(output * upstream
/// gradient), whose gradient with respect to the output is exactly the given dZ (or dY).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradientCheck {
    /// Over dA_prev, dW and db together.
    pub conv: f64,
    pub max_pool: f64,
    pub avg_pool: f64,
    /// The step of the central differences.
    pub h: f64,
}

// float32 rounding of each output (about 1e-7 of it) is divided by 2h: a step of 0.1 keeps
// that near 1e-6, and the layers here are linear between a max window's ties, so a large
// step adds no error of its own.
const CHECK_STEP: f32 = 0.1;

/// Check every gradient of both lessons' layers numerically.
pub fn gradient_check(a_prev: ArrayView2<f32>, w: ArrayView2<f32>, dz: ArrayView2<f32>, x: ArrayView2<f32>, dy: ArrayView2<f32>, f: usize, stride: usize) -> Result<GradientCheck> {
    let ((h, wd), fw) = (a_prev.dim(), w.dim().0);
    let full = conv_backprop_step(a_prev, w, dz, dz.len())?;
    let analytic: Vec<f64> = full.da_prev.iter().chain(&full.dw).chain([&full.db]).map(|&v| f64::from(v)).collect();
    // Parameters packed as [a_prev..., W..., b]; b = 0 as in the lesson.
    let packed: Vec<f32> = a_prev.iter().chain(w.iter()).copied().chain([0.0]).collect();
    let dz64 = dz.mapv(f64::from);
    let mut failed = None;
    let numeric = numerical_gradient_f32(&packed, CHECK_STEP, |p| {
        let a = ArrayView2::from_shape((h, wd), &p[..h * wd]).expect("sizes checked above");
        let k = ArrayView4::from_shape((fw, fw, 1, 1), &p[h * wd..h * wd + fw * fw]).expect("sizes checked above");
        let b = Array1::from_elem(1, p[p.len() - 1]);
        match as4(a).and_then(|a| conv2d(a, k, b.view(), 1, Padding::Valid, Correlation::Cross)) {
            Ok(z) => z.mapv(f64::from).into_shape_with_order(dz64.dim()).map(|z| (z * &dz64).sum()).unwrap_or(f64::NAN),
            Err(e) => {
                failed = Some(e);
                f64::NAN
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    let pool_error = |kind: PoolKind| -> Result<f64> {
        let analytic: Vec<f64> = pool_backprop_step(x, dy, kind, f, stride, dy.len())?.dx.iter().map(|&v| f64::from(v)).collect();
        let dy64 = dy.mapv(f64::from);
        let flat: Vec<f32> = x.iter().copied().collect();
        let numeric = numerical_gradient_f32(&flat, CHECK_STEP, |p| {
            let v = ArrayView2::from_shape(x.dim(), p).expect("same length as x");
            as4(v)
                .and_then(|v| pool2d(v, kind, f, stride, Padding::Valid))
                .ok()
                .and_then(|y| y.mapv(f64::from).into_shape_with_order(dy64.dim()).ok())
                .map_or(f64::NAN, |y| (y * &dy64).sum())
        });
        Ok(difference(&analytic, &numeric))
    };
    Ok(GradientCheck {
        conv: difference(&analytic, &numeric),
        max_pool: pool_error(PoolKind::Max)?,
        avg_pool: pool_error(PoolKind::Avg)?,
        h: f64::from(CHECK_STEP),
    })
}

/// The lesson's numbers: the lecture's 6x6 image and vertical-edge filter (its 4x4 output
/// is the lecture's -5 -4 0 8 ...), a small dZ; the lecture's 4x4 pooling grid and a dY.
pub struct LessonNumbers {
    pub a_prev: Array2<f32>,
    pub w: Array2<f32>,
    pub dz: Array2<f32>,
    pub pool_x: Array2<f32>,
    pub pool_dy: Array2<f32>,
}

fn rows<const W: usize>(r: &[[f32; W]]) -> Array2<f32> {
    Array2::from_shape_fn((r.len(), W), |(i, j)| r[i][j])
}

pub fn lesson_numbers() -> LessonNumbers {
    LessonNumbers {
        a_prev: crate::lesson::test_pictures::lecture_image(),
        w: rows(&crate::lesson::edges::EdgeFilter::Vertical.kernel()),
        dz: rows(&[[1., 0., -1., 2.], [0., 1., 0., 0.], [-1., 0., 2., 1.], [0., 1., 0., -1.]]),
        pool_x: rows(&[[1., 3., 2., 1.], [2., 9., 1., 1.], [1., 3., 2., 3.], [5., 6., 1., 2.]]),
        pool_dy: rows(&[[1., 2.], [3., 4.]]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// crate/tests/reference/backprop_step.json, made by backprop_step_numpy.py (the
    /// assignment's loops in NumPy) from the same numbers.
    fn reference() -> serde_json::Value {
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/backprop_step.json"))).unwrap()
    }
    fn floats(v: &serde_json::Value) -> Vec<f32> {
        v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
    }
    fn flat(a: &Array2<f32>) -> Vec<f32> {
        a.iter().copied().collect()
    }

    #[test]
    fn conv_gradients_match_numpy_loops() {
        let (r, l) = (reference(), lesson_numbers());
        // The reference used the lesson's own numbers.
        assert_eq!(floats(&r["inputs"]["a_prev"]), flat(&l.a_prev));
        assert_eq!(floats(&r["inputs"]["w"]), flat(&l.w));
        assert_eq!(floats(&r["inputs"]["dz"]), flat(&l.dz));
        let all = conv_backprop_step(l.a_prev.view(), l.w.view(), l.dz.view(), 16).unwrap();
        assert_eq!(all.da_prev, floats(&r["conv"]["da_prev"]));
        assert_eq!(all.dw, floats(&r["conv"]["dw"]));
        assert_eq!(all.db, r["conv"]["db"].as_f64().unwrap() as f32);
        let k = r["inputs"]["k"].as_u64().unwrap() as usize;
        let part = conv_backprop_step(l.a_prev.view(), l.w.view(), l.dz.view(), k).unwrap();
        assert_eq!(part.da_prev, floats(&r["conv_after_k"]["da_prev"]));
        assert_eq!(part.dw, floats(&r["conv_after_k"]["dw"]));
        assert_eq!(part.db, r["conv_after_k"]["db"].as_f64().unwrap() as f32);
    }

    #[test]
    fn one_conv_window_by_hand() {
        let l = lesson_numbers();
        // Window 4 (0-based 3) is output row 0, column 3: dZ = 2, a_slice = columns 3..6 of
        // rows 0..3 of the lecture image.
        let s = conv_backprop_step(l.a_prev.view(), l.w.view(), l.dz.view(), 4).unwrap();
        let c = s.current.unwrap();
        assert_eq!((c.row, c.col, c.dz), (0, 3, 2.0));
        assert_eq!(c.a_slice, vec![2., 7., 4., 9., 3., 1., 5., 1., 3.]);
        assert_eq!(c.w_dz, vec![2., 0., -2., 2., 0., -2., 2., 0., -2.]);
        assert_eq!(c.a_dz, vec![4., 14., 8., 18., 6., 2., 10., 2., 6.]);
        // db after four windows: 1 + 0 - 1 + 2.
        assert_eq!(s.db, 2.0);
        assert!(conv_backprop_step(l.a_prev.view(), l.w.view(), l.dz.view(), 0).unwrap().current.is_none());
        assert!(conv_backprop_step(l.a_prev.view(), l.w.view(), l.dz.view(), 17).is_err());
        assert!(conv_backprop_step(l.a_prev.view(), l.w.view(), l.w.view(), 1).unwrap_err().to_string().contains("dZ must be 4x4"));
    }

    #[test]
    fn pooling_routes_like_numpy_mask_and_spreads_evenly() {
        let (r, l) = (reference(), lesson_numbers());
        assert_eq!(floats(&r["inputs"]["pool_x"]), flat(&l.pool_x));
        assert_eq!(floats(&r["inputs"]["pool_dy"]), flat(&l.pool_dy));
        let step = |kind, done| pool_backprop_step(l.pool_x.view(), l.pool_dy.view(), kind, 2, 2, done).unwrap();
        assert_eq!(step(PoolKind::Max, 4).dx, floats(&r["max_pool"]));
        assert_eq!(step(PoolKind::Avg, 4).dx, floats(&r["avg_pool"]));
        assert_eq!(step(PoolKind::Max, 1).dx, floats(&r["max_pool_after_1"]));
        // The first window's winner is the 9 at (1, 1); it takes the whole dY = 1.
        let first = step(PoolKind::Max, 1).current.unwrap();
        assert_eq!((first.winner, first.share.clone()), (Some((1, 1)), vec![0., 0., 0., 1.]));
        // Average pooling: the last window's dY = 4 becomes 1 on each of its four cells.
        let last = step(PoolKind::Avg, 4).current.unwrap();
        assert_eq!((last.top, last.left, last.share, last.winner), (2, 2, vec![1.; 4], None));
    }

    #[test]
    fn gradient_check_agrees_with_the_backward_passes() {
        let l = lesson_numbers();
        let g = gradient_check(l.a_prev.view(), l.w.view(), l.dz.view(), l.pool_x.view(), l.pool_dy.view(), 2, 2).unwrap();
        assert!(g.conv < 1e-5 && g.max_pool < 1e-5 && g.avg_pool < 1e-5, "{g:?}");
    }
}
