//! Saving and loading a trained model as a small, versioned JSON document:
//! `{"format": "convlab-weights", "version": 2, "input": [h, w, c], "layers": [specs...],
//! "classes": [...], "tensors": [{"name", "shape", "data"}...]}`. Tensors are listed in
//! layer order: conv and fully connected layers have `w` and `b`, batch norm has `gamma`,
//! `beta`, `running_mean` and `running_var`. Loading checks everything and says what is
//! wrong: another format, an unknown version, layers that do not fit, a missing, extra or
//! wrongly shaped tensor, a value that is not a number.
//!
//! Two versions load; [`to_json`] writes version 2.
//! - Version 1: each tensor's `values` as a JSON list of decimal numbers (about 9
//!   characters a value).
//! - Version 2: each tensor's `data`, the exact f32 bits in a base64 string (5.3
//!   characters a value): the tensor's values as little-endian f32 (4 bytes each, in
//!   row-major order), regrouped into byte planes (every value's byte 0, then every byte
//!   1, byte 2, byte 3), then base64 (standard alphabet, `=` padding). The planes put
//!   the similar sign-and-exponent bytes side by side, which lets gzip shrink the file
//!   further when it is served. In numpy:
//!   `np.frombuffer(base64.b64decode(d), np.uint8).reshape(4, -1).T.copy().view('<f4')`.

use crate::error::{ConvLabError, Result};
use crate::message::Message;
use crate::nn::layers::{LayerSpec, Shape3};
use crate::nn::model::{Layer, Model};
use serde::{Deserialize, Serialize};

/// The `format` field of every ConvLab weights file.
pub const FORMAT: &str = "convlab-weights";
/// The version this code writes: values as base64 f32 byte planes.
pub const VERSION: u32 = 2;
/// The first version, values as JSON numbers: still read.
pub const VERSION_DECIMAL: u32 = 1;

/// An uncoded weights error (only writing, which does not fail).
fn werr(msg: String) -> ConvLabError {
    ConvLabError::Weights(msg.into())
}

fn format_error(format: &str) -> ConvLabError {
    Message::WeightsFormat { format: format.to_string(), expected: FORMAT.to_string() }.weights()
}

fn version_error(version: u32) -> ConvLabError {
    Message::WeightsVersion { version, first: VERSION_DECIMAL, current: VERSION }.weights()
}

/// One named tensor: its values either as numbers (`values`, version 1) or as base64 f32
/// byte planes (`data`, version 2; see the module docs). Values are read as optional so
/// that a NaN (written as null by JSON writers) gets a clear message instead of a parse
/// error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Option<f32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

/// The document as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    pub format: String,
    pub version: u32,
    pub input: Shape3,
    pub layers: Vec<LayerSpec>,
    /// What each output means (the course's list_classes), may be empty.
    #[serde(default)]
    pub classes: Vec<i64>,
    pub tensors: Vec<SavedTensor>,
    /// When the model's answers come with a warning (fitted by `hand_eval calibrate`);
    /// absent in files that were never calibrated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<crate::classify::Calibration>,
}

/// (name, shape, values) of every stored tensor of the model, in layer order.
fn model_tensors(model: &Model) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    let mut out = Vec::new();
    for (i, layer) in model.layers.iter().enumerate() {
        let n = i + 1;
        let mut push = |what: &str, shape: &[usize], values: Vec<f32>| {
            out.push((format!("layer{n}.{what}"), shape.to_vec(), values))
        };
        match layer {
            Layer::Conv(c) => {
                push("w", c.w.shape(), c.w.iter().copied().collect());
                if c.bias {
                    push("b", c.b.shape(), c.b.to_vec());
                }
            }
            Layer::Dense(d) => {
                push("w", d.w.shape(), d.w.iter().copied().collect());
                push("b", d.b.shape(), d.b.to_vec());
            }
            Layer::BatchNorm(bn) => {
                push("gamma", bn.gamma.shape(), bn.gamma.to_vec());
                push("beta", bn.beta.shape(), bn.beta.to_vec());
                push(
                    "running_mean",
                    bn.running_mean.shape(),
                    bn.running_mean.to_vec(),
                );
                push(
                    "running_var",
                    bn.running_var.shape(),
                    bn.running_var.to_vec(),
                );
            }
            _ => {}
        }
    }
    out
}

