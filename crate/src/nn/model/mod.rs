//! A sequential model built from layer specs: Glorot initialisation, a forward pass that
//! can also hand out every layer's output, and a backward pass that fills the gradient of
//! every parameter.
//!
//! Activations are NHWC and live in buffers allocated once for a batch capacity
//! ([`Model::ensure_capacity`]); a minibatch of m <= capacity images uses the first m
//! images' worth of each buffer, so training allocates nothing per minibatch. A flat
//! vector of n values is stored as the shape (1, 1, n).

use crate::nn::activation::{relu_backward, relu_forward};
use crate::nn::batchnorm::{
    batchnorm_backward, batchnorm_backward_infer, batchnorm_forward_infer,
    batchnorm_forward_train, BatchNormCache,
};
use crate::conv::ConvGeometry;
use crate::nn::dense::{dense_backward, dense_forward};
use crate::nn::dropout::{dropout_backward, dropout_forward};
use crate::error::Result;
use crate::nn::global_pool::{global_avg_pool_backward, global_avg_pool_forward};
use crate::nn::layers::{layer_table, LayerRow, LayerSpec, Shape3};
use crate::nn::loss::{smoothed_cross_entropy, softmax};
use crate::nn::pool::{PoolGeometry, PoolKind};
use crate::nn::profile::{Clock, Phase, PhaseTimes};
use crate::conv::shape::Padding;
use crate::{param_err, shape_err};
use ndarray::{
    Array1, Array2, Array4, ArrayView2, ArrayView3, ArrayView4, ArrayViewMut2, ArrayViewMut4,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod backward;
mod buffers;
mod forward;
mod layer;
mod params;

use buffers::{check_allocation, size, slice, slice_mut, view2, view2_mut, view4, view4_mut};
pub use buffers::MAX_MODEL_VALUES;
pub(crate) use layer::Layer;

/// Training (batch statistics, dropout on) or inference (running statistics, dropout off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Train,
    Infer,
}

/// One layer's output for one image, for the page's feature-map views.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerOutput {
    /// "conv1", "relu1", "pool1", ..., "logits", "probabilities".
    pub name: String,
    /// (height, width, channels); flat vectors are (1, 1, n).
    pub shape: Shape3,
    /// NHWC values, height * width * channels of them.
    pub values: Vec<f32>,
}

/// One trainable tensor, handed to the optimiser.
pub struct ParamMut<'a> {
    pub value: &'a mut [f32],
    pub grad: &'a [f32],
    /// Weights get L2 weight decay; biases and batch-norm scales and shifts do not.
    pub decay: bool,
}

/// A sequential ConvNet ending in class scores (logits).
#[derive(Debug, Clone)]
pub struct Model {
    specs: Vec<LayerSpec>,
    rows: Vec<LayerRow>,
    /// shapes[0] is the input, shapes[i + 1] the output of layer i.
    shapes: Vec<Shape3>,
    pub(crate) layers: Vec<Layer>,
    acts: Vec<Vec<f32>>,
    grads: Vec<Vec<f32>>,
    capacity: usize,
    /// Images in the last forward pass, and its mode.
    batch: usize,
    last_mode: Mode,
    dropout_rng: ChaCha8Rng,
    /// Per-phase times while profiling ([`Model::set_profile`]); `None`: nothing timed.
    profile: Option<PhaseTimes>,
}

impl Model {
    /// Builds and initialises the stack for inputs of shape `input` (h, w, c): conv and
    /// fully connected weights Glorot uniform from `seed`, biases 0, batch norm gamma 1,
    /// beta 0. The stack is checked with the layer table first and must end in a flat
    /// vector of class scores.
    pub fn new(specs: &[LayerSpec], input: Shape3, seed: u64) -> Result<Model> {
        if specs.is_empty() {
            return Err(crate::message::Message::ModelNoLayers {}.param());
        }
        let rows = layer_table(input, specs)?;
        check_allocation(input, &rows)?;
        let mut shapes = vec![input];
        shapes.extend(rows.iter().map(|r| r.output));
        let out = *shapes.last().unwrap_or(&input);
        if out.0 != 1 || out.1 != 1 || out.2 < 2 {
            return Err(crate::message::Message::ModelBadEnd { h: out.0, w: out.1, c: out.2 }.shape());
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut layers = Vec::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            layers.push(Layer::new(spec, shapes[i], &mut rng)?);
        }
        let mut dropout_rng = ChaCha8Rng::seed_from_u64(seed);
        dropout_rng.set_stream(1);
        let mut model = Model {
            specs: specs.to_vec(),
            rows,
            shapes,
            layers,
            acts: Vec::new(),
            grads: Vec::new(),
            capacity: 0,
            batch: 0,
            last_mode: Mode::Infer,
            dropout_rng,
            profile: None,
        };
        model.ensure_capacity(1);
        Ok(model)
    }

