//! Data-parallel training: a minibatch split between workers (Web Workers in the page),
//! each with its own copy of the model.
//!
//! The minibatch cost J = (1/m) sum_i L_i is linear in the per-image losses, so its
//! gradient is the size-weighted sum of parts' mean gradients:
//! dJ/dw = sum_s (n_s / m) dJ_s/dw, with J_s the mean loss over part s of n_s images.
//! The parts are fixed slices ([`MinibatchSplit`]), the same whatever the number of
//! workers, each computed on its own and summed in slice order: same seed, same numbers
//! to the bit with 1, 2 or 3 workers and whoever finishes first.
//! One worker (the [`crate::train::Trainer`]) prepares the minibatch, hands images and
//! the current parameters to the others ([`GradientWorker`]), computes its own slices,
//! sums, and makes the one Adam update; the others never update anything, so every
//! step starts from identical parameters everywhere.
//!
//! This holds only when an image's loss depends on nothing but the image and the
//! parameters: batch norm normalises with the statistics of the whole minibatch (a share's
//! statistics differ), and dropout draws its masks from the model's own random stream, so
//! networks with either are refused ([`check_splittable`]).

use crate::error::Result;
use crate::nn::layers::{LayerSpec, Shape3};
use crate::nn::model::{Mode, Model};
use crate::nn::profile::Phase;
use crate::{data_err, param_err};
use serde::{Deserialize, Serialize};

/// Most workers a minibatch is split between.
pub const MAX_WORKERS: usize = 16;

/// Most workers (the trainer's included) the page splits a minibatch between: past 4 the
/// helpers' start-up and the parameter copies cost more than the cores give on a laptop.
pub const PAGE_MAX_WORKERS: usize = 4;
const _: () = assert!(PAGE_MAX_WORKERS <= MAX_WORKERS, "the page cannot split between more workers than the core");

/// How many workers the page trains with on a machine of `cores` logical cores: one per
/// core, at most [`PAGE_MAX_WORKERS`], 1 when the browser does not say (0).
pub fn page_worker_count(cores: usize) -> usize {
    cores.clamp(1, PAGE_MAX_WORKERS)
}

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

/// Slices every minibatch is cut into (fewer when it has fewer images), whatever the
/// number of workers: 12 gives 1, 2, 3, 4 or 6 workers equal numbers of slices.
pub const SLICES: usize = 12;

/// The fixed plan of one minibatch of m images: its slices (consecutive images, as
/// [`share_sizes`] cuts m into [`SLICES`]), and which worker computes which. Each slice's
/// mean gradient is computed on its own and the step sums them in slice order, so the
/// numbers do not depend on how many workers there are, nor on which finished first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinibatchSplit {
    sizes: Vec<usize>,
}

impl MinibatchSplit {
    pub fn new(m: usize) -> MinibatchSplit {
        MinibatchSplit { sizes: share_sizes(m, SLICES) }
    }

    /// Images in each slice, in order.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Images in the minibatch.
    pub fn images(&self) -> usize {
        self.sizes.iter().sum()
    }

    /// The images (start..end in the minibatch) of slices first..first + count.
    pub fn image_range(&self, first: usize, count: usize) -> std::ops::Range<usize> {
        let start: usize = self.sizes[..first.min(self.sizes.len())].iter().sum();
        let end: usize = self.sizes[..(first + count).min(self.sizes.len())].iter().sum();
        start..end
    }

    /// The runs of slices of `workers` workers: (first slice, number of slices) each, in
    /// order, as equal as possible; fewer runs than workers when there are fewer slices.
    pub fn assign(&self, workers: usize) -> Vec<(usize, usize)> {
        let mut first = 0;
        share_sizes(self.sizes.len(), workers)
            .into_iter()
            .map(|count| {
                let run = (first, count);
                first += count;
                run
            })
            .collect()
    }
}