/// The model as a version 1 [`SavedModel`] (values as numbers, easy to edit); see
/// [`compact`] for version 2.
pub fn to_saved(model: &Model, classes: &[i64]) -> SavedModel {
    SavedModel {
        format: FORMAT.into(),
        version: VERSION_DECIMAL,
        input: model.input_shape(),
        layers: model.specs().to_vec(),
        classes: classes.to_vec(),
        tensors: model_tensors(model)
            .into_iter()
            .map(|(name, shape, values)| SavedTensor {
                name,
                shape,
                values: values.into_iter().map(Some).collect(),
                data: None,
            })
            .collect(),
        calibration: None,
    }
}

/// Turns a version 1 document into version 2: every tensor's `values` become `data`
/// holding the same f32 bits. A tensor that already has `data` is left as it is; a
/// missing value (None, a NaN read from JSON) is stored as NaN, which loading refuses.
pub fn compact(saved: &mut SavedModel) {
    for t in &mut saved.tensors {
        if t.data.is_none() {
            let values: Vec<f32> = t.values.iter().map(|v| v.unwrap_or(f32::NAN)).collect();
            t.data = Some(encode_f32(&values));
            t.values.clear();
        }
    }
    saved.version = VERSION;
}

/// The model as JSON text, version 2 (exact values, about 5.3 characters each).
pub fn to_json(model: &Model, classes: &[i64]) -> Result<String> {
    let mut saved = to_saved(model, classes);
    compact(&mut saved);
    // Serialising plain structs does not fail; the message is for the impossible case.
    serde_json::to_string(&saved).map_err(|e| werr(format!("could not write the weights: {e}")))
}

/// f32 values as base64 of their little-endian byte planes (see the module docs).
pub fn encode_f32(values: &[f32]) -> String {
    let n = values.len();
    let mut planes = vec![0u8; n * 4];
    for (i, v) in values.iter().enumerate() {
        for (k, byte) in v.to_le_bytes().into_iter().enumerate() {
            planes[k * n + i] = byte;
        }
    }
    base64::encode(&planes)
}

/// The inverse of [`encode_f32`]; `what` names the tensor in the messages.
pub fn decode_f32(data: &str, what: &str) -> Result<Vec<f32>> {
    let planes = base64::decode(data)
        .map_err(|cause| Message::WeightsBase64 { name: what.to_string(), cause: Box::new(cause) }.weights())?;
    if planes.len() % 4 != 0 {
        return Err(Message::WeightsPartialValue { name: what.to_string(), bytes: planes.len() }.weights());
    }
    let n = planes.len() / 4;
    Ok((0..n)
        .map(|i| f32::from_le_bytes([planes[i], planes[n + i], planes[2 * n + i], planes[3 * n + i]]))
        .collect())
}

