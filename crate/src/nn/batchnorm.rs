//! Batch normalisation, per channel: each channel is standardised over the batch and all
//! positions, then scaled and shifted by two learned numbers.
//!
//! Data is seen as rows (m * h * w) x channels c, which is exactly NHWC memory.
//!
//! Training: mu, var = mean and (biased) variance of the batch;
//! x_hat = (x - mu) / sqrt(var + eps); y = gamma x_hat + beta; the running statistics move
//! towards the batch's (running = (1 - momentum) running + momentum batch, with the
//! unbiased variance, like PyTorch). Inference uses the running statistics instead.
//!
//! Backward (training mode): with N rows,
//! dx = gamma / (N sqrt(var + eps)) * (N dy - sum dy - x_hat sum(dy x_hat)),
//! dgamma = sum(dy x_hat), dbeta = sum dy.

use crate::error::Result;
use crate::shape_err;
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2};
use num_traits::Float;

/// PyTorch's defaults (the robust model's trial used them).
pub const BN_EPSILON: f64 = 1e-5;
pub const BN_MOMENTUM: f64 = 0.1;

/// Buffers a training-mode forward pass keeps for the backward pass.
pub struct BatchNormCache<'a, F> {
    /// x_hat, same shape as x.
    pub x_hat: ArrayViewMut2<'a, F>,
    /// 1 / sqrt(var + eps) per channel.
    pub inv_std: ArrayViewMut1<'a, F>,
}

fn check_channels(c: usize, lens: &[usize]) -> Result<()> {
    if lens.iter().any(|&l| l != c) {
        return Err(shape_err!(
            "batch norm: {c} channels need {c} values per parameter, got {lens:?}"
        ));
    }
    Ok(())
}

/// Training-mode forward: normalise with the batch's statistics, update the running ones.
/// With `relu`, y is also rectified (max(0, y), NaN kept): the ReLU that follows batch
/// norm, without a pass of its own over the activations.
#[allow(clippy::too_many_arguments)]
pub fn batchnorm_forward_train<F: Float>(
    x: ArrayView2<F>,
    gamma: ArrayView1<F>,
    beta: ArrayView1<F>,
    mut running_mean: ArrayViewMut1<F>,
    mut running_var: ArrayViewMut1<F>,
    mut y: ArrayViewMut2<F>,
    cache: BatchNormCache<F>,
    relu: bool,
) -> Result<()> {
    let (n, c) = x.dim();
    check_channels(c, &[gamma.len(), beta.len(), running_mean.len(), running_var.len(), cache.inv_std.len()])?;
    if y.dim() != (n, c) || cache.x_hat.dim() != (n, c) {
        return Err(shape_err!(
            "batch norm: output buffers must match the input {:?}",
            (n, c)
        ));
    }
    if n == 0 {
        return Err(shape_err!(
            "batch norm needs at least one value per channel"
        ));
    }
    if c == 0 {
        return Ok(());
    }
    let BatchNormCache {
        mut x_hat,
        mut inv_std,
    } = cache;
    let nf = F::from(n).unwrap_or_else(F::one);
    let eps = F::from(BN_EPSILON).unwrap_or_else(F::zero);
    let mom = F::from(BN_MOMENTUM).unwrap_or_else(F::zero);
    let xs = contiguous(x.as_slice())?;
    let (gamma, beta) = (contiguous(gamma.as_slice())?, contiguous(beta.as_slice())?);
    // Sums per channel, accumulated row by row so memory is read in order (and each
    // channel's sum is one SIMD lane: the same order as a scalar loop).
    let mut mean = vec![F::zero(); c];
    for row in xs.chunks_exact(c) {
        for (s, &v) in mean.iter_mut().zip(row) {
            *s = *s + v;
        }
    }
    mean.iter_mut().for_each(|s| *s = *s / nf);
    let mut var = vec![F::zero(); c];
    for row in xs.chunks_exact(c) {
        for ((s, &v), &mu) in var.iter_mut().zip(row).zip(&mean) {
            *s = *s + (v - mu) * (v - mu);
        }
    }
    var.iter_mut().for_each(|s| *s = *s / nf);
    for ch in 0..c {
        inv_std[ch] = F::one() / (var[ch] + eps).sqrt();
        let unbiased = if n > 1 {
            var[ch] * nf / (nf - F::one())
        } else {
            var[ch]
        };
        running_mean[ch] = (F::one() - mom) * running_mean[ch] + mom * mean[ch];
        running_var[ch] = (F::one() - mom) * running_var[ch] + mom * unbiased;
    }
    let inv_std = contiguous(inv_std.as_slice())?;
    let hs = contiguous_mut(x_hat.as_slice_mut())?;
    let ys = contiguous_mut(y.as_slice_mut())?;
    for ((xr, hr), yr) in xs.chunks_exact(c).zip(hs.chunks_exact_mut(c)).zip(ys.chunks_exact_mut(c)) {
        for (((((hv, yv), &xv), &mu), &is), (&g, &b)) in
            hr.iter_mut().zip(yr.iter_mut()).zip(xr).zip(&mean).zip(inv_std).zip(gamma.iter().zip(beta))
        {
            let h = (xv - mu) * is;
            *hv = h;
            *yv = rectified(g * h + b, relu);
        }
    }
    Ok(())
}