/// Mean cost and number predicted right of the first `n` images of `model`'s input buffer
/// with `labels`, and their mean gradient written into `grads`: one slice of a minibatch.
pub(crate) fn slice_gradient(model: &mut Model, n: usize, labels: &[u8], grads: &mut [f32]) -> Result<(f32, usize)> {
    model.forward_filled(n, Mode::Train)?;
    let t = model.phase_start();
    let correct = crate::train::evaluate::count_correct(model.logits()?, labels);
    model.phase_end(Phase::Softmax, t);
    let cost = model.backward(labels)?;
    let t = model.phase_start();
    model.copy_grads_to(grads)?;
    model.phase_end(Phase::GradientSums, t);
    Ok((cost, correct))
}

/// What a worker found for a run of slices: per slice the mean cost and the number
/// predicted right; the slices' mean gradients one after the other.
#[derive(Debug, Clone, PartialEq)]
pub struct SliceGradients<'a> {
    pub costs: Vec<f32>,
    pub correct: Vec<usize>,
    pub grads: &'a [f32],
}

/// A worker that computes the gradients of a run of slices of a minibatch for parameters
/// it is given; it keeps no state between runs except its buffers.
pub struct GradientWorker {
    model: Model,
    grads: Vec<f32>,
}

impl GradientWorker {
    /// A copy of `network` (its weights are set with every run).
    pub fn new(network: &NetworkDescription) -> Result<GradientWorker> {
        let model = Model::new(&network.layers, network.input, 0)?;
        check_splittable(&model)?;
        Ok(GradientWorker { model, grads: Vec::new() })
    }

    /// Number of trainable values the parameter and gradient vectors have.
    pub fn param_count(&self) -> usize {
        self.model.param_count()
    }

    /// The slices `sizes` (consecutive images of `inputs`, NHWC floats as the network reads
    /// them, with `labels`) for the parameters `params` (flat, as
    /// [`Model::copy_params_to`] writes them), each slice on its own. The gradients stay
    /// valid until the next call.
    pub fn gradients(&mut self, params: &[f32], inputs: &[f32], labels: &[u8], sizes: &[usize]) -> Result<SliceGradients<'_>> {
        let n = labels.len();
        let (h, w, c) = self.model.input_shape();
        let per = h * w * c;
        if n == 0 || inputs.len() != n * per {
            return Err(data_err!(
                "a share of {n} labels needs {} input values ({h}x{w}x{c} per image), got {}",
                n * per,
                inputs.len()
            ));
        }
        if sizes.contains(&0) || sizes.iter().sum::<usize>() != n {
            return Err(data_err!("slices of {sizes:?} images do not cut a share of {n} images"));
        }
        let k = self.model.num_classes();
        if let Some(&bad) = labels.iter().find(|&&y| y as usize >= k) {
            return Err(data_err!("label {bad} is not one of the network's {k} classes"));
        }
        self.model.set_params(params)?;
        let n_params = self.model.param_count();
        self.grads.resize(sizes.len() * n_params, 0.0);
        let (mut costs, mut correct) = (Vec::with_capacity(sizes.len()), Vec::with_capacity(sizes.len()));
        let mut start = 0;
        for (s, &len) in sizes.iter().enumerate() {
            self.model.input_buffer(len).copy_from_slice(&inputs[start * per..(start + len) * per]);
            let grads = &mut self.grads[s * n_params..(s + 1) * n_params];
            let (cost, right) = slice_gradient(&mut self.model, len, &labels[start..start + len], grads)?;
            costs.push(cost);
            correct.push(right);
            start += len;
        }
        Ok(SliceGradients { costs, correct, grads: &self.grads })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;
    use crate::conv::shape::Padding;
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

