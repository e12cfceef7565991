//! One convolution layer over a volume, taken apart for the "Volumes and layers" view.
//!
//! A filter over an (h, w, n_C) input is itself (f, f, n_C): each of its channel slices
//! slides over the matching input channel, and the output cell is the sum of the n_C
//! channel results. [`channel_contributions`] returns those per-channel maps, so the page
//! can show that a 3x3x3 filter on an RGB image is three 3x3 correlations added up.
//! [`explain_conv_layer`] then stacks k filters, adds one bias per filter and applies ReLU:
//! `z[l] = W[l] * a[l-1] + b[l]`, `a[l] = max(0, z[l])`, of shape
//! `n_H[l] x n_W[l] x n_C[l]` with `n_C[l] = k`.

use crate::conv::{conv2d, Correlation};
use crate::error::Result;
use crate::conv::shape::Padding;
use ndarray::{s, Array1, Array3, Array4, ArrayView1, ArrayView3, ArrayView4, Axis};

/// What each input channel adds to one filter's output: (out_h, out_w, n_C), where slice c
/// is input channel c correlated with filter channel c (no bias). Summing over the last
/// axis gives the filter's output (without bias).
pub fn channel_contributions(
    x: ArrayView3<f32>,
    filter: ArrayView3<f32>,
    stride: usize,
    padding: Padding,
) -> Result<Array3<f32>> {
    let (h, w, c) = x.dim();
    let (fh, fw, fc) = filter.dim();
    if fc != c {
        return Err(crate::message::Message::ConvFilterChannels { fc, c }.shape());
    }
    let (_, (oh, ow)) = padding.resolve((h, w), (fh, fw), stride)?;
    let mut out = Array3::<f32>::zeros((oh, ow, c));
    let zero = Array1::<f32>::zeros(1);
    for ch in 0..c {
        let xc = x.slice(s![.., .., ch..ch + 1]).insert_axis(Axis(0));
        let wc = filter.slice(s![.., .., ch..ch + 1]).insert_axis(Axis(3));
        let y = conv2d(xc, wc, zero.view(), stride, padding, Correlation::Cross)?;
        out.slice_mut(s![.., .., ch]).assign(&y.slice(s![0, .., .., 0]));
    }
    Ok(out)
}

/// One conv layer on one input, every stage kept for display.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvLayerExplained {
    /// (out_h, out_w, k, n_C): contributions[.., .., filter, channel].
    pub contributions: Array4<f32>,
    /// Filter outputs before bias: the sum of the contributions over channels, (out_h, out_w, k).
    pub sums: Array3<f32>,
    /// z = sums + b (one bias per filter), (out_h, out_w, k).
    pub z: Array3<f32>,
    /// a = ReLU(z) = max(0, z), (out_h, out_w, k).
    pub a: Array3<f32>,
}

