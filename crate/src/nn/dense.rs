//! The fully connected layer: every input unit feeds every output unit.
//!
//! Forward: y = x W + b, with x (m, n_in), W (n_in, n_out), b (n_out), y (m, n_out).
//! Backward: dW = x^T dy, db = sum over the batch of dy, dx = dy W^T.

use crate::error::Result;
use crate::shape_err;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, LinalgScalar};
use num_traits::Float;

fn check(what: &str, got: (usize, usize), want: (usize, usize)) -> Result<()> {
    if got != want {
        return Err(shape_err!(
            "fully connected layer: {what} is {got:?}, expected {want:?}"
        ));
    }
    Ok(())
}

/// y = x W + b, written into `y` (m, n_out).
pub fn dense_forward<F: Float + LinalgScalar>(
    x: ArrayView2<F>,
    w: ArrayView2<F>,
    b: ArrayView1<F>,
    mut y: ArrayViewMut2<F>,
) -> Result<()> {
    let (m, n_in) = x.dim();
    let n_out = w.ncols();
    check("the weight matrix", w.dim(), (n_in, n_out))?;
    check("the output buffer", y.dim(), (m, n_out))?;
    if b.len() != n_out {
        return Err(shape_err!(
            "fully connected layer: {n_out} units need {n_out} biases, got {}",
            b.len()
        ));
    }
    y.assign(
        &b.broadcast((m, n_out))
            .ok_or_else(|| shape_err!("bias does not broadcast"))?,
    );
    general_mat_mul(F::one(), &x, &w, F::one(), &mut y);
    Ok(())
}

/// Gradients of the layer: dW = x^T dy and db = sum_i dy_i (both overwritten), and, when
/// `dx` is given, dx = dy W^T.
pub fn dense_backward<F: Float + LinalgScalar>(
    x: ArrayView2<F>,
    w: ArrayView2<F>,
    dy: ArrayView2<F>,
    mut dw: ArrayViewMut2<F>,
    mut db: ArrayViewMut1<F>,
    dx: Option<ArrayViewMut2<F>>,
) -> Result<()> {
    let (m, n_in) = x.dim();
    let n_out = w.ncols();
    check("the weight matrix", w.dim(), (n_in, n_out))?;
    check("the output gradient", dy.dim(), (m, n_out))?;
    check("the weight gradient buffer", dw.dim(), (n_in, n_out))?;
    if db.len() != n_out {
        return Err(shape_err!(
            "fully connected layer: bias gradient buffer has {} entries, expected {n_out}",
            db.len()
        ));
    }
    general_mat_mul(F::one(), &x.t(), &dy, F::zero(), &mut dw);
    for (d, col) in db.iter_mut().zip(dy.axis_iter(Axis(1))) {
        *d = col.iter().fold(F::zero(), |s, &v| s + v);
    }
    if let Some(mut dx) = dx {
        check("the input gradient buffer", dx.dim(), (m, n_in))?;
        general_mat_mul(F::one(), &dy, &w.t(), F::zero(), &mut dx);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{numerical_gradient, rel_error, test_values};
    use ndarray::{arr1, arr2, Array1, Array2};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn forward_is_x_w_plus_b() {
        let x = arr2(&[[1.0f32, 2.0], [3.0, 4.0]]);
        let w = arr2(&[[1.0f32, 0.0, -1.0], [2.0, 1.0, 0.5]]);
        let b = arr1(&[0.5f32, -1.0, 0.0]);
        let mut y = Array2::zeros((2, 3));
        dense_forward(x.view(), w.view(), b.view(), y.view_mut()).unwrap();
        assert_eq!(y, arr2(&[[5.5, 1.0, 0.0], [11.5, 3.0, -1.0]]));
    }

    #[test]
    fn gradients_match_central_differences() {
        let (m, n_in, n_out) = (4, 5, 3);
        let x = test_values(m * n_in, 1);
        let w = test_values(n_in * n_out, 2);
        let b = test_values(n_out, 3);
        let dy = test_values(m * n_out, 4);
        let v2 = |s: &[f64], r, c| ArrayView2::from_shape((r, c), s).unwrap().to_owned();
        // Loss L = sum(y * dy) so that dL/dy = dy.
        let loss = |x: &[f64], w: &[f64], b: &[f64]| {
            let mut y = Array2::zeros((m, n_out));
            dense_forward(
                v2(x, m, n_in).view(),
                v2(w, n_in, n_out).view(),
                ArrayView1::from(b),
                y.view_mut(),
            )
            .unwrap();
            (&y * &v2(&dy, m, n_out)).sum()
        };
        let (mut dw, mut db, mut dx) = (
            Array2::zeros((n_in, n_out)),
            Array1::zeros(n_out),
            Array2::zeros((m, n_in)),
        );
        dense_backward(
            v2(&x, m, n_in).view(),
            v2(&w, n_in, n_out).view(),
            v2(&dy, m, n_out).view(),
            dw.view_mut(),
            db.view_mut(),
            Some(dx.view_mut()),
        )
        .unwrap();
        let num_x = numerical_gradient(&x, |x| loss(x, &w, &b));
        let num_w = numerical_gradient(&w, |w| loss(&x, w, &b));
        let num_b = numerical_gradient(&b, |b| loss(&x, &w, b));
        assert!(rel_error(dx.as_slice().unwrap(), &num_x) < 1e-4);
        assert!(rel_error(dw.as_slice().unwrap(), &num_w) < 1e-4);
        assert!(rel_error(db.as_slice().unwrap(), &num_b) < 1e-4);
    }

    #[test]
    fn wrong_shapes_are_errors() {
        let x = Array2::<f32>::zeros((2, 4));
        let w = Array2::<f32>::zeros((3, 2));
        let mut y = Array2::zeros((2, 2));
        let e =
            dense_forward(x.view(), w.view(), Array1::zeros(2).view(), y.view_mut()).unwrap_err();
        assert!(e.to_string().contains("weight matrix"), "{e}");
    }
}