/// Standard base64 (RFC 4648 alphabet, `=` padding), small enough to keep here rather
/// than add a dependency. Decoding refuses anything else with a message, never panics.
mod base64 {
    use crate::message::Message;

    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for k in 0..4 {
                if k <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn sextet(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }

    pub fn decode(text: &str) -> Result<Vec<u8>, Message> {
        let bytes = text.as_bytes();
        if !bytes.len().is_multiple_of(4) {
            return Err(Message::Base64Length { length: bytes.len() });
        }
        let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
        let quads = bytes.len() / 4;
        for (q, quad) in bytes.chunks(4).enumerate() {
            // Padding only at the very end: "xx==" or "xxx=".
            let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
            if pad > 2 || (pad > 0 && q + 1 != quads) {
                return Err(Message::Base64Padding { at: q * 4 + 4 - pad });
            }
            let mut n = 0u32;
            for (k, &c) in quad[..4 - pad].iter().enumerate() {
                let v = sextet(c)
                    .ok_or_else(|| Message::Base64Char { ch: format!("{:?}", c as char), at: q * 4 + k })?;
                n |= v << (18 - 6 * k);
            }
            let b = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            out.extend_from_slice(&b[..3 - pad]);
        }
        Ok(out)
    }
}

/// Checks a [`SavedModel`] and builds the model it describes; returns it with its classes.
pub fn from_saved(saved: &SavedModel) -> Result<(Model, Vec<i64>)> {
    if saved.format != FORMAT {
        return Err(format_error(&saved.format));
    }
    if saved.version != VERSION && saved.version != VERSION_DECIMAL {
        return Err(version_error(saved.version));
    }
    let mut model = Model::new(&saved.layers, saved.input, 0)
        .map_err(|e| Message::WeightsLayers { cause: Box::new(e.message().clone()) }.weights())?;
    let expected = model_tensors(&model);
    if saved.tensors.len() != expected.len() {
        return Err(Message::WeightsTensorCount { needs: expected.len(), has: saved.tensors.len() }.weights());
    }
    let mut values: Vec<Vec<f32>> = Vec::with_capacity(expected.len());
    for ((name, shape, _), t) in expected.iter().zip(&saved.tensors) {
        if &t.name != name {
            return Err(Message::WeightsTensorName { name: name.clone(), found: t.name.clone() }.weights());
        }
        if &t.shape != shape {
            return Err(Message::WeightsTensorShape {
                name: name.clone(),
                shape: format!("{:?}", t.shape),
                needs: format!("{shape:?}"),
            }
            .weights());
        }
        let count: usize = shape.iter().product();
        // Version 1 stores numbers, version 2 base64 data: each exactly one of the two.
        let decoded: Vec<Option<f32>>;
        let stored: &[Option<f32>] = match (saved.version, &t.data) {
            (VERSION_DECIMAL, None) => &t.values,
            (VERSION, Some(data)) if t.values.is_empty() => {
                decoded = decode_f32(data, name)?.into_iter().map(Some).collect();
                &decoded
            }
            (VERSION, _) => {
                return Err(Message::WeightsNeedsData { name: name.clone(), version: VERSION }.weights())
            }
            _ => {
                return Err(Message::WeightsNeedsValues { name: name.clone(), version: VERSION_DECIMAL }.weights())
            }
        };
        if stored.len() != count {
            return Err(Message::WeightsValueCount {
                name: name.clone(),
                shape: format!("{shape:?}"),
                count,
                has: stored.len(),
            }
            .weights());
        }
        let mut v = Vec::with_capacity(count);
        for (j, x) in stored.iter().enumerate() {
            match x {
                Some(x) if x.is_finite() => v.push(*x),
                _ => {
                    return Err(Message::WeightsNotFinite { name: name.clone(), position: j }.weights())
                }
            }
        }
        if name.ends_with("running_var") && v.iter().any(|&x| x < 0.0) {
            return Err(Message::WeightsNegativeVariance { name: name.clone() }.weights());
        }
        values.push(v);
    }
    let mut it = values.into_iter();
    for layer in model.layers.iter_mut() {
        let mut fill = |dst: &mut [f32]| {
            if let Some(v) = it.next() {
                dst.copy_from_slice(&v);
            }
        };
        match layer {
            Layer::Conv(c) => {
                c.w.as_slice_mut().map(&mut fill);
                if c.bias {
                    c.b.as_slice_mut().map(&mut fill);
                }
            }
            Layer::Dense(d) => {
                d.w.as_slice_mut().map(&mut fill);
                d.b.as_slice_mut().map(&mut fill);
            }
            Layer::BatchNorm(bn) => {
                bn.gamma.as_slice_mut().map(&mut fill);
                bn.beta.as_slice_mut().map(&mut fill);
                bn.running_mean.as_slice_mut().map(&mut fill);
                bn.running_var.as_slice_mut().map(&mut fill);
            }
            _ => {}
        }
    }
    Ok((model, saved.classes.clone()))
}

/// Reads a model from JSON text (see [`from_saved`] for the checks).
pub fn from_json(text: &str) -> Result<(Model, Vec<i64>)> {
    from_json_calibrated(text).map(|(model, classes, _)| (model, classes))
}

/// [`from_json`], with the file's calibration ([`crate::classify::UNCALIBRATED`] when it
/// has none).
pub fn from_json_calibrated(text: &str) -> Result<(Model, Vec<i64>, crate::classify::Calibration)> {
    // Another format or version is said as such, even when its fields are not ours.
    #[derive(Deserialize)]
    struct Header {
        format: Option<String>,
        version: Option<u32>,
    }
    if let Ok(Header { format, version }) = serde_json::from_str::<Header>(text) {
        match (format, version) {
            (Some(f), _) if f != FORMAT => return Err(format_error(&f)),
            (_, Some(v)) if v != VERSION && v != VERSION_DECIMAL => return Err(version_error(v)),
            _ => {}
        }
    }
    let saved: SavedModel = serde_json::from_str(text)
        .map_err(|e| Message::WeightsNotValid { detail: e.to_string() }.weights())?;
    let (model, classes) = from_saved(&saved)?;
    Ok((model, classes, saved.calibration.unwrap_or(crate::classify::UNCALIBRATED)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::model::{tests::batch, Mode};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn small() -> Model {
        use LayerSpec::*;
        Model::new(
            &[
                BatchNorm,
                Flatten,
                Dense { units: 4 },
                Relu,
                Dense { units: 3 },
            ],
            (2, 2, 2),
            7,
        )
        .unwrap()
    }

    #[test]
    fn round_trip_gives_the_same_predictions() {
        let mut m = small();
        // Move the batch-norm running statistics away from their start.
        let x = batch(6, (2, 2, 2), 1);
        m.forward(x.view(), Mode::Train).unwrap();
        let json = to_json(&m, &[0, 1, 2]).unwrap();
        let (mut back, classes) = from_json(&json).unwrap();
        assert_eq!(classes, vec![0, 1, 2]);
        assert_eq!(
            m.predict(x.view()).unwrap(),
            back.predict(x.view()).unwrap()
        );
        assert!(json.contains("\"running_var\"") || json.contains("layer1.running_var"));
    }

    fn edit(f: impl FnOnce(&mut SavedModel)) -> String {
        let mut s = to_saved(&small(), &[]);
        f(&mut s);
        from_saved(&s).err().unwrap().to_string()
    }

    #[test]
    fn unknown_version_is_an_error() {
        let e = edit(|s| s.version = 99);
        assert!(e.contains("version 99 is not supported"), "{e}");
        let e = edit(|s| s.format = "keras".into());
        assert!(e.contains("not a ConvLab weights file"), "{e}");
    }

    #[test]
    fn wrong_shapes_are_errors() {
        let e = edit(|s| s.tensors[4].shape = vec![8, 5]);
        assert!(
            e.contains("layer3.w has shape [8, 5]") && e.contains("[8, 4]"),
            "{e}"
        );
        let e = edit(|s| {
            s.tensors[5].values.pop();
        });
        assert!(e.contains("needs 4 values"), "{e}");
        let e = edit(|s| {
            s.tensors.pop();
        });
        assert!(e.contains("needs 8 tensors"), "{e}");
        let e = edit(|s| s.layers[2] = LayerSpec::Dense { units: 0 });
        assert!(e.contains("do not form a valid network"), "{e}");
    }

    #[test]
    fn nan_values_are_errors() {
        // serde_json writes NaN as null.
        let mut s = to_saved(&small(), &[]);
        s.tensors[4].values[2] = Some(f32::NAN);
        let json = serde_json::to_string(&s).unwrap();
        let e = from_json(&json).err().unwrap().to_string();
        assert!(
            e.contains("layer3.w has a value that is not a finite number at position 2"),
            "{e}"
        );
    }

    #[test]
    fn base64_matches_rfc_4648() {
        // The test vectors of RFC 4648, section 10.
        let cases = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")];
        for (plain, coded) in cases {
            assert_eq!(base64::encode(plain.as_bytes()), coded);
            assert_eq!(base64::decode(coded).unwrap(), plain.as_bytes());
        }
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(base64::decode(&base64::encode(&all)).unwrap(), all);
        for bad in ["Zg=", "Z===", "Zg==Zm8=", "Zm9v!A==", "Zm 9"] {
            assert!(base64::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_are_little_endian_f32_in_byte_planes() {
        // 1.0 = 0x3F800000, -2.0 = 0xC0000000; planes: 00 00 | 00 00 | 80 00 | 3F C0
        // (checked with Python's struct and base64).
        assert_eq!(encode_f32(&[1.0, -2.0]), "AAAAAIAAP8A=");
        assert_eq!(decode_f32("AAAAAIAAP8A=", "t").unwrap(), vec![1.0, -2.0]);
        let special = [0.0, -0.0, f32::MIN_POSITIVE, 1e-45, f32::MAX, f32::MIN, 0.1, -123.456];
        let back = decode_f32(&encode_f32(&special), "t").unwrap();
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&special));
        let e = decode_f32("AAAAAAA=", "layer1.w").unwrap_err().to_string();
        assert!(e.contains("layer1.w has 5 bytes of data, not a whole number"), "{e}");
        let e = decode_f32("AAA*", "layer1.w").unwrap_err().to_string();
        assert!(e.contains("not valid base64"), "{e}");
    }

    #[test]
    fn versions_1_and_2_hold_bit_identical_values() {
        let mut m = small();
        m.forward(batch(6, (2, 2, 2), 1).view(), Mode::Train).unwrap();
        let v1 = serde_json::to_string(&to_saved(&m, &[0, 1, 2])).unwrap();
        let v2 = to_json(&m, &[0, 1, 2]).unwrap();
        assert!(v1.contains("\"version\":1") && v1.contains("\"values\""));
        assert!(v2.contains("\"version\":2") && v2.contains("\"data\"") && !v2.contains("\"values\""));
        let (a, _) = from_json(&v1).unwrap();
        let (b, _) = from_json(&v2).unwrap();
        let bits = |m: &Model| {
            model_tensors(m).into_iter().flat_map(|(_, _, v)| v).map(f32::to_bits).collect::<Vec<_>>()
        };
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(bits(&b), bits(&m));
        // compact() of a parsed version 1 document gives the same text as to_json.
        let mut saved: SavedModel = serde_json::from_str(&v1).unwrap();
        compact(&mut saved);
        assert_eq!(serde_json::to_string(&saved).unwrap(), v2);
    }

    #[test]
    fn version_2_data_is_checked_like_values() {
        let v2 = |f: &dyn Fn(&mut SavedModel)| {
            let mut s = to_saved(&small(), &[]);
            compact(&mut s);
            f(&mut s);
            from_saved(&s).err().unwrap().to_string()
        };
        let e = v2(&|s| s.tensors[4].data = Some(encode_f32(&[0.5; 31])));
        assert!(e.contains("layer3.w of shape [8, 4] needs 32 values, the file has 31"), "{e}");
        let e = v2(&|s| {
            let mut v = vec![0.5; 32];
            v[2] = f32::NAN;
            s.tensors[4].data = Some(encode_f32(&v));
        });
        assert!(e.contains("layer3.w has a value that is not a finite number at position 2"), "{e}");
        let e = v2(&|s| s.tensors[4].data = Some("not base64!".into()));
        assert!(e.contains("layer3.w has data that is not valid base64"), "{e}");
        let e = v2(&|s| s.tensors[4].data = None);
        assert!(e.contains("needs its values as base64"), "{e}");
        let e = v2(&|s| s.tensors[4].values = vec![Some(1.0)]);
        assert!(e.contains("needs its values as base64"), "{e}");
        let e = v2(&|s| s.tensors[3].data = Some(encode_f32(&[1.0, -1.0])));
        assert!(e.contains("layer1.running_var has a negative variance"), "{e}");
        let e = edit(|s| s.tensors[0].data = Some(encode_f32(&[1.0; 8])));
        assert!(e.contains("needs its values as a \"values\" list"), "{e}");
    }

    #[test]
    fn garbage_is_an_error() {
        let e = from_json("{\"hello\": 1}").err().unwrap().to_string();
        assert!(e.contains("not valid"), "{e}");
    }
}
