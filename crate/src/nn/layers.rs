//! A network described as data: a list of layer specs (serde), and the lecture's table of
//! per-layer output shapes, parameter counts and multiply-accumulates that follows from it.

use crate::error::Result;
use crate::conv::shape::Padding;
use serde::{Deserialize, Serialize};

/// One layer of a sequential ConvNet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LayerSpec {
    /// `filters` filters of f x f x n_C(prev), one bias each unless `bias` is false (the
    /// assignment's `tf.nn.conv2d` layers have none). Old files without the field have one.
    Conv {
        f: usize,
        filters: usize,
        stride: usize,
        padding: Padding,
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        bias: bool,
    },
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

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}

/// Activation shape (height, width, channels), from the shape arithmetic below every layer.
pub use crate::conv::shape::Shape3;

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
        .ok_or_else(|| crate::message::Message::LayerOverflow {}.shape())
}

impl LayerSpec {
    /// Output shape, parameter count and MACs of this layer on an input of shape `input`.
    pub fn row(&self, input: Shape3) -> Result<LayerRow> {
        let (h, w, c) = input;
        let (output, params, macs) = match *self {
            LayerSpec::Conv { f, filters, stride, padding, bias } => {
                let (_, (oh, ow)) = padding.resolve((h, w), (f, f), stride)?;
                let params = if bias {
                    crate::nn::params::conv_param_count(f, c, filters)?
                } else {
                    checked_product(&[f, f, c, filters])?
                };
                let per_filter = checked_product(&[f, f, c])?;
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
                    return Err(crate::message::Message::DropoutRate { rate: rate.to_string() }.param());
                }
                (input, 0, 0)
            }
            // Checked: a huge channel count must be an error, not an overflow panic.
            LayerSpec::BatchNorm => (input, checked_product(&[2, c])?, 0),
            LayerSpec::GlobalAvgPool => ((1, 1, c), 0, 0),
            LayerSpec::Flatten => ((1, 1, checked_product(&[h, w, c])?), 0, 0),
            LayerSpec::Dense { units } => {
                if h != 1 || w != 1 {
                    return Err(crate::message::Message::DenseNeedsFlat { h, w, c }.shape());
                }
                if units == 0 {
                    return Err(crate::message::Message::DenseNoUnits {}.param());
                }
                let weights = checked_product(&[c, units])?;
                let params = weights
                    .checked_add(units)
                    .ok_or_else(|| crate::message::Message::LayerOverflow {}.shape())?;
                ((1, 1, units), params, weights)
            }
        };
        Ok(LayerRow { spec: self.clone(), output, params, macs })
    }
}

/// The table of a whole stack: one row per layer, or the first error, naming the layer.
pub fn layer_table(input: Shape3, specs: &[LayerSpec]) -> Result<Vec<LayerRow>> {
    let table = layer_table_partial(input, specs);
    match table.error {
        Some(e) => Err(e.error),
        None => Ok(table.rows),
    }
}

/// The names of a stack's layer outputs, as [`crate::nn::model::Model::layer_outputs`]
/// gives them: "conv1", "relu1", "pool1", ... by kind, the last layer's "logits". The
/// page titles its feature maps with these.
pub fn output_names(specs: &[LayerSpec]) -> Vec<String> {
    let mut counts = std::collections::HashMap::new();
    let last = specs.len().saturating_sub(1);
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
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
            if i == last { "logits".to_string() } else { format!("{kind}{n}") }
        })
        .collect()
}

/// The first layer that cannot be computed: its index (0-based) and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerFailure {
    pub layer: usize,
    #[serde(serialize_with = "as_message")]
    pub error: crate::ConvLabError,
}

/// A coded message as `{code, params, message}` (the page words it), any other as its text.
fn as_message<S: serde::Serializer>(e: &crate::ConvLabError, s: S) -> std::result::Result<S::Ok, S::Error> {
    serde::Serialize::serialize(e.message(), s)
}

/// The rows up to the first failing layer, and that failure: one bad layer must not hide
/// the shapes of the good ones before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartialTable {
    pub rows: Vec<LayerRow>,
    pub error: Option<LayerFailure>,
}

/// Like [`layer_table`], but keeps the rows computed before the first failure.
pub fn layer_table_partial(input: Shape3, specs: &[LayerSpec]) -> PartialTable {
    let mut shape = input;
    let mut rows = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        match spec.row(shape) {
            Ok(row) => {
                shape = row.output;
                rows.push(row);
            }
            Err(e) => {
                let error = e.map_message(|cause| crate::message::Message::InLayer {
                    layer: i + 1,
                    name: Box::new(spec.name_message()),
                    cause: Box::new(cause),
                });
                return PartialTable { rows, error: Some(LayerFailure { layer: i, error }) };
            }
        }
    }
    PartialTable { rows, error: None }
}

