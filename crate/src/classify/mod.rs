//! Classifying one photo: THE preprocessing ([`crate::data::preprocess::prepare`]: the
//! hand found and cropped), a forward pass per view (the photo alone, or test-time
//! averaging over a few views: [`crate::classify::hand_model::views_for`]), the probabilities, and
//! an honest word when the answer should not be trusted, saying whether the model or the
//! photo is the reason. The page (`wasm::classify`) and `convlab classify` both go
//! through [`classify_input_views`] / [`predict_input`], so they give the same answer.

pub mod hand_model;
pub mod grad_cam;

use crate::data::hand_crop::Crop;
use crate::data::preprocess::{prepare, Framing, Prepared};
use crate::error::Result;
use crate::classify::grad_cam::{grad_cam, target_layer, ClassMap};
use crate::nn::model::{LayerOutput, Model};
use crate::data::Dataset;
use crate::classify::hand_model::{describe_views, predict_views_reusing, View};
use crate::shape_err;
use ndarray::{Array3, ArrayView2, ArrayView3, Axis};
use serde::{Deserialize, Serialize};

/// When a model's answers come with a warning. Kept in the model's weights file
/// (`calibration`), fitted by `hand_eval calibrate` on shifted photos (the cross-camera
/// validation set); a model without one (trained on the page, or an old file) gets
/// [`UNCALIBRATED`] with the test accuracy its trainer measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Below this top probability, the answer comes with a warning.
    pub warn_below: f32,
    /// Share of the sign-digit test photos the model answers right (`None`: not measured).
    #[serde(default)]
    pub test_accuracy: Option<f32>,
    /// Where `warn_below` was fitted and what it does there, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted: Option<String>,
}

/// The calibration of a model that has none of its own: warn below a top probability of
/// 0.8 (the threshold the first robust model was tuned to on augmented test photos).
pub const UNCALIBRATED: Calibration = Calibration { warn_below: 0.8, test_accuracy: None, fitted: None };

/// A model right on fewer test photos than this is "not trained enough": its answers
/// are close to guesses whatever the photo.
pub const TRAINED_ENOUGH: f32 = 0.8;

/// Why an answer should not be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Doubt {
    /// The model is not trained enough (its measured test accuracy is low).
    Model,
    /// The model is unsure about this photo: it is unlike the training photos.
    Photo,
}

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
    /// Set when the answer should not be trusted: why, and what to try instead (a coded
    /// message: the page words it in the student's language).
    pub warning: Option<crate::message::Message>,
    /// Whose fault the doubt is: the model's (not trained enough) or the photo's.
    pub doubt: Option<Doubt>,
    /// How many views of the photo the probabilities are averaged over (1: the photo alone).
    pub views: usize,
    /// With more than one view, what was averaged, in words ("averaged over 2 views: the
    /// photo and its mirror image").
    pub averaging: Option<crate::message::Message>,
}

/// The warning threshold fitted on shifted photos: the largest top probability below
/// which at most `max_right_flagged` (a share) of the right answers fall. `answers` are
/// (top probability, answered right) pairs. Returns the threshold and the shares of wrong
/// and of right answers it flags (a share of 0 when there are none of that kind).
pub fn fit_warning(answers: &[(f32, bool)], max_right_flagged: f32) -> (f32, f32, f32) {
    let mut right: Vec<f32> = answers.iter().filter(|a| a.1).map(|a| a.0).collect();
    right.sort_by(f32::total_cmp);
    let allowed = (max_right_flagged * right.len() as f32).floor() as usize;
    let threshold = right.get(allowed).copied().unwrap_or(1.0);
    (threshold, flagged_share(answers, threshold, false), flagged_share(answers, threshold, true))
}

