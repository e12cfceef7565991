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

/// Training (batch statistics, dropout on) or inference (running statistics, dropout off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Train,
    Infer,
}

/// Weights of a convolution, filters (f, f, c_in, c_out) and biases (c_out), with their gradients.
#[derive(Debug, Clone)]
pub(crate) struct ConvLayer {
    pub stride: usize,
    pub padding: Padding,
    /// False: `b` stays zero, is not trained and is not saved (the assignment's convolutions).
    pub bias: bool,
    pub w: Array4<f32>,
    pub b: Array1<f32>,
    pub dw: Array4<f32>,
    pub db: Array1<f32>,
}

/// Weights (n_in, n_out) and biases (n_out) of a fully connected layer, with their gradients.
#[derive(Debug, Clone)]
pub(crate) struct DenseLayer {
    pub w: Array2<f32>,
    pub b: Array1<f32>,
    pub dw: Array2<f32>,
    pub db: Array1<f32>,
}

/// Scale, shift and running statistics of a batch norm layer, plus what backward needs.
#[derive(Debug, Clone)]
pub(crate) struct BatchNormLayer {
    pub gamma: Array1<f32>,
    pub beta: Array1<f32>,
    pub running_mean: Array1<f32>,
    pub running_var: Array1<f32>,
    pub dgamma: Array1<f32>,
    pub dbeta: Array1<f32>,
    x_hat: Vec<f32>,
    inv_std: Array1<f32>,
}

#[derive(Debug, Clone)]
pub(crate) enum Layer {
    Conv(ConvLayer),
    Relu,
    /// `argmax` keeps each max-pooling window's winner for the backward pass.
    Pool {
        kind: PoolKind,
        f: usize,
        stride: usize,
        padding: Padding,
        argmax: Vec<u32>,
    },
    GlobalAvgPool,
    BatchNorm(BatchNormLayer),
    Dropout {
        rate: f32,
        mask: Vec<f32>,
    },
    Flatten,
    Dense(DenseLayer),
}

impl Layer {
    /// The profile phase its passes count in (a convolution's backward pass is split).
    fn phase(&self) -> Phase {
        match self {
            Layer::Conv(_) => Phase::ConvForward,
            Layer::Pool { .. } => Phase::Pooling,
            Layer::Dense(_) => Phase::Dense,
            _ => Phase::OtherLayers,
        }
    }
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

fn size(s: Shape3) -> usize {
    s.0 * s.1 * s.2
}

/// Most values one image's activations (all layers) or the parameters may take: 64 M
/// floats = 256 MB each. The SIGNS network needs about 100 K and 1.3 K.
pub const MAX_MODEL_VALUES: usize = 1 << 26;

/// Refuses, with a message, a network whose buffers could not be allocated: a weights
/// file or a layer stack with a huge input would otherwise abort (out of memory, or an
/// overflowing size) instead of returning an error.
fn check_allocation(input: Shape3, rows: &[LayerRow]) -> Result<()> {
    let too_large = || {
        param_err!(
            "the network is too large for this page: more than {} million values per image or parameters",
            MAX_MODEL_VALUES >> 20
        )
    };
    let mut activations = 0usize;
    for s in std::iter::once(input).chain(rows.iter().map(|r| r.output)) {
        let n = s.0.checked_mul(s.1).and_then(|v| v.checked_mul(s.2)).ok_or_else(too_large)?;
        activations = activations.checked_add(n).ok_or_else(too_large)?;
    }
    let params = rows.iter().try_fold(0usize, |acc, r| acc.checked_add(r.params)).ok_or_else(too_large)?;
    if activations > MAX_MODEL_VALUES || params > MAX_MODEL_VALUES {
        return Err(too_large());
    }
    Ok(())
}

/// Glorot/Xavier uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)).
fn glorot(rng: &mut ChaCha8Rng, n: usize, fan_in: usize, fan_out: usize) -> Vec<f32> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt() as f32;
    (0..n).map(|_| rng.random_range(-limit..limit)).collect()
}

