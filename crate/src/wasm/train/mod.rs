//! Bindings for section 6 (train the SIGNS ConvNet): data sets and the step-wise trainer
//! as opaque handles, driven one minibatch at a time by the page's Web Worker; the
//! data-parallel steps and the helper workers' network in `data_parallel`.

use super::classify::{class_map_js, maps_js, photo_views_js, tiles_js};
use crate::classify::hand_model::View;
use super::{from_js, js_err, to_js};
use crate::classify::{dataset_input, Calibration, UNCALIBRATED};
use crate::data::{synthetic, Dataset};
use crate::nn::layers::{layer_table, output_names, signs_network, SIGNS_INPUT};
use crate::lesson::tiles::{filter_tiles, rgb_images_rgba};
use crate::train::{SplitStep, TrainSettings, Trainer};
use crate::train::weights::{from_json, to_json};
use ndarray::{Axis, Slice};
use wasm_bindgen::prelude::*;

mod data_parallel;

/// Labelled 64x64 pictures: one course HDF5 file, or the embedded synthetic hands.
#[wasm_bindgen]
pub struct DataSet {
    data: Dataset,
}

#[wasm_bindgen]
impl DataSet {
    /// One course file as the HDF5 module (`www/pkg-h5`, loaded only for course files)
    /// read it: pixels (m, 64, 64, 3) row-major, labels, classes. Checked again here.
    #[wasm_bindgen(js_name = fromParts)]
    pub fn from_parts(pixels: Vec<u8>, labels: Vec<u8>, classes: Vec<i64>) -> Result<DataSet, JsError> {
        Ok(DataSet { data: Dataset::from_parts(pixels, labels, classes).map_err(js_err)? })
    }

    /// The embedded synthetic hands: 1080 training or 120 test pictures.
    pub fn synthetic(test: bool) -> DataSet {
        let data = if test {
            synthetic::generate(synthetic::DEFAULT_TEST_COUNT, synthetic::DEFAULT_TEST_SEED)
        } else {
            synthetic::generate(synthetic::DEFAULT_TRAIN_COUNT, synthetic::DEFAULT_TRAIN_SEED)
        };
        DataSet { data }
    }

    /// Number of pictures.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.data.len()
    }

    /// What each label means (the file's `list_classes`).
    pub fn classes(&self) -> Vec<f64> {
        self.data.classes.iter().map(|&c| c as f64).collect()
    }

    /// Label of every picture (an index into `classes`).
    pub fn labels(&self) -> Vec<u8> {
        self.data.labels.clone()
    }

    /// Pictures `start .. start + count` (clipped to the set) as RGBA tiles.
    pub fn pictures(&self, start: usize, count: usize) -> Result<JsValue, JsError> {
        let start = start.min(self.data.len());
        let end = start.saturating_add(count).min(self.data.len());
        let part = self.data.images.slice_axis(Axis(0), Slice::from(start..end));
        tiles_js("pictures", &rgb_images_rgba(part).map_err(js_err)?)
    }

    /// The pictures at `indices` (out-of-range indices are skipped) as RGBA tiles.
    #[wasm_bindgen(js_name = picturesAt)]
    pub fn pictures_at(&self, indices: &[u32]) -> Result<JsValue, JsError> {
        let idx: Vec<usize> = indices.iter().map(|&i| i as usize).filter(|&i| i < self.data.len()).collect();
        let part = self.data.images.select(Axis(0), &idx);
        tiles_js("pictures", &rgb_images_rgba(part.view()).map_err(js_err)?)
    }
}

/// The assignment's network: its layer table for the 64x64x3 input.
#[wasm_bindgen(js_name = signsNetwork)]
pub fn signs_network_js() -> Result<JsValue, JsError> {
    to_js(&layer_table(SIGNS_INPUT, &signs_network()).map_err(js_err)?)
}

