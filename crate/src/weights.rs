//! Saving and loading a trained model as a small, versioned JSON document:
//! `{"format": "convlab-weights", "version": 1, "input": [h, w, c], "layers": [specs...],
//! "classes": [...], "tensors": [{"name", "shape", "values"}...]}`. Tensors are listed in
//! layer order: conv and fully connected layers have `w` and `b`, batch norm has `gamma`,
//! `beta`, `running_mean` and `running_var`. Loading checks everything and says what is
//! wrong: another format, an unknown version, layers that do not fit, a missing, extra or
//! wrongly shaped tensor, a value that is not a number.

use crate::error::{ConvLabError, Result};
use crate::layers::{LayerSpec, Shape3};
use crate::model::{Layer, Model};
use serde::{Deserialize, Serialize};

/// The `format` field of every ConvLab weights file.
pub const FORMAT: &str = "convlab-weights";
/// The version this code writes and reads.
pub const VERSION: u32 = 1;

fn werr(msg: String) -> ConvLabError {
    ConvLabError::Weights(msg)
}

/// One named tensor. Values are read as optional so that a NaN (written as null by JSON
/// writers) gets a clear message instead of a parse error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<Option<f32>>,
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

/// The model as a [`SavedModel`].
pub fn to_saved(model: &Model, classes: &[i64]) -> SavedModel {
    SavedModel {
        format: FORMAT.into(),
        version: VERSION,
        input: model.input_shape(),
        layers: model.specs().to_vec(),
        classes: classes.to_vec(),
        tensors: model_tensors(model)
            .into_iter()
            .map(|(name, shape, values)| SavedTensor {
                name,
                shape,
                values: values.into_iter().map(Some).collect(),
            })
            .collect(),
    }
}

/// The model as JSON text.
pub fn to_json(model: &Model, classes: &[i64]) -> Result<String> {
    serde_json::to_string(&to_saved(model, classes))
        .map_err(|e| werr(format!("could not write the weights: {e}")))
}

/// Checks a [`SavedModel`] and builds the model it describes; returns it with its classes.
pub fn from_saved(saved: &SavedModel) -> Result<(Model, Vec<i64>)> {
    if saved.format != FORMAT {
        return Err(werr(format!(
            "this is not a ConvLab weights file (format \"{}\", expected \"{FORMAT}\")",
            saved.format
        )));
    }
    if saved.version != VERSION {
        return Err(werr(format!(
            "weights file version {} is not supported: this ConvLab reads version {VERSION}",
            saved.version
        )));
    }
    let mut model = Model::new(&saved.layers, saved.input, 0).map_err(|e| {
        werr(format!(
            "the layers in the weights file do not form a valid network: {e}"
        ))
    })?;
    let expected = model_tensors(&model);
    if saved.tensors.len() != expected.len() {
        return Err(werr(format!(
            "the network needs {} tensors but the file has {}",
            expected.len(),
            saved.tensors.len()
        )));
    }
    let mut values: Vec<Vec<f32>> = Vec::with_capacity(expected.len());
    for ((name, shape, _), t) in expected.iter().zip(&saved.tensors) {
        if &t.name != name {
            return Err(werr(format!("expected tensor {name} but found {}", t.name)));
        }
        if &t.shape != shape {
            return Err(werr(format!(
                "tensor {name} has shape {:?} but the network needs {shape:?}",
                t.shape
            )));
        }
        let count: usize = shape.iter().product();
        if t.values.len() != count {
            return Err(werr(format!(
                "tensor {name} of shape {shape:?} needs {count} values, the file has {}",
                t.values.len()
            )));
        }
        let mut v = Vec::with_capacity(count);
        for (j, x) in t.values.iter().enumerate() {
            match x {
                Some(x) if x.is_finite() => v.push(*x),
                _ => {
                    return Err(werr(format!(
                        "tensor {name} has a value that is not a finite number at position {j}"
                    )))
                }
            }
        }
        if name.ends_with("running_var") && v.iter().any(|&x| x < 0.0) {
            return Err(werr(format!("tensor {name} has a negative variance")));
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
    let saved: SavedModel = serde_json::from_str(text)
        .map_err(|e| werr(format!("the weights file is not valid: {e}")))?;
    from_saved(&saved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{tests::batch, Mode};
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
    fn garbage_is_an_error() {
        let e = from_json("{\"hello\": 1}").err().unwrap().to_string();
        assert!(e.contains("not valid"), "{e}");
    }
}
