//! Parameter counts and filter reuse: why a convolution layer is small.
//!
//! A conv layer with `filters` filters of size f x f on an input with n_C(prev) channels has
//! `filters * (f * f * n_C(prev) + 1)` parameters (each filter spans all input channels and
//! has one bias). The lecture's "5 x 5 x 6 + 6 = 156" for 6 filters of 5 x 5 on a 32x32x3
//! input forgets the 3 channels; the true count is 6 * (5 * 5 * 3 + 1) = 456.
//! A fully connected layer producing the same 28x28x6 output from the same 32x32x3 input
//! would need 32*32*3 * 28*28*6 = 14,450,688 weights.
//!
//! [`filter_visits`] counts how often each input pixel falls under the sliding filter: the
//! page's heat map (corners once, the middle up to f^2 times at stride 1).

use crate::error::Result;
use crate::conv::shape::{Padding, Pads, Shape3};
use ndarray::Array2;

fn overflow() -> crate::ConvLabError {
    crate::message::Message::ParamsOverflow {}.shape()
}

/// Trainable parameters of a conv layer: `filters * (f * f * c_in + 1)` (weights + one
/// bias per filter). The single implementation used by [`crate::nn::layers::layer_table`].
///
/// Errors: `filters == 0`, `f == 0`, `c_in == 0`, or a count too large to represent.
pub fn conv_param_count(f: usize, c_in: usize, filters: usize) -> Result<usize> {
    if f == 0 {
        return Err(crate::message::Message::FilterZero {}.shape());
    }
    if c_in == 0 {
        return Err(crate::message::Message::ParamsNoChannels {}.shape());
    }
    if filters == 0 {
        return Err(crate::message::Message::ParamsNoFilters {}.param());
    }
    let per_filter = f
        .checked_mul(f)
        .and_then(|v| v.checked_mul(c_in))
        .and_then(|v| v.checked_add(1))
        .ok_or_else(overflow)?;
    per_filter.checked_mul(filters).ok_or_else(overflow)
}

/// The count a reader gets when forgetting the input channels: `filters * (f * f + 1)`
/// (the lecture's 156 for f = 5, 6 filters). Only for the explanation; never used in tables.
pub fn conv_param_count_ignoring_channels(f: usize, filters: usize) -> Result<usize> {
    conv_param_count(f, 1, filters)
}

/// A few sentences explaining the count of a conv layer, and where the lecture's smaller
/// number comes from when `c_in > 1`. For f = 5, c_in = 3, filters = 6 it explains 456 vs 156.
pub fn explain_conv_param_count(f: usize, c_in: usize, filters: usize) -> Result<String> {
    let right = conv_param_count(f, c_in, filters)?;
    let per_filter = right / filters;
    let mut text = format!(
        "Each of the {filters} filters is {f} x {f} x {c_in}: it spans all {c_in} input channel(s), \
         so it has {f}*{f}*{c_in} = {} weights plus 1 bias = {per_filter} parameters. \
         {filters} filters give {filters} * {per_filter} = {right} parameters.",
        per_filter - 1
    );
    if c_in > 1 {
        let slip = conv_param_count_ignoring_channels(f, filters)?;
        text.push_str(&format!(
            " Counting the filters as {f} x {f} only (forgetting the {c_in} input channels) gives \
             {f}*{f}*{filters} + {filters} = {slip}, the number quoted in the lecture; the true count is {right}."
        ));
    }
    text.push_str(
        " The count does not depend on the image size: the same filters slide over every position.",
    );
    Ok(text)
}

/// The lecture's example: 6 filters of 5 x 5 on a 32x32x3 input (456 parameters, not 156).
pub fn explain_lecture_param_count() -> String {
    // Constant, valid sizes: cannot fail.
    explain_conv_param_count(5, 3, 6).unwrap_or_default()
}

/// Weights of a fully connected layer mapping every input value to every output value:
/// (h*w*c of input) * (h*w*c of output), biases not included.
/// 32x32x3 -> 28x28x6 gives 3072 * 4704 = 14,450,688.
pub fn fully_connected_equivalent(input: Shape3, output: Shape3) -> Result<usize> {
    [input.0, input.1, input.2, output.0, output.1, output.2]
        .iter()
        .try_fold(1usize, |acc, &v| acc.checked_mul(v))
        .ok_or_else(overflow)
}

