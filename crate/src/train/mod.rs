//! The step-wise trainer: minibatches of shuffled training images, Adam updates, the cost
//! per step and per epoch, accuracy per epoch, and what a page or the command line needs
//! to drive it (stop, resume, reset) and to judge the result (confusion matrix, mistakes,
//! a warning when the model has collapsed to one answer).
//!
//! An epoch visits every training image once, in an order reshuffled at its start, in
//! minibatches of `batch_size` (the last, smaller one is kept). Its cost is the mean of its
//! minibatch costs, like the assignment's notebook. Everything random (initial weights,
//! order, dropout) comes from the seed, so a run can be repeated exactly.

pub mod optim;
pub mod data_parallel;
pub mod weights;
mod settings;
mod evaluate;
mod split_step;
mod setup;
mod step;

pub use split_step::SplitStep;

pub use evaluate::{accuracy, collapse_warning, evaluation, predict_labels, Evaluation};
pub(crate) use evaluate::count_correct;
pub use settings::{random_seed, TrainSettings, NOTEBOOK_LEARNING_RATE};

use crate::data::Dataset;
use crate::error::Result;
use crate::nn::layers::LayerSpec;
use crate::nn::model::Model;
use crate::nn::profile::{Clock, PhaseTotal};
use crate::train::optim::Adam;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// A minibatch cost above this many times the cost of a uniform guess (ln classes) stops
/// the run as diverged.
pub const EXPLODED_OVER_CHANCE: f32 = 100.0;

/// What one minibatch did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    /// Epoch this step belongs to (1-based).
    pub epoch: usize,
    /// Steps done in the whole run, this one included.
    pub step: usize,
    pub steps_per_epoch: usize,
    pub cost: f32,
    pub learning_rate: f32,
    /// Set when this step finished its epoch.
    pub epoch_report: Option<EpochReport>,
}

/// What one epoch did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpochReport {
    /// 1-based.
    pub epoch: usize,
    /// Mean of the epoch's minibatch costs.
    pub cost: f32,
    /// The cost as the assignment's notebook prints it: the sum of the epoch's minibatch
    /// costs divided by floor(m / batch_size) (its `num_minibatches`), although it runs
    /// ceil(m / batch_size) minibatches, the last one smaller. With the course's 1080
    /// pictures in 64s that is 17 costs over 16: 1/16 above the mean. None when m is
    /// smaller than a minibatch (the notebook divides by zero).
    pub notebook_cost: Option<f32>,
    pub train_accuracy: Option<f32>,
    pub test_accuracy: Option<f32>,
}

/// Trains a model on a data set, one minibatch at a time.
pub struct Trainer {
    specs: Vec<LayerSpec>,
    settings: TrainSettings,
    seed: u64,
    train: Dataset,
    test: Dataset,
    model: Model,
    adam: Adam,
    rng: ChaCha8Rng,
    order: Vec<usize>,
    /// Position in `order` of the next minibatch.
    pos: usize,
    epochs_done: usize,
    steps_done: usize,
    epoch_cost_sum: f64,
    epoch_steps: usize,
    /// Images trained on this epoch, and how many of them the network got right in its
    /// forward pass (before each step's update): the running training accuracy.
    epoch_images: usize,
    epoch_correct: usize,
    step_costs: Vec<f32>,
    history: Vec<EpochReport>,
    stopped: bool,
    diverged: Option<crate::message::Message>,
    labels: Vec<u8>,
    /// Augmentation draws, a stream apart so that switching it on keeps the order.
    augment_rng: ChaCha8Rng,
    /// Reused storage for a minibatch being augmented.
    augment_buf: Vec<f32>,
    /// Minibatches prepared and resets since the trainer was made: a [`SplitStep`] is
    /// valid only while this is what it was when the step began.
    minibatches: u64,
    /// Reused storage for the slices' gradients, lent to each [`SplitStep`].
    slice_grads: Vec<f32>,
    /// Reused storage for the summed gradient.
    grad_sum: Vec<f32>,
}

