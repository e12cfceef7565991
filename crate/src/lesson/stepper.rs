//! The sliding window one position at a time, for the step-by-step view: which input
//! cells the filter covers at an output cell, the products, and their sum. This is the
//! arithmetic a student writes out by hand (-5 = 3x1 + 1x1 + 2x1 + 0x0 + ...).

use crate::conv::{flip_filter, Correlation};
use crate::error::Result;
use crate::conv::shape::Padding;
use ndarray::{Array2, ArrayView2, Axis};
use serde::Serialize;

/// One term of the sum: the input value (0 for a padded cell) times the filter weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term {
    /// Row and column in the unpadded input; `None` when the cell is padding.
    pub input_pos: Option<(usize, usize)>,
    pub input: f32,
    pub weight: f32,
}

/// The whole computation of one output cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowStep {
    pub out_row: usize,
    pub out_col: usize,
    /// Top-left corner of the window in padded coordinates.
    pub padded_row: usize,
    pub padded_col: usize,
    /// Row-major over the window (f x f terms).
    pub terms: Vec<Term>,
    pub sum: f32,
}

/// The step at output cell (i, j) of a single-channel convolution.
pub fn window_step(
    image: ArrayView2<f32>,
    filter: ArrayView2<f32>,
    stride: usize,
    padding: Padding,
    mode: Correlation,
    i: usize,
    j: usize,
) -> Result<WindowStep> {
    let (h, w) = image.dim();
    let (fh, fw) = filter.dim();
    let (pads, (oh, ow)) = padding.resolve((h, w), (fh, fw), stride)?;
    if i >= oh || j >= ow {
        return Err(crate::message::Message::StepperCellOutside { i, j, oh, ow }.shape());
    }
    let filter: Array2<f32> = match mode {
        Correlation::Cross => filter.to_owned(),
        Correlation::True => {
            let four = filter.insert_axis(Axis(2)).insert_axis(Axis(3));
            flip_filter(four).remove_axis(Axis(3)).remove_axis(Axis(2))
        }
    };
    let (pr, pc) = (i * stride, j * stride);
    let mut terms = Vec::with_capacity(fh * fw);
    let mut sum = 0.0;
    for di in 0..fh {
        for dj in 0..fw {
            let r = (pr + di).checked_sub(pads.top).filter(|&r| r < h);
            let c = (pc + dj).checked_sub(pads.left).filter(|&c| c < w);
            let input_pos = r.zip(c);
            let input = input_pos.map_or(0.0, |(r, c)| image[[r, c]]);
            let weight = filter[[di, dj]];
            sum += input * weight;
            terms.push(Term { input_pos, input, weight });
        }
    }
    Ok(WindowStep { out_row: i, out_col: j, padded_row: pr, padded_col: pc, terms, sum })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use ndarray::arr2;

    fn lecture() -> (Array2<f32>, Array2<f32>) {
        let image = crate::lesson::test_pictures::lecture_image();
        let filter = arr2(&[[1., 0., -1.], [1., 0., -1.], [1., 0., -1.]]);
        (image, filter)
    }

    #[test]
    fn top_left_cell_is_minus_five_term_by_term() {
        let (image, filter) = lecture();
        let step = window_step(image.view(), filter.view(), 1, Padding::Valid, Correlation::Cross, 0, 0)
            .unwrap();
        assert_eq!(step.sum, -5.0);
        let pairs: Vec<(f32, f32)> = step.terms.iter().map(|t| (t.input, t.weight)).collect();
        // Row-major over the window: 3 0 1 / 1 5 8 / 2 7 2 times 1 0 -1 (x3).
        assert_eq!(
            pairs,
            vec![(3., 1.), (0., 0.), (1., -1.), (1., 1.), (5., 0.), (8., -1.), (2., 1.), (7., 0.), (2., -1.)]
        );
    }

    #[test]
    fn padded_cells_are_marked_and_count_zero() {
        let (image, filter) = lecture();
        let step = window_step(image.view(), filter.view(), 1, Padding::Pad(1), Correlation::Cross, 0, 0)
            .unwrap();
        assert_eq!(step.terms[0].input_pos, None);
        assert_eq!(step.terms[4].input_pos, Some((0, 0)));
        // Only the bottom-right 2x2 of the window is inside: 3*0 + 0*(-1) + 1*0 + 5*(-1).
        assert_eq!(step.sum, -5.0);
        assert!(window_step(image.view(), filter.view(), 1, Padding::Pad(1), Correlation::Cross, 6, 0).is_err());
    }

    #[test]
    fn true_convolution_uses_the_rotated_filter() {
        let (image, filter) = lecture();
        let step = window_step(image.view(), filter.view(), 1, Padding::Valid, Correlation::True, 0, 0)
            .unwrap();
        assert_eq!(step.terms[0].weight, -1.0);
        assert_eq!(step.sum, 5.0);
    }
}
