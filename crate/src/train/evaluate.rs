//! How a model does on a data set: predicted labels, accuracy, the confusion matrix, the
//! misclassified pictures and a warning when the model has collapsed to one answer.

use crate::data::{fill_batch, Dataset};
use crate::error::Result;
use crate::nn::model::{Mode, Model};
use ndarray::ArrayView2;
use serde::Serialize;

/// How a model does on a data set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub accuracy: f32,
    /// confusion[true label][predicted label].
    pub confusion: Vec<Vec<usize>>,
    /// Indices of the images predicted wrongly.
    pub misclassified: Vec<usize>,
    pub predictions: Vec<u8>,
    /// Set when the model gives (nearly) the same answer for everything (a message the
    /// page words; the CLI prints its English).
    pub collapse_warning: Option<crate::message::Message>,
}

/// A warning when at least 90% of the predictions are one class (and the labels are not).
pub fn collapse_warning(predictions: &[u8], labels: &[u8], classes: usize) -> Option<crate::message::Message> {
    let n = predictions.len();
    if n < 10 || classes < 2 {
        return None;
    }
    let mut counts = vec![0usize; classes.max(256)];
    predictions.iter().for_each(|&p| counts[p as usize] += 1);
    let (top, &count) = counts.iter().enumerate().max_by_key(|&(_, c)| *c)?;
    let label_share =
        labels.iter().filter(|&&y| y as usize == top).count() as f32 / labels.len().max(1) as f32;
    let share = count as f32 / n as f32;
    if share >= 0.9 && label_share < 0.9 {
        Some(crate::message::Message::TrainCollapsed { top, percent: format!("{:.0}", share * 100.0) })
    } else {
        None
    }
}

/// Index of the largest value of a row (the first of equal ones).
fn argmax(row: ndarray::ArrayView1<f32>) -> usize {
    row.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |b, (j, &v)| if v > b.1 { (j, v) } else { b })
        .0
}

/// How many rows of `logits` (one per image) have their largest value at the label.
pub(crate) fn count_correct(logits: ArrayView2<f32>, labels: &[u8]) -> usize {
    logits.outer_iter().zip(labels).filter(|(row, &y)| argmax(row.view()) == y as usize).count()
}

/// Labels predicted by `model` for every image of `data`, in chunks of `chunk` images.
pub fn predict_labels(model: &mut Model, data: &Dataset, chunk: usize) -> Result<Vec<u8>> {
    let chunk = chunk.max(1);
    let mut preds = Vec::with_capacity(data.len());
    let idx: Vec<usize> = (0..data.len()).collect();
    for part in idx.chunks(chunk) {
        fill_batch(data, part, model.input_buffer(part.len()))?;
        let logits = model.forward_filled(part.len(), Mode::Infer)?;
        preds.extend(logits.outer_iter().map(|row| argmax(row) as u8));
    }
    Ok(preds)
}

/// Share of `predictions` equal to `labels` (0 for an empty set).
pub fn accuracy(predictions: &[u8], labels: &[u8]) -> f32 {
    if labels.is_empty() {
        return 0.0;
    }
    predictions
        .iter()
        .zip(labels)
        .filter(|(p, y)| p == y)
        .count() as f32
        / labels.len() as f32
}

/// Accuracy, confusion matrix, misclassified indices and collapse warning.
pub fn evaluation(predictions: Vec<u8>, labels: &[u8], classes: usize) -> Evaluation {
    let mut confusion = vec![vec![0usize; classes]; classes];
    let mut misclassified = Vec::new();
    for (i, (&p, &y)) in predictions.iter().zip(labels).enumerate() {
        if let Some(cell) = confusion
            .get_mut(y as usize)
            .and_then(|r| r.get_mut(p as usize))
        {
            *cell += 1;
        }
        if p != y {
            misclassified.push(i);
        }
    }
    Evaluation {
        accuracy: accuracy(&predictions, labels),
        confusion,
        misclassified,
        collapse_warning: collapse_warning(&predictions, labels, classes),
        predictions,
    }
}
