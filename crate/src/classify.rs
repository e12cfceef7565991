//! Classifying one photo: THE preprocessing ([`crate::data::preprocess::preprocess`]),
//! a forward pass per view (the photo alone, or test-time averaging over a few views:
//! [`crate::hand_model::views_for`]), the probabilities, and an honest word when the
//! model is unsure. The page (`wasm::classify`) and `convlab classify` both go through
//! [`classify_input_views`] / [`predict_input`], so they give the same answer.

use crate::data::preprocess::preprocess;
use crate::error::Result;
use crate::model::{LayerOutput, Model};
use crate::data::Dataset;
use crate::hand_model::{describe_views, predict_views_reusing, View};
use crate::{param_err, shape_err};
use ndarray::{Array3, ArrayView2, ArrayView3, Axis};
use serde::Serialize;

/// Below this top probability the answer comes with a warning: the threshold tuned on
/// held-out photos for the shipped model (see `docs/models.md`).
pub const UNSURE_BELOW: f32 = crate::hand_model::WARNING_THRESHOLD;

/// What the network says about one picture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Index of the most probable output.
    pub index: usize,
    /// What that output means (the class list's entry; the index when there is none).
    pub label: i64,
    /// Softmax of the logits, one per class.
    pub probabilities: Vec<f32>,
    /// Largest probability.
    pub confidence: f32,
    /// Set when the model is unsure: what to try instead.
    pub warning: Option<String>,
    /// How many views of the photo the probabilities are averaged over (1: the photo alone).
    pub views: usize,
    /// With more than one view, what was averaged, in words ("averaged over 2 views: the
    /// photo and its mirror image").
    pub averaging: Option<String>,
}

/// The prediction from a layer-outputs list (its last entry is "probabilities").
pub fn prediction_from_outputs(outputs: &[LayerOutput], classes: &[i64]) -> Result<Prediction> {
    prediction(own_probabilities(outputs)?, classes)
}

fn own_probabilities(outputs: &[LayerOutput]) -> Result<&[f32]> {
    outputs
        .last()
        .filter(|o| o.name == "probabilities")
        .map(|o| o.values.as_slice())
        .ok_or_else(|| shape_err!("the network gave no probabilities"))
}

/// Arg-max, label and warning of a probability vector (of the photo alone).
pub fn prediction(probabilities: &[f32], classes: &[i64]) -> Result<Prediction> {
    prediction_over(probabilities, classes, &[View::Identity])
}

/// [`prediction`] of probabilities averaged over `views`.
pub fn prediction_over(probabilities: &[f32], classes: &[i64], views: &[View]) -> Result<Prediction> {
    let (index, confidence) = probabilities
        .iter()
        .copied()
        .enumerate()
        .fold(None, |best: Option<(usize, f32)>, (i, p)| match best {
            Some((_, b)) if p.partial_cmp(&b) != Some(std::cmp::Ordering::Greater) => best,
            _ => Some((i, p)),
        })
        .ok_or_else(|| shape_err!("the network gave no probabilities"))?;
    if !confidence.is_finite() {
        return Err(shape_err!("the network's output is not a number: its weights are broken (NaN)"));
    }
    let label = classes.get(index).copied().unwrap_or(index as i64);
    let warning = (confidence < UNSURE_BELOW).then(|| {
        format!(
            "The model is unsure (top probability {:.0}%): {}.",
            confidence * 100.0,
            crate::hand_model::UNFAMILIAR_PHOTO
        )
    });
    let averaging = (views.len() > 1).then(|| format!("averaged over {} views: {}", views.len(), describe_views(views)));
    Ok(Prediction { index, label, probabilities: probabilities.to_vec(), confidence, warning, views: views.len(), averaging })
}

/// Picture `index` of a data set as the network sees it: (h, w, 3) floats, pixels / 255,
/// the scaling training uses.
pub fn dataset_input(data: &Dataset, index: usize) -> Result<Array3<f32>> {
    if index >= data.len() {
        return Err(param_err!("there is no picture {index}: the set has {} pictures (0 to {})", data.len(), data.len().saturating_sub(1)));
    }
    Ok(data.images.index_axis(Axis(0), index).mapv(|v| f32::from(v) / 255.0))
}