/// The assignment network's feature maps, described as their tiles describe themselves
/// (`[{name, height, width, count}]`, the spatial layer outputs only): the page titles its
/// map blocks with these before the first maps arrive.
#[wasm_bindgen(js_name = signsMaps)]
pub fn signs_maps() -> Result<JsValue, JsError> {
    #[derive(serde::Serialize)]
    struct MapMeta { name: String, height: usize, width: usize, count: usize }
    let specs = signs_network();
    let rows = layer_table(SIGNS_INPUT, &specs).map_err(js_err)?;
    let maps: Vec<MapMeta> = output_names(&specs)
        .into_iter()
        .zip(rows)
        .filter(|(_, row)| row.output.0 * row.output.1 > 1)
        .map(|(name, row)| MapMeta { name, height: row.output.0, width: row.output.1, count: row.output.2 })
        .collect();
    to_js(&maps)
}

/// The default settings (the assignment's), as the trainer reads them.
#[wasm_bindgen(js_name = defaultTrainSettings)]
pub fn default_train_settings() -> Result<JsValue, JsError> {
    to_js(&TrainSettings::default())
}

/// The assignment notebook's run as it really happens (Adam at TensorFlow's default
/// 0.001; see [`crate::train::NOTEBOOK_LEARNING_RATE`]).
#[wasm_bindgen(js_name = notebookTrainSettings)]
pub fn notebook_train_settings() -> Result<JsValue, JsError> {
    to_js(&TrainSettings::notebook())
}

/// Checks settings with the core's messages, without building a trainer.
#[wasm_bindgen(js_name = validateTrainSettings)]
pub fn validate_train_settings(settings: JsValue) -> Result<(), JsError> {
    let settings: TrainSettings = from_js(settings, "training settings")?;
    settings.validate().map_err(js_err)
}

/// The SIGNS network being trained on a train and a test set.
#[wasm_bindgen]
pub struct Training {
    trainer: Trainer,
    /// The data-parallel step under way, between `beginStep` and `finishStep`.
    split: Option<SplitStep>,
}

