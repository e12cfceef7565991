//! A data-parallel step: one minibatch cut into fixed slices ([`MinibatchSplit`]: the
//! same slices whatever the number of workers), each worker computing a run of them with
//! its own copy of the model. The step is a value of its own ([`SplitStep`]), held by
//! whoever drives it (a test, or the page's worker through `wasm::train`), not a state
//! of the [`Trainer`]:
//!
//! ```text
//! let mut step = trainer.begin_step()?;      // the next minibatch, in this model's input
//! let runs = step.split().assign(workers);
//! // hand the images of runs[1..] (step.batch_inputs, step.batch_labels) and the
//! // parameters to the other workers (crate::train::data_parallel::GradientWorker), then:
//! step.own_slices_gradient(&mut trainer, runs[0].1)?;  // the first run's slices, here
//! step.add_slice_gradients(&mut trainer, first, &costs, &correct, &grads)?; // per other run
//! step.finish(&mut trainer)?;                // summed gradient, one Adam update
//! ```
//!
//! The mean cost is linear in the per-image costs, so the full minibatch's gradient is
//! sum over slices of (n_slice / m) x (the slice's mean gradient), summed in slice
//! order: the same numbers to the bit whoever computed each slice.
//!
//! A step belongs to the minibatch the trainer prepared for it: once the trainer has
//! prepared another one (a whole-minibatch step, another split step) or been reset, the
//! step's methods refuse, so a late worker's answer can never update the wrong network.

use super::Trainer;
use crate::error::Result;
use crate::nn::profile::Phase;
use crate::param_err;
use crate::train::data_parallel::MinibatchSplit;
use crate::train::StepReport;

/// A minibatch prepared by [`Trainer::begin_step`], cut into its fixed slices, whose
/// gradients are being gathered; [`SplitStep::finish`] makes the one update.
#[derive(Debug)]
pub struct SplitStep {
    /// The slices of the minibatch.
    split: MinibatchSplit,
    /// Position in the epoch's order after it.
    end: usize,
    /// The trainer's minibatch count when it was prepared (see `Trainer::minibatches`).
    minibatch: u64,
    /// Per slice: its mean cost and the number its forward pass got right, once known.
    done: Vec<Option<(f32, usize)>>,
    /// Each slice's mean gradient, slice after slice (params values each): the trainer's
    /// buffer, lent for the step and given back by `finish`.
    slice_grads: Vec<f32>,
}

impl Trainer {
    /// Whether this network can be split between workers: every image's gradient must
    /// depend only on that image and the parameters (see [`Model::batch_coupled_layer`](crate::nn::model::Model::batch_coupled_layer)).
    pub fn check_data_parallel(&self) -> Result<()> {
        if self.settings.label_smoothing > 0.0 {
            // The workers' slices use the plain cost (data_parallel::slice_gradient).
            return Err(param_err!("label smoothing trains in one worker only"));
        }
        crate::train::data_parallel::check_splittable(&self.model)
    }

    /// Starts a data-parallel step: prepares the next minibatch (same order, same
    /// augmentation as [`Trainer::step`]) and returns the step, whose
    /// [`SplitStep::images`] is its number of images m.
    pub fn begin_step(&mut self) -> Result<SplitStep> {
        self.check_data_parallel()?;
        self.check_can_step()?;
        let (m, end) = self.prepare_minibatch()?;
        let split = MinibatchSplit::new(m);
        let mut slice_grads = std::mem::take(&mut self.slice_grads);
        slice_grads.resize(split.sizes().len() * self.model.param_count(), 0.0);
        Ok(SplitStep { done: vec![None; split.sizes().len()], split, end, minibatch: self.minibatches, slice_grads })
    }

    /// One minibatch computed slice by slice in this trainer alone: the numbers of a step
    /// split between any number of workers (see [`SplitStep::finish`]).
    pub fn step_in_slices(&mut self) -> Result<StepReport> {
        let mut step = self.begin_step()?;
        let slices = step.split().sizes().len();
        step.own_slices_gradient(self, slices)?;
        step.finish(self)
    }
}

impl SplitStep {
    /// The fixed slices of this step's minibatch.
    pub fn split(&self) -> &MinibatchSplit {
        &self.split
    }

    /// Images in the minibatch.
    pub fn images(&self) -> usize {
        self.split.images()
    }

    /// Refuses a trainer that has moved on to another minibatch (or been reset) since
    /// this step began.
    fn check_current(&self, trainer: &Trainer) -> Result<()> {
        if trainer.minibatches != self.minibatch {
            return Err(param_err!(
                "this minibatch split between workers is no longer the trainer's (it has prepared another minibatch or been reset since): begin a new step"
            ));
        }
        Ok(())
    }