    /// One data-parallel step of `trainer` split between `parts` workers: the first run
    /// of slices in the trainer, the others in gradient workers, whose answers arrive in
    /// reverse order when `reverse`.
    fn split_step(trainer: &mut Trainer, workers: &mut [GradientWorker], parts: usize, reverse: bool) -> f32 {
        let mut step = trainer.begin_step().unwrap();
        let split = step.split().clone();
        let runs = split.assign(parts);
        let mut params = vec![0.0; trainer.model().param_count()];
        trainer.copy_params_to(&mut params).unwrap();
        // The other runs' inputs are read before the first run uses the model.
        let mut others = Vec::new();
        for &(first, count) in &runs[1..] {
            let r = split.image_range(first, count);
            let inputs = step.batch_inputs(trainer, r.start, r.end).unwrap().to_vec();
            let labels = step.batch_labels(trainer, r.start, r.end).unwrap().to_vec();
            others.push((first, split.sizes()[first..first + count].to_vec(), inputs, labels));
        }
        step.own_slices_gradient(trainer, runs[0].1).unwrap();
        let mut results = Vec::new();
        for (w, (first, sizes, inputs, labels)) in workers.iter_mut().zip(&others) {
            let g = w.gradients(&params, inputs, labels, sizes).unwrap();
            results.push((*first, g.costs.clone(), g.correct.clone(), g.grads.to_vec()));
        }
        if reverse {
            results.reverse();
        }
        for (first, costs, correct, grads) in results {
            step.add_slice_gradients(trainer, first, &costs, &correct, &grads).unwrap();
        }
        step.finish(trainer).unwrap().cost
    }