/// Input x (h, w, n_C), filters (f, f, n_C, k), bias (k): the per-channel contributions of
/// every filter, their sums, + bias and ReLU. `z` equals [`conv2d`] with the bias.
pub fn explain_conv_layer(
    x: ArrayView3<f32>,
    filters: ArrayView4<f32>,
    bias: ArrayView1<f32>,
    stride: usize,
    padding: Padding,
) -> Result<ConvLayerExplained> {
    let (_, _, c) = x.dim();
    let (_, _, fc, k) = filters.dim();
    if fc != c {
        return Err(crate::message::Message::ConvFiltersChannels { fc, c }.shape());
    }
    if bias.len() != k {
        return Err(crate::message::Message::ConvBiases { k, got: bias.len() }.shape());
    }
    let z4 = conv2d(x.insert_axis(Axis(0)), filters, bias, stride, padding, Correlation::Cross)?;
    let z = z4.index_axis_move(Axis(0), 0);
    let (oh, ow, _) = z.dim();
    let mut contributions = Array4::<f32>::zeros((oh, ow, k, c));
    for f in 0..k {
        let per = channel_contributions(x, filters.index_axis(Axis(3), f), stride, padding)?;
        contributions.slice_mut(s![.., .., f, ..]).assign(&per);
    }
    let sums = contributions.sum_axis(Axis(3));
    let a = z.mapv(|v| v.max(0.0));
    Ok(ConvLayerExplained { contributions, sums, z, a })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use ndarray::{arr1, Array};

    /// 6x6x3: red is the lecture's light-to-dark step (10s then 0s), green its mirror,
    /// blue all ones.
    fn rgb() -> Array3<f32> {
        Array3::from_shape_fn((6, 6, 3), |(_, j, c)| match c {
            0 => if j < 3 { 10.0 } else { 0.0 },
            1 => if j < 3 { 0.0 } else { 10.0 },
            _ => 1.0,
        })
    }

    /// Vertical edge filter [[1,0,-1]]x3 on every channel.
    fn vertical3() -> Array3<f32> {
        Array3::from_shape_fn((3, 3, 3), |(_, j, _)| [1.0, 0.0, -1.0][j])
    }

    #[test]
    fn contributions_are_the_lecture_responses_per_channel() {
        let per = channel_contributions(rgb().view(), vertical3().view(), 1, Padding::Valid).unwrap();
        assert_eq!(per.dim(), (4, 4, 3));
        // Lecture: 10s then 0s give rows [0, 30, 30, 0]; the mirror gives [0, -30, -30, 0];
        // a flat channel gives 0.
        for i in 0..4 {
            assert_eq!(per.slice(s![i, .., 0]).to_vec(), vec![0.0, 30.0, 30.0, 0.0]);
            assert_eq!(per.slice(s![i, .., 1]).to_vec(), vec![0.0, -30.0, -30.0, 0.0]);
            assert_eq!(per.slice(s![i, .., 2]).to_vec(), vec![0.0; 4]);
        }
    }

    #[test]
    fn two_filters_bias_and_relu() {
        // Filter 0: vertical on red only; filter 1: vertical on green only.
        let mut w = Array::zeros((3, 3, 3, 2));
        for i in 0..3 {
            for (j, v) in [1.0, 0.0, -1.0].into_iter().enumerate() {
                w[[i, j, 0, 0]] = v;
                w[[i, j, 1, 1]] = v;
            }
        }
        let b = arr1(&[-5.0f32, 2.0]);
        let e = explain_conv_layer(rgb().view(), w.view(), b.view(), 1, Padding::Valid).unwrap();
        assert_eq!(e.z.dim(), (4, 4, 2));
        // Filter 0 sums to [0, 30, 30, 0], + (-5): [-5, 25, 25, -5], ReLU [0, 25, 25, 0].
        assert_eq!(e.z.slice(s![0, .., 0]).to_vec(), vec![-5.0, 25.0, 25.0, -5.0]);
        assert_eq!(e.a.slice(s![0, .., 0]).to_vec(), vec![0.0, 25.0, 25.0, 0.0]);
        // Filter 1: [0, -30, -30, 0] + 2 = [2, -28, -28, 2], ReLU [2, 0, 0, 2].
        assert_eq!(e.z.slice(s![3, .., 1]).to_vec(), vec![2.0, -28.0, -28.0, 2.0]);
        assert_eq!(e.a.slice(s![3, .., 1]).to_vec(), vec![2.0, 0.0, 0.0, 2.0]);
        assert_eq!(e.sums.slice(s![1, .., 1]).to_vec(), vec![0.0, -30.0, -30.0, 0.0]);
        assert_eq!(e.contributions[[0, 1, 0, 0]], 30.0);
        assert_eq!(e.contributions[[0, 1, 0, 1]], 0.0);
    }

    #[test]
    fn mismatched_channels_are_errors() {
        let w = Array3::<f32>::zeros((3, 3, 2));
        let err = channel_contributions(rgb().view(), w.view(), 1, Padding::Valid).unwrap_err();
        assert!(err.to_string().contains("channels"), "{err}");
        let w4 = Array4::<f32>::zeros((3, 3, 3, 2));
        assert!(explain_conv_layer(rgb().view(), w4.view(), arr1(&[0.0f32]).view(), 1, Padding::Valid).is_err());
        assert!(explain_conv_layer(rgb().view(), w4.view(), arr1(&[0.0f32, 0.0]).view(), 0, Padding::Valid).is_err());
    }
}
