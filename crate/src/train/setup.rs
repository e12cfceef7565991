//! A trainer made: the data checked against the network, the seed fixed, the model
//! initialised; and [`Trainer::reset`], back to that start with the seeded streams.

use super::{random_seed, TrainSettings, Trainer};
use crate::data::Dataset;
use crate::error::Result;
use crate::nn::layers::LayerSpec;
use crate::nn::model::Model;
use crate::train::optim::Adam;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn check_data(model: &Model, data: &Dataset, what: crate::message::Message) -> Result<()> {
    let (m, h, w, c) = data.images.dim();
    if m != data.labels.len() {
        return Err(crate::message::Message::TrainSetLabels { set: Box::new(what), m, labels: data.labels.len() }.data());
    }
    if (h, w, c) != model.input_shape() {
        let (eh, ew, ec) = model.input_shape();
        return Err(crate::message::Message::TrainImageSize {
            set: Box::new(what),
            got: format!("{h}x{w}x{c}"),
            want: format!("{eh}x{ew}x{ec}"),
        }
        .data());
    }
    let k = model.num_classes();
    if let Some(&bad) = data.labels.iter().find(|&&y| y as usize >= k) {
        return Err(crate::message::Message::TrainLabelRange { set: Box::new(what), label: bad as usize, k, last: k - 1 }.data());
    }
    Ok(())
}

impl Trainer {
    /// A trainer for the stack `specs` on `train` (and `test`, which may be empty).
    pub fn new(
        specs: &[LayerSpec],
        train: Dataset,
        test: Dataset,
        settings: TrainSettings,
    ) -> Result<Trainer> {
        settings.validate()?;
        if train.is_empty() {
            return Err(crate::message::Message::TrainEmpty {}.data());
        }
        let (_, h, w, c) = train.images.dim();
        let seed = match settings.seed {
            Some(s) => s,
            None => random_seed()?,
        };
        let model = Model::new(specs, (h, w, c), seed)?;
        check_data(&model, &train, crate::message::Message::SetTraining {})?;
        if !test.is_empty() {
            check_data(&model, &test, crate::message::Message::SetTest {})?;
        }
        if !test.is_empty()
            && !train.classes.is_empty()
            && !test.classes.is_empty()
            && train.classes != test.classes
        {
            return Err(crate::message::Message::TrainClassesDiffer {
                train: format!("{:?}", train.classes),
                test: format!("{:?}", test.classes),
            }
            .data());
        }
        let mut trainer = Trainer {
            specs: specs.to_vec(),
            adam: Adam::new(settings.adam()),
            settings,
            seed,
            order: (0..train.len()).collect(),
            train,
            test,
            model,
            rng: ChaCha8Rng::seed_from_u64(seed),
            pos: 0,
            epochs_done: 0,
            steps_done: 0,
            epoch_cost_sum: 0.0,
            epoch_steps: 0,
            epoch_images: 0,
            epoch_correct: 0,
            step_costs: Vec::new(),
            history: Vec::new(),
            stopped: false,
            diverged: None,
            labels: Vec::new(),
            augment_rng: ChaCha8Rng::seed_from_u64(seed),
            augment_buf: Vec::new(),
            minibatches: 0,
            slice_grads: Vec::new(),
            grad_sum: Vec::new(),
        };
        trainer.reset();
        Ok(trainer)
    }

    /// Back to the start: fresh weights from the same seed, empty history.
    pub fn reset(&mut self) {
        if let Ok(model) = Model::new(&self.specs, self.model.input_shape(), self.seed) {
            self.model = model;
        }
        self.model.ensure_capacity(self.settings.batch_size);
        self.adam = Adam::new(self.settings.adam());
        // The shuffling stream is separate from the initialisation's.
        self.rng = ChaCha8Rng::seed_from_u64(self.seed);
        self.rng.set_stream(2);
        self.augment_rng = ChaCha8Rng::seed_from_u64(self.seed);
        self.augment_rng.set_stream(3);
        self.order = (0..self.train.len()).collect();
        self.labels = Vec::with_capacity(self.settings.batch_size);
        self.pos = 0;
        self.epochs_done = 0;
        self.steps_done = 0;
        self.epoch_cost_sum = 0.0;
        self.epoch_steps = 0;
        self.epoch_images = 0;
        self.epoch_correct = 0;
        self.step_costs.clear();
        self.history.clear();
        self.stopped = false;
        self.diverged = None;
        self.minibatches += 1;
    }
}
