//! Max and average pooling over each channel separately: an input (m, n_H, n_W, n_C)
//! gives (m, n_H', n_W', n_C) with n_H' = floor((n_H + p_top + p_bottom - f) / s) + 1.
//! Pooling has no parameters to learn, only the hyperparameters f, s and the padding.
//!
//! Padding follows TensorFlow under SAME (and is applied the same way for explicit
//! padding): padded cells are not values, so they never win a max and are not counted
//! in an average; an average over a border window divides by the number of real cells.
//! A window made only of padding (possible only with explicit padding larger than f)
//! outputs 0 and passes no gradient.
//!
//! Backward: average pooling spreads dy evenly over the real cells of its window; max
//! pooling sends dy to the cell that won. Ties: the winner is the FIRST maximal cell in
//! row-major window order (top row first, left to right), so a window of equal values
//! sends its whole gradient to its top-left real cell.

use crate::conv::tap_range;
use crate::error::Result;
use crate::conv::shape::{Padding, Pads};
use crate::shape_err;
use ndarray::{Array4, ArrayView4};

/// Which summary of each window pooling keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    /// The largest value in the window ("is this feature anywhere here?").
    #[default]
    Max,
    /// The mean of the window's real (non-padded) cells.
    Avg,
}

/// Marks a window with no real cell in an argmax buffer.
pub const NO_CELL: u32 = u32::MAX;

/// Sizes, stride, resolved padding and output size of one pooling layer. Buffers are
/// NHWC and contiguous: x (batch, h, w, c), out / dy (batch, out_h, out_w, c).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolGeometry {
    pub batch: usize,
    pub h: usize,
    pub w: usize,
    pub c: usize,
    pub kind: PoolKind,
    pub f: usize,
    pub stride: usize,
    pub pads: Pads,
    pub out_h: usize,
    pub out_w: usize,
}

fn check_len(got: usize, want: usize, what: &str) -> Result<()> {
    if got != want {
        return Err(shape_err!("the {what} buffer holds {got} numbers but this pooling layer needs {want}"));
    }
    Ok(())
}

impl PoolGeometry {
    /// Resolve padding and output size for a batch of `input` = (h, w, c) volumes.
    pub fn new(
        batch: usize,
        input: (usize, usize, usize),
        kind: PoolKind,
        f: usize,
        stride: usize,
        padding: Padding,
    ) -> Result<Self> {
        let (h, w, c) = input;
        if batch == 0 || c == 0 {
            return Err(crate::message::Message::PoolEmpty {}.shape());
        }
        let (pads, (out_h, out_w)) = padding.resolve((h, w), (f, f), stride)?;
        let len = [batch, h, w, c].iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        match len {
            // Argmax indices are u32: the input must be addressable by one.
            Some(n) if n < NO_CELL as usize => {}
            _ => return Err(crate::message::Message::PoolTooLarge {}.shape()),
        }
        Ok(PoolGeometry { batch, h, w, c, kind, f, stride, pads, out_h, out_w })
    }

    /// Numbers in x (and dx).
    pub fn x_len(&self) -> usize {
        self.batch * self.h * self.w * self.c
    }
    /// Numbers in the output (and dy).
    pub fn out_len(&self) -> usize {
        self.batch * self.out_h * self.out_w * self.c
    }

    /// Visit every output cell: `visit(out_index, first_in, rows, cols)` where the real
    /// cells of its window are `first_in + (r * w + q) * c` for r < rows, q < cols.
    #[inline(always)]
    fn for_each_window(&self, mut visit: impl FnMut(usize, usize, usize, usize)) {
        let (h, w, c, s, f) = (self.h, self.w, self.c, self.stride, self.f);
        for n in 0..self.batch {
            for i in 0..self.out_h {
                let (di_lo, di_hi) = tap_range(i, s, self.pads.top, h, f);
                for j in 0..self.out_w {
                    let (dj_lo, dj_hi) = tap_range(j, s, self.pads.left, w, f);
                    let o = ((n * self.out_h + i) * self.out_w + j) * c;
                    if di_hi == di_lo || dj_hi == dj_lo {
                        visit(o, 0, 0, 0);
                        continue;
                    }
                    let y0 = i * s + di_lo - self.pads.top;
                    let x0 = j * s + dj_lo - self.pads.left;
                    visit(o, ((n * h + y0) * w + x0) * c, di_hi - di_lo, dj_hi - dj_lo);
                }
            }
        }
    }