    /// Images `start..end` of this step's minibatch, as the floats the network reads
    /// (NHWC, pixels / 255, augmented). Read them before anything else runs the model (a
    /// feature-map view would overwrite the buffer, and [`SplitStep::own_slices_gradient`]
    /// moves images within it).
    pub fn batch_inputs<'t>(&self, trainer: &'t Trainer, start: usize, end: usize) -> Result<&'t [f32]> {
        self.check_current(trainer)?;
        let m = self.split.images();
        if start >= end || end > m {
            return Err(param_err!(
                "images {start}..{end} are not a part of the minibatch of {m} images"
            ));
        }
        trainer.model.input_rows(start, end)
    }

    /// Labels of images `start..end` of this step's minibatch.
    pub fn batch_labels<'t>(&self, trainer: &'t Trainer, start: usize, end: usize) -> Result<&'t [u8]> {
        self.check_current(trainer)?;
        let m = self.split.images();
        trainer.labels.get(start..end).filter(|_| start < end && end <= m).ok_or_else(|| {
            param_err!("images {start}..{end} are not a part of the minibatch of {m} images")
        })
    }

    /// Forward and backward pass of the minibatch's first `count` slices in `trainer`'s
    /// model, one slice at a time, kept for the step's sum.
    pub fn own_slices_gradient(&mut self, trainer: &mut Trainer, count: usize) -> Result<()> {
        self.check_current(trainer)?;
        let sizes = self.split.sizes();
        if count == 0 || count > sizes.len() || self.done[..count].iter().any(Option::is_some) {
            return Err(param_err!(
                "slices 0..{count} are not all still to do in this minibatch of {} slices",
                sizes.len()
            ));
        }
        let m = self.split.images();
        let model = &mut trainer.model;
        let per = model.input_rows(0, 1)?.len(); // floats per image
        let n_params = model.param_count();
        let mut start = 0;
        for (s, &n) in sizes[..count].iter().enumerate() {
            // Slice s to the front of the input buffer: earlier slices are done with, and
            // no slice is larger than the first, so nothing still needed is overwritten.
            if start > 0 {
                let t = model.phase_start();
                model.input_buffer(m).copy_within(start * per..(start + n) * per, 0);
                model.phase_end(Phase::Minibatch, t);
            }
            let labels = &trainer.labels[start..start + n];
            let grads = &mut self.slice_grads[s * n_params..(s + 1) * n_params];
            let (cost, correct) = crate::train::data_parallel::slice_gradient(model, n, labels, grads)?;
            self.done[s] = Some((cost, correct));
            start += n;
        }
        Ok(())
    }

    /// Another worker's run of slices `first..first + costs.len()`: per slice its mean
    /// cost, how many its forward pass got right, and its mean gradient (all the slices'
    /// gradients one after the other, each flat in the order of [`Model::copy_grads_to`](crate::nn::model::Model::copy_grads_to)).
    pub fn add_slice_gradients(
        &mut self,
        trainer: &mut Trainer,
        first: usize,
        costs: &[f32],
        correct: &[usize],
        grads: &[f32],
    ) -> Result<()> {
        self.check_current(trainer)?;
        let count = costs.len();
        let n_params = trainer.model.param_count();
        let slices = self.split.sizes().len();
        if count == 0 || first + count > slices || self.done[first..first + count].iter().any(Option::is_some) {
            return Err(param_err!(
                "slices {first}..{} are not all still to do in this minibatch of {slices} slices",
                first + count
            ));
        }
        if correct.len() != count || grads.len() != count * n_params {
            return Err(param_err!(
                "{count} slices need {count} counts and {} gradient values (the network has {n_params} parameters), got {} and {}",
                count * n_params,
                correct.len(),
                grads.len()
            ));
        }
        for (s, &right) in (first..first + count).zip(correct) {
            let n = self.split.sizes()[s];
            if right > n {
                return Err(param_err!("a slice of {n} images cannot have {right} right"));
            }
        }
        let t = trainer.model.phase_start();
        self.slice_grads[first * n_params..(first + count) * n_params].copy_from_slice(grads);
        trainer.model.phase_end(Phase::GradientSums, t);
        for (i, s) in (first..first + count).enumerate() {
            self.done[s] = Some((costs[i], correct[i]));
        }
        Ok(())
    }

    /// Ends the step once every slice is in: the gradient sum over the slices in slice
    /// order of (n_slice / m) x (the slice's mean gradient), one Adam update, the same
    /// bookkeeping and divergence check as [`Trainer::step`]. The same numbers to the bit
    /// however many workers computed the slices; [`Trainer::step`]'s up to float rounding
    /// only (its kernels sum over the whole minibatch at once). A step that fails here is
    /// dropped: the next step prepares the same minibatch again, except at the start of
    /// an epoch, which reshuffles.
    pub fn finish(self, trainer: &mut Trainer) -> Result<StepReport> {
        self.check_current(trainer)?;
        let missing = self.done.iter().filter(|d| d.is_none()).count();
        if missing > 0 {
            return Err(param_err!(
                "{missing} of the minibatch's {} slices are missing: a worker's part did not arrive",
                self.done.len()
            ));
        }
        let m = self.split.images();
        let n_params = trainer.model.param_count();
        let t = trainer.model.phase_start();
        trainer.grad_sum.clear();
        trainer.grad_sum.resize(n_params, 0.0);
        let (mut cost_sum, mut correct) = (0.0f64, 0usize);
        for (s, (&n, done)) in self.split.sizes().iter().zip(&self.done).enumerate() {
            let (cost, right) = done.unwrap_or_default();
            let w = n as f32;
            for (g, &v) in trainer.grad_sum.iter_mut().zip(&self.slice_grads[s * n_params..(s + 1) * n_params]) {
                *g += w * v;
            }
            cost_sum += n as f64 * cost as f64;
            correct += right;
        }
        let inv = 1.0 / m as f32;
        trainer.grad_sum.iter_mut().for_each(|g| *g *= inv);
        trainer.slice_grads = self.slice_grads;
        trainer.model.set_grads(&trainer.grad_sum)?;
        trainer.model.phase_end(Phase::GradientSums, t);
        let cost = (cost_sum / m as f64) as f32;
        trainer.complete_step(self.end, cost, m, correct)
    }
}