/// Share of the wrong (`right = false`) or right answers with a top probability below `threshold`.
pub fn flagged_share(answers: &[(f32, bool)], threshold: f32, right: bool) -> f32 {
    let kind: Vec<f32> = answers.iter().filter(|a| a.1 == right).map(|a| a.0).collect();
    if kind.is_empty() {
        return 0.0;
    }
    kind.iter().filter(|&&c| c < threshold).count() as f32 / kind.len() as f32
}

/// What a warning is decided from: the model's calibration, and what the photo's border
/// showed (`None` for a picture that is not a photo, such as a data set's).
#[derive(Debug, Clone, Copy)]
pub struct Judge<'a> {
    pub calibration: &'a Calibration,
    pub crop: Option<&'a Crop>,
}

impl Judge<'_> {
    /// The warning for an answer with top probability `confidence`, and whose fault it is.
    fn warning(&self, confidence: f32) -> Option<(crate::message::Message, Doubt)> {
        use crate::message::Message;
        let percent = |v: f32| (v * 100.0).round() as u32;
        if let Some(acc) = self.calibration.test_accuracy.filter(|&a| a < TRAINED_ENOUGH) {
            return Some((Message::NotTrainedEnough { percent: percent(acc) }, Doubt::Model));
        }
        if confidence >= self.calibration.warn_below {
            return None;
        }
        let percent = percent(confidence);
        let unlike = match self.crop {
            Some(c) if !c.plain_background => Message::UnsureBackground { percent },
            Some(c) if !c.light_background => Message::UnsureDark { percent },
            _ => Message::UnsurePose { percent },
        };
        Some((unlike, Doubt::Photo))
    }
}

/// The prediction from a layer-outputs list (its last entry is "probabilities").
pub fn prediction_from_outputs(outputs: &[LayerOutput], classes: &[i64], judge: Judge) -> Result<Prediction> {
    prediction_over(own_probabilities(outputs)?, classes, &[View::Identity], judge)
}

fn own_probabilities(outputs: &[LayerOutput]) -> Result<&[f32]> {
    outputs
        .last()
        .filter(|o| o.name == "probabilities")
        .map(|o| o.values.as_slice())
        .ok_or_else(|| shape_err!("the network gave no probabilities"))
}

/// Arg-max, label and warning of a probability vector (of a picture alone).
pub fn prediction(probabilities: &[f32], classes: &[i64], calibration: &Calibration) -> Result<Prediction> {
    prediction_over(probabilities, classes, &[View::Identity], Judge { calibration, crop: None })
}

/// [`prediction`] of probabilities averaged over `views`, judged by `judge`.
pub fn prediction_over(probabilities: &[f32], classes: &[i64], views: &[View], judge: Judge) -> Result<Prediction> {
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
        return Err(crate::message::Message::ClassifyNotNumber {}.shape());
    }
    let label = classes.get(index).copied().unwrap_or(index as i64);
    let (warning, doubt) = judge.warning(confidence).unzip();
    let averaging = describe_views(views)
        .filter(|_| views.len() > 1)
        .map(|words| crate::message::Message::Averaged { count: views.len(), views: Box::new(words) });
    Ok(Prediction { index, label, probabilities: probabilities.to_vec(), confidence, warning, doubt, views: views.len(), averaging })
}

/// Picture `index` of a data set as the network sees it: (h, w, 3) floats, pixels / 255,
/// the scaling training uses.
pub fn dataset_input(data: &Dataset, index: usize) -> Result<Array3<f32>> {
    if index >= data.len() {
        return Err(crate::message::Message::ClassifyNoPicture { index, count: data.len(), last: data.len().saturating_sub(1) }.param());
    }
    Ok(data.images.index_axis(Axis(0), index).mapv(|v| f32::from(v) / 255.0))
}

/// A photo through the model ([`classify_photo_views`]).
#[derive(Debug, Clone)]
pub struct Classified {
    /// The 64x64 input the network sees, and the square of the photo it came from.
    pub prepared: Prepared,
    /// Every layer's output for the photo itself.
    pub outputs: Vec<LayerOutput>,
    pub prediction: Prediction,
    /// Where the network looked for each class (Grad-CAM, one map per class, of the photo
    /// itself), when asked for; empty otherwise.
    pub class_maps: Vec<ClassMap>,
}

