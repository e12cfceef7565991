//! One step: the next minibatch (shuffled, scaled, augmented), forward, cost, backward,
//! the Adam update and the bookkeeping, and the report at the end of an epoch.

use super::{count_correct, EpochReport, StepReport, Trainer, EXPLODED_OVER_CHANCE};
use crate::data::fill_batch;
use crate::data_err;
use crate::error::Result;
use crate::nn::model::Mode;
use crate::nn::profile::Phase;
use rand::seq::SliceRandom;

impl Trainer {
    /// One minibatch: forward, cost, backward, Adam update.
    pub fn step(&mut self) -> Result<StepReport> {
        self.check_can_step()?;
        let (m, end) = self.prepare_minibatch()?;
        self.model.forward_filled(m, Mode::Train)?;
        let t = self.model.phase_start();
        let correct = count_correct(self.model.logits()?, &self.labels);
        self.model.phase_end(Phase::Softmax, t);
        let cost = self.model.backward_smoothed(&self.labels, self.settings.label_smoothing)?;
        self.complete_step(end, cost, m, correct)
    }

    pub(super) fn check_can_step(&self) -> Result<()> {
        if let Some(msg) = &self.diverged {
            return Err(msg.clone().diverged());
        }
        if self.stopped {
            return Err(crate::message::Message::TrainPaused {}.param());
        }
        if self.is_finished() {
            return Err(crate::message::Message::TrainFinished { epochs: self.settings.epochs }.param());
        }
        Ok(())
    }

    /// The next minibatch (shuffling at the start of an epoch), its pixels scaled and
    /// augmented into the model's input buffer and its labels into `self.labels`.
    /// Returns its size and the position in the order after it.
    pub(super) fn prepare_minibatch(&mut self) -> Result<(usize, usize)> {
        self.minibatches += 1;
        let t = self.model.phase_start();
        let done = self.prepare_minibatch_untimed();
        self.model.phase_end(Phase::Minibatch, t);
        done
    }

    fn prepare_minibatch_untimed(&mut self) -> Result<(usize, usize)> {
        if self.pos == 0 {
            self.order.shuffle(&mut self.rng);
        }
        let bs = self.settings.batch_size;
        let end = (self.pos + bs).min(self.order.len());
        let m = end - self.pos;
        let idx = &self.order[self.pos..end];
        self.labels.clear();
        self.labels
            .extend(idx.iter().map(|&i| self.train.labels[i]));
        if self.settings.augment.is_off() {
            fill_batch(&self.train, idx, self.model.input_buffer(m))?;
        } else {
            // Augment works on an owned array: lend it the reused buffer, take it back.
            let (_, h, w, c) = self.train.images.dim();
            let mut buf = std::mem::take(&mut self.augment_buf);
            buf.resize(m * h * w * c, 0.0);
            fill_batch(&self.train, idx, &mut buf)?;
            let mut batch = ndarray::Array4::from_shape_vec((m, h, w, c), buf)
                .map_err(|e| data_err!("minibatch: {e}"))?;
            self.settings
                .augment
                .at_epoch(self.epochs_done)
                .apply(&mut batch, &mut self.augment_rng)?;
            let augmented = batch
                .as_slice()
                .ok_or_else(|| data_err!("augmented minibatch is not contiguous"))?;
            let input = self.model.input_buffer(m);
            if input.len() != augmented.len() {
                return Err(data_err!("augmentation changed the minibatch size"));
            }
            input.copy_from_slice(augmented);
            self.augment_buf = batch.into_raw_vec_and_offset().0;
        }
        Ok((m, end))
    }

    /// The rest of a step once the model holds the minibatch's gradient, `cost` is its
    /// mean cost and `correct` of its `images` were predicted right: the divergence
    /// check, the Adam update, the bookkeeping.
    pub(super) fn complete_step(&mut self, end: usize, cost: f32, images: usize, correct: usize) -> Result<StepReport> {
        let epoch = self.epochs_done + 1;
        // A uniform guess costs ln(classes); a healthy run stays near or below it (2.4 at
        // most at lr 0.05 on the SIGNS network). Lr 1 and 10 jump to 10^3-10^6 at step 2
        // and then collapse with a finite cost, so a finite explosion counts too.
        let chance = (self.model.num_classes().max(2) as f32).ln();
        if !cost.is_finite() || cost > EXPLODED_OVER_CHANCE * chance {
            let msg = crate::message::Message::TrainDiverged {
                cost: cost.to_string(),
                epoch,
                step: self.steps_done + 1,
                chance: format!("{chance:.2}"),
                lr: self.settings.learning_rate.to_string(),
                smaller: (self.settings.learning_rate / 10.0).to_string(),
            };
            self.diverged = Some(msg.clone());
            self.stopped = true;
            return Err(msg.diverged());
        }
        let total_steps = self.steps_per_epoch() * self.settings.epochs;
        let lr =
            self.settings
                .schedule
                .rate(self.settings.learning_rate, self.steps_done, total_steps);
        let t = self.model.phase_start();
        self.adam.step(&mut self.model, lr);
        self.model.phase_end(Phase::Adam, t);
        self.steps_done += 1;
        self.step_costs.push(cost);
        self.epoch_cost_sum += cost as f64;
        self.epoch_steps += 1;
        self.epoch_images += images;
        self.epoch_correct += correct;
        self.pos = end;
        let mut epoch_report = None;
        if self.pos >= self.order.len() {
            let report = self.finish_epoch()?;
            epoch_report = Some(report);
        }
        Ok(StepReport {
            epoch,
            step: self.steps_done,
            steps_per_epoch: self.steps_per_epoch(),
            cost,
            learning_rate: lr,
            epoch_report,
        })
    }

    fn finish_epoch(&mut self) -> Result<EpochReport> {
        let cost = (self.epoch_cost_sum / self.epoch_steps.max(1) as f64) as f32;
        let full_batches = self.train.len() / self.settings.batch_size.max(1);
        let notebook_cost = (full_batches > 0).then(|| (self.epoch_cost_sum / full_batches as f64) as f32);
        // The training accuracy is the running one, as Keras's `fit` reports it: what the
        // forward passes of the epoch got right (free, where a separate pass over the
        // training set made an epoch of the page ~40% longer). The test set is measured.
        let running = self.epoch_correct as f32 / self.epoch_images.max(1) as f32;
        self.pos = 0;
        self.epoch_cost_sum = 0.0;
        self.epoch_steps = 0;
        self.epoch_images = 0;
        self.epoch_correct = 0;
        self.epochs_done += 1;
        let (train_accuracy, test_accuracy) = if self.settings.evaluate_every_epoch {
            let train = Some(running);
            let test = if self.test.is_empty() {
                None
            } else {
                Some(self.accuracy(true)?)
            };
            (train, test)
        } else {
            (None, None)
        };
        let report = EpochReport {
            epoch: self.epochs_done,
            cost,
            notebook_cost,
            train_accuracy,
            test_accuracy,
        };
        self.history.push(report.clone());
        Ok(report)
    }

    /// Runs minibatches until the current epoch ends.
    pub fn run_epoch(&mut self) -> Result<EpochReport> {
        loop {
            if let Some(r) = self.step()?.epoch_report {
                return Ok(r);
            }
        }
    }
}
