//! The only module that knows about wasm-bindgen: opaque handles and plain slices in,
//! typed arrays or small serde structs out, core errors as `JsError` with their message.
//! One file per area of the page.

mod bench;
mod lessons;
mod training;
mod classify;

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// A core error as a JS `Error` carrying the core's message.
pub(crate) fn js_err(e: crate::ConvLabError) -> JsError {
    JsError::new(&e.to_string())
}

/// Serialise a result for JS (maps and tuples become plain objects and arrays).
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Read a settings object from JS, with a message that names what was expected.
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("invalid {what}: {e}")))
}