/// How many filter positions cover each of the `n` input pixels along one axis, with
/// `p_before` / `p_after` zeros of padding and stride `s`. Padding cells are not returned.
///
/// Output position o covers padded cells o*s .. o*s + f, i.e. input pixels
/// o*s - p_before .. o*s - p_before + f (clipped to 0..n). A pixel with count 0 is skipped
/// by the filter (possible when s > f).
pub fn filter_visits_axis(n: usize, f: usize, p_before: usize, p_after: usize, s: usize) -> Result<Vec<usize>> {
    let out = crate::conv::shape::output_size(n, f, p_before, p_after, s)?;
    check_drawable(n, f, p_before, p_after)?;
    let mut counts = vec![0usize; n];
    for o in 0..out {
        // o*s + f <= n + p_before + p_after holds because o < out; no overflow.
        let start = o * s;
        for cell in start..start + f {
            if cell >= p_before && cell - p_before < n {
                counts[cell - p_before] += 1;
            }
        }
    }
    Ok(counts)
}

/// Where the filter's first row (or column) lands, in padded coordinates (0 = first padding
/// cell, `p_before` = first input pixel), for each output position along one axis:
/// 0, s, 2s, ... (out - 1) s. For drawing the positions the filter visits.
pub fn filter_positions(n: usize, f: usize, p_before: usize, p_after: usize, s: usize) -> Result<Vec<usize>> {
    let out = crate::conv::shape::output_size(n, f, p_before, p_after, s)?;
    check_drawable(n, f, p_before, p_after)?;
    // (out - 1) * s <= n + p_before + p_after - f: no overflow.
    Ok((0..out).map(|o| o * s).collect())
}

/// The largest padded size (per axis) that the drawing helpers accept: the sizes are only
/// for pictures, and a huge n must be an error, not a gigabyte allocation.
pub const MAX_DRAWN_SIZE: usize = 4096;

fn check_drawable(n: usize, f: usize, p_before: usize, p_after: usize) -> Result<()> {
    let padded = n.saturating_add(p_before).saturating_add(p_after);
    if padded > MAX_DRAWN_SIZE || f > MAX_DRAWN_SIZE {
        return Err(crate::message::Message::TooLargeToDraw { padded, max: MAX_DRAWN_SIZE }.shape());
    }
    Ok(())
}

/// [`filter_visits_axis`] with the lecture's symmetric padding p.
/// Example: n = 7, f = 3, p = 0, s = 2 -> [1, 1, 2, 1, 2, 1, 1].
pub fn filter_visits(n: usize, f: usize, p: usize, s: usize) -> Result<Vec<usize>> {
    filter_visits_axis(n, f, p, p, s)
}

/// The 2-D heat map for an h x w input and an f x f filter: count(i, j) = rows(i) * cols(j),
/// since a position covers pixel (i, j) exactly when its row range covers i and its column
/// range covers j. Accepts any [`Padding`] (SAME splits unevenly for even f, as TensorFlow).
pub fn filter_visits_map(h: usize, w: usize, f: usize, padding: Padding, s: usize) -> Result<Array2<usize>> {
    let (pads, _) = padding.resolve((h, w), (f, f), s)?;
    let Pads { top, bottom, left, right } = pads;
    let rows = filter_visits_axis(h, f, top, bottom, s)?;
    let cols = filter_visits_axis(w, f, left, right, s)?;
    // h * w cells were already accepted by resolve; guard the allocation anyway.
    h.checked_mul(w).ok_or_else(overflow)?;
    Ok(Array2::from_shape_fn((h, w), |(i, j)| rows[i] * cols[j]))
}

