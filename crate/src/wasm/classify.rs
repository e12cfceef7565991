//! Bindings for section 7 (classify your hand): a loaded model as an opaque handle, a
//! photo's pixels in, the 64x64 input, the prediction and the feature maps out.

use super::{js_err, to_js};
use crate::classify::{classify_photo_views, Calibration, Classified, Prediction};
use crate::classify::grad_cam::{overlay_rgba, ClassMap};
use crate::classify::hand_model::{views_for, View};
use crate::nn::model::{LayerOutput, Model};
use crate::lesson::tiles::{channel_tiles, kind_of, rgb_input_rgba, Tiles};
use crate::train::weights::from_json_calibrated;
use js_sys::{Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Tiles as `{ name, height, width, count, low, high, non_finite, rgba: Uint8Array }`.
pub(super) fn tiles_js(name: &str, tiles: &Tiles) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Meta<'a> {
        name: &'a str,
        height: usize,
        width: usize,
        count: usize,
        low: f32,
        high: f32,
        non_finite: usize,
    }
    let meta = to_js(&Meta {
        name,
        height: tiles.height,
        width: tiles.width,
        count: tiles.count,
        low: tiles.low,
        high: tiles.high,
        non_finite: tiles.non_finite,
    })?;
    Reflect::set(&meta, &"rgba".into(), &Uint8Array::from(&tiles.rgba[..]))
        .map_err(|_| JsError::new("could not build the tiles object"))?;
    Ok(meta)
}

/// The spatial layer outputs (conv, relu, pool...: more than one pixel) named in `names`
/// (all of them when `names` is empty) as tiles, in layer order; flat outputs (flatten,
/// logits, probabilities) are left out. The page asks only for the maps it draws:
/// colouring every layer's maps cost more than the network's forward pass.
pub(super) fn maps_js(outputs: &[LayerOutput], names: &[String]) -> Result<JsValue, JsError> {
    let list = js_sys::Array::new();
    for out in outputs {
        let (h, w, _) = out.shape;
        if h * w <= 1 || !(names.is_empty() || names.contains(&out.name)) {
            continue;
        }
        let tiles = channel_tiles(&out.values, out.shape, kind_of(&out.values)).map_err(js_err)?;
        list.push(&tiles_js(&out.name, &tiles)?);
    }
    Ok(list.into())
}

/// `{ input: tiles (the 64x64 picture the network sees), crop: the square of the photo it
/// came from, prediction, maps: [tiles...] }` for a photo, the probabilities averaged
/// over `views` (the maps are the photo's own), the warning judged with `calibration`.
#[allow(clippy::too_many_arguments)]
pub(super) fn photo_views_js(
    model: &mut Model,
    classes: &[i64],
    calibration: &Calibration,
    pixels: &[u8],
    width: usize,
    height: usize,
    orientation: u8,
    views: &[View],
    maps: &[String],
    explain: bool,
) -> Result<JsValue, JsError> {
    let channels = if pixels.len() == width.saturating_mul(height).saturating_mul(3) { 3 } else { 4 };
    let Classified { prepared, outputs, prediction, class_maps } =
        classify_photo_views(model, classes, calibration, pixels, width, height, channels, orientation, views, explain).map_err(js_err)?;
    let out = Object::new();
    let set = |k: &str, v: &JsValue| Reflect::set(&out, &k.into(), v).map_err(|_| JsError::new("could not build the result"));
    set("input", &tiles_js("input", &rgb_input_rgba(prepared.input.view()).map_err(js_err)?)?)?;
    set("crop", &to_js(&prepared.crop)?)?;
    set("prediction", &to_js::<Prediction>(&prediction)?)?;
    set("maps", &maps_js(&outputs, maps)?)?;
    let cams = js_sys::Array::new();
    for map in &class_maps {
        cams.push(&class_map_js(map)?);
    }
    set("classMaps", &cams)?;
    Ok(out.into())
}

/// A Grad-CAM map as `{ class, layer, mapHeight, mapWidth, height, width, rgba }`, the
/// overlay's colours and opacity made by the core (`grad_cam::overlay_rgba`).
pub(super) fn class_map_js(map: &ClassMap) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Meta<'a> {
        class: usize,
        layer: &'a str,
        map_height: usize,
        map_width: usize,
        height: usize,
        width: usize,
    }
    let meta = to_js(&Meta { class: map.class, layer: &map.layer, map_height: map.map_height, map_width: map.map_width, height: map.height, width: map.width })?;
    Reflect::set(&meta, &"rgba".into(), &Uint8Array::from(&overlay_rgba(map)[..]))
        .map_err(|_| JsError::new("could not build the map object"))?;
    Ok(meta)
}

/// A trained model loaded from ConvLab's weights JSON (validated by the core).
#[wasm_bindgen]
pub struct Classifier {
    model: Model,
    classes: Vec<i64>,
    calibration: Calibration,
}

#[wasm_bindgen]
impl Classifier {
    /// Loads a weights file's text; wrong format, version, shapes or NaN values are errors
    /// with the core's message.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(text: &str) -> Result<Classifier, JsError> {
        let (model, classes, calibration) = from_json_calibrated(text).map_err(js_err)?;
        Ok(Classifier { model, classes, calibration })
    }

    /// `{ params, layers: [layer table rows], input: [h, w, c], classes }`.
    pub fn describe(&self) -> Result<JsValue, JsError> {
        #[derive(Serialize)]
        struct Info<'a> {
            params: usize,
            layers: &'a [crate::nn::layers::LayerRow],
            input: crate::nn::layers::Shape3,
            classes: &'a [i64],
        }
        to_js(&Info { params: self.model.num_params(), layers: self.model.table(), input: self.model.input_shape(), classes: &self.classes })
    }

    /// A decoded photo (RGBA or RGB bytes as stored in the file, `width` x `height`, EXIF
    /// `orientation` 1-8) through THE preprocessing and the model, averaged over the
    /// model's views (`hand_model::views_for`: six, mirrored and turned, for the robust
    /// network), like `convlab classify`: see `photo_views_js`. `maps` names the layers
    /// whose feature maps come back (`["conv1", "pool1"]`; all spatial ones when empty);
    /// with `explain`, a Grad-CAM map per class comes back too (`classMaps`).
    pub fn classify(&mut self, pixels: &[u8], width: usize, height: usize, orientation: u8, maps: Vec<String>, explain: bool) -> Result<JsValue, JsError> {
        let views = views_for(&self.model);
        photo_views_js(&mut self.model, &self.classes, &self.calibration, pixels, width, height, orientation, views, &maps, explain)
    }
}

/// The EXIF orientation (1-8) of a photo file's bytes; 1 when it has none.
#[wasm_bindgen(js_name = exifOrientation)]
pub fn exif_orientation_js(file_bytes: &[u8]) -> u8 {
    crate::data::preprocess::exif_orientation(file_bytes)
}

/// The largest photo the preprocessing accepts, in pixels.
#[wasm_bindgen(js_name = maxPhotoPixels)]
pub fn max_photo_pixels() -> usize {
    crate::data::preprocess::MAX_PIXELS
}