fn view4(buf: &[f32], m: usize, s: Shape3) -> Result<ArrayView4<'_, f32>> {
    ArrayView4::from_shape((m, s.0, s.1, s.2), &buf[..m * size(s)])
        .map_err(|e| shape_err!("internal buffer: {e}"))
}
fn view4_mut(buf: &mut [f32], m: usize, s: Shape3) -> Result<ArrayViewMut4<'_, f32>> {
    ArrayViewMut4::from_shape((m, s.0, s.1, s.2), &mut buf[..m * size(s)])
        .map_err(|e| shape_err!("internal buffer: {e}"))
}
fn view2(buf: &[f32], rows: usize, cols: usize) -> Result<ArrayView2<'_, f32>> {
    ArrayView2::from_shape((rows, cols), &buf[..rows * cols])
        .map_err(|e| shape_err!("internal buffer: {e}"))
}
fn view2_mut(buf: &mut [f32], rows: usize, cols: usize) -> Result<ArrayViewMut2<'_, f32>> {
    ArrayViewMut2::from_shape((rows, cols), &mut buf[..rows * cols])
        .map_err(|e| shape_err!("internal buffer: {e}"))
}

impl Model {
    /// Builds and initialises the stack for inputs of shape `input` (h, w, c): conv and
    /// fully connected weights Glorot uniform from `seed`, biases 0, batch norm gamma 1,
    /// beta 0. The stack is checked with the layer table first and must end in a flat
    /// vector of class scores.
    pub fn new(specs: &[LayerSpec], input: Shape3, seed: u64) -> Result<Model> {
        if specs.is_empty() {
            return Err(param_err!("the network has no layers"));
        }
        let rows = layer_table(input, specs)?;
        check_allocation(input, &rows)?;
        let mut shapes = vec![input];
        shapes.extend(rows.iter().map(|r| r.output));
        let out = *shapes.last().unwrap_or(&input);
        if out.0 != 1 || out.1 != 1 || out.2 < 2 {
            return Err(shape_err!(
                "the network must end in a flat vector of at least 2 class scores (flatten, then a fully connected layer), but it ends in {}x{}x{}",
                out.0, out.1, out.2
            ));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut layers = Vec::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let (_, _, c_in) = shapes[i];
            let layer = match *spec {
                LayerSpec::Conv {
                    f,
                    filters,
                    stride,
                    padding,
                    bias,
                } => {
                    let w = glorot(
                        &mut rng,
                        f * f * c_in * filters,
                        f * f * c_in,
                        f * f * filters,
                    );
                    let w = Array4::from_shape_vec((f, f, c_in, filters), w)
                        .map_err(|e| shape_err!("{e}"))?;
                    Layer::Conv(ConvLayer {
                        stride,
                        padding,
                        bias,
                        dw: Array4::zeros(w.dim()),
                        w,
                        b: Array1::zeros(filters),
                        db: Array1::zeros(filters),
                    })
                }
                LayerSpec::Relu => Layer::Relu,
                LayerSpec::MaxPool { f, stride, padding } => Layer::Pool {
                    kind: PoolKind::Max,
                    f,
                    stride,
                    padding,
                    argmax: Vec::new(),
                },
                LayerSpec::AvgPool { f, stride, padding } => Layer::Pool {
                    kind: PoolKind::Avg,
                    f,
                    stride,
                    padding,
                    argmax: Vec::new(),
                },
                LayerSpec::GlobalAvgPool => Layer::GlobalAvgPool,
                LayerSpec::BatchNorm => Layer::BatchNorm(BatchNormLayer {
                    gamma: Array1::ones(c_in),
                    beta: Array1::zeros(c_in),
                    running_mean: Array1::zeros(c_in),
                    running_var: Array1::ones(c_in),
                    dgamma: Array1::zeros(c_in),
                    dbeta: Array1::zeros(c_in),
                    x_hat: Vec::new(),
                    inv_std: Array1::zeros(c_in),
                }),
                LayerSpec::Dropout { rate } => Layer::Dropout {
                    rate,
                    mask: Vec::new(),
                },
                LayerSpec::Flatten => Layer::Flatten,
                LayerSpec::Dense { units } => {
                    let n_in = size(shapes[i]);
                    let w = Array2::from_shape_vec(
                        (n_in, units),
                        glorot(&mut rng, n_in * units, n_in, units),
                    )
                    .map_err(|e| shape_err!("{e}"))?;
                    Layer::Dense(DenseLayer {
                        dw: Array2::zeros(w.dim()),
                        w,
                        b: Array1::zeros(units),
                        db: Array1::zeros(units),
                    })
                }
            };
            layers.push(layer);
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

    /// Makes the buffers hold batches of up to `m` images (allocates only when growing).
    pub fn ensure_capacity(&mut self, m: usize) {
        if m <= self.capacity {
            return;
        }
        self.capacity = m;
        self.acts = self
            .shapes
            .iter()
            .map(|&s| vec![0.0; m * size(s)])
            .collect();
        // No gradient is needed for the input images themselves.
        self.grads = self
            .shapes
            .iter()
            .enumerate()
            .map(|(i, &s)| vec![0.0; if i == 0 { 0 } else { m * size(s) }])
            .collect();
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let s = self.shapes[i];
            match layer {
                Layer::Pool {
                    kind: PoolKind::Max,
                    argmax,
                    ..
                } => *argmax = vec![0; m * size(self.shapes[i + 1])],
                Layer::BatchNorm(bn) => bn.x_hat = vec![0.0; m * size(s)],
                Layer::Dropout { mask, .. } => *mask = vec![0.0; m * size(s)],
                _ => {}
            }
        }
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

    /// The input buffer for a batch of `m` images (m * h * w * c values, NHWC), to be
    /// filled before [`Model::forward_filled`]; grows the buffers if needed.
    pub fn input_buffer(&mut self, m: usize) -> &mut [f32] {
        self.ensure_capacity(m);
        let n = m * size(self.shapes[0]);
        &mut self.acts[0][..n]
    }

    /// Images `start..end` of the input buffer as NHWC floats: what [`Model::input_buffer`]
    /// received for the next forward pass.
    pub fn input_rows(&self, start: usize, end: usize) -> Result<&[f32]> {
        if start > end || end > self.capacity {
            return Err(shape_err!(
                "images {start}..{end} are outside the model's input buffer ({} images)",
                self.capacity
            ));
        }
        let per = size(self.shapes[0]);
        Ok(&self.acts[0][start * per..end * per])
    }

    /// Forward pass of a batch x (m, h, w, c); returns the logits (m, classes).
    pub fn forward(&mut self, x: ArrayView4<f32>, mode: Mode) -> Result<ArrayView2<'_, f32>> {
        let m = self.fill_input(x)?;
        self.forward_filled(m, mode)
    }

    /// Check x (m, h, w, c) against the input shape and copy it into the input buffer.
    fn fill_input(&mut self, x: ArrayView4<f32>) -> Result<usize> {
        let (m, h, w, c) = x.dim();
        if (h, w, c) != self.shapes[0] {
            let (eh, ew, ec) = self.shapes[0];
            return Err(shape_err!(
                "the model expects {eh}x{ew}x{ec} images, got {h}x{w}x{c}"
            ));
        }
        let buf = self.input_buffer(m);
        for (d, &v) in buf.iter_mut().zip(x.iter()) {
            *d = v;
        }
        Ok(m)
    }

    /// Forward pass of the `m` images already written into [`Model::input_buffer`].
    ///
    /// A convolution or batch norm followed by a ReLU writes its rectified output straight
    /// into the ReLU's buffer (one pass over the largest activations instead of three);
    /// the layer's own buffer then holds nothing valid. [`Model::layer_outputs`], which
    /// shows every layer, runs unfused.
    pub fn forward_filled(&mut self, m: usize, mode: Mode) -> Result<ArrayView2<'_, f32>> {
        self.run_forward(m, mode, true)
    }