    /// The layer specs this model was built from.
    pub fn specs(&self) -> &[LayerSpec] {
        &self.specs
    }

    /// The layer table (output shape, parameters, MACs per layer).
    pub fn table(&self) -> &[LayerRow] {
        &self.rows
    }

    /// Input shape (h, w, c).
    pub fn input_shape(&self) -> Shape3 {
        self.shapes[0]
    }

    /// Number of classes (length of the logits).
    pub fn num_classes(&self) -> usize {
        self.shapes.last().map(|s| s.2).unwrap_or(0)
    }

    /// Total number of trainable parameters.
    pub fn num_params(&self) -> usize {
        self.rows.iter().map(|r| r.params).sum()
    }

    /// Starts timing every phase of the forward and backward passes with `clock` (fresh
    /// totals), or stops (`None`). The numbers computed do not change.
    pub fn set_profile(&mut self, clock: Option<Clock>) {
        self.profile = clock.map(PhaseTimes::new);
    }

    /// The per-phase totals since [`Model::set_profile`], while profiling.
    pub fn profile(&self) -> Option<&PhaseTimes> {
        self.profile.as_ref()
    }

    /// The profile clock's reading (0 when not profiling), to start timing a phase that
    /// happens outside the model (the trainer's Adam, minibatch, gradient sums).
    pub fn phase_start(&self) -> f64 {
        self.profile.as_ref().map_or(0.0, PhaseTimes::now)
    }