    /// A clock that ticks 1 ms per reading (deterministic, natively and in wasm).
    fn ticking_clock() -> f64 {
        thread_local!(static TICKS: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) });
        TICKS.with(|t| {
            t.set(t.get() + 1.0);
            t.get()
        })
    }

    #[test]
    fn profiling_times_every_phase_and_changes_no_number() {
        use crate::nn::profile::Phase;
        let mut plain = Trainer::new(&conv_net(), pictures(40, 5), pictures(9, 6), settings(2)).unwrap();
        let mut timed = Trainer::new(&conv_net(), pictures(40, 5), pictures(9, 6), settings(2)).unwrap();
        timed.set_profile(Some(ticking_clock));
        for t in [&mut plain, &mut timed] {
            t.run_epoch().unwrap(); // whole minibatches
            while t.step_in_slices().unwrap().epoch_report.is_none() {} // slice by slice
        }
        let bits = |t: &Trainer| t.step_costs().iter().map(|c| c.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&plain), bits(&timed));
        assert!(plain.profile().is_none());
        let totals = timed.profile().unwrap();
        for phase in Phase::ALL {
            let t = &totals[phase as usize];
            assert!(t.calls > 0 && t.ms > 0.0, "{} never timed: {t:?}", phase.name());
        }
        // Every image goes through the forward pass once per epoch: the conv layers' MACs.
        let rows = timed.model().table();
        let conv_macs: u64 = rows.iter().filter(|r| matches!(r.spec, LayerSpec::Conv { .. })).map(|r| r.macs as u64).sum();
        assert_eq!(totals[Phase::ConvForward as usize].macs, conv_macs * 40 * 2);
        // The filter gradient visits only pixels with a nonzero gradient (behind max pooling).
        let fg = totals[Phase::FilterGradient as usize].macs;
        assert!(fg > 0 && fg < conv_macs * 40 * 2, "{fg}");
        timed.set_profile(None);
        assert!(timed.profile().is_none());
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
    fn the_page_uses_one_worker_per_core_up_to_four() {
        assert_eq!(PAGE_MAX_WORKERS, 4);
        assert_eq!(page_worker_count(0), 1); // the browser did not say
        assert_eq!(page_worker_count(1), 1);
        assert_eq!(page_worker_count(2), 2);
        assert_eq!(page_worker_count(4), 4);
        assert_eq!(page_worker_count(32), PAGE_MAX_WORKERS);
    }

    #[test]
    fn a_minibatch_has_fixed_slices_and_workers_get_runs_of_them() {
        let split = MinibatchSplit::new(64);
        assert_eq!(split.sizes(), [6, 6, 6, 6, 5, 5, 5, 5, 5, 5, 5, 5]);
        assert_eq!(split.images(), 64);
        assert_eq!(split.assign(1), [(0, 12)]);
        assert_eq!(split.assign(2), [(0, 6), (6, 6)]);
        assert_eq!(split.assign(3), [(0, 4), (4, 4), (8, 4)]);
        assert_eq!(split.image_range(4, 4), 24..44);
        assert_eq!(split.image_range(8, 4), 44..64);
        // A last minibatch smaller than SLICES: one image per slice.
        let small = MinibatchSplit::new(5);
        assert_eq!(small.sizes(), [1, 1, 1, 1, 1]);
        assert_eq!(small.assign(3), [(0, 2), (2, 2), (4, 1)]);
        assert_eq!(MinibatchSplit::new(1).assign(4), [(0, 1)]);
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
        let both = worker.gradients(&params, flat, &data.labels, &[7, 6]).unwrap();
        let (c1, c2) = (both.costs[0], both.costs[1]);
        let (g1, g2) = both.grads.split_at(full.len());
        let (g1, g2) = (g1.to_vec(), g2.to_vec());
        let summed: Vec<f64> =
            g1.iter().zip(&g2).map(|(&a, &b)| (7.0 * a as f64 + 6.0 * b as f64) / 13.0).collect();
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
        // A slice computed alone gives the same numbers as within a run of slices.
        let g2_alone = worker.gradients(&params, &flat[7 * per..], &data.labels[7..], &[6]).unwrap();
        assert_eq!(g2_alone.costs, [c2]);
        assert_eq!(g2_alone.grads, &g2[..]);
    }

    #[test]
    fn one_two_and_three_workers_give_the_same_numbers_to_the_bit() {
        // Issue 14's item 7: same seed, same numbers whatever the number of workers and
        // whoever answers first. 3 epochs of 100 pictures in minibatches of 16 (21 steps,
        // the last minibatch of 4 cut into 4 slices of one).
        let data = pictures(100, 2);
        let test = pictures(10, 3);
        let run = |workers: usize, reverse: bool| {
            let mut t = Trainer::new(&conv_net(), data.clone(), test.clone(), settings(3)).unwrap();
            let net = NetworkDescription::of(t.model());
            let mut helpers: Vec<GradientWorker> = (1..workers).map(|_| GradientWorker::new(&net).unwrap()).collect();
            let mut costs = Vec::new();
            while !t.is_finished() {
                costs.push(if workers == 1 {
                    t.step_in_slices().unwrap().cost
                } else {
                    split_step(&mut t, &mut helpers, workers, reverse)
                });
            }
            let mut params = vec![0.0; t.model().param_count()];
            t.copy_params_to(&mut params).unwrap();
            let accuracy = t.history().iter().map(|e| e.cost).collect::<Vec<_>>();
            (costs, params, accuracy)
        };
        let one = run(1, false);
        assert_eq!(one.0.len(), 21);
        assert!(one.0.last().unwrap() < &(0.7 * one.0[0]), "the run learns: {:?}", one.0);
        for (workers, reverse) in [(2, false), (3, false), (3, true)] {
            let other = run(workers, reverse);
            // Bits, not values: -0.0 == 0.0 and NaN != NaN would hide a difference.
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&other.0), bits(&one.0), "{workers} workers: step costs");
            assert_eq!(bits(&other.1), bits(&one.1), "{workers} workers: final weights");
            assert_eq!(bits(&other.2), bits(&one.2), "{workers} workers: epoch costs");
        }
        // Slices sum the same terms as a whole-minibatch step in another order: the costs
        // follow `Trainer::step`'s to float rounding (Adam carries it into the weights).
        let mut whole = Trainer::new(&conv_net(), data, test, settings(3)).unwrap();
        for (i, x) in one.0.iter().enumerate() {
            let y = whole.step().unwrap().cost;
            assert!((x - y).abs() <= 1e-3 * y.abs(), "step {i}: slices {x}, whole minibatch {y}");
        }
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
            split_step(&mut three, &mut workers, 3, false);
        }
        let running = |t: &Trainer| t.history()[0].train_accuracy.unwrap();
        assert!(full > 0.0 && full < 1.0, "a network that gets some right: {full}");
        assert_eq!(running(&one), full);
        assert_eq!(running(&three), full);
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
        let e = crate::train::data_parallel::check_splittable(&Model::new(&drop, (8, 8, 3), 1).unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("dropout"), "{e}");
    }

    #[test]
    fn misuse_is_an_error_not_a_panic() {
        let mut t = Trainer::new(&conv_net(), pictures(20, 1), pictures(5, 2), settings(1)).unwrap();
        let mut step = t.begin_step().unwrap();
        assert_eq!(step.images(), 16);
        assert!(step.batch_inputs(&t, 10, 17).is_err() && step.batch_labels(&t, 5, 5).is_err());
        // 16 images: 12 slices (4 of 2 images, then 8 of 1).
        let n = t.model().param_count();
        step.own_slices_gradient(&mut t, 6).unwrap();
        assert!(step.own_slices_gradient(&mut t, 6).is_err(), "slices 0..6 are done");
        assert!(step.own_slices_gradient(&mut t, 13).is_err());
        assert!(step.add_slice_gradients(&mut t, 5, &[1.0], &[0], &vec![0.0; n]).is_err(), "slice 5 is done");
        assert!(step.add_slice_gradients(&mut t, 11, &[1.0, 1.0], &[0, 0], &vec![0.0; 2 * n]).is_err(), "no slice 12");
        assert!(step.add_slice_gradients(&mut t, 6, &[1.0], &[0], &[0.0; 3]).is_err());
        assert!(step.add_slice_gradients(&mut t, 6, &[1.0], &[2], &vec![0.0; n]).is_err(), "2 right of 1");
        assert!(step.add_slice_gradients(&mut t, 6, &[1.0], &[0, 0], &vec![0.0; n]).is_err());
        step.add_slice_gradients(&mut t, 6, &[1.0], &[1], &vec![0.0; n]).unwrap();
        let e = step.finish(&mut t).unwrap_err().to_string();
        assert!(e.contains("5 of the minibatch's 12 slices"), "{e}");
        // A step begun before the trainer prepared another minibatch, or was reset, is
        // refused whole: a late answer never updates the network.
        for moved_on in [0, 1, 2] {
            let mut old = t.begin_step().unwrap();
            match moved_on {
                0 => drop(t.begin_step().unwrap()),
                1 => assert_eq!(t.step().unwrap().step, 1),
                _ => t.reset(),
            }
            let e = old.own_slices_gradient(&mut t, 12).unwrap_err().to_string();
            assert!(e.contains("no longer the trainer's"), "{e}");
            assert!(old.batch_inputs(&t, 0, 1).is_err() && old.finish(&mut t).is_err());
        }
        assert_eq!(t.step().unwrap().step, 1);
        let net = NetworkDescription::of(t.model());
        let mut w = GradientWorker::new(&net).unwrap();
        let params = vec![0.0; w.param_count()];
        assert!(w.gradients(&params, &[0.0; 10], &[0], &[1]).is_err());
        assert!(w.gradients(&params, &vec![0.0; 192], &[7], &[1]).is_err());
        assert!(w.gradients(&[0.0; 2], &vec![0.0; 192], &[1], &[1]).is_err());
        assert!(w.gradients(&params, &vec![0.0; 384], &[1, 1], &[1]).is_err(), "slices short of the share");
        assert!(w.gradients(&params, &vec![0.0; 384], &[1, 1], &[2, 0]).is_err(), "an empty slice");
        assert!(w.gradients(&params, &vec![0.0; 384], &[1, 1], &[1, 1]).is_ok());
    }
}