impl Trainer {
    /// The seed of this run (drawn from the system when none was given).
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn settings(&self) -> &TrainSettings {
        &self.settings
    }
    pub fn model(&self) -> &Model {
        &self.model
    }
    pub fn model_mut(&mut self) -> &mut Model {
        &mut self.model
    }
    pub fn train_set(&self) -> &Dataset {
        &self.train
    }
    pub fn test_set(&self) -> &Dataset {
        &self.test
    }
    /// Cost of every minibatch so far.
    pub fn step_costs(&self) -> &[f32] {
        &self.step_costs
    }
    /// One report per finished epoch.
    pub fn history(&self) -> &[EpochReport] {
        &self.history
    }
    pub fn epochs_done(&self) -> usize {
        self.epochs_done
    }
    pub fn steps_per_epoch(&self) -> usize {
        self.train.len().div_ceil(self.settings.batch_size)
    }
    /// All epochs of the settings are done.
    pub fn is_finished(&self) -> bool {
        self.epochs_done >= self.settings.epochs
    }
    /// Pauses: [`Trainer::step`] refuses to run until [`Trainer::resume`].
    pub fn stop(&mut self) {
        self.stopped = true;
    }
    pub fn resume(&mut self) {
        self.stopped = false;
    }
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Starts timing each phase of the steps that follow with `clock` (milliseconds;
    /// fresh totals), or stops (`None`): see [`crate::nn::profile`]. Changes no number.
    pub fn set_profile(&mut self, clock: Option<Clock>) {
        self.model.set_profile(clock);
    }

    /// The per-phase totals since [`Trainer::set_profile`], in [`Phase::ALL`](crate::nn::profile::Phase::ALL)'s order.
    pub fn profile(&self) -> Option<&[PhaseTotal]> {
        self.model.profile().map(|p| p.totals())
    }

    /// The current parameters, flat (see [`Model::copy_params_to`]), into `out`.
    pub fn copy_params_to(&self, out: &mut [f32]) -> Result<()> {
        self.model.copy_params_to(out)
    }

    /// Predicted labels for the training (`test = false`) or test set, in inference mode.
    pub fn predictions(&mut self, test: bool) -> Result<Vec<u8>> {
        let data = if test { &self.test } else { &self.train };
        predict_labels(&mut self.model, data, self.settings.batch_size)
    }

    /// Share of the set predicted right.
    pub fn accuracy(&mut self, test: bool) -> Result<f32> {
        let preds = self.predictions(test)?;
        let data = if test { &self.test } else { &self.train };
        Ok(accuracy(&preds, &data.labels))
    }

    /// Accuracy, confusion matrix, mistakes and collapse check on the train or test set.
    pub fn evaluate(&mut self, test: bool) -> Result<Evaluation> {
        let predictions = self.predictions(test)?;
        let data = if test { &self.test } else { &self.train };
        Ok(evaluation(
            predictions,
            &data.labels,
            self.model.num_classes(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::augment::Augment;
    use ndarray::Array4;
    use rand::SeedableRng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// n images of 4x4x1: class k (0..4) has its bright quadrant at position k, plus noise.
    pub(crate) fn quadrants(n: usize, seed: u64) -> Dataset {
        use rand::Rng;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut images = Array4::<u8>::zeros((n, 4, 4, 1));
        let mut labels = Vec::new();
        for i in 0..n {
            let k = (i % 4) as u8;
            labels.push(k);
            let (r0, c0) = ((k as usize / 2) * 2, (k as usize % 2) * 2);
            for r in 0..4 {
                for c in 0..4 {
                    let bright = (r0..r0 + 2).contains(&r) && (c0..c0 + 2).contains(&c);
                    images[[i, r, c, 0]] =
                        if bright { 150 } else { 40 } + rng.random_range(0..80u8);
                }
            }
        }
        Dataset {
            images,
            labels,
            classes: vec![0, 1, 2, 3],
        }
    }

    fn stack() -> Vec<LayerSpec> {
        vec![
            LayerSpec::Flatten,
            LayerSpec::Dense { units: 8 },
            LayerSpec::Relu,
            LayerSpec::Dense { units: 4 },
        ]
    }

    fn settings(seed: u64) -> TrainSettings {
        TrainSettings {
            seed: Some(seed),
            epochs: 20,
            batch_size: 16,
            learning_rate: 0.01,
            ..Default::default()
        }
    }

    #[test]
    fn cost_falls_and_accuracy_rises() {
        let mut t =
            Trainer::new(&stack(), quadrants(70, 1), quadrants(20, 2), settings(3)).unwrap();
        assert_eq!(t.steps_per_epoch(), 5); // 16 * 4 + a last batch of 6
        let first = t.run_epoch().unwrap();
        while !t.is_finished() {
            t.run_epoch().unwrap();
        }
        let last = t.history().last().unwrap().clone();
        assert_eq!(t.history().len(), 20);
        assert!(
            last.cost < 0.5 * first.cost,
            "{} -> {}",
            first.cost,
            last.cost
        );
        assert!(last.test_accuracy.unwrap() >= 0.9, "{last:?}");
        // The epoch cost is the mean of its minibatch costs; the notebook's divides their
        // sum by floor(70 / 16) = 4, not by the 5 minibatches run.
        let sum = t.step_costs()[95..100].iter().sum::<f32>();
        assert!((sum / 5.0 - last.cost).abs() < 1e-6);
        assert!((sum / 4.0 - last.notebook_cost.unwrap()).abs() < 1e-6);
        assert!(t.step().unwrap_err().to_string().contains("finished"));
    }

    #[test]
    fn same_seed_same_curve_and_reset_repeats_it() {
        let run = |t: &mut Trainer| {
            (0..3)
                .map(|_| t.run_epoch().unwrap().cost)
                .collect::<Vec<f32>>()
        };
        let mut a = Trainer::new(&stack(), quadrants(40, 1), quadrants(8, 2), settings(5)).unwrap();
        let mut b = Trainer::new(&stack(), quadrants(40, 1), quadrants(8, 2), settings(5)).unwrap();
        let mut c = Trainer::new(&stack(), quadrants(40, 1), quadrants(8, 2), settings(6)).unwrap();
        let ca = run(&mut a);
        assert_eq!(ca, run(&mut b));
        assert_ne!(ca, run(&mut c));
        a.reset();
        assert!(a.history().is_empty());
        assert_eq!(ca, run(&mut a));
    }

    fn rgb(d: Dataset) -> Dataset {
        let images = d.images.broadcast((d.len(), 4, 4, 3)).unwrap().to_owned();
        Dataset { images, ..d }
    }

    #[test]
    fn augmentation_is_seeded_and_changes_the_run() {
        let aug = Augment {
            flip: true,
            brightness: true,
            ..Augment::default()
        };
        let with = |seed| TrainSettings {
            augment: aug.clone(),
            ..settings(seed)
        };
        let run = |s: TrainSettings| {
            let mut t =
                Trainer::new(&stack(), rgb(quadrants(40, 1)), rgb(quadrants(8, 2)), s).unwrap();
            (0..2)
                .map(|_| t.run_epoch().unwrap().cost)
                .collect::<Vec<f32>>()
        };
        let a = run(with(5));
        assert_eq!(a, run(with(5)));
        assert_ne!(a, run(settings(5)));
        let bad = TrainSettings {
            augment: Augment {
                rotation: true,
                rotation_deg: f32::NAN,
                ..Augment::default()
            },
            ..settings(5)
        };
        assert!(Trainer::new(&stack(), rgb(quadrants(8, 1)), rgb(quadrants(4, 2)), bad).is_err());
    }

    #[test]
    fn stop_and_resume() {
        let mut t = Trainer::new(&stack(), quadrants(40, 1), quadrants(8, 2), settings(5)).unwrap();
        t.step().unwrap();
        t.stop();
        assert!(t.step().unwrap_err().to_string().contains("paused"));
        t.resume();
        assert_eq!(t.step().unwrap().step, 2);
    }

    #[test]
    fn a_seed_is_drawn_when_none_is_given() {
        let s = TrainSettings {
            seed: None,
            ..settings(0)
        };
        let a = Trainer::new(&stack(), quadrants(8, 1), quadrants(4, 2), s.clone()).unwrap();
        let b = Trainer::new(&stack(), quadrants(8, 1), quadrants(4, 2), s).unwrap();
        assert_ne!(a.seed(), b.seed());
    }

    /// The same seed gives the same curve natively and in wasm: this test runs on both
    /// (natively and in headless Chromium) against one list of step costs, recorded from
    /// a native run. Float rounding may differ in the last bits (the SIMD kernels sum in
    /// the same order on both, libm's exp/ln may not), hence the tolerance. When the
    /// network, the data or the initialisation changes, record the costs again.
    #[test]
    fn same_curve_natively_and_in_wasm() {
        let data = || crate::data::synthetic::generate(96, 11);
        let s = TrainSettings {
            epochs: 3,
            batch_size: 16,
            learning_rate: 0.009,
            evaluate_every_epoch: false,
            ..settings(7)
        };
        let mut t = Trainer::new(&crate::nn::layers::signs_network(), data(), data(), s).unwrap();
        while !t.is_finished() {
            t.step().unwrap();
        }
        let got = t.step_costs().to_vec();
        const RECORDED: [f32; 18] = [
            1.7847952, 1.8609129, 1.8198496, 1.8476963, 1.816719, 1.8373196, 1.7885865, 1.7977717,
            1.791842, 1.8281662, 1.7562406, 1.81447, 1.7688094, 1.7823805, 1.7955239, 1.7896647,
            1.7824239, 1.7943876,
        ];
        for (g, r) in got.iter().zip(RECORDED) {
            assert!((g - r).abs() <= 1e-4 * r.abs().max(1.0), "{got:?} vs {RECORDED:?}");
        }
        assert_eq!(got.len(), RECORDED.len());
    }

    #[test]
    fn learning_rate_10_is_stopped_as_diverged() {
        // The assignment's network at lr 10: the cost jumps to ~10^6 at step 2, then the
        // ReLUs die and it would go on with a finite cost and one answer for everything.
        let (train, test) = crate::data::synthetic::default_split();
        let s = TrainSettings {
            learning_rate: 10.0,
            epochs: 2,
            evaluate_every_epoch: false,
            ..settings(1)
        };
        let mut t = Trainer::new(&crate::nn::layers::signs_network(), train, test, s).unwrap();
        let e = t.run_epoch().unwrap_err().to_string();
        assert!(e.contains("diverged") && e.contains("learning rate (10)") && e.contains("1.79"), "{e}");
        assert!(t.step_costs().len() <= 2, "stopped at once: {:?}", t.step_costs());
        assert!(t.step().unwrap_err().to_string().contains("diverged"));
        // A sane rate on the same data does not trip the check.
        let s = TrainSettings { epochs: 1, evaluate_every_epoch: false, ..settings(1) };
        let (train, test) = crate::data::synthetic::default_split();
        let mut t = Trainer::new(&crate::nn::layers::signs_network(), train, test, s).unwrap();
        t.run_epoch().unwrap();
    }

    #[test]
    fn divergence_stops_with_a_clear_message() {
        let mut t = Trainer::new(&stack(), quadrants(40, 1), quadrants(8, 2), settings(5)).unwrap();
        t.model_mut().visit_params(|k, p| {
            if k == 0 {
                p.value[0] = f32::NAN
            }
        });
        let e = t.step().unwrap_err();
        assert!(matches!(e, crate::ConvLabError::Diverged(_)));
        assert!(
            e.to_string().contains("diverged") && e.to_string().contains("learning rate"),
            "{e}"
        );
        assert!(t.step().is_err());
    }

    #[test]
    fn bad_settings_and_data_are_errors() {
        let err = |s: TrainSettings| {
            Trainer::new(&stack(), quadrants(8, 1), quadrants(4, 2), s)
                .err()
                .unwrap()
                .to_string()
        };
        assert!(err(TrainSettings {
            learning_rate: f32::NAN,
            ..settings(1)
        })
        .contains("learning rate"));
        assert!(err(TrainSettings {
            learning_rate: -1.0,
            ..settings(1)
        })
        .contains("positive"));
        assert!(err(TrainSettings {
            learning_rate: 11.0,
            ..settings(1)
        })
        .contains("far too large"));
        assert!(err(TrainSettings {
            batch_size: 0,
            ..settings(1)
        })
        .contains("minibatch size"));
        assert!(err(TrainSettings {
            epochs: 0,
            ..settings(1)
        })
        .contains("epochs"));
        assert!(err(TrainSettings {
            l2: f32::INFINITY,
            ..settings(1)
        })
        .contains("L2"));
        let mut bad = quadrants(8, 1);
        bad.labels[3] = 7;
        let e = Trainer::new(&stack(), bad, quadrants(4, 2), settings(1))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("label 7"), "{e}");
        let mut other = quadrants(4, 2);
        other.classes = vec![5, 6, 7, 8];
        let e = Trainer::new(&stack(), quadrants(8, 1), other, settings(1))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("classes"), "{e}");
        let small = Dataset {
            images: Array4::zeros((2, 3, 3, 1)),
            labels: vec![0, 1],
            classes: vec![],
        };
        let e = Trainer::new(&stack(), quadrants(8, 1), small, settings(1))
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("3x3x1") && e.contains("4x4x1"), "{e}");
    }

    #[test]
    fn settings_round_trip_through_json_with_defaults() {
        let s: TrainSettings =
            serde_json::from_str(r#"{"learning_rate": 0.003, "seed": 7}"#).unwrap();
        assert_eq!(
            s,
            TrainSettings {
                learning_rate: 0.003,
                seed: Some(7),
                ..Default::default()
            }
        );
        let again: TrainSettings =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn confusion_matrix_mistakes_and_collapse() {
        let labels = [0u8, 0, 1, 1, 2, 2, 0, 1, 2, 0];
        let preds = vec![0u8, 1, 1, 1, 2, 0, 0, 1, 2, 0];
        let ev = evaluation(preds, &labels, 3);
        assert_eq!(
            ev.confusion,
            vec![vec![3, 1, 0], vec![0, 3, 0], vec![1, 0, 2]]
        );
        assert_eq!(ev.misclassified, vec![1, 5]);
        assert!((ev.accuracy - 0.8).abs() < 1e-6);
        assert!(ev.collapse_warning.is_none());
        let ev = evaluation(vec![2; 10], &labels, 3);
        let w = ev.collapse_warning.unwrap().english();
        assert!(
            w.contains("answers 2 for 100%") && w.contains("learning rate"),
            "{w}"
        );
    }
}
