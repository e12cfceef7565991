//! Softmax and the softmax cross-entropy cost, computed from the logits.
//!
//! For logits z (m, k) and labels y: softmax(z)_j = e^{z_j} / sum_l e^{z_l}, and
//! J = (1/m) sum_i [ log sum_l e^{z_il} - z_{i,y_i} ], with the log-sum-exp taken after
//! subtracting max_l z_il so that large logits never overflow. Its gradient is
//! dJ/dz = (softmax(z) - onehot(y)) / m.
//!
//! With label smoothing e the target is (1 - e) onehot(y) + e/k instead of onehot(y):
//! J = (1/m) sum_i sum_j -t_ij log softmax(z_i)_j and dJ/dz = (softmax(z) - t) / m. A
//! network trained so never learns to be certain, which keeps it from leaning on the
//! last details that separate the training photos.

use crate::error::Result;
use crate::{param_err, shape_err};
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use num_traits::Float;

/// Row-wise softmax into `out` (same shape as `logits`).
pub fn softmax_into<F: Float>(logits: ArrayView2<F>, mut out: ArrayViewMut2<F>) -> Result<()> {
    if logits.dim() != out.dim() {
        return Err(shape_err!(
            "softmax: logits {:?} and output {:?} differ",
            logits.dim(),
            out.dim()
        ));
    }
    for (z, mut p) in logits.outer_iter().zip(out.outer_iter_mut()) {
        let max = z.iter().fold(F::neg_infinity(), |a, &b| a.max(b));
        let mut sum = F::zero();
        for (pj, &zj) in p.iter_mut().zip(z.iter()) {
            *pj = (zj - max).exp();
            sum = sum + *pj;
        }
        p.mapv_inplace(|v| v / sum);
    }
    Ok(())
}

/// Row-wise softmax of logits (m, k): each row becomes probabilities that sum to 1.
pub fn softmax<F: Float>(logits: ArrayView2<F>) -> Array2<F> {
    let mut out = Array2::zeros(logits.dim());
    // Same shapes by construction.
    let _ = softmax_into(logits, out.view_mut());
    out
}

/// Mean softmax cross-entropy of logits (m, k) against labels (m), each in 0..k.
/// When `dlogits` is given, it receives dJ/dz = (softmax(z) - onehot(y)) / m.
pub fn softmax_cross_entropy<F: Float>(
    logits: ArrayView2<F>,
    labels: &[u8],
    dlogits: Option<ArrayViewMut2<F>>,
) -> Result<F> {
    smoothed_cross_entropy(logits, labels, F::zero(), dlogits)
}