    fn run_forward(&mut self, m: usize, mode: Mode, fuse: bool) -> Result<ArrayView2<'_, f32>> {
        if m == 0 || m > self.capacity {
            return Err(shape_err!(
                "a batch of {m} images does not fit the model's buffers ({})",
                self.capacity
            ));
        }
        let mut relu_done = false; // the ReLU at `i` was applied by the layer before it
        for i in 0..self.layers.len() {
            let (sx, sy) = (self.shapes[i], self.shapes[i + 1]);
            let skip_relu = std::mem::take(&mut relu_done);
            let fuse_relu = fuse
                && matches!(self.layers[i], Layer::Conv(_) | Layer::BatchNorm(_))
                && matches!(self.layers.get(i + 1), Some(Layer::Relu));
            relu_done = fuse_relu;
            let (before, after) = self.acts.split_at_mut(i + 1);
            let x = &before[i][..m * size(sx)];
            let y = &mut after[usize::from(fuse_relu)][..m * size(sy)];
            let t0 = self.profile.as_ref().map_or(0.0, PhaseTimes::now);
            let macs = self.rows[i].macs as u64 * m as u64;
            match &mut self.layers[i] {
                Layer::Conv(cl) => {
                    let geo = ConvGeometry::new(
                        m,
                        sx,
                        (cl.w.dim().0, cl.w.dim().1, sy.2),
                        cl.stride,
                        cl.padding,
                    )?;
                    let (w, b) = (slice(&cl.w)?, slice(&cl.b)?);
                    if fuse_relu {
                        geo.forward_relu_into(x, w, b, y)?;
                    } else {
                        geo.forward_into(x, w, b, y)?;
                    }
                }
                Layer::Relu if skip_relu => {}
                Layer::Relu => relu_forward(x, y)?,
                Layer::Pool {
                    kind,
                    f,
                    stride,
                    padding,
                    argmax,
                } => {
                    let geo = PoolGeometry::new(m, sx, *kind, *f, *stride, *padding)?;
                    let record = *kind == PoolKind::Max && mode == Mode::Train;
                    geo.forward_into(
                        x,
                        y,
                        if record {
                            Some(&mut argmax[..y.len()])
                        } else {
                            None
                        },
                    )?;
                }
                Layer::GlobalAvgPool => {
                    global_avg_pool_forward(view4(x, m, sx)?, view2_mut(y, m, sy.2)?)?
                }
                Layer::BatchNorm(bn) => {
                    let rows = m * sx.0 * sx.1;
                    let xv = view2(x, rows, sx.2)?;
                    let yv = view2_mut(y, rows, sx.2)?;
                    match mode {
                        Mode::Train => batchnorm_forward_train(
                            xv,
                            bn.gamma.view(),
                            bn.beta.view(),
                            bn.running_mean.view_mut(),
                            bn.running_var.view_mut(),
                            yv,
                            BatchNormCache {
                                x_hat: view2_mut(&mut bn.x_hat, rows, sx.2)?,
                                inv_std: bn.inv_std.view_mut(),
                            },
                            fuse_relu,
                        )?,
                        Mode::Infer => batchnorm_forward_infer(
                            xv,
                            bn.gamma.view(),
                            bn.beta.view(),
                            bn.running_mean.view(),
                            bn.running_var.view(),
                            yv,
                            fuse_relu,
                        )?,
                    }
                }
                Layer::Dropout { rate, mask } => match mode {
                    Mode::Train => {
                        dropout_forward(x, *rate, &mut self.dropout_rng, &mut mask[..x.len()], y)?
                    }
                    Mode::Infer => y.copy_from_slice(x),
                },
                Layer::Flatten => y.copy_from_slice(x),
                Layer::Dense(d) => dense_forward(
                    view2(x, m, size(sx))?,
                    d.w.view(),
                    d.b.view(),
                    view2_mut(y, m, sy.2)?,
                )?,
            }
            if let Some(p) = self.profile.as_mut() {
                let phase = self.layers[i].phase();
                p.add(phase, t0, if matches!(phase, Phase::ConvForward | Phase::Dense) { macs } else { 0 });
            }
        }
        self.batch = m;
        self.last_mode = mode;
        self.logits()
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

