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
    if c == 0 || h * w == 0 {
        return Ok(());
    }
    let inv = F::one() / F::from(h * w).unwrap_or_else(F::one);
    let x = x.as_standard_layout();
    let xs = x.as_slice().ok_or_else(|| shape_err!("global average pooling: input is not contiguous"))?;
    for (xi, mut yi) in xs.chunks_exact(h * w * c).zip(y.outer_iter_mut()) {
        // Summed in a contiguous buffer (one SIMD lane per channel), then stored.
        let mut sum = vec![F::zero(); c];
        for px in xi.chunks_exact(c) {
            for (s, &v) in sum.iter_mut().zip(px) {
                *s = *s + v;
            }
        }
        for (o, &s) in yi.iter_mut().zip(&sum) {
            *o = s * inv;
        }
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
    if c == 0 || h * w == 0 {
        return Ok(());
    }
    let inv = F::one() / F::from(h * w).unwrap_or_else(F::one);
    let dxs = dx.as_slice_mut().ok_or_else(|| shape_err!("global average pooling backward: gradient buffer is not contiguous"))?;
    for (di, xi) in dy.outer_iter().zip(dxs.chunks_exact_mut(h * w * c)) {
        let g: Vec<F> = di.iter().map(|&v| v * inv).collect();
        for px in xi.chunks_exact_mut(c) {
            px.copy_from_slice(&g);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{numerical_gradient, rel_error, test_values};
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
