//! What a user can set for a run (the assignment's defaults), checked with messages that
//! say what a sensible value looks like, and the seed drawn when none is given.

use crate::data::augment::Augment;
use crate::error::Result;
use crate::param_err;
use crate::train::optim::{AdamSettings, LrSchedule};
use serde::{Deserialize, Serialize};

/// Everything a user can set for a run; the defaults are the assignment's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainSettings {
    pub learning_rate: f32,
    pub epochs: usize,
    pub batch_size: usize,
    /// None: a seed is drawn from the operating system and reported by
    /// [`Trainer::seed`](crate::train::Trainer::seed).
    pub seed: Option<u64>,
    /// L2 weight decay on conv and dense weights (0 = off).
    pub l2: f32,
    pub schedule: LrSchedule,
    /// Measure train and test accuracy after every epoch (costs about a third of an
    /// epoch's time; benchmarks turn it off).
    pub evaluate_every_epoch: bool,
    /// Random changes to every training picture, drawn per minibatch (all off by default).
    pub augment: Augment,
    /// Label smoothing of the cost (0 = off; [`crate::nn::loss::smoothed_cross_entropy`]).
    pub label_smoothing: f32,
}

/// The learning rate the assignment's notebook really trains with: its
/// `tf.train.AdamOptimizer()` is called without `learning_rate`, so TensorFlow's default
/// 0.001 runs, not the 0.009 the function takes (and the expected output table shows).
pub const NOTEBOOK_LEARNING_RATE: f32 = 0.001;

impl TrainSettings {
    /// The notebook's run as it really happens: 100 epochs of 64, at Adam's default rate.
    pub fn notebook() -> Self {
        TrainSettings { learning_rate: NOTEBOOK_LEARNING_RATE, ..TrainSettings::default() }
    }
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            learning_rate: 0.009,
            epochs: 100,
            batch_size: 64,
            seed: None,
            l2: 0.0,
            schedule: LrSchedule::Constant,
            evaluate_every_epoch: true,
            augment: Augment::default(),
            label_smoothing: 0.0,
        }
    }
}

impl TrainSettings {
    pub(super) fn adam(&self) -> AdamSettings {
        AdamSettings {
            learning_rate: self.learning_rate,
            l2: self.l2,
            ..AdamSettings::default()
        }
    }

    /// Checks every setting, with a message that says what a sensible value looks like.
    pub fn validate(&self) -> Result<()> {
        self.adam().validate()?;
        self.augment.validate()?;
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return Err(crate::message::Message::LabelSmoothingRange { value: self.label_smoothing.to_string() }.param());
        }
        if self.epochs == 0 || self.epochs > 100_000 {
            return Err(crate::message::Message::EpochsRange { epochs: self.epochs }.into());
        }
        if self.batch_size == 0 || self.batch_size > 65_536 {
            return Err(crate::message::Message::BatchRange { batch: self.batch_size }.into());

        }
        if let LrSchedule::Cosine { min_lr } = self.schedule {
            if !min_lr.is_finite() || min_lr < 0.0 || min_lr > self.learning_rate {
                return Err(crate::message::Message::CosineMinLr { lr: self.learning_rate.to_string(), min_lr: min_lr.to_string() }.param());
            }
        }
        Ok(())
    }
}

/// A seed from the operating system (or the browser's crypto), for runs without one.
pub fn random_seed() -> Result<u64> {
    getrandom::u64().map_err(|e| {
        param_err!("could not get a random seed from the system ({e}); give one with --seed")
    })
}
