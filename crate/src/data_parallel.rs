//! Data-parallel training: a minibatch split between workers (Web Workers in the page),
//! each with its own copy of the model.
//!
//! The minibatch cost J = (1/m) sum_i L_i is linear in the per-image losses, so its
//! gradient is the share-weighted sum of the shares' mean gradients:
//! dJ/dw = sum_s (n_s / m) dJ_s/dw, with J_s the mean loss over share s of n_s images.
//! One worker (the [`crate::train::Trainer`]) prepares the minibatch, hands images and
//! the current parameters to the others ([`GradientWorker`]), computes its own share,
//! sums, and makes the one Adam update; the others never update anything, so every
//! step starts from identical parameters everywhere.
//!
//! This holds only when an image's loss depends on nothing but the image and the
//! parameters: batch norm normalises with the statistics of the whole minibatch (a share's
//! statistics differ), and dropout draws its masks from the model's own random stream, so
//! networks with either are refused ([`check_splittable`]).

use crate::error::Result;
use crate::layers::{LayerSpec, Shape3};
use crate::model::{Mode, Model};
use crate::{data_err, param_err};
use serde::{Deserialize, Serialize};

/// Most workers a minibatch is split between.
pub const MAX_WORKERS: usize = 16;

/// What a gradient worker needs to build its copy of the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkDescription {
    /// Input (height, width, channels).
    pub input: Shape3,
    pub layers: Vec<LayerSpec>,
}

impl NetworkDescription {
    pub fn of(model: &Model) -> NetworkDescription {
        NetworkDescription {
            input: model.input_shape(),
            layers: model.specs().to_vec(),
        }
    }
}

/// Refuses, with the reason, a network whose minibatch cannot be split between workers.
pub fn check_splittable(model: &Model) -> Result<()> {
    match model.batch_coupled_layer() {
        None => Ok(()),
        Some(layer) => Err(param_err!(
            "this network has a {layer} layer, so it trains in one worker only: {}",
            if layer == "batch norm" {
                "batch norm normalises with the mean and variance of the whole minibatch, and a part of it has other statistics"
            } else {
                "dropout draws its masks from the model's own random stream, which workers do not share"
            }
        )),
    }
}

/// Sizes of `parts` shares of a minibatch of `m` images, as equal as possible (the
/// first ones one larger), with no empty share: fewer parts when m < parts.
pub fn share_sizes(m: usize, parts: usize) -> Vec<usize> {
    let parts = parts.clamp(1, MAX_WORKERS).min(m.max(1));
    (0..parts)
        .map(|i| m / parts + usize::from(i < m % parts))
        .collect()
}

/// A worker that computes the gradient of a share of a minibatch for parameters it is
/// given; it keeps no state between shares except its buffers.
pub struct GradientWorker {
    model: Model,
    grads: Vec<f32>,
}

impl GradientWorker {
    /// A copy of `network` (its weights are set with every share).
    pub fn new(network: &NetworkDescription) -> Result<GradientWorker> {
        let model = Model::new(&network.layers, network.input, 0)?;
        check_splittable(&model)?;
        let n = model.param_count();
        Ok(GradientWorker {
            model,
            grads: vec![0.0; n],
        })
    }

    /// Number of trainable values the parameter and gradient vectors have.
    pub fn param_count(&self) -> usize {
        self.grads.len()
    }

