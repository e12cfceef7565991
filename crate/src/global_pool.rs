//! Global average pooling: each channel's map is replaced by its mean,
//! (m, h, w, c) -> (m, c). Backward spreads dy / (h w) evenly over the map.

use crate::error::Result;
use crate::shape_err;
use ndarray::{ArrayView2, ArrayView4, ArrayViewMut2, ArrayViewMut4};
use num_traits::Float;

/// y[i, ch] = mean over (h, w) of x[i, .., .., ch].
pub fn global_avg_pool_forward<F: Float>(x: ArrayView4<F>, mut y: ArrayViewMut2<F>) -> Result<()> {
    let (m, h, w, c) = x.dim();
    if y.dim() != (m, c) {
        return Err(shape_err!(
            "global average pooling: output {:?} should be {:?}",
            y.dim(),
            (m, c)
        ));
    }
    let inv = F::one() / F::from(h * w).unwrap_or_else(F::one);
    for (xi, mut yi) in x.outer_iter().zip(y.outer_iter_mut()) {
        yi.fill(F::zero());
        for row in xi.outer_iter() {
            for px in row.outer_iter() {
                for (s, &v) in yi.iter_mut().zip(px.iter()) {
                    *s = *s + v;
                }
            }
        }
        yi.mapv_inplace(|v| v * inv);
    }
    Ok(())
}

/// dx[i, r, s, ch] = dy[i, ch] / (h w).
pub fn global_avg_pool_backward<F: Float>(
    dy: ArrayView2<F>,
    mut dx: ArrayViewMut4<F>,
) -> Result<()> {
    let (m, h, w, c) = dx.dim();
    if dy.dim() != (m, c) {
        return Err(shape_err!(
            "global average pooling backward: gradient {:?} should be {:?}",
            dy.dim(),
            (m, c)
        ));
    }
    let inv = F::one() / F::from(h * w).unwrap_or_else(F::one);
    for (di, mut xi) in dy.outer_iter().zip(dx.outer_iter_mut()) {
        for mut row in xi.outer_iter_mut() {
            for mut px in row.outer_iter_mut() {
                for (d, &g) in px.iter_mut().zip(di.iter()) {
                    *d = g * inv;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{numerical_gradient, rel_error, test_values};
    use ndarray::{Array2, Array4};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn mean_per_channel() {
        // 2x2 map, channel 0 = 1, 2, 3, 4 (mean 2.5), channel 1 = -1 everywhere.
        let x =
            Array4::from_shape_vec((1, 2, 2, 2), vec![1., -1., 2., -1., 3., -1., 4., -1.]).unwrap();
        let mut y = Array2::zeros((1, 2));
        global_avg_pool_forward(x.view(), y.view_mut()).unwrap();
        assert_eq!(y, ndarray::arr2(&[[2.5, -1.0]]));
    }

    #[test]
    fn gradient_matches_central_differences() {
        let shape = (2, 3, 4, 5);
        let x = test_values(2 * 3 * 4 * 5, 1);
        let dy = Array2::from_shape_vec((2, 5), test_values(10, 2)).unwrap();
        let loss = |x: &[f64]| {
            let mut y = Array2::zeros((2, 5));
            global_avg_pool_forward(ArrayView4::from_shape(shape, x).unwrap(), y.view_mut())
                .unwrap();
            (&y * &dy).sum()
        };
        let mut dx = Array4::zeros(shape);
        global_avg_pool_backward(dy.view(), dx.view_mut()).unwrap();
        assert!(rel_error(dx.as_slice().unwrap(), &numerical_gradient(&x, loss)) < 1e-4);
    }
}
