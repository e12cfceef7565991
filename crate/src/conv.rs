//! 2-D convolution over volumes, as the lecture defines it: an input (m, n_H, n_W, n_C)
//! and a bank of filters (f, f, n_C, n_C') plus one bias per filter give an output
//! (m, n_H', n_W', n_C'). Deep learning's "convolution" is cross-correlation; true
//! convolution first rotates each filter by 180 degrees.

use crate::error::Result;
use crate::shape::Padding;
use crate::shape_err;
use ndarray::{s, Array4, ArrayView1, ArrayView4};

/// Which operation the filter performs as it slides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correlation {
    /// What deep learning calls convolution: the filter is used as written.
    #[default]
    Cross,
    /// The mathematician's convolution: the filter is rotated by 180 degrees first.
    True,
}

/// The filter rotated by 180 degrees (both spatial axes reversed): true convolution
/// with `w` is cross-correlation with `flip_filter(w)`.
pub fn flip_filter(w: ArrayView4<f32>) -> Array4<f32> {
    w.slice(s![..;-1, ..;-1, .., ..]).to_owned()
}

/// Forward pass: x (m, h, w, c), filters (fh, fw, c, k), bias (k) -> (m, oh, ow, k).
pub fn conv2d(
    x: ArrayView4<f32>,
    w: ArrayView4<f32>,
    b: ArrayView1<f32>,
    stride: usize,
    padding: Padding,
    mode: Correlation,
) -> Result<Array4<f32>> {
    let (m, h, wd, c) = x.dim();
    let (fh, fw, fc, k) = w.dim();
    if fc != c {
        return Err(shape_err!(
            "the filter has {fc} channels but the input has {c}: they must match"
        ));
    }
    if b.len() != k {
        return Err(shape_err!("{k} filters need {k} biases, got {}", b.len()));
    }
    let (pads, (oh, ow)) = padding.resolve((h, wd), (fh, fw), stride)?;
    let w = match mode {
        Correlation::Cross => w.to_owned(),
        Correlation::True => flip_filter(w),
    };
    let mut out = Array4::<f32>::zeros((m, oh, ow, k));
    for n in 0..m {
        for i in 0..oh {
            for j in 0..ow {
                for o in 0..k {
                    let mut acc = b[o];
                    for di in 0..fh {
                        let yi = (i * stride + di) as isize - pads.top as isize;
                        if yi < 0 || yi >= h as isize {
                            continue;
                        }
                        for dj in 0..fw {
                            let xj = (j * stride + dj) as isize - pads.left as isize;
                            if xj < 0 || xj >= wd as isize {
                                continue;
                            }
                            for ch in 0..c {
                                acc += x[[n, yi as usize, xj as usize, ch]] * w[[di, dj, ch, o]];
                            }
                        }
                    }
                    out[[n, i, j, o]] = acc;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use ndarray::{arr1, Array2};

    pub(crate) fn lecture_image() -> Array2<f32> {
        ndarray::arr2(&[
            [3., 0., 1., 2., 7., 4.],
            [1., 5., 8., 9., 3., 1.],
            [2., 7., 2., 5., 1., 3.],
            [0., 1., 3., 1., 7., 8.],
            [4., 2., 1., 6., 2., 8.],
            [2., 4., 5., 2., 3., 9.],
        ])
    }

    #[test]
    fn lecture_vertical_edge_example() {
        let x = lecture_image().into_shape_with_order((1, 6, 6, 1)).unwrap();
        let f = ndarray::arr2(&[[1., 0., -1.], [1., 0., -1.], [1., 0., -1.]])
            .into_shape_with_order((3, 3, 1, 1))
            .unwrap();
        let y = conv2d(x.view(), f.view(), arr1(&[0.]).view(), 1, Padding::Valid, Correlation::Cross)
            .unwrap();
        let y = y.into_shape_with_order((4, 4)).unwrap();
        let expected = ndarray::arr2(&[
            [-5., -4., 0., 8.],
            [-10., -2., 2., 3.],
            [0., -2., -4., -7.],
            [-3., -2., -3., -16.],
        ]);
        assert_eq!(y, expected);
    }
}