    /// Mean cost, the number predicted right by the forward pass, and mean gradient of the
    /// images `inputs` (n images, NHWC floats as the network reads them) with `labels`,
    /// for the parameters `params` (flat, as [`Model::copy_params_to`] writes them). The
    /// gradient is returned flat, in the same order, and stays valid until the next call.
    pub fn gradient(&mut self, params: &[f32], inputs: &[f32], labels: &[u8]) -> Result<(f32, usize, &[f32])> {
        let n = labels.len();
        let (h, w, c) = self.model.input_shape();
        if n == 0 || inputs.len() != n * h * w * c {
            return Err(data_err!(
                "a share of {n} labels needs {} input values ({h}x{w}x{c} per image), got {}",
                n * h * w * c,
                inputs.len()
            ));
        }
        let k = self.model.num_classes();
        if let Some(&bad) = labels.iter().find(|&&y| y as usize >= k) {
            return Err(data_err!("label {bad} is not one of the network's {k} classes"));
        }
        self.model.set_params(params)?;
        self.model.input_buffer(n).copy_from_slice(inputs);
        let correct = crate::train::count_correct(self.model.forward_filled(n, Mode::Train)?, labels);
        let cost = self.model.backward(labels)?;
        self.model.copy_grads_to(&mut self.grads)?;
        Ok((cost, correct, &self.grads))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;
    use crate::shape::Padding;
    use crate::train::{TrainSettings, Trainer};
    use ndarray::Array4;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// A small SIGNS-like network: conv SAME, ReLU, max pool, conv, ReLU, pool, dense.
    fn conv_net() -> Vec<LayerSpec> {
        use LayerSpec::*;
        vec![
            Conv { f: 3, filters: 4, stride: 1, padding: Padding::Same, bias: true },
            Relu,
            MaxPool { f: 2, stride: 2, padding: Padding::Same },
            Conv { f: 2, filters: 6, stride: 1, padding: Padding::Same, bias: false },
            Relu,
            MaxPool { f: 2, stride: 2, padding: Padding::Same },
            Flatten,
            Dense { units: 3 },
        ]
    }

    /// n random 8x8x3 pictures in 3 classes, each class brighter in its own channel.
    fn pictures(n: usize, seed: u64) -> Dataset {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut images = Array4::<u8>::zeros((n, 8, 8, 3));
        let labels: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
        for ((i, _, _, ch), v) in images.indexed_iter_mut() {
            *v = rng.random_range(0..120u8) + if ch == labels[i] as usize { 100 } else { 0 };
        }
        Dataset { images, labels, classes: vec![0, 1, 2] }
    }

    fn settings(epochs: usize) -> TrainSettings {
        TrainSettings {
            seed: Some(11),
            epochs,
            batch_size: 16,
            learning_rate: 0.01,
            evaluate_every_epoch: false,
            ..Default::default()
        }
    }

    /// One data-parallel step of `trainer` split into `parts` shares: the first in the
    /// trainer, the others in gradient workers.
    fn split_step(trainer: &mut Trainer, workers: &mut [GradientWorker], parts: usize) -> f32 {
        let m = trainer.begin_step().unwrap();
        let sizes = share_sizes(m, parts);
        let mut params = vec![0.0; trainer.model().param_count()];
        trainer.copy_params_to(&mut params).unwrap();
        // The other shares' inputs are read before the first share runs the model.
        let mut others = Vec::new();
        let mut start = sizes[0];
        for &n in &sizes[1..] {
            let inputs = trainer.batch_inputs(start, start + n).unwrap().to_vec();
            let labels = trainer.batch_labels(start, start + n).unwrap().to_vec();
            others.push((inputs, labels));
            start += n;
        }
        trainer.first_share_gradient(sizes[0]).unwrap();
        for (w, (inputs, labels)) in workers.iter_mut().zip(&others) {
            let (cost, correct, grads) = w.gradient(&params, inputs, labels).unwrap();
            trainer.add_share_gradient(labels.len(), cost, correct, grads).unwrap();
        }
        trainer.finish_step().unwrap().cost
    }

    #[test]
    fn shares_are_as_equal_as_possible_and_never_empty() {
        assert_eq!(share_sizes(64, 2), vec![32, 32]);
        assert_eq!(share_sizes(29, 2), vec![15, 14]);
        assert_eq!(share_sizes(10, 4), vec![3, 3, 2, 2]);
        assert_eq!(share_sizes(2, 4), vec![1, 1]);
        assert_eq!(share_sizes(5, 0), vec![5]);
        assert_eq!(share_sizes(64, 1000).len(), MAX_WORKERS);
    }

    #[test]
    fn weighted_sum_of_two_shares_is_the_full_minibatch_gradient() {
        // 13 images split 7 + 6 (unequal, so a plain average of the two would be wrong).
        let data = pictures(13, 1);
        let x = data.images.mapv(|v| v as f32 / 255.0);
        let mut model = Model::new(&conv_net(), (8, 8, 3), 5).unwrap();
        model.forward(x.view(), Mode::Train).unwrap();
        let full_cost = model.backward(&data.labels).unwrap();
        let mut full = vec![0.0; model.param_count()];
        model.copy_grads_to(&mut full).unwrap();
        let mut params = vec![0.0; model.param_count()];
        model.copy_params_to(&mut params).unwrap();

        let mut worker = GradientWorker::new(&NetworkDescription::of(&model)).unwrap();
        let per = 8 * 8 * 3;
        let flat = x.as_slice().unwrap();
        let (c1, _, g1) = worker.gradient(&params, &flat[..7 * per], &data.labels[..7]).unwrap();
        let g1 = g1.to_vec();
        let (c2, _, g2) = worker.gradient(&params, &flat[7 * per..], &data.labels[7..]).unwrap();
        let summed: Vec<f64> =
            g1.iter().zip(g2).map(|(&a, &b)| (7.0 * a as f64 + 6.0 * b as f64) / 13.0).collect();
        let cost = (7.0 * c1 as f64 + 6.0 * c2 as f64) / 13.0;
        assert!((cost - full_cost as f64).abs() < 1e-6, "{cost} vs {full_cost}");
        // Float rounding only: each entry within 1e-6 absolute or 1e-4 relative.
        let scale = full.iter().fold(0.0f64, |a, &g| a.max(g.abs() as f64));
        assert!(scale > 1e-3, "a gradient that is not all zeros: {scale}");
        for (i, (&f, &s)) in full.iter().zip(&summed).enumerate() {
            let f = f as f64;
            assert!((f - s).abs() <= 1e-6 + 1e-4 * f.abs(), "entry {i}: full {f}, summed {s}");
        }
        // And the halves alone are not the full gradient (the test can fail).
        assert!(g1.iter().zip(&full).any(|(a, b)| (a - b).abs() > 1e-4));
    }

    #[test]
    fn two_way_split_training_follows_the_one_way_costs() {
        // Not bit for bit: each share's kernels sum over fewer images, scale by 1/n_share
        // instead of 1/m, and the shares are summed afterwards, so the float additions
        // happen in another order; Adam (g / sqrt(v)) then carries the rounding into the
        // weights. Over 3 epochs (21 steps, last minibatch of 4 split 2 + 2) the costs
        // stay within 1e-3 relative.
        let data = pictures(100, 2);
        let test = pictures(10, 3);
        let mut one = Trainer::new(&conv_net(), data.clone(), test.clone(), settings(3)).unwrap();
        let mut two = Trainer::new(&conv_net(), data.clone(), test.clone(), settings(3)).unwrap();
        let net = NetworkDescription::of(two.model());
        let mut workers = vec![GradientWorker::new(&net).unwrap()];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        while !one.is_finished() {
            a.push(one.step().unwrap().cost);
            b.push(split_step(&mut two, &mut workers, 2));
        }
        assert_eq!(a.len(), 21);
        assert_eq!(one.history().len(), two.history().len());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!((x - y).abs() <= 1e-3 * x.abs(), "step {i}: one worker {x}, two {y}");
        }
        assert!(a.last().unwrap() < &(0.7 * a[0]), "the run learns: {a:?}");
        // Three shares, and same weights at the end within rounding.
        let mut three = Trainer::new(&conv_net(), data, test, settings(3)).unwrap();
        let mut workers = vec![GradientWorker::new(&net).unwrap(), GradientWorker::new(&net).unwrap()];
        let c: Vec<f32> = (0..21).map(|_| split_step(&mut three, &mut workers, 3)).collect();
        for (x, y) in a.iter().zip(&c) {
            assert!((x - y).abs() <= 1e-3 * x.abs(), "one worker {x}, three {y}");
        }
        let (mut p1, mut p3) = (vec![0.0; net_params(&one)], vec![0.0; net_params(&one)]);
        one.copy_params_to(&mut p1).unwrap();
        three.copy_params_to(&mut p3).unwrap();
        let diff = p1.iter().zip(&p3).fold(0.0f32, |d, (x, y)| d.max((x - y).abs()));
        assert!(diff < 1e-3, "largest weight difference {diff}");
    }