impl LayerSpec {
    /// A short name for tables and messages, in English.
    pub fn name(&self) -> String {
        self.name_message().english()
    }

    /// The name as a message code, which the page words in the student's language.
    pub fn name_message(&self) -> crate::message::Message {
        use crate::message::Message as M;
        match self {
            LayerSpec::Conv { .. } => M::LayerConv {},
            LayerSpec::Relu => M::LayerRelu {},
            LayerSpec::MaxPool { .. } => M::LayerMaxPool {},
            LayerSpec::AvgPool { .. } => M::LayerAvgPool {},
            LayerSpec::GlobalAvgPool => M::LayerGlobalAvgPool {},
            LayerSpec::BatchNorm => M::LayerBatchNorm {},
            LayerSpec::Dropout { .. } => M::LayerDropout {},
            LayerSpec::Flatten => M::LayerFlatten {},
            LayerSpec::Dense { .. } => M::LayerDense {},
        }
    }
}

/// The assignment's SIGNS ConvNet: CONV 4x4x3x8 SAME -> ReLU -> MAXPOOL 8/8 SAME ->
/// CONV 2x2x8x16 SAME -> ReLU -> MAXPOOL 4/4 SAME -> FLATTEN -> FC 6.
pub fn signs_network() -> Vec<LayerSpec> {
    use LayerSpec::*;
    vec![
        Conv { f: 4, filters: 8, stride: 1, padding: Padding::Same, bias: false },
        Relu,
        MaxPool { f: 8, stride: 8, padding: Padding::Same },
        Conv { f: 2, filters: 16, stride: 1, padding: Padding::Same, bias: false },
        Relu,
        MaxPool { f: 4, stride: 4, padding: Padding::Same },
        Flatten,
        Dense { units: 6 },
    ]
}

/// Input shape of [`signs_network`]: 64x64 RGB photos.
pub const SIGNS_INPUT: Shape3 = (64, 64, 3);
/// Input shape of [`lecture_39_network`].
pub const LECTURE_39_INPUT: Shape3 = (39, 39, 3);
/// Input shape of [`lenet5_network`].
pub const LENET5_INPUT: Shape3 = (32, 32, 3);

/// The lecture's first ConvNet example ("Simple convolutional network example"):
/// 39x39x3 -> conv f3 s1 p0 x10 -> 37x37x10 -> conv f5 s2 p0 x20 -> 17x17x20 ->
/// conv f5 s2 p0 x40 -> 7x7x40 -> flatten 1960 (then a logistic / softmax unit, not listed).
/// Activations are left out, as on the lecture slide. Input: [`LECTURE_39_INPUT`].
pub fn lecture_39_network() -> Vec<LayerSpec> {
    use LayerSpec::*;
    vec![
        Conv { f: 3, filters: 10, stride: 1, padding: Padding::Valid, bias: true },
        Conv { f: 5, filters: 20, stride: 2, padding: Padding::Valid, bias: true },
        Conv { f: 5, filters: 40, stride: 2, padding: Padding::Valid, bias: true },
        Flatten,
    ]
}

/// The lecture's LeNet-5-like example: 32x32x3 -> conv f5 x6 -> 28x28x6 -> maxpool 2/2 ->
/// 14x14x6 -> conv f5 x16 -> 10x10x16 -> maxpool 2/2 -> 5x5x16 -> flatten 400 -> FC 120 ->
/// FC 84 -> FC 10 (softmax is applied by the loss, it has no parameters).
/// Activations are left out, as in the lecture's table. Input: [`LENET5_INPUT`].
pub fn lenet5_network() -> Vec<LayerSpec> {
    use LayerSpec::*;
    vec![
        Conv { f: 5, filters: 6, stride: 1, padding: Padding::Valid, bias: true },
        MaxPool { f: 2, stride: 2, padding: Padding::Valid },
        Conv { f: 5, filters: 16, stride: 1, padding: Padding::Valid, bias: true },
        MaxPool { f: 2, stride: 2, padding: Padding::Valid },
        Flatten,
        Dense { units: 120 },
        Dense { units: 84 },
        Dense { units: 10 },
    ]
}

/// A named network with its input shape, for the page's preset menu.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkPreset {
    /// Short id usable in a URL: "lecture_39", "lenet5", "signs".
    pub name: String,
    pub input: Shape3,
    pub layers: Vec<LayerSpec>,
}