/// max(0, v) when `relu` ("negative -> 0", so NaN passes, as `relu_forward`), else v.
#[inline(always)]
fn rectified<F: Float>(v: F, relu: bool) -> F {
    if relu && v < F::zero() {
        F::zero()
    } else {
        v
    }
}

/// The buffer as one slice: the kernels here walk NHWC memory as rows of channels.
fn contiguous<T>(s: Option<&[T]>) -> Result<&[T]> {
    s.ok_or_else(|| shape_err!("batch norm needs contiguous buffers"))
}

fn contiguous_mut<T>(s: Option<&mut [T]>) -> Result<&mut [T]> {
    s.ok_or_else(|| shape_err!("batch norm needs contiguous buffers"))
}

/// Inference mode's fixed scale per channel: gamma / sqrt(running_var + eps).
fn infer_scale<F: Float>(gamma: ArrayView1<F>, running_var: ArrayView1<F>) -> Vec<F> {
    let eps = F::from(BN_EPSILON).unwrap_or_else(F::zero);
    gamma.iter().zip(running_var).map(|(&g, &v)| g / (v + eps).sqrt()).collect()
}

/// Inference-mode forward: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta,
/// rectified with `relu` (see [`batchnorm_forward_train`]).
pub fn batchnorm_forward_infer<F: Float>(
    x: ArrayView2<F>,
    gamma: ArrayView1<F>,
    beta: ArrayView1<F>,
    running_mean: ArrayView1<F>,
    running_var: ArrayView1<F>,
    mut y: ArrayViewMut2<F>,
    relu: bool,
) -> Result<()> {
    let (n, c) = x.dim();
    check_channels(c, &[gamma.len(), beta.len(), running_mean.len(), running_var.len()])?;
    if y.dim() != (n, c) {
        return Err(shape_err!(
            "batch norm: output buffer must match the input {:?}",
            (n, c)
        ));
    }
    if c == 0 {
        return Ok(());
    }
    let scale = infer_scale(gamma, running_var);
    let (mean, beta) = (contiguous(running_mean.as_slice())?, contiguous(beta.as_slice())?);
    let xs = contiguous(x.as_slice())?;
    let ys = contiguous_mut(y.as_slice_mut())?;
    for (xr, yr) in xs.chunks_exact(c).zip(ys.chunks_exact_mut(c)) {
        for ((((yv, &xv), &mu), &sc), &b) in yr.iter_mut().zip(xr).zip(mean).zip(&scale).zip(beta) {
            *yv = rectified((xv - mu) * sc + b, relu);
        }
    }
    Ok(())
}