#[cfg(test)]
mod drawable_tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn huge_sizes_are_refused_not_allocated() {
        let err = filter_positions(1 << 31, 3, 0, 0, 1).unwrap_err().to_string();
        assert!(err.contains("too large to draw"), "{err}");
        assert!(filter_visits_axis(usize::MAX / 2, 3, 1, 1, 1).is_err());
        assert!(filter_visits_map(100_000, 100_000, 3, Padding::Valid, 1).is_err());
        assert_eq!(filter_positions(4096, 3, 0, 0, 1).unwrap().len(), 4094);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn lecture_456_not_156() {
        assert_eq!(conv_param_count(5, 3, 6).unwrap(), 456);
        assert_eq!(conv_param_count_ignoring_channels(5, 6).unwrap(), 156);
        let text = explain_lecture_param_count();
        assert!(text.contains("456") && text.contains("156"), "{text}");
        // Lecture quiz: 10 filters of 3x3x3 have 280 parameters.
        assert_eq!(conv_param_count(3, 3, 10).unwrap(), 280);
    }

    #[test]
    fn fully_connected_alternative() {
        assert_eq!(fully_connected_equivalent((32, 32, 3), (28, 28, 6)).unwrap(), 14_450_688);
        assert!(fully_connected_equivalent((usize::MAX, 2, 1), (1, 1, 1)).is_err());
    }

    #[test]
    fn impossible_counts_are_errors() {
        assert!(conv_param_count(0, 3, 6).is_err());
        assert!(conv_param_count(5, 0, 6).is_err());
        assert!(conv_param_count(5, 3, 0).unwrap_err().to_string().contains("filter"));
        assert!(conv_param_count(usize::MAX / 2, 3, 6).unwrap_err().to_string().contains("too large"));
    }

    #[test]
    fn visits_corners_once_middle_many_times() {
        // 6x6, f = 3, stride 1, no padding: per axis 1,2,3,3,2,1.
        assert_eq!(filter_visits(6, 3, 0, 1).unwrap(), vec![1, 2, 3, 3, 2, 1]);
        let map = filter_visits_map(6, 6, 3, Padding::Valid, 1).unwrap();
        assert_eq!(map[[0, 0]], 1);
        assert_eq!(map[[5, 5]], 1);
        assert_eq!(map[[2, 3]], 9);
        // Every output position touches f*f pixels: total = 4*4*9.
        assert_eq!(map.sum(), 4 * 4 * 9);
        // Stride 2 on 7x7 (3x3 output): overlapping columns 2 and 4 are used twice.
        assert_eq!(filter_visits(7, 3, 0, 2).unwrap(), vec![1, 1, 2, 1, 2, 1, 1]);
        // Padding 1: the border is now covered twice, the corner 4 times in 2-D.
        assert_eq!(filter_visits(5, 3, 1, 1).unwrap(), vec![2, 3, 3, 3, 2]);
        // Stride larger than the filter skips pixels.
        assert_eq!(filter_visits(5, 1, 0, 2).unwrap(), vec![1, 0, 1, 0, 1]);
        // SAME with an even filter pads 1 before and 2 after.
        let same = filter_visits_map(4, 4, 4, Padding::Same, 1).unwrap();
        // Per axis 2,3,4,3 (pixel 2 is under all four positions); row 0 is 2 * that.
        assert_eq!(same.row(0).to_vec(), vec![4, 6, 8, 6]);
    }

    #[test]
    fn positions_step_by_the_stride() {
        assert_eq!(filter_positions(7, 3, 0, 0, 2).unwrap(), vec![0, 2, 4]);
        assert_eq!(filter_positions(5, 3, 1, 1, 1).unwrap(), vec![0, 1, 2, 3, 4]);
        // 8 + 2 - 3 = 7 cells of room at stride 3: positions 0, 3, 6; the last column is never a start.
        assert_eq!(filter_positions(8, 3, 1, 1, 3).unwrap(), vec![0, 3, 6]);
        assert!(filter_positions(2, 3, 0, 0, 1).is_err());
    }

    #[test]
    fn visits_reject_impossible_settings() {
        assert!(filter_visits(5, 3, 0, 0).unwrap_err().to_string().contains("stride"));
        assert!(filter_visits(5, 0, 0, 1).is_err());
        assert!(filter_visits(2, 5, 1, 1).unwrap_err().to_string().contains("larger"));
    }
}