    /// Logits (m, classes) of the last forward pass.
    pub fn logits(&self) -> Result<ArrayView2<'_, f32>> {
        let k = self.num_classes();
        view2(&self.acts[self.layers.len()], self.batch, k)
    }

    /// Cost of the last forward pass against `labels` (softmax cross-entropy, mean over
    /// the batch) and the backward pass: afterwards every parameter's gradient is set.
    pub fn backward(&mut self, labels: &[u8]) -> Result<f32> {
        self.run_backward(labels, 0.0, true)
    }

    /// [`Model::backward`] against targets smoothed by `smoothing`
    /// ([`crate::nn::loss::smoothed_cross_entropy`]).
    pub fn backward_smoothed(&mut self, labels: &[u8], smoothing: f32) -> Result<f32> {
        self.run_backward(labels, smoothing, true)
    }

    fn run_backward(&mut self, labels: &[u8], smoothing: f32, fuse: bool) -> Result<f32> {
        if self.last_mode != Mode::Train || self.batch == 0 {
            return Err(param_err!(
                "backward needs a training-mode forward pass first"
            ));
        }
        let m = self.batch;
        let last = self.layers.len();
        let k = self.num_classes();
        let t0 = self.profile.as_ref().map_or(0.0, PhaseTimes::now);
        let cost = smoothed_cross_entropy(
            view2(&self.acts[last], m, k)?,
            labels,
            smoothing,
            Some(view2_mut(&mut self.grads[last], m, k)?),
        )?;
        if let Some(p) = self.profile.as_mut() {
            p.add(Phase::Softmax, t0, 0);
        }
        let mut relu_done = false; // the ReLU at `i` got its gradient from the max pool after it
        for i in (0..self.layers.len()).rev() {
            let (sx, sy) = (self.shapes[i], self.shapes[i + 1]);
            let skip_relu = std::mem::take(&mut relu_done);
            // A max pool right after a ReLU (that needs its input gradient) does both.
            let relu_before = fuse && i >= 2 && matches!(self.layers[i - 1], Layer::Relu);
            let x = &self.acts[i][..m * size(sx)];
            let (gb, ga) = self.grads.split_at_mut(i + 1);
            let dy = &ga[0][..m * size(sy)];
            let need_dx = i > 0;
            let dx = &mut gb[i][..if need_dx { m * size(sx) } else { 0 }];
            let mut t0 = self.profile.as_ref().map_or(0.0, PhaseTimes::now);
            let macs = self.rows[i].macs as u64 * m as u64;
            match &mut self.layers[i] {
                Layer::Conv(cl) => {
                    let geo = ConvGeometry::new(
                        m,
                        sx,
                        (cl.w.dim().0, cl.w.dim().1, sy.2),
                        cl.stride,
                        cl.padding,
                    )?;
                    let (dw, db) = (slice_mut(&mut cl.dw)?, slice_mut(&mut cl.db)?);
                    match self.profile.as_mut() {
                        None => geo.backward_into(x, slice(&cl.w)?, dy, dw, db, if need_dx { Some(dx) } else { None })?,
                        // The two halves timed apart (the same numbers: the same kernels).
                        Some(p) => {
                            let t = p.now();
                            let live = geo.filter_grad_macs(dy);
                            p.add(Phase::Profiling, t, 0);
                            let t = p.now();
                            geo.backward_into(x, slice(&cl.w)?, dy, dw, db, None)?;
                            p.add(Phase::FilterGradient, t, live);
                            if need_dx {
                                let t = p.now();
                                geo.input_grad_into(slice(&cl.w)?, dy, dx)?;
                                p.add(Phase::InputGradient, t, macs);
                            }
                            t0 = f64::NAN; // recorded
                        }
                    }
                }
                Layer::Relu => {
                    if need_dx && !skip_relu {
                        // From the output: the input is not kept when a convolution fused it.
                        relu_backward(&self.acts[i + 1][..m * size(sy)], dy, dx)?
                    }
                }
                Layer::Pool {
                    kind,
                    f,
                    stride,
                    padding,
                    argmax,
                } => {
                    if need_dx {
                        let geo = PoolGeometry::new(m, sx, *kind, *f, *stride, *padding)?;
                        match kind {
                            PoolKind::Max if relu_before => {
                                let relu_dx = &mut gb[i - 1][..m * size(self.shapes[i - 1])];
                                geo.backward_argmax_relu_into(&argmax[..dy.len()], dy, x, relu_dx)?;
                                relu_done = true;
                            }
                            PoolKind::Max => {
                                geo.backward_argmax_into(&argmax[..dy.len()], dy, dx)?
                            }
                            PoolKind::Avg => geo.backward_into(x, dy, dx)?,
                        }
                    }
                }
                Layer::GlobalAvgPool => {
                    if need_dx {
                        global_avg_pool_backward(view2(dy, m, sy.2)?, view4_mut(dx, m, sx)?)?
                    }
                }
                Layer::BatchNorm(bn) => {
                    let rows = m * sx.0 * sx.1;
                    let mut scratch;
                    // The first layer's input gradient is not needed but the formula
                    // computes it alongside dgamma; give it somewhere to go.
                    let dxv = if need_dx {
                        view2_mut(dx, rows, sx.2)?
                    } else {
                        scratch = Array2::zeros((rows, sx.2));
                        scratch.view_mut()
                    };
                    batchnorm_backward(
                        view2(dy, rows, sx.2)?,
                        view2(&bn.x_hat, rows, sx.2)?,
                        bn.gamma.view(),
                        bn.inv_std.view(),
                        dxv,
                        bn.dgamma.view_mut(),
                        bn.dbeta.view_mut(),
                    )?
                }
                Layer::Dropout { mask, .. } => {
                    if need_dx {
                        dropout_backward(dy, &mask[..dy.len()], dx)?
                    }
                }
                Layer::Flatten => {
                    if need_dx {
                        dx.copy_from_slice(dy)
                    }
                }
                Layer::Dense(d) => {
                    let dxv = if need_dx {
                        Some(view2_mut(dx, m, size(sx))?)
                    } else {
                        None
                    };
                    dense_backward(
                        view2(x, m, size(sx))?,
                        d.w.view(),
                        view2(dy, m, sy.2)?,
                        d.dw.view_mut(),
                        d.db.view_mut(),
                        dxv,
                    )?
                }
            }
            if let Some(p) = self.profile.as_mut().filter(|_| !t0.is_nan()) {
                let phase = self.layers[i].phase();
                // The dense backward pass: the weight gradient, and the input's when needed.
                let work = if phase == Phase::Dense { macs * (1 + u64::from(need_dx)) } else { 0 };
                p.add(phase, t0, work);
            }
        }
        Ok(cost)
    }

    /// The gradient of class score `class` (its logit) of the last forward pass, which
    /// must be an inference-mode pass of one image (as [`Model::layer_outputs`] runs),
    /// with respect to the output of layer `layer` (an index into the specs; the input
    /// itself when `layer` is `None`). The backward pass of the layers above it, in
    /// inference mode: batch norm a fixed scale, dropout off, max pooling's winners taken
    /// from the stored input. No parameter gradient is written, so a training step under
    /// way is not disturbed. For Grad-CAM ([`crate::classify::grad_cam`]) and saliency.
    pub fn class_score_gradient(&mut self, class: usize, layer: Option<usize>) -> Result<Vec<f32>> {
        let last = self.layers.len();
        let k = self.num_classes();
        if self.batch != 1 || self.last_mode != Mode::Infer {
            return Err(param_err!("a class score's gradient needs an inference-mode forward pass of one image first"));
        }
        if class >= k {
            return Err(param_err!("there is no class {class}: the network has {k} outputs"));
        }
        let stop = match layer {
            Some(l) if l >= last => return Err(param_err!("there is no layer {l}: the network has {last}")),
            Some(l) => l + 1,
            None => 0,
        };
        let mut dy = vec![0.0f32; k];
        dy[class] = 1.0;
        for i in (stop..last).rev() {
            let (sx, sy) = (self.shapes[i], self.shapes[i + 1]);
            let x = &self.acts[i][..size(sx)];
            let mut dx = vec![0.0f32; size(sx)];
            match &self.layers[i] {
                Layer::Conv(cl) => {
                    let geo = ConvGeometry::new(1, sx, (cl.w.dim().0, cl.w.dim().1, sy.2), cl.stride, cl.padding)?;
                    // Scratch for the parameter gradients the kernel also computes.
                    let (mut dw, mut db) = (vec![0.0; cl.w.len()], vec![0.0; cl.b.len()]);
                    geo.backward_into(x, slice(&cl.w)?, &dy, &mut dw, &mut db, Some(&mut dx))?;
                }
                // From the output, as in training: a fused convolution leaves no input.
                Layer::Relu => relu_backward(&self.acts[i + 1][..size(sy)], &dy, &mut dx)?,
                Layer::Pool { kind, f, stride, padding, .. } => {
                    PoolGeometry::new(1, sx, *kind, *f, *stride, *padding)?.backward_into(x, &dy, &mut dx)?
                }
                Layer::GlobalAvgPool => global_avg_pool_backward(view2(&dy, 1, sy.2)?, view4_mut(&mut dx, 1, sx)?)?,
                Layer::BatchNorm(bn) => {
                    let rows = sx.0 * sx.1;
                    batchnorm_backward_infer(view2(&dy, rows, sx.2)?, bn.gamma.view(), bn.running_var.view(), view2_mut(&mut dx, rows, sx.2)?)?
                }
                Layer::Dropout { .. } | Layer::Flatten => dx.copy_from_slice(&dy),
                Layer::Dense(d) => {
                    let (mut dw, mut db) = (Array2::zeros(d.w.dim()), Array1::zeros(d.b.len()));
                    dense_backward(view2(x, 1, size(sx))?, d.w.view(), view2(&dy, 1, sy.2)?, dw.view_mut(), db.view_mut(), Some(view2_mut(&mut dx, 1, size(sx))?))?
                }
            }
            dy = dx;
        }
        Ok(dy)
    }

    /// Output shape (h, w, c) of layer `i` (an index into the specs).
    pub fn output_shape(&self, i: usize) -> Option<Shape3> {
        self.shapes.get(i + 1).copied()
    }

    /// Layer `i`'s output in the last forward pass, for its first image.
    pub fn output_of(&self, i: usize) -> Option<&[f32]> {
        let s = self.output_shape(i)?;
        self.acts.get(i + 1).map(|a| &a[..size(s)])
    }

    /// Calls `f` on every trainable tensor with its gradient, always in the same order.
    pub fn visit_params(&mut self, mut f: impl FnMut(usize, ParamMut<'_>)) {
        let mut k = 0;
        self.for_each_tensor_mut(|value, grad, decay| {
            f(k, ParamMut { value, grad, decay });
            k += 1;
        });
    }

    /// Every trainable tensor as (values, gradient), in the order of [`Model::visit_params`].
    fn for_each_tensor(&self, mut f: impl FnMut(&[f32], &[f32])) {
        for layer in &self.layers {
            let pairs: [TensorRef<'_>; 2] = match layer {
                Layer::Conv(c) if c.bias => [(c.w.as_slice(), c.dw.as_slice()), (c.b.as_slice(), c.db.as_slice())],
                Layer::Conv(c) => [(c.w.as_slice(), c.dw.as_slice()), (None, None)],
                Layer::Dense(d) => [(d.w.as_slice(), d.dw.as_slice()), (d.b.as_slice(), d.db.as_slice())],
                Layer::BatchNorm(bn) => [
                    (bn.gamma.as_slice(), bn.dgamma.as_slice()),
                    (bn.beta.as_slice(), bn.dbeta.as_slice()),
                ],
                _ => continue,
            };
            for (value, grad) in pairs {
                if let (Some(value), Some(grad)) = (value, grad) {
                    f(value, grad);
                }
            }
        }
    }

    /// Every trainable tensor as (values, gradient, gets weight decay), writable, same
    /// order. A convolution without bias has one tensor: its `b` stays zero.
    fn for_each_tensor_mut(&mut self, mut f: impl FnMut(&mut [f32], &mut [f32], bool)) {
        for layer in &mut self.layers {
            let pairs: [TensorMut<'_>; 2] = match layer {
                Layer::Conv(c) => [
                    (c.w.as_slice_mut(), c.dw.as_slice_mut(), true),
                    if c.bias {
                        (c.b.as_slice_mut(), c.db.as_slice_mut(), false)
                    } else {
                        (None, None, false)
                    },
                ],
                Layer::Dense(d) => [
                    (d.w.as_slice_mut(), d.dw.as_slice_mut(), true),
                    (d.b.as_slice_mut(), d.db.as_slice_mut(), false),
                ],
                Layer::BatchNorm(bn) => [
                    (bn.gamma.as_slice_mut(), bn.dgamma.as_slice_mut(), false),
                    (bn.beta.as_slice_mut(), bn.dbeta.as_slice_mut(), false),
                ],
                _ => continue,
            };
            for (value, grad, decay) in pairs {
                if let (Some(value), Some(grad)) = (value, grad) {
                    f(value, grad, decay);
                }
            }
        }
    }

    /// Number of trainable values: the length of the flat vectors below.
    pub fn param_count(&self) -> usize {
        let mut n = 0;
        self.for_each_tensor(|v, _| n += v.len());
        n
    }

    fn check_flat(&self, len: usize, what: &str) -> Result<()> {
        let n = self.param_count();
        if len != n {
            return Err(shape_err!(
                "{what}: expected {n} values (one per trainable parameter of this network), got {len}"
            ));
        }
        Ok(())
    }

    /// Writes every trainable value into `out` (length [`Model::param_count`]), tensors in
    /// the order of [`Model::visit_params`], each in its row-major order.
    pub fn copy_params_to(&self, out: &mut [f32]) -> Result<()> {
        self.gather(out, "parameters", |v, _| v)
    }

    /// Sets every trainable value from a flat vector written by [`Model::copy_params_to`].
    pub fn set_params(&mut self, flat: &[f32]) -> Result<()> {
        self.scatter(flat, "parameters", |v, _| v)
    }

    /// Writes the gradient of the last backward pass into `out`, in the parameters' order.
    pub fn copy_grads_to(&self, out: &mut [f32]) -> Result<()> {
        self.gather(out, "gradients", |_, g| g)
    }

    /// Replaces the gradient (what the optimiser reads) by a flat vector, e.g. gradients
    /// of parts of a minibatch summed by data-parallel training.
    pub fn set_grads(&mut self, flat: &[f32]) -> Result<()> {
        self.scatter(flat, "gradients", |_, g| g)
    }

    /// Copies the tensor `pick` chooses of each (values, gradient) pair into `out`, in order.
    fn gather(&self, out: &mut [f32], what: &str, pick: for<'a> fn(&'a [f32], &'a [f32]) -> &'a [f32]) -> Result<()> {
        self.check_flat(out.len(), what)?;
        let mut at = 0;
        self.for_each_tensor(|v, g| {
            let t = pick(v, g);
            out[at..at + t.len()].copy_from_slice(t);
            at += t.len();
        });
        Ok(())
    }

    /// Fills the tensor `pick` chooses of each (values, gradient) pair from `flat`, in order.
    fn scatter(
        &mut self,
        flat: &[f32],
        what: &str,
        pick: for<'a> fn(&'a mut [f32], &'a mut [f32]) -> &'a mut [f32],
    ) -> Result<()> {
        self.check_flat(flat.len(), what)?;
        let mut at = 0;
        self.for_each_tensor_mut(|v, g, _| {
            let t = pick(v, g);
            let n = t.len();
            t.copy_from_slice(&flat[at..at + n]);
            at += n;
        });
        Ok(())
    }

    /// Layers whose training-mode result for one image depends on the other images of the
    /// minibatch (batch norm) or on a random stream of the model (dropout); `None` when
    /// every image's gradient depends only on the image and the parameters.
    pub fn batch_coupled_layer(&self) -> Option<&'static str> {
        self.layers.iter().find_map(|l| match l {
            Layer::BatchNorm(_) => Some("batch norm"),
            Layer::Dropout { .. } => Some("dropout"),
            _ => None,
        })
    }

    /// Class probabilities (m, classes) for a batch, in inference mode, computed in
    /// chunks of the buffers' capacity.
    pub fn predict(&mut self, x: ArrayView4<f32>) -> Result<Array2<f32>> {
        let m = x.dim().0;
        let k = self.num_classes();
        let chunk = self.capacity.max(1);
        let mut out = Array2::zeros((m, k));
        let mut start = 0;
        while start < m {
            let end = (start + chunk).min(m);
            let logits = self.forward(x.slice(ndarray::s![start..end, .., .., ..]), Mode::Infer)?;
            out.slice_mut(ndarray::s![start..end, ..])
                .assign(&softmax(logits));
            start = end;
        }
        Ok(out)
    }

    /// Every layer's output for one image (h, w, c), in inference mode, named "conv1",
    /// "relu1", "pool1", ...; the last layer's output is "logits", followed by
    /// "probabilities".
    pub fn layer_outputs(&mut self, image: ArrayView3<f32>) -> Result<Vec<LayerOutput>> {
        let x = image.insert_axis(ndarray::Axis(0));
        let m = self.fill_input(x)?;
        let probs = softmax(self.run_forward(m, Mode::Infer, false)?);
        let mut counts = std::collections::HashMap::new();
        let last = self.layers.len() - 1;
        let mut outputs = Vec::with_capacity(self.layers.len() + 1);
        for (i, spec) in self.specs.iter().enumerate() {
            let kind = match spec {
                LayerSpec::Conv { .. } => "conv",
                LayerSpec::Relu => "relu",
                LayerSpec::MaxPool { .. } | LayerSpec::AvgPool { .. } => "pool",
                LayerSpec::GlobalAvgPool => "gap",
                LayerSpec::BatchNorm => "bn",
                LayerSpec::Dropout { .. } => "dropout",
                LayerSpec::Flatten => "flatten",
                LayerSpec::Dense { .. } => "fc",
            };
            let n = counts.entry(kind).or_insert(0);
            *n += 1;
            let name = if i == last {
                "logits".to_string()
            } else {
                format!("{kind}{n}")
            };
            let s = self.shapes[i + 1];
            outputs.push(LayerOutput {
                name,
                shape: s,
                values: self.acts[i + 1][..size(s)].to_vec(),
            });
        }
        let k = self.num_classes();
        outputs.push(LayerOutput {
            name: "probabilities".into(),
            shape: (1, 1, k),
            values: probs.iter().copied().collect(),
        });
        Ok(outputs)
    }

    /// The current filters (f, f, c_in, c_out) of every convolution, in order.
    pub fn conv_filters(&self) -> Vec<Array4<f32>> {
        self.layers
            .iter()
            .filter_map(|l| match l {
                Layer::Conv(c) => Some(c.w.clone()),
                _ => None,
            })
            .collect()
    }
}

/// One trainable tensor of a layer, if it has it: (values, gradient).
type TensorRef<'a> = (Option<&'a [f32]>, Option<&'a [f32]>);
/// The same, writable, and whether it gets weight decay.
type TensorMut<'a> = (Option<&'a mut [f32]>, Option<&'a mut [f32]>, bool);

fn slice<D: ndarray::Dimension>(a: &ndarray::Array<f32, D>) -> Result<&[f32]> {
    a.as_slice()
        .ok_or_else(|| shape_err!("internal: parameters are not contiguous"))
}
fn slice_mut<D: ndarray::Dimension>(a: &mut ndarray::Array<f32, D>) -> Result<&mut [f32]> {
    a.as_slice_mut()
        .ok_or_else(|| shape_err!("internal: parameters are not contiguous"))
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