/// All layer-stack presets: the lecture's 39x39x3 net, LeNet-5-like and the SIGNS net.
pub fn network_presets() -> Vec<NetworkPreset> {
    vec![
        NetworkPreset { name: "lecture_39".into(), input: LECTURE_39_INPUT, layers: lecture_39_network() },
        NetworkPreset { name: "lenet5".into(), input: LENET5_INPUT, layers: lenet5_network() },
        NetworkPreset { name: "signs".into(), input: SIGNS_INPUT, layers: signs_network() },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn output_names_count_each_kind_and_end_in_logits() {
        assert_eq!(
            output_names(&signs_network()),
            ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten1", "logits"]
        );
        assert!(output_names(&[]).is_empty());
    }

    #[test]
    fn signs_network_shapes() {
        let rows = layer_table((64, 64, 3), &signs_network()).unwrap();
        let shapes: Vec<Shape3> = rows.iter().map(|r| r.output).collect();
        assert_eq!(
            shapes,
            vec![(64, 64, 8), (64, 64, 8), (8, 8, 8), (8, 8, 16), (8, 8, 16), (2, 2, 16), (1, 1, 64), (1, 1, 6)]
        );
        let params: Vec<usize> = rows.iter().map(|r| r.params).collect();
        // The assignment's W1 4x4x3x8 and W2 2x2x8x16 have no biases; FC 64x6 + 6 has.
        assert_eq!(params, vec![384, 0, 0, 512, 0, 0, 0, 390]);
        // Forward MACs per image quoted by the speed issue: 1,606,016.
        assert_eq!(rows.iter().map(|r| r.macs).sum::<usize>(), 1_606_016);
    }

    #[test]
    fn signs_preset_is_the_trained_network_1286_parameters_1310_with_conv_biases() {
        let total = |specs: &[LayerSpec]| layer_table(SIGNS_INPUT, specs).unwrap().iter().map(|r| r.params).sum::<usize>();
        let preset = network_presets().into_iter().find(|p| p.name == "signs").unwrap();
        // The preset section 4 shows is the network section 6 trains: one list, one count.
        assert_eq!(preset.layers, signs_network());
        // By hand: 4*4*3*8 + 2*2*8*16 + (64*6 + 6) = 384 + 512 + 390.
        assert_eq!(total(&preset.layers), 1_286);
        // The bias is a per-layer choice: both convs with one bias per filter add 8 + 16.
        let with_bias: Vec<LayerSpec> = preset
            .layers
            .iter()
            .map(|l| match *l {
                LayerSpec::Conv { f, filters, stride, padding, .. } => LayerSpec::Conv { f, filters, stride, padding, bias: true },
                ref other => other.clone(),
            })
            .collect();
        assert_eq!(total(&with_bias), 1_310);
    }

    #[test]
    fn conv_bias_defaults_to_present_and_is_written_only_when_absent() {
        // Files written before the field existed have biases on every convolution.
        let old: LayerSpec = serde_json::from_str(r#"{"type":"conv","f":3,"filters":2,"stride":1,"padding":"same"}"#).unwrap();
        assert_eq!(old, LayerSpec::Conv { f: 3, filters: 2, stride: 1, padding: Padding::Same, bias: true });
        assert!(!serde_json::to_string(&old).unwrap().contains("bias"));
        let none = LayerSpec::Conv { f: 3, filters: 2, stride: 1, padding: Padding::Same, bias: false };
        let text = serde_json::to_string(&none).unwrap();
        assert!(text.contains(r#""bias":false"#), "{text}");
        assert_eq!(serde_json::from_str::<LayerSpec>(&text).unwrap(), none);
        assert_eq!(none.row((5, 5, 4)).unwrap().params, 3 * 3 * 4 * 2);
        assert_eq!(old.row((5, 5, 4)).unwrap().params, (3 * 3 * 4 + 1) * 2);
    }

    #[test]
    fn a_bad_layer_keeps_the_rows_before_it() {
        // LeNet-5 with a conv after its flatten: the five good rows stay, layer 6 is named.
        let mut specs = lenet5_network();
        specs.insert(5, LayerSpec::Conv { f: 3, filters: 4, stride: 1, padding: Padding::Valid, bias: true });
        let t = layer_table_partial(LENET5_INPUT, &specs);
        let shapes: Vec<Shape3> = t.rows.iter().map(|r| r.output).collect();
        assert_eq!(shapes, vec![(28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (1, 1, 400)]);
        let failure = t.error.unwrap();
        assert_eq!(failure.layer, 5);
        let text = failure.error.to_string();
        assert!(text.starts_with("layer 6 (conv)") && text.contains("larger than the input n = 1"), "{text}");
        // f = 50 on the first layer: no rows at all, and the same message layer_table gives.
        let mut specs = lenet5_network();
        specs[0] = LayerSpec::Conv { f: 50, filters: 6, stride: 1, padding: Padding::Valid, bias: true };
        let t = layer_table_partial(LENET5_INPUT, &specs);
        assert!(t.rows.is_empty());
        assert_eq!(t.error.unwrap().error, layer_table(LENET5_INPUT, &specs).unwrap_err());
        assert_eq!(layer_table_partial(LENET5_INPUT, &lenet5_network()).error, None);
    }

    #[test]
    fn dense_needs_flat_input() {
        let err = layer_table((4, 4, 2), &[LayerSpec::Dense { units: 3 }]).unwrap_err();
        assert!(err.to_string().contains("flatten"), "{err}");
    }

    #[test]
    fn lecture_39_network_shapes() {
        let rows = layer_table(LECTURE_39_INPUT, &lecture_39_network()).unwrap();
        let shapes: Vec<Shape3> = rows.iter().map(|r| r.output).collect();
        assert_eq!(shapes, vec![(37, 37, 10), (17, 17, 20), (7, 7, 40), (1, 1, 1960)]);
        // 10*(3*3*3+1), 20*(5*5*10+1), 40*(5*5*20+1).
        let params: Vec<usize> = rows.iter().map(|r| r.params).collect();
        assert_eq!(params, vec![280, 5020, 20040, 0]);
    }

    #[test]
    fn lenet5_shapes_and_lecture_parameter_counts() {
        let rows = layer_table(LENET5_INPUT, &lenet5_network()).unwrap();
        let shapes: Vec<Shape3> = rows.iter().map(|r| r.output).collect();
        assert_eq!(
            shapes,
            vec![(28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (1, 1, 400), (1, 1, 120), (1, 1, 84), (1, 1, 10)]
        );
        // The lecture's table lists no flatten row: 456, 0, 2416, 0, 48120, 10164, 850.
        let params: Vec<usize> = rows
            .iter()
            .filter(|r| r.spec != LayerSpec::Flatten)
            .map(|r| r.params)
            .collect();
        assert_eq!(params, vec![456, 0, 2416, 0, 48120, 10164, 850]);
        // MACs: 28*28*6*75, 10*10*16*150, then the dense weights.
        let macs: Vec<usize> = rows.iter().map(|r| r.macs).collect();
        assert_eq!(macs, vec![352_800, 0, 240_000, 0, 0, 48_000, 10_080, 840]);
    }

    #[test]
    fn presets_carry_their_input_shapes() {
        for preset in network_presets() {
            assert!(layer_table(preset.input, &preset.layers).is_ok(), "{}", preset.name);
        }
        assert_eq!(network_presets().len(), 3);
    }

    #[test]
    fn stride_two_lecture_example() {
        let rows = layer_table(
            (7, 7, 1),
            &[LayerSpec::Conv { f: 3, filters: 1, stride: 2, padding: Padding::Valid, bias: true }],
        )
        .unwrap();
        assert_eq!(rows[0].output, (3, 3, 1));
    }

    #[test]
    fn impossible_layers_are_readable_errors() {
        let conv = |f, stride| LayerSpec::Conv { f, filters: 4, stride, padding: Padding::Valid, bias: true };
        let e = layer_table((7, 7, 3), &[conv(3, 0)]).unwrap_err().to_string();
        assert!(e.contains("layer 1 (conv)") && e.contains("stride"), "{e}");
        let e = layer_table((7, 7, 3), &[conv(0, 1)]).unwrap_err().to_string();
        assert!(e.contains("filter size"), "{e}");
        let e = layer_table((4, 4, 3), &[conv(5, 1)]).unwrap_err().to_string();
        assert!(e.contains("larger than the input n = 4"), "{e}");
        let e = layer_table((7, 7, 3), &[LayerSpec::Conv { f: 3, filters: 0, stride: 1, padding: Padding::Valid, bias: true }])
            .unwrap_err()
            .to_string();
        assert!(e.contains("at least one filter"), "{e}");
        // Sizes that overflow: an error, not a panic or a wrapped number.
        let huge = usize::MAX / 4;
        assert!(layer_table((huge, huge, 3), &[conv(3, 1)]).unwrap_err().to_string().contains("too large"));
        assert!(layer_table((1, 1, huge), &[LayerSpec::Dense { units: 8 }]).is_err());
        // Padding that overflows n + 2p.
        let padded = LayerSpec::Conv { f: 3, filters: 1, stride: 1, padding: Padding::Pad(usize::MAX), bias: true };
        assert!(layer_table((7, 7, 1), &[padded]).is_err());
    }
}
