//! The layers' state: weights and their gradients, what a layer keeps for its backward
//! pass, and a layer made from its spec with Glorot-initialised weights.

use super::*;

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

impl ConvLayer {
    /// Its geometry for a batch of `m` inputs of shape `input` giving `output`.
    pub(super) fn geometry(&self, m: usize, input: Shape3, output: Shape3) -> Result<ConvGeometry> {
        ConvGeometry::new(m, input, (self.w.dim().0, self.w.dim().1, output.2), self.stride, self.padding)
    }
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
    pub(super) x_hat: Vec<f32>,
    pub(super) inv_std: Array1<f32>,
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
    pub(super) fn phase(&self) -> Phase {
        match self {
            Layer::Conv(_) => Phase::ConvForward,
            Layer::Pool { .. } => Phase::Pooling,
            Layer::Dense(_) => Phase::Dense,
            _ => Phase::OtherLayers,
        }
    }
}

impl Layer {
    /// The layer `spec` for inputs of shape `input`; conv and fully connected weights
    /// Glorot uniform from `rng`, biases 0, batch norm gamma 1, beta 0.
    pub(super) fn new(spec: &LayerSpec, input: Shape3, rng: &mut ChaCha8Rng) -> Result<Layer> {
        let (_, _, c_in) = input;
        Ok(match *spec {
            LayerSpec::Conv {
                f,
                filters,
                stride,
                padding,
                bias,
            } => {
                let w = glorot(
                    rng,
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
                let n_in = size(input);
                let w = Array2::from_shape_vec(
                    (n_in, units),
                    glorot(rng, n_in * units, n_in, units),
                )
                .map_err(|e| shape_err!("{e}"))?;
                Layer::Dense(DenseLayer {
                    dw: Array2::zeros(w.dim()),
                    w,
                    b: Array1::zeros(units),
                    db: Array1::zeros(units),
                })
            }
        })
    }
}

/// Glorot/Xavier uniform: U(-l, l) with l = sqrt(6 / (fan_in + fan_out)).
fn glorot(rng: &mut ChaCha8Rng, n: usize, fan_in: usize, fan_out: usize) -> Vec<f32> {
    let limit = (6.0 / (fan_in + fan_out) as f64).sqrt() as f32;
    (0..n).map(|_| rng.random_range(-limit..limit)).collect()
}