/// Backward of the inference-mode forward, for the input only: the layer is then a fixed
/// per-channel scale, so dx = dy gamma / sqrt(running_var + eps).
pub fn batchnorm_backward_infer<F: Float>(
    dy: ArrayView2<F>,
    gamma: ArrayView1<F>,
    running_var: ArrayView1<F>,
    mut dx: ArrayViewMut2<F>,
) -> Result<()> {
    let (n, c) = dy.dim();
    check_channels(c, &[gamma.len(), running_var.len()])?;
    if dx.dim() != (n, c) {
        return Err(shape_err!("batch norm: input gradient buffer must match {:?}", (n, c)));
    }
    let scale = infer_scale(gamma, running_var);
    for (gr, mut dr) in dy.outer_iter().zip(dx.outer_iter_mut()) {
        for ch in 0..c {
            dr[ch] = gr[ch] * scale[ch];
        }
    }
    Ok(())
}

/// Backward of the training-mode forward. dgamma and dbeta are overwritten.
pub fn batchnorm_backward<F: Float>(
    dy: ArrayView2<F>,
    x_hat: ArrayView2<F>,
    gamma: ArrayView1<F>,
    inv_std: ArrayView1<F>,
    mut dx: ArrayViewMut2<F>,
    mut dgamma: ArrayViewMut1<F>,
    mut dbeta: ArrayViewMut1<F>,
) -> Result<()> {
    let (n, c) = dy.dim();
    check_channels(c, &[gamma.len(), inv_std.len(), dgamma.len(), dbeta.len()])?;
    if x_hat.dim() != (n, c) || dx.dim() != (n, c) {
        return Err(shape_err!(
            "batch norm backward: buffers must match the gradient {:?}",
            (n, c)
        ));
    }
    if c == 0 {
        return Ok(());
    }
    let nf = F::from(n).unwrap_or_else(F::one);
    let dgamma = contiguous_mut(dgamma.as_slice_mut())?;
    let dbeta = contiguous_mut(dbeta.as_slice_mut())?;
    dgamma.fill(F::zero());
    dbeta.fill(F::zero());
    let dys = contiguous(dy.as_slice())?;
    let hs = contiguous(x_hat.as_slice())?;
    for (dr, hr) in dys.chunks_exact(c).zip(hs.chunks_exact(c)) {
        for (((db, dg), &d), &h) in dbeta.iter_mut().zip(dgamma.iter_mut()).zip(dr).zip(hr) {
            *db = *db + d;
            *dg = *dg + d * h;
        }
    }
    let k: Vec<F> = (0..c).map(|ch| gamma[ch] * inv_std[ch] / nf).collect();
    let dxs = contiguous_mut(dx.as_slice_mut())?;
    for ((dr, hr), xr) in dys.chunks_exact(c).zip(hs.chunks_exact(c)).zip(dxs.chunks_exact_mut(c)) {
        for (((((xv, &d), &h), &kk), &db), &dg) in
            xr.iter_mut().zip(dr).zip(hr).zip(&k).zip(&*dbeta).zip(&*dgamma)
        {
            *xv = kk * (nf * d - db - h * dg);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{numerical_gradient, rel_error, test_values};
    use ndarray::{Array1, Array2};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn forward(
        x: &[f64],
        g: &[f64],
        b: &[f64],
        n: usize,
        c: usize,
    ) -> (Array2<f64>, Array2<f64>, Array1<f64>) {
        let (mut rm, mut rv) = (Array1::zeros(c), Array1::ones(c));
        let (mut y, mut h, mut s) = (
            Array2::zeros((n, c)),
            Array2::zeros((n, c)),
            Array1::zeros(c),
        );
        batchnorm_forward_train(
            ArrayView2::from_shape((n, c), x).unwrap(),
            ArrayView1::from(g),
            ArrayView1::from(b),
            rm.view_mut(),
            rv.view_mut(),
            y.view_mut(),
            BatchNormCache {
                x_hat: h.view_mut(),
                inv_std: s.view_mut(),
            },
            false,
        )
        .unwrap();
        (y, h, s)
    }

    #[test]
    fn output_is_standardised_then_scaled() {
        // One channel [1, 2, 3, 4]: mean 2.5, variance 1.25.
        let (y, _, _) = forward(&[1.0, 2.0, 3.0, 4.0], &[2.0], &[0.5], 4, 1);
        let sd = (1.25f64 + 1e-5).sqrt();
        assert!((y[[0, 0]] - (2.0 * (-1.5) / sd + 0.5)).abs() < 1e-12);
        assert!((y[[3, 0]] - (2.0 * 1.5 / sd + 0.5)).abs() < 1e-12);
    }

    #[test]
    fn running_statistics_follow_pytorch() {
        let x = [1.0f64, 2.0, 3.0, 4.0];
        let (mut rm, mut rv) = (Array1::zeros(1), Array1::ones(1));
        let (mut y, mut h, mut s) = (
            Array2::zeros((4, 1)),
            Array2::zeros((4, 1)),
            Array1::zeros(1),
        );
        batchnorm_forward_train(
            ArrayView2::from_shape((4, 1), &x).unwrap(),
            ArrayView1::from(&[1.0][..]),
            ArrayView1::from(&[0.0][..]),
            rm.view_mut(),
            rv.view_mut(),
            y.view_mut(),
            BatchNormCache {
                x_hat: h.view_mut(),
                inv_std: s.view_mut(),
            },
            false,
        )
        .unwrap();
        // 0.9 * 0 + 0.1 * 2.5 and 0.9 * 1 + 0.1 * (5 / 3) (unbiased variance).
        assert!((rm[0] - 0.25).abs() < 1e-12);
        assert!((rv[0] - (0.9 + 0.1 * 5.0 / 3.0)).abs() < 1e-12);
        // Inference with these statistics.
        let mut yi = Array2::zeros((1, 1));
        batchnorm_forward_infer(
            ArrayView2::from_shape((1, 1), &[1.25][..]).unwrap(),
            ArrayView1::from(&[1.0][..]),
            ArrayView1::from(&[0.0][..]),
            rm.view(),
            rv.view(),
            yi.view_mut(),
            false,
        )
        .unwrap();
        assert!((yi[[0, 0]] - 1.0 / (rv[0] + 1e-5).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn gradients_match_central_differences() {
        let (n, c) = (6, 3);
        let x: Vec<f64> = test_values(n * c, 1)
            .iter()
            .map(|v| 2.0 * v + 0.3)
            .collect();
        let g = test_values(c, 2);
        let b = test_values(c, 3);
        let dy = test_values(n * c, 4);
        let dyv = ArrayView2::from_shape((n, c), &dy).unwrap().to_owned();
        let loss = |x: &[f64], g: &[f64], b: &[f64]| (&forward(x, g, b, n, c).0 * &dyv).sum();
        let (_, h, s) = forward(&x, &g, &b, n, c);
        let (mut dx, mut dg, mut db) = (Array2::zeros((n, c)), Array1::zeros(c), Array1::zeros(c));
        batchnorm_backward(
            dyv.view(),
            h.view(),
            ArrayView1::from(&g),
            s.view(),
            dx.view_mut(),
            dg.view_mut(),
            db.view_mut(),
        )
        .unwrap();
        assert!(
            rel_error(
                dx.as_slice().unwrap(),
                &numerical_gradient(&x, |x| loss(x, &g, &b))
            ) < 1e-4
        );
        assert!(
            rel_error(
                dg.as_slice().unwrap(),
                &numerical_gradient(&g, |g| loss(&x, g, &b))
            ) < 1e-4
        );
        assert!(
            rel_error(
                db.as_slice().unwrap(),
                &numerical_gradient(&b, |b| loss(&x, &g, b))
            ) < 1e-4
        );
    }
}
