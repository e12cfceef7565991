//! The only module that knows about wasm-bindgen: opaque handles and plain slices in,
//! typed arrays or small serde structs out, core errors as `JsError` with their message.
//! One file per section of the page, named as its view in `www/views/`.

#[cfg(feature = "bench")]
mod bench;
mod conv;
mod edges;
mod shapes;
mod volumes;
mod pooling;
mod backprop;
mod train;
mod classify;

use ndarray::ArrayView2;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// A core error as a JS `Error` carrying the core's message (in English) and, for a coded
/// message, its `code` and `params`, which the page words in the student's language
/// (www/errors.js `errorText`).
pub(crate) fn js_err(e: crate::ConvLabError) -> JsError {
    let error = JsError::new(&e.to_string());
    let m = e.message();
    // A clone of a JsError is the same JS object: the properties land on the one thrown.
    let object = JsValue::from(error.clone());
    let params = to_js(m).ok().and_then(|v| js_sys::Reflect::get(&v, &"params".into()).ok());
    let _ = js_sys::Reflect::set(&object, &"code".into(), &m.code().into());
    let _ = js_sys::Reflect::set(&object, &"params".into(), &params.unwrap_or(JsValue::UNDEFINED));
    error
}

/// One message of each code the core can return, as `{code, params, message}` with sample
/// numbers: the page's catalogue test words each in English and compares.
#[wasm_bindgen(js_name = messageSamples)]
pub fn message_samples() -> Result<JsValue, JsError> {
    to_js(&crate::message::samples())
}

/// Serialise a result for JS (maps and tuples become plain objects and arrays).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// A row-major slice as an h x w grid, or an error naming what it was.
pub(crate) fn grey_view<'a>(data: &'a [f32], h: usize, w: usize, what: &str) -> Result<ArrayView2<'a, f32>, JsError> {
    ArrayView2::from_shape((h, w), data)
        .map_err(|_| JsError::new(&format!("the {what} has {} values, not {h} x {w}", data.len())))
}

/// Read a settings object from JS, with a message that names what was expected.
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("invalid {what}: {e}")))
}

/// Bytes of this wasm instance's linear memory (it only ever grows): the figure the
/// hardening tests watch under load, asked of the page's instance and of the worker's.
#[wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().map(|b| b.byte_length() as f64).unwrap_or(0.0))
        .unwrap_or(0.0)
}

/// A photo's size from the first bytes of its file (1 MB is plenty), before decoding:
/// `{format, width, height}`, `null` when the header is not PNG/JPEG/GIF/WebP or is cut
/// off, or an error naming the 50-megapixel limit for a larger photo.
#[wasm_bindgen(js_name = checkPhotoHeader)]
pub fn check_photo_header_js(head: &[u8]) -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Size {
        format: &'static str,
        width: u32,
        height: u32,
    }
    match crate::data::photo_header::check_photo_header(head).map_err(js_err)? {
        Some(h) => to_js(&Size { format: h.format, width: h.width, height: h.height }),
        None => Ok(JsValue::NULL),
    }
}