    /// Forward pass into `out` (overwritten). For max pooling, `argmax` (length
    /// `out_len()`), when given, receives the flat index into x of each winning cell
    /// ([`NO_CELL`] for an all-padding window), for [`Self::backward_argmax_into`].
    pub fn forward_into(&self, x: &[f32], out: &mut [f32], mut argmax: Option<&mut [u32]>) -> Result<()> {
        check_len(x.len(), self.x_len(), "input")?;
        check_len(out.len(), self.out_len(), "output")?;
        if let Some(a) = argmax.as_deref() {
            check_len(a.len(), self.out_len(), "argmax")?;
        }
        let (w, c) = (self.w, self.c);
        let kind = self.kind;
        self.for_each_window(|o, first, rows, cols| {
            let out_px = &mut out[o..o + c];
            if rows == 0 {
                out_px.fill(0.0);
                if let Some(a) = argmax.as_deref_mut() {
                    a[o..o + c].fill(NO_CELL);
                }
                return;
            }
            match kind {
                // Eight channels at a time in local arrays: the selects become SIMD
                // blends (written into `out` they became one branch per value).
                PoolKind::Max => {
                    let mut ch = 0;
                    while ch < c {
                        let lanes = if c - ch >= 8 { 8 } else { 1 };
                        let out = &mut out_px[ch..ch + lanes];
                        match (argmax.as_deref_mut(), lanes) {
                            (Some(a), 8) => max_window::<8, true>(x, w, c, first, rows, cols, ch, out, &mut a[o + ch..o + ch + 8]),
                            (Some(a), _) => max_window::<1, true>(x, w, c, first, rows, cols, ch, out, &mut a[o + ch..o + ch + 1]),
                            (None, 8) => max_window::<8, false>(x, w, c, first, rows, cols, ch, out, &mut []),
                            (None, _) => max_window::<1, false>(x, w, c, first, rows, cols, ch, out, &mut []),
                        }
                        ch += lanes;
                    }
                }
                PoolKind::Avg => {
                    out_px.fill(0.0);
                    for r in 0..rows {
                        for q in 0..cols {
                            let at = first + (r * w + q) * c;
                            for (b, &v) in out_px.iter_mut().zip(&x[at..at + c]) {
                                *b += v;
                            }
                        }
                    }
                    let inv = 1.0 / (rows * cols) as f32;
                    out_px.iter_mut().for_each(|b| *b *= inv);
                }
            }
        });
        Ok(())
    }

    /// Backward pass into `dx` (overwritten), from the input x and dL/dout. Max pooling
    /// finds each window's winner again (first maximal cell), so no state is kept.
    pub fn backward_into(&self, x: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
        check_len(x.len(), self.x_len(), "input")?;
        check_len(dy.len(), self.out_len(), "output gradient")?;
        check_len(dx.len(), self.x_len(), "input gradient")?;
        dx.fill(0.0);
        let (w, c) = (self.w, self.c);
        let kind = self.kind;
        self.for_each_window(|o, first, rows, cols| {
            if rows == 0 {
                return;
            }
            let g = &dy[o..o + c];
            match kind {
                PoolKind::Max => {
                    for (ch, &gv) in g.iter().enumerate() {
                        let (mut best, mut at_best) = (x[first + ch], first + ch);
                        for r in 0..rows {
                            for q in 0..cols {
                                let at = first + (r * w + q) * c + ch;
                                if x[at] > best {
                                    best = x[at];
                                    at_best = at;
                                }
                            }
                        }
                        dx[at_best] += gv;
                    }
                }
                PoolKind::Avg => {
                    let inv = 1.0 / (rows * cols) as f32;
                    for r in 0..rows {
                        for q in 0..cols {
                            let at = first + (r * w + q) * c;
                            for (d, &gv) in dx[at..at + c].iter_mut().zip(g) {
                                *d += gv * inv;
                            }
                        }
                    }
                }
            }
        });
        Ok(())
    }

