//! Bindings for the speed benchmark (`tests/bench/`): the SIGNS network trained with the
//! assignment's settings, timed per epoch by the browser's clock, and conv1's MAC rates.

use super::{js_err, to_js};
use crate::bench::{conv1_mac_rates, simd_peak_gmacs};
use crate::data::h5::load_train_test;
use crate::layers::signs_network;
use crate::train::{TrainSettings, Trainer};
use wasm_bindgen::prelude::*;

/// The assignment's settings (Adam, lr 0.009, minibatches of 64, Glorot init), with no
/// accuracy pass inside the epochs so that an epoch is pure training.
fn bench_settings(epochs: usize, seed: u64) -> TrainSettings {
    TrainSettings {
        epochs: epochs.max(1),
        seed: Some(seed),
        evaluate_every_epoch: false,
        ..TrainSettings::default()
    }
}

/// A SIGNS trainer that the benchmark page drives one epoch at a time, so that it can
/// alternate ConvLab's epochs with TF.js's in the same run and time each with its own clock.
#[wasm_bindgen]
pub struct BenchTrainer {
    trainer: Trainer,
}

#[wasm_bindgen]
impl BenchTrainer {
    /// Loads the course's two HDF5 files and builds the assignment's network from `seed`.
    /// `epochs` is only the run's length (the trainer refuses to go past it).
    #[wasm_bindgen(constructor)]
    pub fn new(train_h5: &[u8], test_h5: &[u8], epochs: usize, seed: u64) -> Result<BenchTrainer, JsError> {
        let (train, test) = load_train_test(train_h5, test_h5).map_err(js_err)?;
        let trainer = Trainer::new(&signs_network(), train, test, bench_settings(epochs, seed)).map_err(js_err)?;
        Ok(BenchTrainer { trainer })
    }

    /// One epoch of minibatch training; returns its cost (the mean of the minibatch costs).
    #[wasm_bindgen(js_name = runEpoch)]
    pub fn run_epoch(&mut self) -> Result<f32, JsError> {
        Ok(self.trainer.run_epoch().map_err(js_err)?.cost)
    }

    /// Accuracy on the training set (`test = false`) or the test set, in inference mode.
    pub fn accuracy(&mut self, test: bool) -> Result<f32, JsError> {
        self.trainer.accuracy(test).map_err(js_err)
    }

    #[wasm_bindgen(getter, js_name = trainSize)]
    pub fn train_size(&self) -> usize {
        self.trainer.train_set().len()
    }
}

/// Trains the SIGNS network for `epochs` epochs in one call, timing each with `now()`
/// (milliseconds, e.g. `performance.now`). Returns `{ seconds: [..], costs: [..],
/// train_accuracy, test_accuracy, train_size }`.
#[wasm_bindgen(js_name = trainEpochsTimed)]
pub fn train_epochs_timed(
    train_h5: &[u8],
    test_h5: &[u8],
    epochs: usize,
    seed: u64,
    now: &js_sys::Function,
) -> Result<JsValue, JsError> {
    let clock = || {
        now.call0(&JsValue::NULL).ok().and_then(|v| v.as_f64()).unwrap_or(f64::NAN)
    };
    let mut b = BenchTrainer::new(train_h5, test_h5, epochs, seed)?;
    let (mut seconds, mut costs) = (Vec::new(), Vec::new());
    for _ in 0..epochs.max(1) {
        let t0 = clock();
        costs.push(b.run_epoch()?);
        seconds.push((clock() - t0) / 1000.0);
    }
    #[derive(serde::Serialize)]
    struct Out {
        seconds: Vec<f64>,
        costs: Vec<f32>,
        train_accuracy: f32,
        test_accuracy: f32,
        train_size: usize,
    }
    let out = Out {
        seconds,
        costs,
        train_accuracy: b.accuracy(false)?,
        test_accuracy: b.accuracy(true)?,
        train_size: b.train_size(),
    };
    to_js(&out)
}

/// conv1's forward, filter-gradient and input-gradient rates (batch 64), best of `reps`
/// samples, timed with `performance.now()` (falls back to `Date.now()` outside a page).
#[wasm_bindgen(js_name = conv1MacRates)]
pub fn conv1_mac_rates_js(reps: usize) -> Result<JsValue, JsError> {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .ok()
        .filter(|p| !p.is_undefined());
    let now_fn = perf.as_ref().and_then(|p| {
        js_sys::Reflect::get(p, &JsValue::from_str("now")).ok()?.dyn_into::<js_sys::Function>().ok()
    });
    let clock = || match (&perf, &now_fn) {
        (Some(p), Some(f)) => f.call0(p).ok().and_then(|v| v.as_f64()).unwrap_or_else(js_sys::Date::now),
        _ => js_sys::Date::now(),
    };
    to_js(&conv1_mac_rates(&clock, reps))
}

/// The measured f32x4 multiply-add peak of one core in GMAC/s (`crate::bench::simd_peak_gmacs`),
/// timed with `performance.now()`.
#[wasm_bindgen(js_name = simdPeakGmacs)]
pub fn simd_peak_gmacs_js(reps: usize) -> f64 {
    let perf = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance")).ok();
    let now_fn = perf.as_ref().and_then(|p| {
        js_sys::Reflect::get(p, &JsValue::from_str("now")).ok()?.dyn_into::<js_sys::Function>().ok()
    });
    let clock = || match (&perf, &now_fn) {
        (Some(p), Some(f)) => f.call0(p).ok().and_then(|v| v.as_f64()).unwrap_or_else(js_sys::Date::now),
        _ => js_sys::Date::now(),
    };
    simd_peak_gmacs(&clock, reps)
}

/// The course's two HDF5 files as raw arrays, so that TF.js trains on exactly the images
/// and labels ConvLab reads: pixels 0-255 in NHWC order (m, 64, 64, 3), labels 0-5.
#[wasm_bindgen]
pub struct SignsData {
    train: crate::data::Dataset,
    test: crate::data::Dataset,
}

#[wasm_bindgen]
impl SignsData {
    #[wasm_bindgen(constructor)]
    pub fn new(train_h5: &[u8], test_h5: &[u8]) -> Result<SignsData, JsError> {
        let (train, test) = load_train_test(train_h5, test_h5).map_err(js_err)?;
        Ok(SignsData { train, test })
    }

    /// Pixels of the training (`test = false`) or test set, (m, 64, 64, 3) row-major.
    pub fn pixels(&self, test: bool) -> Vec<u8> {
        let d = if test { &self.test } else { &self.train };
        d.images.iter().copied().collect()
    }

    /// Labels (0-5) of the training or test set.
    pub fn labels(&self, test: bool) -> Vec<u8> {
        if test { self.test.labels.clone() } else { self.train.labels.clone() }
    }
}