    #[test]
    fn split_steps_count_the_running_train_accuracy_like_one_worker() {
        // A learning rate too small to move a weight: every forward pass of the epoch sees
        // the same network, so the running accuracy must equal a full pass over the set,
        // in one worker and split three ways alike.
        let s = TrainSettings { learning_rate: 1e-30, evaluate_every_epoch: true, ..settings(1) };
        let data = pictures(50, 4);
        let mut one = Trainer::new(&conv_net(), data.clone(), pictures(10, 5), s.clone()).unwrap();
        let mut three = Trainer::new(&conv_net(), data, pictures(10, 5), s).unwrap();
        let net = NetworkDescription::of(three.model());
        let mut workers = vec![GradientWorker::new(&net).unwrap(), GradientWorker::new(&net).unwrap()];
        let full = one.accuracy(false).unwrap();
        one.run_epoch().unwrap();
        while !three.is_finished() {
            split_step(&mut three, &mut workers, 3);
        }
        let running = |t: &Trainer| t.history()[0].train_accuracy.unwrap();
        assert!(full > 0.0 && full < 1.0, "a network that gets some right: {full}");
        assert_eq!(running(&one), full);
        assert_eq!(running(&three), full);
    }

    fn net_params(t: &Trainer) -> usize {
        t.model().param_count()
    }

