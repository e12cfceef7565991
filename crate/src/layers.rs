//! A network described as data: a list of layer specs (serde), and the lecture's table of
//! per-layer output shapes, parameter counts and multiply-accumulates that follows from it.

use crate::error::Result;
use crate::shape::Padding;
use crate::{param_err, shape_err};
use serde::{Deserialize, Serialize};

/// One layer of a sequential ConvNet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LayerSpec {
    /// `filters` filters of f x f x n_C(prev), one bias each.
    Conv { f: usize, filters: usize, stride: usize, padding: Padding },
    Relu,
    MaxPool { f: usize, stride: usize, padding: Padding },
    AvgPool { f: usize, stride: usize, padding: Padding },
    /// Mean over height and width: (h, w, c) -> (1, 1, c).
    GlobalAvgPool,
    /// Per-channel normalisation with learned scale and shift (2 parameters per channel,
    /// plus running statistics that are not trained).
    BatchNorm,
    Dropout { rate: f32 },
    /// (h, w, c) -> h*w*c, in NHWC order.
    Flatten,
    /// Fully connected: `units` outputs, weights + one bias per unit, no activation.
    Dense { units: usize },
}

/// Activation shape (height, width, channels); a flat vector is (1, 1, n).
pub type Shape3 = (usize, usize, usize);

/// One row of the layer table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerRow {
    pub spec: LayerSpec,
    /// Output shape (h, w, c).
    pub output: Shape3,
    /// Trainable parameters (weights + biases).
    pub params: usize,
    /// Multiply-accumulates of the forward pass for one input.
    pub macs: usize,
}

fn checked_product(factors: &[usize]) -> Result<usize> {
    factors
        .iter()
        .try_fold(1usize, |acc, &f| acc.checked_mul(f))
        .ok_or_else(|| shape_err!("the network is too large: its sizes overflow"))
}

impl LayerSpec {
    /// Output shape, parameter count and MACs of this layer on an input of shape `input`.
    pub fn row(&self, input: Shape3) -> Result<LayerRow> {
        let (h, w, c) = input;
        let (output, params, macs) = match *self {
            LayerSpec::Conv { f, filters, stride, padding } => {
                if filters == 0 {
                    return Err(param_err!("a convolution needs at least one filter"));
                }
                let (_, (oh, ow)) = padding.resolve((h, w), (f, f), stride)?;
                let per_filter = checked_product(&[f, f, c])?;
                let params = checked_product(&[per_filter, filters])? + filters;
                let macs = checked_product(&[oh, ow, filters, per_filter])?;
                ((oh, ow, filters), params, macs)
            }
            LayerSpec::MaxPool { f, stride, padding } | LayerSpec::AvgPool { f, stride, padding } => {
                let (_, (oh, ow)) = padding.resolve((h, w), (f, f), stride)?;
                ((oh, ow, c), 0, 0)
            }
            LayerSpec::Relu => (input, 0, 0),
            LayerSpec::Dropout { rate } => {
                if !(0.0..1.0).contains(&rate) {
                    return Err(param_err!("dropout rate must be in [0, 1), got {rate}"));
                }
                (input, 0, 0)
            }
            LayerSpec::BatchNorm => (input, 2 * c, 0),
            LayerSpec::GlobalAvgPool => ((1, 1, c), 0, 0),
            LayerSpec::Flatten => ((1, 1, checked_product(&[h, w, c])?), 0, 0),
            LayerSpec::Dense { units } => {
                if h != 1 || w != 1 {
                    return Err(shape_err!(
                        "a fully connected layer needs a flat input: add a flatten layer before it (input is {h}x{w}x{c})"
                    ));
                }
                if units == 0 {
                    return Err(param_err!("a fully connected layer needs at least one unit"));
                }
                let weights = checked_product(&[c, units])?;
                ((1, 1, units), weights + units, weights)
            }
        };
        Ok(LayerRow { spec: self.clone(), output, params, macs })
    }
}

/// The table of a whole stack: one row per layer, or the first error, naming the layer.
pub fn layer_table(input: Shape3, specs: &[LayerSpec]) -> Result<Vec<LayerRow>> {
    let mut shape = input;
    let mut rows = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let row = spec.row(shape).map_err(|e| match e {
            crate::ConvLabError::Shape(m) => shape_err!("layer {} ({}): {m}", i + 1, spec.name()),
            crate::ConvLabError::Param(m) => param_err!("layer {} ({}): {m}", i + 1, spec.name()),
            other => other,
        })?;
        shape = row.output;
        rows.push(row);
    }
    Ok(rows)
}

impl LayerSpec {
    /// A short name for tables and messages.
    pub fn name(&self) -> &'static str {
        match self {
            LayerSpec::Conv { .. } => "conv",
            LayerSpec::Relu => "relu",
            LayerSpec::MaxPool { .. } => "max pool",
            LayerSpec::AvgPool { .. } => "avg pool",
            LayerSpec::GlobalAvgPool => "global avg pool",
            LayerSpec::BatchNorm => "batch norm",
            LayerSpec::Dropout { .. } => "dropout",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Dense { .. } => "fully connected",
        }
    }
}

/// The assignment's SIGNS ConvNet: CONV 4x4x3x8 SAME -> ReLU -> MAXPOOL 8/8 SAME ->
/// CONV 2x2x8x16 SAME -> ReLU -> MAXPOOL 4/4 SAME -> FLATTEN -> FC 6.
pub fn signs_network() -> Vec<LayerSpec> {
    use LayerSpec::*;
    vec![
        Conv { f: 4, filters: 8, stride: 1, padding: Padding::Same },
        Relu,
        MaxPool { f: 8, stride: 8, padding: Padding::Same },
        Conv { f: 2, filters: 16, stride: 1, padding: Padding::Same },
        Relu,
        MaxPool { f: 4, stride: 4, padding: Padding::Same },
        Flatten,
        Dense { units: 6 },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn signs_network_shapes() {
        let rows = layer_table((64, 64, 3), &signs_network()).unwrap();
        let shapes: Vec<Shape3> = rows.iter().map(|r| r.output).collect();
        assert_eq!(
            shapes,
            vec![(64, 64, 8), (64, 64, 8), (8, 8, 8), (8, 8, 16), (8, 8, 16), (2, 2, 16), (1, 1, 64), (1, 1, 6)]
        );
        let params: Vec<usize> = rows.iter().map(|r| r.params).collect();
        assert_eq!(params, vec![392, 0, 0, 528, 0, 0, 0, 390]);
        // Forward MACs per image quoted by the speed issue: 1,606,016.
        assert_eq!(rows.iter().map(|r| r.macs).sum::<usize>(), 1_606_016);
    }

    #[test]
    fn dense_needs_flat_input() {
        let err = layer_table((4, 4, 2), &[LayerSpec::Dense { units: 3 }]).unwrap_err();
        assert!(err.to_string().contains("flatten"), "{err}");
    }
}