    /// Max-pooling backward from the winners recorded by [`Self::forward_into`]:
    /// dx (overwritten) gets dy at each winner. Errors for average pooling or an index
    /// outside x.
    pub fn backward_argmax_into(&self, argmax: &[u32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
        self.scatter_to_winners(argmax, dy, None, dx)
    }

    /// Max-pooling backward through the ReLU that feeds it, in one pass: dx (overwritten)
    /// is the gradient at the ReLU's input, dy at each winner whose value `relu_out` (the
    /// ReLU's output, this pooling's input) is positive. The same numbers as
    /// [`Self::backward_argmax_into`] then `relu_backward`, without two passes over the
    /// (large, mostly zero) gradient of the ReLU's output.
    pub fn backward_argmax_relu_into(&self, argmax: &[u32], dy: &[f32], relu_out: &[f32], dx: &mut [f32]) -> Result<()> {
        check_len(relu_out.len(), self.x_len(), "ReLU output")?;
        self.scatter_to_winners(argmax, dy, Some(relu_out), dx)
    }

    fn scatter_to_winners(&self, argmax: &[u32], dy: &[f32], relu_out: Option<&[f32]>, dx: &mut [f32]) -> Result<()> {
        if self.kind != PoolKind::Max {
            return Err(shape_err!("only max pooling records winners; use backward_into for average pooling"));
        }
        check_len(argmax.len(), self.out_len(), "argmax")?;
        check_len(dy.len(), self.out_len(), "output gradient")?;
        check_len(dx.len(), self.x_len(), "input gradient")?;
        dx.fill(0.0);
        for (&a, &g) in argmax.iter().zip(dy) {
            if a == NO_CELL {
                continue;
            }
            let at = a as usize;
            let d = dx
                .get_mut(at)
                .ok_or_else(|| shape_err!("argmax index {a} is outside the input"))?;
            // The ReLU passes gradient where its output is positive (0 at exactly 0, and
            // for NaN, as relu_backward does).
            if relu_out.is_none_or(|r| r[at] > 0.0) {
                *d += g;
            }
        }
        Ok(())
    }
}

/// The maximum of L channels (ch..ch + L) over one window (`rows` x `cols` real cells from
/// `first`, as in `for_each_window`) and, with ARGMAX, the flat index of the first cell
/// that holds it (strict >, so the first of equal maxima wins; a NaN first cell stays).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn max_window<const L: usize, const ARGMAX: bool>(
    x: &[f32],
    w: usize,
    c: usize,
    first: usize,
    rows: usize,
    cols: usize,
    ch: usize,
    out: &mut [f32],
    argmax: &mut [u32],
) {
    let start = first + ch;
    let mut best: [f32; L] = x[start..start + L].try_into().expect("L channels");
    let mut at_best: [u32; L] = core::array::from_fn(|l| (start + l) as u32);
    for r in 0..rows {
        for q in 0..cols {
            let at = first + (r * w + q) * c + ch;
            let cell: &[f32; L] = x[at..at + L].try_into().expect("L channels");
            for l in 0..L {
                let better = cell[l] > best[l];
                best[l] = if better { cell[l] } else { best[l] };
                if ARGMAX {
                    at_best[l] = if better { (at + l) as u32 } else { at_best[l] };
                }
            }
        }
    }
    out.copy_from_slice(&best);
    if ARGMAX {
        argmax.copy_from_slice(&at_best);
    }
}