    #[test]
    fn batch_norm_and_dropout_networks_are_refused_with_the_reason() {
        let mut bn = conv_net();
        bn.insert(1, LayerSpec::BatchNorm);
        let t = Trainer::new(&bn, pictures(20, 1), pictures(5, 2), settings(1)).unwrap();
        let e = t.check_data_parallel().unwrap_err().to_string();
        assert!(e.contains("batch norm") && e.contains("statistics"), "{e}");
        let mut t = t;
        assert!(t.begin_step().is_err());
        assert!(t.step().is_ok(), "one worker still trains it");
        let net = NetworkDescription { input: (8, 8, 3), layers: bn };
        assert!(GradientWorker::new(&net).is_err());
        let mut drop = conv_net();
        drop.insert(6, LayerSpec::Dropout { rate: 0.2 });
        let e = crate::data_parallel::check_splittable(&Model::new(&drop, (8, 8, 3), 1).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("dropout"), "{e}");
    }

    #[test]
    fn misuse_is_an_error_not_a_panic() {
        let mut t = Trainer::new(&conv_net(), pictures(20, 1), pictures(5, 2), settings(1)).unwrap();
        assert!(t.finish_step().is_err(), "no step begun");
        assert!(t.batch_inputs(0, 1).is_err());
        let m = t.begin_step().unwrap();
        assert_eq!(m, 16);
        assert!(t.step().unwrap_err().to_string().contains("under way"));
        assert!(t.begin_step().is_err());
        assert!(t.batch_inputs(10, 17).is_err() && t.batch_labels(5, 5).is_err());
        t.first_share_gradient(8).unwrap();
        assert!(t.first_share_gradient(8).is_err());
        assert!(t.add_share_gradient(9, 1.0, 0, &vec![0.0; t.model().param_count()]).is_err());
        assert!(t.add_share_gradient(8, 1.0, 0, &[0.0; 3]).is_err());
        assert!(t.add_share_gradient(8, 1.0, 9, &vec![0.0; t.model().param_count()]).is_err(), "9 right of 8");
        let e = t.finish_step().unwrap_err().to_string();
        assert!(e.contains("8 of the minibatch's 16"), "{e}");
        t.cancel_step();
        assert_eq!(t.step().unwrap().step, 1);
        let net = NetworkDescription::of(t.model());
        let mut w = GradientWorker::new(&net).unwrap();
        let params = vec![0.0; w.param_count()];
        assert!(w.gradient(&params, &[0.0; 10], &[0]).is_err());
        assert!(w.gradient(&params, &vec![0.0; 192], &[7]).is_err());
        assert!(w.gradient(&[0.0; 2], &vec![0.0; 192], &[1]).is_err());
    }
}