#[wasm_bindgen]
impl Training {
    /// A trainer for the assignment's network; `settings` as `defaultTrainSettings()`
    /// (any field may be left out). The data sets are copied.
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue, train: &DataSet, test: &DataSet) -> Result<Training, JsError> {
        let settings: TrainSettings = from_js(settings, "training settings")?;
        let trainer = Trainer::new(&signs_network(), train.data.clone(), test.data.clone(), settings).map_err(js_err)?;
        Ok(Training { trainer, split: None })
    }

    /// The seed of this run, as text (a drawn seed may exceed JS's exact integers).
    pub fn seed(&self) -> String {
        self.trainer.seed().to_string()
    }

    #[wasm_bindgen(js_name = stepsPerEpoch)]
    pub fn steps_per_epoch(&self) -> usize {
        self.trainer.steps_per_epoch()
    }

    #[wasm_bindgen(js_name = epochsDone)]
    pub fn epochs_done(&self) -> usize {
        self.trainer.epochs_done()
    }

    #[wasm_bindgen(js_name = isFinished)]
    pub fn is_finished(&self) -> bool {
        self.trainer.is_finished()
    }

    /// One minibatch: `{ epoch, step, steps_per_epoch, cost, learning_rate,
    /// epoch_report: null | { epoch, cost, notebook_cost, train_accuracy, test_accuracy } }`.
    /// A diverged, paused or finished run is an error with the core's message.
    pub fn step(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.trainer.step().map_err(js_err)?)
    }

    pub fn pause(&mut self) {
        self.trainer.stop();
    }

    pub fn resume(&mut self) {
        self.trainer.resume();
    }

    /// Starts timing each phase of the steps that follow by `performance.now()` (fresh
    /// totals; no number changes): see `crate::nn::profile`.
    #[cfg(feature = "bench")]
    #[wasm_bindgen(js_name = startProfile)]
    pub fn start_profile(&mut self) {
        self.trainer.set_profile(Some(super::bench::performance_now));
    }

    /// The totals since `startProfile()`, `[{ name, ms, calls, macs }]` in the breakdown's
    /// order (empty when not profiling), and stops profiling.
    #[cfg(feature = "bench")]
    #[wasm_bindgen(js_name = takeProfile)]
    pub fn take_profile(&mut self) -> Result<JsValue, JsError> {
        let totals = to_js(&self.trainer.profile().unwrap_or(&[]))?;
        self.trainer.set_profile(None);
        Ok(totals)
    }

    /// Fresh weights from the same seed, empty history.
    pub fn reset(&mut self) {
        self.split = None;
        self.trainer.reset();
    }

    /// Accuracy, confusion matrix, misclassified indices, predictions and the collapse
    /// warning on the test set (`test = true`) or the training set.
    pub fn evaluate(&mut self, test: bool) -> Result<JsValue, JsError> {
        to_js(&self.trainer.evaluate(test).map_err(js_err)?)
    }

    /// The spatial layer outputs named in `maps` (all when empty: conv1 64x64x8, relu1,
    /// pool1 8x8x8, conv2 8x8x16, relu2, pool2 2x2x16) for picture `index` of the test (or
    /// training) set, as tiles.
    #[wasm_bindgen(js_name = layerMaps)]
    pub fn layer_maps(&mut self, index: usize, test: bool, maps: Vec<String>) -> Result<JsValue, JsError> {
        let data = if test { self.trainer.test_set() } else { self.trainer.train_set() };
        let input = dataset_input(data, index).map_err(js_err)?;
        let outputs = self.trainer.model_mut().layer_outputs(input.view()).map_err(js_err)?;
        maps_js(&outputs, &maps)
    }

    /// Where the network looks in picture `index` of the test (or training) set for the
    /// class it answers: Grad-CAM (see `Classifier.classify`'s `classMaps`), with
    /// `answer`, the class it explains.
    #[wasm_bindgen(js_name = classMap)]
    pub fn class_map(&mut self, index: usize, test: bool) -> Result<JsValue, JsError> {
        let data = if test { self.trainer.test_set() } else { self.trainer.train_set() };
        let input = dataset_input(data, index).map_err(js_err)?;
        let model = self.trainer.model_mut();
        let outputs = model.layer_outputs(input.view()).map_err(js_err)?;
        let probs = outputs.last().map(|o| o.values.clone()).unwrap_or_default();
        let answer = probs.iter().enumerate().fold(0, |b, (i, &p)| if p > probs[b] { i } else { b });
        class_map_js(&crate::classify::grad_cam::grad_cam(model, answer).map_err(js_err)?)
    }

    /// The first convolution's filters (4x4x3x8) as 8 RGB tiles.
    pub fn filters(&self) -> Result<JsValue, JsError> {
        let filters = self.trainer.model().conv_filters();
        let first = filters.first().ok_or_else(|| JsError::new("the network has no convolution"))?;
        tiles_js("W1", &filter_tiles(first.view()).map_err(js_err)?)
    }

    /// The current weights as ConvLab's versioned JSON.
    #[wasm_bindgen(js_name = weightsJson)]
    pub fn weights_json(&self) -> Result<String, JsError> {
        to_json(self.trainer.model(), &self.trainer.train_set().classes).map_err(js_err)
    }

    /// Loads weights saved earlier (checked by the core); they must be for this network.
    #[wasm_bindgen(js_name = loadWeights)]
    pub fn load_weights(&mut self, text: &str) -> Result<(), JsError> {
        let (model, _classes) = from_json(text).map_err(js_err)?;
        if model.specs() != self.trainer.model().specs() || model.input_shape() != self.trainer.model().input_shape() {
            return Err(js_err(crate::message::Message::WeightsOtherNetwork {}.weights()));
        }
        let batch = self.trainer.settings().batch_size;
        let target = self.trainer.model_mut();
        *target = model;
        target.ensure_capacity(batch);
        Ok(())
    }

    /// A photo through the model being trained (see `Classifier.classify`), judged with
    /// the test accuracy of its last epoch: a model that is not trained enough is named
    /// as the reason to doubt its answer.
    #[wasm_bindgen(js_name = classifyPhoto)]
    pub fn classify_photo(&mut self, pixels: &[u8], width: usize, height: usize, orientation: u8, maps: Vec<String>, explain: bool) -> Result<JsValue, JsError> {
        let classes = self.trainer.train_set().classes.clone();
        let test_accuracy = self.trainer.history().last().and_then(|e| e.test_accuracy);
        let calibration = Calibration { test_accuracy, ..UNCALIBRATED };
        photo_views_js(self.trainer.model_mut(), &classes, &calibration, pixels, width, height, orientation, &[View::Identity], &maps, explain)
    }
}