/// Pool x (m, h, w, c) with an f x f window, stride s and the given padding.
pub fn pool2d(x: ArrayView4<f32>, kind: PoolKind, f: usize, stride: usize, padding: Padding) -> Result<Array4<f32>> {
    let (m, h, w, c) = x.dim();
    let geo = PoolGeometry::new(m, (h, w, c), kind, f, stride, padding)?;
    let x = x.as_standard_layout();
    let mut out = vec![0f32; geo.out_len()];
    geo.forward_into(x.as_slice().unwrap_or(&[]), &mut out, None)?;
    Array4::from_shape_vec((m, geo.out_h, geo.out_w, c), out).map_err(|e| shape_err!("{e}"))
}

/// dL/dx (shape of x) of [`pool2d`] given dL/dy (shape of its output).
pub fn pool2d_backward(
    x: ArrayView4<f32>,
    dy: ArrayView4<f32>,
    kind: PoolKind,
    f: usize,
    stride: usize,
    padding: Padding,
) -> Result<Array4<f32>> {
    let (m, h, w, c) = x.dim();
    let geo = PoolGeometry::new(m, (h, w, c), kind, f, stride, padding)?;
    if dy.dim() != (m, geo.out_h, geo.out_w, c) {
        return Err(shape_err!(
            "the output gradient has shape {:?} but the pooling output is {:?}",
            dy.dim(),
            (m, geo.out_h, geo.out_w, c)
        ));
    }
    let x = x.as_standard_layout();
    let dy = dy.as_standard_layout();
    let mut dx = vec![0f32; geo.x_len()];
    geo.backward_into(x.as_slice().unwrap_or(&[]), dy.as_slice().unwrap_or(&[]), &mut dx)?;
    Array4::from_shape_vec((m, h, w, c), dx).map_err(|e| shape_err!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The definition in f64: max / mean over the real cells of each window.
    fn reference(x: &Array4<f64>, kind: PoolKind, f: usize, s: usize, p: Pads) -> Array4<f64> {
        let (m, h, w, c) = x.dim();
        let oh = (h + p.top + p.bottom - f) / s + 1;
        let ow = (w + p.left + p.right - f) / s + 1;
        Array4::from_shape_fn((m, oh, ow, c), |(n, i, j, ch)| {
            let mut cells = Vec::new();
            for di in 0..f {
                for dj in 0..f {
                    let y = (i * s + di) as isize - p.top as isize;
                    let xx = (j * s + dj) as isize - p.left as isize;
                    if y >= 0 && xx >= 0 && y < h as isize && xx < w as isize {
                        cells.push(x[[n, y as usize, xx as usize, ch]]);
                    }
                }
            }
            match (kind, cells.is_empty()) {
                (_, true) => 0.0,
                (PoolKind::Max, _) => cells.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
                (PoolKind::Avg, _) => cells.iter().sum::<f64>() / cells.len() as f64,
            }
        })
    }

    /// Distinct values 0.01 apart (shuffled), so no max changes under a 1e-4 nudge.
    fn distinct(rng: &mut ChaCha8Rng, d: (usize, usize, usize, usize)) -> Array4<f32> {
        let n = d.0 * d.1 * d.2 * d.3;
        let mut v: Vec<f32> = (0..n).map(|i| i as f32 * 0.01 - n as f32 * 0.005).collect();
        v.shuffle(rng);
        Array4::from_shape_vec(d, v).unwrap()
    }

    #[test]
    fn forward_and_gradients_match_the_definition() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let e = |top, bottom, left, right| Padding::Explicit { top, bottom, left, right };
        let cases = [
            ((2, 7, 7, 3), 2, 2, Padding::Same),
            ((1, 8, 8, 8), 8, 8, Padding::Same), // SIGNS pool1 in small
            ((2, 5, 6, 2), 3, 2, Padding::Same),
            ((1, 9, 9, 2), 3, 2, Padding::Valid),
            ((1, 5, 5, 3), 4, 4, Padding::Same),
            ((1, 6, 5, 2), 2, 1, e(1, 0, 2, 1)),
            ((1, 3, 3, 1), 2, 2, e(3, 3, 3, 3)), // windows entirely in padding
        ];
        for &(d, f, s, padding) in &cases {
            for kind in [PoolKind::Max, PoolKind::Avg] {
                let x = distinct(&mut rng, d);
                let y = pool2d(x.view(), kind, f, s, padding).unwrap();
                let (pads, _) = padding.resolve((d.1, d.2), (f, f), s).unwrap();
                let x64 = x.mapv(|v| v as f64);
                let r = reference(&x64, kind, f, s, pads);
                assert_eq!(y.dim(), r.dim());
                for (a, b) in y.iter().zip(r.iter()) {
                    assert!((*a as f64 - b).abs() < 1e-6, "{kind:?} {a} vs {b}");
                }
                let dy = Array4::from_shape_fn(y.dim(), |_| rng.random_range(-1.0f32..1.0));
                let dy64 = dy.mapv(|v| v as f64);
                let dx = pool2d_backward(x.view(), dy.view(), kind, f, s, padding).unwrap();
                let eps = 1e-4;
                let (mut diff2, mut norm2) = (0.0, 0.0f64);
                for idx in 0..x64.len() {
                    let (mut xp, mut xm) = (x64.clone(), x64.clone());
                    xp.as_slice_mut().unwrap()[idx] += eps;
                    xm.as_slice_mut().unwrap()[idx] -= eps;
                    let lp = (reference(&xp, kind, f, s, pads) * &dy64).sum();
                    let lm = (reference(&xm, kind, f, s, pads) * &dy64).sum();
                    let num = (lp - lm) / (2.0 * eps);
                    let a = dx.as_slice().unwrap()[idx] as f64;
                    diff2 += (a - num).powi(2);
                    norm2 += a.powi(2).max(num.powi(2));
                }
                let rel = diff2.sqrt() / norm2.sqrt().max(1e-12);
                assert!(rel < 1e-4, "{kind:?} {d:?} f{f} s{s}: relative error {rel}");
            }
        }
    }

    #[test]
    fn max_pool_backward_through_relu_is_pool_backward_then_relu_backward() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let (m, h, w, c) = (2, 9, 8, 3);
        // The ReLU's output: zeros (from negatives) and positives, some windows all zero.
        let relu_out: Vec<f32> = (0..m * h * w * c)
            .map(|_| if rng.random_bool(0.85) { 0.0 } else { rng.random_range(0.0..1.0) })
            .collect();
        let geo = PoolGeometry::new(m, (h, w, c), PoolKind::Max, 3, 2, Padding::Same).unwrap();
        let mut y = vec![0.0; geo.out_len()];
        let mut argmax = vec![0u32; geo.out_len()];
        geo.forward_into(&relu_out, &mut y, Some(&mut argmax)).unwrap();
        let dy: Vec<f32> = (0..geo.out_len()).map(|_| rng.random_range(-1.0..1.0)).collect();
        let mut pooled = vec![0.0; geo.x_len()];
        geo.backward_argmax_into(&argmax, &dy, &mut pooled).unwrap();
        let mut want = vec![0.0; geo.x_len()];
        crate::nn::activation::relu_backward(&relu_out, &pooled, &mut want).unwrap();
        let mut got = vec![f32::NAN; geo.x_len()];
        geo.backward_argmax_relu_into(&argmax, &dy, &relu_out, &mut got).unwrap();
        assert_eq!(got, want);
        assert!(pooled.iter().zip(&want).any(|(p, w)| *p != 0.0 && *w == 0.0), "the ReLU masked something");
    }

    #[test]
    fn tied_window_sends_whole_gradient_to_first_cell() {
        // Two 2x2 windows of equal values (7 and -3); stride 2, one channel.
        let x = Array4::from_shape_vec((1, 2, 4, 1), vec![7., 7., -3., -3., 7., 7., -3., -3.]).unwrap();
        let dy = Array4::from_shape_vec((1, 1, 2, 1), vec![1.5, -2.0]).unwrap();
        let dx = pool2d_backward(x.view(), dy.view(), PoolKind::Max, 2, 2, Padding::Valid).unwrap();
        assert_eq!(dx.into_raw_vec_and_offset().0, vec![1.5, 0., -2.0, 0., 0., 0., 0., 0.]);
        // The slice kernel with recorded winners agrees.
        let geo = PoolGeometry::new(1, (2, 4, 1), PoolKind::Max, 2, 2, Padding::Valid).unwrap();
        let (mut out, mut arg, mut dx2) = (vec![0.; 2], vec![0u32; 2], vec![9.; 8]);
        geo.forward_into(x.as_slice().unwrap(), &mut out, Some(&mut arg)).unwrap();
        assert_eq!((out, arg.clone()), (vec![7., -3.], vec![0, 2]));
        geo.backward_argmax_into(&arg, dy.as_slice().unwrap(), &mut dx2).unwrap();
        assert_eq!(dx2, vec![1.5, 0., -2.0, 0., 0., 0., 0., 0.]);
    }

    #[test]
    fn same_padding_never_counts_padded_cells() {
        // 3x3 input, f = 2, s = 2, SAME: output 2x2, one row/column of padding after.
        let v: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let x = Array4::from_shape_vec((1, 3, 3, 1), v.clone()).unwrap();
        let avg = pool2d(x.view(), PoolKind::Avg, 2, 2, Padding::Same).unwrap();
        // Windows {1,2,4,5}, {3,6}, {7,8}, {9}: divided by the real cells only.
        assert_eq!(avg.into_raw_vec_and_offset().0, vec![3.0, 4.5, 7.5, 9.0]);
        let neg = x.mapv(|v| -v);
        let max = pool2d(neg.view(), PoolKind::Max, 2, 2, Padding::Same).unwrap();
        // All values negative: a zero pad would win if it were a value. It is not.
        assert_eq!(max.into_raw_vec_and_offset().0, vec![-1.0, -3.0, -7.0, -9.0]);
        // The lecture's 4x4 example, max pool f = 2, s = 2.
        let lec = Array4::from_shape_vec(
            (1, 4, 4, 1),
            vec![1., 3., 2., 1., 2., 9., 1., 1., 1., 3., 2., 3., 5., 6., 1., 2.],
        )
        .unwrap();
        let m = pool2d(lec.view(), PoolKind::Max, 2, 2, Padding::Valid).unwrap();
        assert_eq!(m.into_raw_vec_and_offset().0, vec![9., 2., 6., 3.]);
    }

    #[test]
    fn impossible_pooling_is_an_error() {
        let x = Array4::<f32>::zeros((1, 4, 4, 2));
        let e = pool2d(x.view(), PoolKind::Max, 7, 1, Padding::Pad(1)).unwrap_err();
        assert!(e.to_string().contains("larger"), "{e}");
        let e = pool2d(x.view(), PoolKind::Avg, 2, 0, Padding::Valid).unwrap_err();
        assert!(e.to_string().contains("stride"), "{e}");
        assert!(pool2d(x.view(), PoolKind::Max, 0, 1, Padding::Valid).is_err());
        let dy = Array4::<f32>::zeros((1, 3, 3, 2));
        assert!(pool2d_backward(x.view(), dy.view(), PoolKind::Max, 2, 2, Padding::Valid).is_err());
        let geo = PoolGeometry::new(1, (4, 4, 2), PoolKind::Avg, 2, 2, Padding::Valid).unwrap();
        assert!(geo.backward_argmax_into(&[0; 8], &[0.; 8], &mut [0.; 32]).is_err());
        let geo = PoolGeometry::new(1, (4, 4, 2), PoolKind::Max, 2, 2, Padding::Valid).unwrap();
        assert!(geo.backward_argmax_into(&[1000; 8], &[0.; 8], &mut [0.; 32]).is_err());
        assert!(geo.forward_into(&[0.; 3], &mut [0.; 8], None).is_err());
    }
}