/// A photo through the model: the 64x64 input it sees, every layer's output and the
/// prediction, its probabilities averaged over `views` (`&[View::Identity]` for the photo
/// alone; the layer outputs are always the photo's own). `pixels` are
/// `width * height * channels` bytes (3 or 4 channels), stored as the file holds them,
/// with the file's EXIF `orientation` (1-8).
#[allow(clippy::too_many_arguments)]
pub fn classify_photo_views(
    model: &mut Model,
    classes: &[i64],
    pixels: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    orientation: u8,
    views: &[View],
) -> Result<(Array3<f32>, Vec<LayerOutput>, Prediction)> {
    let input = preprocess(pixels, width, height, channels, orientation)?;
    let (outputs, prediction) = classify_input_views(model, classes, input.view(), views)?;
    Ok((input, outputs, prediction))
}

/// An already preprocessed (h, w, c) input in [0, 1] through the model.
pub fn classify_input(model: &mut Model, classes: &[i64], input: ArrayView3<f32>) -> Result<(Vec<LayerOutput>, Prediction)> {
    classify_input_views(model, classes, input, &[View::Identity])
}

fn check_input(model: &Model, input: ArrayView3<f32>) -> Result<()> {
    if input.dim() != model.input_shape() {
        let (h, w, c) = input.dim();
        let (eh, ew, ec) = model.input_shape();
        return Err(shape_err!("the picture is {h}x{w}x{c} but the network expects {eh}x{ew}x{ec}"));
    }
    Ok(())
}

/// Every layer's output for the input itself, and the prediction averaged over `views`
/// (with `[View::Identity]`, the last layer output's probabilities).
pub fn classify_input_views(
    model: &mut Model,
    classes: &[i64],
    input: ArrayView3<f32>,
    views: &[View],
) -> Result<(Vec<LayerOutput>, Prediction)> {
    check_input(model, input)?;
    let outputs = model.layer_outputs(input)?;
    let prediction = if views == [View::Identity] {
        prediction_from_outputs(&outputs, classes)?
    } else {
        // The photo's own probabilities are the outputs' last entry: that view is not run again.
        let own = own_probabilities(&outputs)?;
        let own = ArrayView2::from_shape((1, own.len()), own).map_err(|e| shape_err!("{e}"))?;
        predict_over(model, classes, input, views, Some(own))?
    };
    Ok((outputs, prediction))
}

/// The prediction for a preprocessed (h, w, c) input, its probabilities averaged over
/// `views` ([`crate::hand_model::predict_views`]).
pub fn predict_input(model: &mut Model, classes: &[i64], input: ArrayView3<f32>, views: &[View]) -> Result<Prediction> {
    check_input(model, input)?;
    predict_over(model, classes, input, views, None)
}

fn predict_over(model: &mut Model, classes: &[i64], input: ArrayView3<f32>, views: &[View], own: Option<ArrayView2<f32>>) -> Result<Prediction> {
    let p = predict_views_reusing(model, input.insert_axis(Axis(0)), views, own)?;
    prediction_over(&p.iter().copied().collect::<Vec<_>>(), classes, views)
}

