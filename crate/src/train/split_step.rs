//! The Trainer's data-parallel steps. One minibatch is cut into fixed slices
//! ([`MinibatchSplit`]: the same slices whatever the number of workers), each worker
//! computing a run of them with its own copy of the model:
//!
//! ```text
//! let m = trainer.begin_step()?;             // the minibatch, in this model's input
//! let runs = trainer.step_split()?.assign(workers);
//! // hand the images of runs[1..] (batch_inputs, batch_labels) and the parameters
//! // to the other workers (crate::train::data_parallel::GradientWorker), then:
//! trainer.own_slices_gradient(runs[0].1)?;   // the first run's slices, here
//! trainer.add_slice_gradients(first, &costs, &correct, &grads)?; // per other run
//! trainer.finish_step()?;                    // summed gradient, one Adam update
//! ```
//!
//! The mean cost is linear in the per-image costs, so the full minibatch's gradient is
//! sum over slices of (n_slice / m) x (the slice's mean gradient), summed in slice
//! order: the same numbers to the bit whoever computed each slice.

use super::Trainer;
use crate::error::Result;
use crate::nn::profile::Phase;
use crate::param_err;
use crate::train::data_parallel::{MinibatchSplit, PendingStep};
use crate::train::StepReport;

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
    /// augmentation as [`Trainer::step`]) and returns its number of images m.
    pub fn begin_step(&mut self) -> Result<usize> {
        self.check_data_parallel()?;
        self.check_can_step()?;
        let (m, end) = self.prepare_minibatch()?;
        let split = MinibatchSplit::new(m);
        self.slice_grads.resize(split.sizes().len() * self.model.param_count(), 0.0);
        self.pending = Some(PendingStep { done: vec![None; split.sizes().len()], split, end });
        Ok(m)
    }

    fn pending(&self) -> Result<&PendingStep> {
        self.pending.as_ref().ok_or_else(|| {
            param_err!("no minibatch is being split between workers: begin a step first")
        })
    }

    /// The fixed slices of the minibatch under way.
    pub fn step_split(&self) -> Result<&MinibatchSplit> {
        Ok(&self.pending()?.split)
    }

    /// Images `start..end` of the minibatch begun by [`Trainer::begin_step`], as the
    /// floats the network reads (NHWC, pixels / 255, augmented). Read them before
    /// anything else runs the model (a feature-map view would overwrite the buffer, and
    /// [`Trainer::own_slices_gradient`] moves images within it).
    pub fn batch_inputs(&self, start: usize, end: usize) -> Result<&[f32]> {
        let m = self.pending()?.split.images();
        if start >= end || end > m {
            return Err(param_err!(
                "images {start}..{end} are not a part of the minibatch of {m} images"
            ));
        }
        self.model.input_rows(start, end)
    }

    /// Labels of images `start..end` of the minibatch under way.
    pub fn batch_labels(&self, start: usize, end: usize) -> Result<&[u8]> {
        let m = self.pending()?.split.images();
        self.labels.get(start..end).filter(|_| start < end && end <= m).ok_or_else(|| {
            param_err!("images {start}..{end} are not a part of the minibatch of {m} images")
        })
    }

    /// Forward and backward pass of the minibatch's first `count` slices in this
    /// trainer's model, one slice at a time, kept for the step's sum.
    pub fn own_slices_gradient(&mut self, count: usize) -> Result<()> {
        let p = self.pending()?;
        let sizes = p.split.sizes().to_vec();
        if count == 0 || count > sizes.len() || p.done[..count].iter().any(Option::is_some) {
            return Err(param_err!(
                "slices 0..{count} are not all still to do in this minibatch of {} slices",
                sizes.len()
            ));
        }
        let m = p.split.images();
        let per = self.model.input_rows(0, 1)?.len(); // floats per image
        let n_params = self.model.param_count();
        let mut start = 0;
        for (s, &n) in sizes[..count].iter().enumerate() {
            // Slice s to the front of the input buffer: earlier slices are done with, and
            // no slice is larger than the first, so nothing still needed is overwritten.
            if start > 0 {
                let t = self.model.phase_start();
                self.model.input_buffer(m).copy_within(start * per..(start + n) * per, 0);
                self.model.phase_end(Phase::Minibatch, t);
            }
            let labels = &self.labels[start..start + n];
            let grads = &mut self.slice_grads[s * n_params..(s + 1) * n_params];
            let (cost, correct) = crate::train::data_parallel::slice_gradient(&mut self.model, n, labels, grads)?;
            if let Some(p) = self.pending.as_mut() {
                p.done[s] = Some((cost, correct));
            }
            start += n;
        }
        Ok(())
    }

    /// Another worker's run of slices `first..first + costs.len()`: per slice its mean
    /// cost, how many its forward pass got right, and its mean gradient (all the slices'
    /// gradients one after the other, each flat in the order of [`Model::copy_grads_to`](crate::nn::model::Model::copy_grads_to)).
    pub fn add_slice_gradients(&mut self, first: usize, costs: &[f32], correct: &[usize], grads: &[f32]) -> Result<()> {
        let p = self.pending()?;
        let count = costs.len();
        let n_params = self.model.param_count();
        let slices = p.split.sizes().len();
        if count == 0 || first + count > slices || p.done[first..first + count].iter().any(Option::is_some) {
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
            let n = p.split.sizes()[s];
            if right > n {
                return Err(param_err!("a slice of {n} images cannot have {right} right"));
            }
        }
        let t = self.model.phase_start();
        self.slice_grads[first * n_params..(first + count) * n_params].copy_from_slice(grads);
        self.model.phase_end(Phase::GradientSums, t);
        if let Some(p) = self.pending.as_mut() {
            for (i, s) in (first..first + count).enumerate() {
                p.done[s] = Some((costs[i], correct[i]));
            }
        }
        Ok(())
    }

    /// Ends a data-parallel step once every slice is in: the gradient sum over the slices
    /// in slice order of (n_slice / m) x (the slice's mean gradient), one Adam update, the
    /// same bookkeeping and divergence check as [`Trainer::step`]. The same numbers to the
    /// bit however many workers computed the slices; [`Trainer::step`]'s up to float
    /// rounding only (its kernels sum over the whole minibatch at once).
    pub fn finish_step(&mut self) -> Result<StepReport> {
        let p = self.pending()?;
        let missing = p.done.iter().filter(|d| d.is_none()).count();
        if missing > 0 {
            return Err(param_err!(
                "{missing} of the minibatch's {} slices are missing: a worker's part did not arrive",
                p.done.len()
            ));
        }
        let Some(p) = self.pending.take() else { unreachable!("checked above") };
        let m = p.split.images();
        let n_params = self.model.param_count();
        let t = self.model.phase_start();
        self.grad_sum.clear();
        self.grad_sum.resize(n_params, 0.0);
        let (mut cost_sum, mut correct) = (0.0f64, 0usize);
        for (s, (&n, done)) in p.split.sizes().iter().zip(&p.done).enumerate() {
            let (cost, right) = done.unwrap_or_default();
            let w = n as f32;
            for (g, &v) in self.grad_sum.iter_mut().zip(&self.slice_grads[s * n_params..(s + 1) * n_params]) {
                *g += w * v;
            }
            cost_sum += n as f64 * cost as f64;
            correct += right;
        }
        let inv = 1.0 / m as f32;
        self.grad_sum.iter_mut().for_each(|g| *g *= inv);
        self.model.set_grads(&self.grad_sum)?;
        self.model.phase_end(Phase::GradientSums, t);
        let cost = (cost_sum / m as f64) as f32;
        self.complete_step(p.end, cost, m, correct)
    }

    /// One minibatch computed slice by slice in this trainer alone: the numbers of a step
    /// split between any number of workers (see [`Trainer::finish_step`]).
    pub fn step_in_slices(&mut self) -> Result<StepReport> {
        self.begin_step()?;
        let slices = self.step_split()?.sizes().len();
        let done = self.own_slices_gradient(slices).and_then(|_| self.finish_step());
        if done.is_err() {
            self.cancel_step();
        }
        done
    }

    /// Drops a data-parallel step under way (a worker failed): the next step prepares
    /// the same minibatch again, except at the start of an epoch, which reshuffles.
    pub fn cancel_step(&mut self) {
        self.pending = None;
    }
}