/// A photo through the model: the 64x64 input it sees with the square it was cropped
/// from, every layer's output and the prediction, its probabilities averaged over `views`
/// (`&[View::Identity]` for the photo alone; the layer outputs are always the photo's
/// own), judged with `calibration`; with `explain`, a Grad-CAM map per class. `pixels` are
/// `width * height * channels` bytes (3 or 4 channels), stored as the file holds them,
/// with the file's EXIF `orientation` (1-8).
#[allow(clippy::too_many_arguments)]
pub fn classify_photo_views(
    model: &mut Model,
    classes: &[i64],
    calibration: &Calibration,
    pixels: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    orientation: u8,
    views: &[View],
    explain: bool,
) -> Result<Classified> {
    let prepared = prepare(pixels, width, height, channels, orientation, Framing::Hand)?;
    let judge = Judge { calibration, crop: Some(&prepared.crop) };
    let (outputs, class_maps, prediction) = classify_explained(model, classes, prepared.input.view(), views, judge, explain)?;
    Ok(Classified { prepared, outputs, prediction, class_maps })
}

/// An already preprocessed (h, w, c) input in [0, 1] through the model.
pub fn classify_input(model: &mut Model, classes: &[i64], input: ArrayView3<f32>) -> Result<(Vec<LayerOutput>, Prediction)> {
    classify_input_views(model, classes, input, &[View::Identity], Judge { calibration: &UNCALIBRATED, crop: None })
}