/// A photo file decoded natively, preprocessed, and predicted over `views`: what
/// `convlab classify` prints.
#[cfg(not(target_arch = "wasm32"))]
pub fn classify_file(model: &mut Model, classes: &[i64], path: &std::path::Path, views: &[View]) -> Result<Prediction> {
    let input = crate::data::preprocess::preprocess_file(path)?;
    // The page's own path (layer outputs, then the prediction), so the answers agree.
    Ok(classify_input_views(model, classes, input.view(), views)?.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use crate::layers::{signs_network, SIGNS_INPUT};

    #[test]
    fn the_most_probable_class_wins_and_is_named_by_the_class_list() {
        let p = prediction(&[0.02, 0.02, 0.9, 0.02, 0.02, 0.02], &[10, 11, 12, 13, 14, 15]).unwrap();
        assert_eq!((p.index, p.label), (2, 12));
        assert!((p.confidence - 0.9).abs() < 1e-6);
        assert!(p.warning.is_none());
    }

    #[test]
    fn a_low_top_probability_comes_with_a_warning() {
        let p = prediction(&[0.3, 0.25, 0.2, 0.1, 0.1, 0.05], &[]).unwrap();
        assert_eq!((p.index, p.label), (0, 0));
        assert!(p.warning.unwrap().contains("unsure (top probability 30%)"));
    }

    #[test]
    fn nan_outputs_and_empty_outputs_are_errors() {
        assert!(prediction(&[f32::NAN, f32::NAN], &[]).unwrap_err().to_string().contains("not a number"));
        assert!(prediction(&[], &[]).is_err());
    }

    #[test]
    fn the_photo_own_view_is_reused_and_the_answer_is_the_same_bit_for_bit() {
        // The robust network (batch norm, global pooling) averaged over the photo and its
        // mirror: classify_input_views takes the photo's own probabilities from its layer
        // outputs; predict_input runs both views. Same numbers, to the last bit.
        let mut model = Model::new(&crate::hand_model::robust_network(), SIGNS_INPUT, 7).unwrap();
        let input = Array3::from_shape_fn((64, 64, 3), |(y, x, c)| ((y * 7 + x * 3 + c * 11) % 17) as f32 / 16.0);
        let views = &crate::hand_model::DEFAULT_VIEWS;
        let (_, reused) = classify_input_views(&mut model, &[0, 1, 2, 3, 4, 5], input.view(), views).unwrap();
        let all = predict_input(&mut model, &[0, 1, 2, 3, 4, 5], input.view(), views).unwrap();
        assert_eq!(reused, all);
        assert_eq!(reused.views, 2);
        // And the mirror counts: the average differs from the photo alone.
        let alone = predict_input(&mut model, &[0, 1, 2, 3, 4, 5], input.view(), &[View::Identity]).unwrap();
        assert_ne!(alone.probabilities, all.probabilities);
    }

    #[test]
    fn a_photo_goes_through_the_preprocessing_and_the_network() {
        let mut model = Model::new(&signs_network(), SIGNS_INPUT, 1).unwrap();
        // A 100x50 RGBA photo: centre-cropped to 50x50, resized to 64x64.
        let pixels = vec![200u8; 100 * 50 * 4];
        let (input, outputs, p) = classify_photo_views(&mut model, &[0, 1, 2, 3, 4, 5], &pixels, 100, 50, 4, 1, &[View::Identity]).unwrap();
        assert_eq!(input.dim(), (64, 64, 3));
        assert!(input.iter().all(|&v| (v - 200.0 / 255.0).abs() < 1e-5));
        assert_eq!(outputs.last().unwrap().name, "probabilities");
        let sum: f32 = p.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5);
        let err = classify_photo_views(&mut model, &[], &pixels[..10], 100, 50, 4, 1, &[View::Identity]).unwrap_err();
        assert!(!err.to_string().is_empty());
        let wrong = Array3::<f32>::zeros((32, 32, 3));
        assert!(classify_input(&mut model, &[], wrong.view()).unwrap_err().to_string().contains("expects 64x64x3"));
    }

    #[test]
    fn dataset_pictures_are_scaled_like_training_batches() {
        let mut images = ndarray::Array4::<u8>::zeros((2, 1, 1, 3));
        images[[1, 0, 0, 0]] = 255;
        images[[1, 0, 0, 1]] = 51;
        let data = Dataset { images, labels: vec![0, 1], classes: vec![0, 1] };
        let x = dataset_input(&data, 1).unwrap();
        assert_eq!(x.iter().copied().collect::<Vec<_>>(), vec![1.0, 0.2, 0.0]);
        assert!(dataset_input(&data, 2).unwrap_err().to_string().contains("no picture 2"));
    }
}
