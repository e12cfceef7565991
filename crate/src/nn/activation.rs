//! ReLU, the lecture's activation: g(z) = max(0, z), applied element by element.
//!
//! Backward: `dz = da * 1[z > 0]` (the derivative at exactly 0 is taken as 0, like
//! TensorFlow and PyTorch).

use crate::error::Result;
use crate::shape_err;
use ndarray::{Array, ArrayView, Dimension};
use num_traits::Float;

/// y = max(0, x), element by element, into a buffer of the same length.
pub fn relu_forward<F: Float>(x: &[F], y: &mut [F]) -> Result<()> {
    if x.len() != y.len() {
        return Err(shape_err!(
            "ReLU: input has {} values but the output buffer {}",
            x.len(),
            y.len()
        ));
    }
    // Written as "negative -> 0" so that a NaN passes through: a diverged run must show.
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = if xi < F::zero() { F::zero() } else { xi };
    }
    Ok(())
}

/// dx = dy where x > 0, else 0. `x` is the ReLU's input (its output works too: both are
/// positive at the same places).
pub fn relu_backward<F: Float>(x: &[F], dy: &[F], dx: &mut [F]) -> Result<()> {
    if x.len() != dy.len() || x.len() != dx.len() {
        return Err(shape_err!(
            "ReLU backward: input {}, gradient {} and output buffer {} values must match",
            x.len(),
            dy.len(),
            dx.len()
        ));
    }
    for ((dxi, &dyi), &xi) in dx.iter_mut().zip(dy).zip(x) {
        *dxi = if xi > F::zero() { dyi } else { F::zero() };
    }
    Ok(())
}

/// ReLU of a whole array of any shape (allocates; for teaching views and tests).
pub fn relu<F: Float, D: Dimension>(x: ArrayView<F, D>) -> Array<F, D> {
    x.mapv(|v| if v < F::zero() { F::zero() } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{numerical_gradient, rel_error, test_values};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn relu_values() {
        let x = ndarray::arr1(&[-2.0f32, -0.0, 0.5, 3.0]);
        assert_eq!(relu(x.view()), ndarray::arr1(&[0.0, 0.0, 0.5, 3.0]));
    }

    #[test]
    fn relu_gradient_matches_central_differences() {
        // Values kept away from 0, where ReLU has its kink.
        let x: Vec<f64> = test_values(40, 1)
            .into_iter()
            .map(|v| if v.abs() < 0.05 { v + 0.2 } else { v })
            .collect();
        let dy = test_values(40, 2);
        let mut dx = vec![0.0; 40];
        relu_backward(&x, &dy, &mut dx).unwrap();
        let loss = |x: &[f64]| {
            let mut y = vec![0.0; x.len()];
            relu_forward(x, &mut y).unwrap();
            y.iter().zip(&dy).map(|(a, b)| a * b).sum::<f64>()
        };
        let num = numerical_gradient(&x, loss);
        assert!(rel_error(&dx, &num) < 1e-4);
    }

    #[test]
    fn mismatched_buffers_are_errors() {
        let mut y = [0.0f32; 2];
        assert!(relu_forward(&[1.0f32; 3], &mut y)
            .unwrap_err()
            .to_string()
            .contains("3 values"));
    }
}