fn check_input(model: &Model, input: ArrayView3<f32>) -> Result<()> {
    if input.dim() != model.input_shape() {
        let (h, w, c) = input.dim();
        let (eh, ew, ec) = model.input_shape();
        return Err(crate::message::Message::ClassifyPictureSize { got: format!("{h}x{w}x{c}"), want: format!("{eh}x{ew}x{ec}") }.shape());
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
    judge: Judge,
) -> Result<(Vec<LayerOutput>, Prediction)> {
    classify_explained(model, classes, input, views, judge, false).map(|(outputs, _, prediction)| (outputs, prediction))
}

/// [`classify_input_views`], with a Grad-CAM map per class when `explain` (taken right
/// after the photo's own forward pass, before the other views run: no extra pass).
fn classify_explained(
    model: &mut Model,
    classes: &[i64],
    input: ArrayView3<f32>,
    views: &[View],
    judge: Judge,
    explain: bool,
) -> Result<(Vec<LayerOutput>, Vec<ClassMap>, Prediction)> {
    check_input(model, input)?;
    let outputs = model.layer_outputs(input)?;
    let class_maps = if explain && target_layer(model.specs()).is_some() {
        (0..model.num_classes()).map(|c| grad_cam(model, c)).collect::<Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    let prediction = if views == [View::Identity] {
        prediction_from_outputs(&outputs, classes, judge)?
    } else {
        // The photo's own probabilities are the outputs' last entry: that view is not run again.
        let own = own_probabilities(&outputs)?;
        let own = ArrayView2::from_shape((1, own.len()), own).map_err(|e| shape_err!("{e}"))?;
        predict_over(model, classes, input, views, Some(own), judge)?
    };
    Ok((outputs, class_maps, prediction))
}

/// The prediction for a preprocessed (h, w, c) input, its probabilities averaged over
/// `views` ([`crate::classify::hand_model::predict_views`]).
pub fn predict_input(model: &mut Model, classes: &[i64], input: ArrayView3<f32>, views: &[View], judge: Judge) -> Result<Prediction> {
    check_input(model, input)?;
    predict_over(model, classes, input, views, None, judge)
}

fn predict_over(model: &mut Model, classes: &[i64], input: ArrayView3<f32>, views: &[View], own: Option<ArrayView2<f32>>, judge: Judge) -> Result<Prediction> {
    let p = predict_views_reusing(model, input.insert_axis(Axis(0)), views, own)?;
    prediction_over(&p.iter().copied().collect::<Vec<_>>(), classes, views, judge)
}

/// A photo file decoded natively, preprocessed (the hand found and cropped), and
/// predicted over `views`: what `convlab classify` prints, with the square cropped.
#[cfg(not(target_arch = "wasm32"))]
pub fn classify_file(model: &mut Model, classes: &[i64], calibration: &Calibration, path: &std::path::Path, views: &[View]) -> Result<(Prediction, Crop)> {
    let image = crate::data::preprocess::decode_image_file(path)?;
    let prepared = crate::data::preprocess::prepare_raw(&image, Framing::Hand)?;
    // The page's own path (layer outputs, then the prediction), so the answers agree.
    let judge = Judge { calibration, crop: Some(&prepared.crop) };
    let prediction = classify_input_views(model, classes, prepared.input.view(), views, judge)?.1;
    Ok((prediction, prepared.crop))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use crate::nn::layers::{signs_network, SIGNS_INPUT};

    #[test]
    fn the_most_probable_class_wins_and_is_named_by_the_class_list() {
        let p = prediction(&[0.02, 0.02, 0.9, 0.02, 0.02, 0.02], &[10, 11, 12, 13, 14, 15], &UNCALIBRATED).unwrap();
        assert_eq!((p.index, p.label), (2, 12));
        assert!((p.confidence - 0.9).abs() < 1e-6);
        assert!(p.warning.is_none());
    }

    #[test]
    fn a_low_top_probability_comes_with_a_warning() {
        let p = prediction(&[0.3, 0.25, 0.2, 0.1, 0.1, 0.05], &[], &UNCALIBRATED).unwrap();
        assert_eq!((p.index, p.label), (0, 0));
        assert_eq!(p.doubt, Some(Doubt::Photo));
        assert!(p.warning.unwrap().english().contains("unsure (top probability 30%)"));
        // The model's own threshold decides: the same answer passes a lower one.
        let low = Calibration { warn_below: 0.25, ..UNCALIBRATED };
        assert_eq!(prediction(&[0.3, 0.25, 0.2, 0.1, 0.1, 0.05], &[], &low).unwrap().warning, None);
    }

    #[test]
    fn a_model_not_trained_enough_is_blamed_not_the_photo() {
        // 42% on the test photos (a 4-epoch section-6 model): warned even when it is sure,
        // and the warning names the model, not the photo.
        let weak = Calibration { test_accuracy: Some(0.42), ..UNCALIBRATED };
        for probs in [[0.95, 0.01, 0.01, 0.01, 0.01, 0.01], [0.3, 0.25, 0.2, 0.1, 0.1, 0.05]] {
            let p = prediction(&probs, &[], &weak).unwrap();
            assert_eq!(p.doubt, Some(Doubt::Model));
            let w = p.warning.unwrap().english();
            assert!(w.contains("not trained enough") && w.contains("42%"), "{w}");
            assert!(!w.contains("unlike"), "{w}");
        }
        // A well trained model that is unsure blames the photo, naming what the border showed.
        let good = Calibration { test_accuracy: Some(0.99), ..UNCALIBRATED };
        let dark = Crop { light_background: false, ..crate::data::hand_crop::centre_crop(100, 100, &crate::message::Message::CropCentre {}) };
        let judge = Judge { calibration: &good, crop: Some(&dark) };
        let p = prediction_over(&[0.3, 0.25, 0.2, 0.1, 0.1, 0.05], &[], &[View::Identity], judge).unwrap();
        assert_eq!(p.doubt, Some(Doubt::Photo));
        assert!(p.warning.unwrap().english().contains("background is dark"));
    }

    #[test]
    fn the_warning_is_fitted_to_flag_few_right_answers() {
        // 20 right answers at 0.50, 0.525, ... 0.975 and 4 wrong ones: at most 5% of the
        // right answers (1 of 20) may be flagged, so the threshold is the second lowest
        // right confidence (0.525) and flags the first right one and the wrong ones below.
        let mut answers: Vec<(f32, bool)> = (0..20).map(|i| (0.5 + 0.025 * i as f32, true)).collect();
        answers.extend([(0.3, false), (0.45, false), (0.52, false), (0.9, false)]);
        let (t, wrong, right) = fit_warning(&answers, 0.05);
        assert!((t - 0.525).abs() < 1e-6, "{t}");
        assert_eq!((wrong, right), (0.75, 0.05));
        assert_eq!(fit_warning(&[(0.4, false)], 0.05), (1.0, 1.0, 0.0));
    }

    #[test]
    fn nan_outputs_and_empty_outputs_are_errors() {
        assert!(prediction(&[f32::NAN, f32::NAN], &[], &UNCALIBRATED).unwrap_err().to_string().contains("not a number"));
        assert!(prediction(&[], &[], &UNCALIBRATED).is_err());
    }

    #[test]
    fn the_photo_own_view_is_reused_and_the_answer_is_the_same_bit_for_bit() {
        // The robust network (batch norm, global pooling) averaged over the photo and its
        // mirror: classify_input_views takes the photo's own probabilities from its layer
        // outputs; predict_input runs both views. Same numbers, to the last bit.
        let mut model = Model::new(&crate::classify::hand_model::robust_network(), SIGNS_INPUT, 7).unwrap();
        let input = Array3::from_shape_fn((64, 64, 3), |(y, x, c)| ((y * 7 + x * 3 + c * 11) % 17) as f32 / 16.0);
        let views = &crate::classify::hand_model::DEFAULT_VIEWS;
        let judge = Judge { calibration: &UNCALIBRATED, crop: None };
        let (_, reused) = classify_input_views(&mut model, &[0, 1, 2, 3, 4, 5], input.view(), views, judge).unwrap();
        let all = predict_input(&mut model, &[0, 1, 2, 3, 4, 5], input.view(), views, judge).unwrap();
        assert_eq!(reused, all);
        assert_eq!(reused.views, crate::classify::hand_model::DEFAULT_VIEWS.len());
        // And the mirror counts: the average differs from the photo alone.
        let alone = predict_input(&mut model, &[0, 1, 2, 3, 4, 5], input.view(), &[View::Identity], judge).unwrap();
        assert_ne!(alone.probabilities, all.probabilities);
    }

    #[test]
    fn a_photo_goes_through_the_preprocessing_and_the_network() {
        let mut model = Model::new(&signs_network(), SIGNS_INPUT, 1).unwrap();
        // A 100x50 RGBA photo: centre-cropped to 50x50, resized to 64x64.
        let pixels = vec![200u8; 100 * 50 * 4];
        let Classified { prepared, outputs, prediction: p, class_maps } =
            classify_photo_views(&mut model, &[0, 1, 2, 3, 4, 5], &UNCALIBRATED, &pixels, 100, 50, 4, 1, &[View::Identity], true).unwrap();
        assert_eq!(class_maps.len(), 6);
        let input = prepared.input;
        assert_eq!(input.dim(), (64, 64, 3));
        assert!(input.iter().all(|&v| (v - 200.0 / 255.0).abs() < 1e-5));
        // Nothing stands out from a uniform photo: the centre square.
        assert_eq!((prepared.crop.x, prepared.crop.y, prepared.crop.side, prepared.crop.to_hand), (25, 0, 50, false));
        assert_eq!(outputs.last().unwrap().name, "probabilities");
        let sum: f32 = p.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5);
        let err = classify_photo_views(&mut model, &[], &UNCALIBRATED, &pixels[..10], 100, 50, 4, 1, &[View::Identity], false).unwrap_err();
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