    /// Adds the time since `since` ([`Model::phase_start`]) to `phase`, when profiling.
    pub fn phase_end(&mut self, phase: Phase, since: f64) {
        if let Some(p) = self.profile.as_mut() {
            p.add(phase, since, 0);
        }
    }

}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::nn::gradcheck::test_values;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Compares every parameter gradient of `model` on (x, labels) with central
    /// differences of the cost (the model is f32, so h = 1e-3 and the error is measured
    /// over each whole tensor: |a - b| / max(|a|, |b|) in the 2-norm). Returns the worst.
    pub(crate) fn model_gradient_error(model: &mut Model, x: &Array4<f32>, labels: &[u8]) -> f64 {
        let rng0 = model.dropout_rng.clone();
        let cost = |model: &mut Model| -> f64 {
            model.dropout_rng = rng0.clone();
            model.forward(x.view(), Mode::Train).unwrap();
            model.backward(labels).unwrap() as f64
        };
        cost(model);
        let mut analytic: Vec<Vec<f64>> = Vec::new();
        model.visit_params(|_, p| analytic.push(p.grad.iter().map(|&g| g as f64).collect()));
        let h = 1e-3f32;
        let base = cost(model);
        let mut worst: f64 = 0.0;
        for (k, a) in analytic.iter().enumerate() {
            let (mut ana, mut num) = (Vec::new(), Vec::new());
            for j in 0..a.len() {
                let mut keep = 0.0;
                model.visit_params(|i, p| {
                    if i == k {
                        keep = p.value[j];
                        p.value[j] = keep + h
                    }
                });
                let plus = cost(model);
                model.visit_params(|i, p| {
                    if i == k {
                        p.value[j] = keep - h
                    }
                });
                let minus = cost(model);
                model.visit_params(|i, p| {
                    if i == k {
                        p.value[j] = keep
                    }
                });
                // A ReLU or max pooling kink within h makes the one-sided slopes disagree
                // by far more than curvature and rounding (~1e-4) can: skip that entry.
                let (right, left) = ((plus - base) / h as f64, (base - minus) / h as f64);
                if (right - left).abs() > 3e-3 {
                    continue;
                }
                ana.push(a[j]);
                num.push((plus - minus) / (2.0 * h as f64));
            }
            let diff = ana
                .iter()
                .zip(&num)
                .map(|(x, y)| (x - y).powi(2))
                .sum::<f64>()
                .sqrt();
            let norm = ana
                .iter()
                .map(|x| x * x)
                .sum::<f64>()
                .sqrt()
                .max(num.iter().map(|x| x * x).sum::<f64>().sqrt());
            // A tensor whose true gradient is ~0 (a conv bias before batch norm) is
            // compared in absolute terms (per entry, f32 rounding of the cost alone gives
            // ~6e-5 with h = 1e-3).
            worst = worst.max(diff / norm.max(0.1));
        }
        worst
    }

    pub(crate) fn batch(m: usize, s: Shape3, seed: u64) -> Array4<f32> {
        Array4::from_shape_vec(
            (m, s.0, s.1, s.2),
            test_values(m * size(s), seed)
                .into_iter()
                .map(|v| v as f32)
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn dense_stack_gradients_match_central_differences() {
        use LayerSpec::*;
        let specs = [
            BatchNorm,
            Relu,
            Dropout { rate: 0.3 },
            Flatten,
            Dense { units: 5 },
            Relu,
            Dense { units: 3 },
        ];
        let mut model = Model::new(&specs, (3, 3, 2), 4).unwrap();
        let x = batch(4, (3, 3, 2), 1);
        let err = model_gradient_error(&mut model, &x, &[0, 1, 2, 1]);
        assert!(err < 2e-3, "relative gradient error {err}");
    }

    #[test]
    fn global_pool_stack_gradients_match_central_differences() {
        use LayerSpec::*;
        let specs = [BatchNorm, GlobalAvgPool, Dense { units: 4 }];
        let mut model = Model::new(&specs, (3, 2, 3), 5).unwrap();
        let x = batch(5, (3, 2, 3), 2);
        let err = model_gradient_error(&mut model, &x, &[0, 1, 2, 3, 1]);
        assert!(err < 2e-3, "relative gradient error {err}");
    }

    #[test]
    fn conv_pool_stack_gradients_match_central_differences() {
        use LayerSpec::*;
        // Even filter under SAME, stride 2, both poolings, batch norm after a convolution.
        let specs = [
            Conv {
                f: 2,
                filters: 3,
                stride: 1,
                padding: Padding::Same,
                bias: true,
            },
            Relu,
            MaxPool {
                f: 2,
                stride: 2,
                padding: Padding::Same,
            },
            Conv {
                f: 3,
                filters: 4,
                stride: 2,
                padding: Padding::Same,
                bias: true,
            },
            BatchNorm,
            Relu,
            AvgPool {
                f: 2,
                stride: 1,
                padding: Padding::Valid,
            },
            Flatten,
            Dense { units: 3 },
        ];
        for seed in 0..8 {
            let mut model = Model::new(&specs, (7, 6, 2), seed).unwrap();
            let x = batch(3, (7, 6, 2), 10 + seed);
            let err = model_gradient_error(&mut model, &x, &[2, 0, 1]);
            // f32 throughout: a looser bound than the per-layer f64 checks (seeds 0-7 give
            // 0.7e-3 to 1.4e-3;
            // a wrong gradient gives > 0.1).
            assert!(err < 3e-3, "seed {seed}: relative gradient error {err}");
        }
    }

    #[test]
    fn signs_network_outputs_have_the_lecture_shapes() {
        let mut model = Model::new(&crate::nn::layers::signs_network(), (64, 64, 3), 1).unwrap();
        let x = batch(1, (64, 64, 3), 1);
        let outs = model
            .layer_outputs(x.index_axis(ndarray::Axis(0), 0))
            .unwrap();
        let got: Vec<(&str, Shape3)> = outs.iter().map(|o| (o.name.as_str(), o.shape)).collect();
        assert_eq!(
            got,
            [
                ("conv1", (64, 64, 8)),
                ("relu1", (64, 64, 8)),
                ("pool1", (8, 8, 8)),
                ("conv2", (8, 8, 16)),
                ("relu2", (8, 8, 16)),
                ("pool2", (2, 2, 16)),
                ("flatten1", (1, 1, 64)),
                ("logits", (1, 1, 6)),
                ("probabilities", (1, 1, 6)),
            ]
        );
        let filters = model.conv_filters();
        assert_eq!(filters[0].dim(), (4, 4, 3, 8));
        assert_eq!(filters[1].dim(), (2, 2, 8, 16));
        // The forward pass agrees with the reference convolution of the core.
        let conv1 = crate::conv::conv2d(
            x.view(),
            filters[0].view(),
            ndarray::Array1::zeros(8).view(),
            1,
            Padding::Same,
            crate::conv::Correlation::Cross,
        )
        .unwrap();
        let max_diff = conv1
            .iter()
            .zip(&outs[0].values)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(max_diff < 1e-5, "{max_diff}");
    }

    #[test]
    fn a_convolution_without_bias_keeps_it_zero_and_untrained() {
        // The assignment's SIGNS network: W1 and W2 only, as tf.nn.conv2d has no bias.
        let mut model = Model::new(&crate::nn::layers::signs_network(), (64, 64, 3), 3).unwrap();
        assert_eq!(model.num_params(), 384 + 512 + 390);
        let mut visited = 0;
        model.visit_params(|_, p| visited += p.value.len());
        assert_eq!(visited, 384 + 512 + 390);
        assert_eq!(model.param_count(), 384 + 512 + 390);
        let x = batch(4, (64, 64, 3), 5);
        let mut adam = crate::train::optim::Adam::new(crate::train::optim::AdamSettings::default());
        for _ in 0..3 {
            model.forward(x.view(), Mode::Train).unwrap();
            model.backward(&[0, 1, 2, 3]).unwrap();
            adam.step(&mut model, 0.009);
        }
        for layer in &model.layers {
            if let Layer::Conv(c) = layer {
                assert!(!c.bias && c.b.iter().all(|&v| v == 0.0), "{:?}", c.b);
            }
        }
    }

    #[test]
    fn glorot_init_is_seeded_and_bounded() {
        let specs = [LayerSpec::Flatten, LayerSpec::Dense { units: 6 }];
        let a = Model::new(&specs, (1, 1, 64), 1).unwrap();
        let b = Model::new(&specs, (1, 1, 64), 1).unwrap();
        let c = Model::new(&specs, (1, 1, 64), 2).unwrap();
        let w = |m: &Model| match &m.layers[1] {
            Layer::Dense(d) => (d.w.clone(), d.b.clone()),
            _ => unreachable!(),
        };
        assert_eq!(w(&a).0, w(&b).0);
        assert_ne!(w(&a).0, w(&c).0);
        assert!(w(&a).1.iter().all(|&v| v == 0.0));
        // sqrt(6 / (64 + 6)) = 0.2928; a uniform sample of 384 fills most of the range.
        let limit = (6.0f32 / 70.0).sqrt();
        let max = w(&a).0.iter().fold(0.0f32, |m, &v| m.max(v.abs()));
        assert!(max <= limit && max > 0.9 * limit, "{max}");
    }

    #[test]
    fn a_stack_without_class_scores_is_refused() {
        let e = Model::new(&[LayerSpec::Relu], (4, 4, 3), 0).unwrap_err();
        assert!(e.to_string().contains("flat vector"), "{e}");
        let e = Model::new(&[LayerSpec::Dense { units: 3 }], (4, 4, 3), 0).unwrap_err();
        assert!(e.to_string().contains("flatten"), "{e}");
    }

    #[test]
    fn fused_conv_relu_and_pool_relu_give_the_unfused_numbers() {
        // forward_filled writes conv+ReLU in one pass and backward sends the max pool's
        // gradient through the ReLU in one; layer_outputs runs every layer on its own.
        let mut model = Model::new(&crate::nn::layers::signs_network(), (64, 64, 3), 5).unwrap();
        let x = batch(1, (64, 64, 3), 2);
        let outs = model.layer_outputs(x.index_axis(ndarray::Axis(0), 0)).unwrap();
        let conv1 = &outs[0].values;
        let relu1 = &outs[1].values;
        assert!(conv1.iter().any(|&v| v < 0.0) && relu1.iter().any(|&v| v > 0.0));
        for (&c, &r) in conv1.iter().zip(relu1) {
            assert_eq!(r, if c < 0.0 { 0.0 } else { c });
        }
        let fused = model.forward(x.view(), Mode::Infer).unwrap().to_owned();
        assert_eq!(fused.as_slice().unwrap(), &outs[outs.len() - 2].values[..]);
        // Backward: the gradients against the same model run layer by layer.
        let labels = [1u8, 4, 0];
        let xs = batch(3, (64, 64, 3), 9);
        model.forward(xs.view(), Mode::Train).unwrap();
        model.backward(&labels).unwrap();
        let mut got = Vec::new();
        model.visit_params(|_, p| got.extend(p.grad.iter().copied()));
        let m = model.fill_input(xs.view()).unwrap();
        model.run_forward(m, Mode::Train, false).unwrap();
        model.run_backward(&labels, 0.0, false).unwrap();
        let mut want = Vec::new();
        model.visit_params(|_, p| want.extend(p.grad.iter().copied()));
        assert!(got.iter().any(|&g| g != 0.0));
        assert_eq!(got, want);
    }

    #[test]
    fn fused_batch_norm_and_relu_give_the_unfused_numbers() {
        // The robust network (conv, batch norm, ReLU, max pool; global average pooling,
        // dropout) on 16x16 inputs: batch norm writes the rectified output in one pass.
        let mut model = Model::new(&crate::classify::hand_model::robust_network(), (16, 16, 3), 2).unwrap();
        let x = batch(1, (16, 16, 3), 4);
        let outs = model.layer_outputs(x.index_axis(ndarray::Axis(0), 0)).unwrap();
        let (bn1, relu1) = (&outs[1].values, &outs[2].values);
        assert!(bn1.iter().any(|&v| v < 0.0) && relu1.iter().any(|&v| v > 0.0));
        for (&b, &r) in bn1.iter().zip(relu1) {
            assert_eq!(r, if b < 0.0 { 0.0 } else { b });
        }
        let fused = model.forward(x.view(), Mode::Infer).unwrap().to_owned();
        assert_eq!(fused.as_slice().unwrap(), &outs[outs.len() - 2].values[..]);
        let labels = [1u8, 4, 0, 5];
        let xs = batch(4, (16, 16, 3), 9);
        let rng = model.dropout_rng.clone();
        model.forward(xs.view(), Mode::Train).unwrap();
        let cost = model.backward(&labels).unwrap();
        let mut got = Vec::new();
        model.visit_params(|_, p| got.extend(p.grad.iter().copied()));
        model.dropout_rng = rng;
        let m = model.fill_input(xs.view()).unwrap();
        model.run_forward(m, Mode::Train, false).unwrap();
        assert_eq!(model.run_backward(&labels, 0.0, false).unwrap(), cost);
        let mut want = Vec::new();
        model.visit_params(|_, p| want.extend(p.grad.iter().copied()));
        assert!(got.iter().any(|&g| g != 0.0));
        assert_eq!(got, want);
    }

    #[test]
    fn layer_outputs_are_named_and_end_in_probabilities() {
        use LayerSpec::*;
        let mut model = Model::new(
            &[Flatten, Dense { units: 4 }, Relu, Dense { units: 3 }],
            (2, 2, 1),
            0,
        )
        .unwrap();
        let x = batch(1, (2, 2, 1), 3);
        let outs = model
            .layer_outputs(x.index_axis(ndarray::Axis(0), 0))
            .unwrap();
        let names: Vec<&str> = outs.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(
            names,
            ["flatten1", "fc1", "relu1", "logits", "probabilities"]
        );
        let p = &outs[4].values;
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        // Probabilities are the softmax of the logits.
        let z = &outs[3].values;
        let e: Vec<f32> = z.iter().map(|v| v.exp()).collect();
        assert!((p[0] - e[0] / e.iter().sum::<f32>()).abs() < 1e-6);
    }
}