/// [`softmax_cross_entropy`] against the smoothed targets (1 - `smoothing`) onehot(y) +
/// `smoothing` / k, `smoothing` in [0, 1); 0 is the plain cost.
pub fn smoothed_cross_entropy<F: Float>(
    logits: ArrayView2<F>,
    labels: &[u8],
    smoothing: F,
    dlogits: Option<ArrayViewMut2<F>>,
) -> Result<F> {
    if !(smoothing >= F::zero() && smoothing < F::one()) {
        return Err(crate::message::Message::LabelSmoothingRange { value: smoothing.to_f64().unwrap_or(f64::NAN).to_string() }.param());
    }
    let (m, k) = logits.dim();
    if labels.len() != m {
        return Err(shape_err!("{m} rows of logits but {} labels", labels.len()));
    }
    if m == 0 {
        return Err(param_err!("the cost of an empty batch is undefined"));
    }
    if let Some(&bad) = labels.iter().find(|&&y| y as usize >= k) {
        return Err(param_err!(
            "label {bad} is out of range: the network has only {k} outputs (0..{})",
            k - 1
        ));
    }
    if let Some(d) = &dlogits {
        if d.dim() != (m, k) {
            return Err(shape_err!(
                "gradient buffer {:?} does not match logits {:?}",
                d.dim(),
                (m, k)
            ));
        }
    }
    let inv_m = F::one() / F::from(m).unwrap_or_else(F::one);
    let spread = smoothing / F::from(k).unwrap_or_else(F::one);
    let mut total = F::zero();
    let mut dlogits = dlogits;
    for (i, z) in logits.outer_iter().enumerate() {
        let y = labels[i] as usize;
        let max = z.iter().fold(F::neg_infinity(), |a, &b| a.max(b));
        let sum = z.iter().fold(F::zero(), |s, &zj| s + (zj - max).exp());
        // -log p_j = (max - z_j) + log sum: never form max + log sum, which loses digits
        // for big logits. The targets sum to 1, so J_i = sum_j t_j (max - z_j) + log sum.
        let ln_sum = sum.ln();
        total = total + (F::one() - smoothing) * (max - z[y]) + ln_sum;
        if smoothing > F::zero() {
            total = total + spread * z.iter().fold(F::zero(), |s, &zj| s + (max - zj));
        }
        if let Some(d) = dlogits.as_mut() {
            let mut row = d.row_mut(i);
            for (j, (dj, &zj)) in row.iter_mut().zip(z.iter()).enumerate() {
                let p = (zj - max).exp() / sum;
                let target = if j == y { F::one() - smoothing + spread } else { spread };
                *dj = (p - target) * inv_m;
            }
        }
    }
    Ok(total * inv_m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{numerical_gradient, rel_error, test_values};
    use ndarray::arr2;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn softmax_rows_sum_to_one_and_match_formula() {
        let p = softmax(arr2(&[[1.0f64, 2.0, 3.0], [1000.0, 1000.0, 1000.0]]).view());
        // e^1, e^2, e^3 normalised: 0.09003057, 0.24472847, 0.66524096.
        assert!((p[[0, 0]] - 0.090_030_573_170_380_46).abs() < 1e-12);
        assert!((p[[0, 2]] - 0.665_240_955_774_821_4).abs() < 1e-12);
        assert!((p[[1, 1]] - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn cross_entropy_value_is_stable_and_exact() {
        // Uniform logits over 6 classes: cost log 6 whatever their size.
        let z = ndarray::Array2::<f32>::from_elem((2, 6), 1e4);
        let j = softmax_cross_entropy(z.view(), &[0, 5], None).unwrap();
        assert!((j - 6f32.ln()).abs() < 1e-6, "{j}");
        // One row [1, 2, 3], label 2: log(e + e^2 + e^3) - 3 = 0.40760596.
        let j = softmax_cross_entropy(arr2(&[[1.0f64, 2.0, 3.0]]).view(), &[2], None).unwrap();
        assert!((j - 0.407_605_964_444_380_1).abs() < 1e-12);
    }

    #[test]
    fn cross_entropy_gradient_matches_central_differences() {
        let (m, k) = (5, 6);
        let z = test_values(m * k, 7)
            .into_iter()
            .map(|v| 3.0 * v)
            .collect::<Vec<f64>>();
        let labels = [0u8, 3, 5, 1, 3];
        let mut d = ndarray::Array2::<f64>::zeros((m, k));
        let zv = ndarray::ArrayView2::from_shape((m, k), &z).unwrap();
        softmax_cross_entropy(zv, &labels, Some(d.view_mut())).unwrap();
        let num = numerical_gradient(&z, |z| {
            softmax_cross_entropy(
                ndarray::ArrayView2::from_shape((m, k), z).unwrap(),
                &labels,
                None,
            )
            .unwrap()
        });
        assert!(rel_error(d.as_slice().unwrap(), &num) < 1e-4);
    }

    #[test]
    fn smoothed_cross_entropy_value_and_gradient() {
        // One row [1, 2, 3], label 2, smoothing 0.3 over 3 classes: targets 0.1, 0.1, 0.8;
        // -log p = 2.40760596, 1.40760596, 0.40760596, so J = 0.1*2.4076 + 0.1*1.4076
        // + 0.8*0.4076 = 0.70760596.
        let j = smoothed_cross_entropy(arr2(&[[1.0f64, 2.0, 3.0]]).view(), &[2], 0.3, None).unwrap();
        assert!((j - 0.707_605_964_444_380_1).abs() < 1e-12, "{j}");
        let (m, k) = (5, 6);
        let z = test_values(m * k, 11).into_iter().map(|v| 3.0 * v).collect::<Vec<f64>>();
        let labels = [0u8, 3, 5, 1, 3];
        let mut d = ndarray::Array2::<f64>::zeros((m, k));
        let zv = ndarray::ArrayView2::from_shape((m, k), &z).unwrap();
        smoothed_cross_entropy(zv, &labels, 0.1, Some(d.view_mut())).unwrap();
        let num = numerical_gradient(&z, |z| {
            smoothed_cross_entropy(ndarray::ArrayView2::from_shape((m, k), z).unwrap(), &labels, 0.1, None).unwrap()
        });
        assert!(rel_error(d.as_slice().unwrap(), &num) < 1e-4);
        let e = smoothed_cross_entropy(zv, &labels, 1.0, None).unwrap_err();
        assert!(e.to_string().contains("label smoothing"), "{e}");
    }

    #[test]
    fn bad_labels_are_errors() {
        let z = ndarray::Array2::<f32>::zeros((2, 6));
        let e = softmax_cross_entropy(z.view(), &[0, 6], None).unwrap_err();
        assert!(e.to_string().contains("label 6 is out of range"), "{e}");
        let e = softmax_cross_entropy(z.view(), &[0], None).unwrap_err();
        assert!(
            e.to_string().contains("2 rows of logits but 1 labels"),
            "{e}"
        );
    }
}
