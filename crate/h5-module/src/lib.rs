//! The course's HDF5 files read in the browser, as a wasm module of its own.
//!
//! The HDF5 reader (with its inflate) is about a third of the core's code, and only a
//! student who gives the page `train_signs.h5` / `test_signs.h5` needs it. So the page's
//! wasm is built without it, and the training worker loads this module (`www/pkg-h5/`)
//! the first time a course file arrives. It reads the file with the core's
//! `data::h5::load_course_file` (the same checks and messages as the command line) and hands the
//! flat parts to the page's `DataSet.fromParts`.

use convlab::data::{h5::{load_course_file, Split}, Dataset};
use convlab::message::Message;
use wasm_bindgen::prelude::*;

/// One course file, read: pixels (m, 64, 64, 3) row-major, one label per picture, classes.
#[wasm_bindgen]
pub struct CourseFile {
    split: Split,
    data: Dataset,
}

#[wasm_bindgen]
impl CourseFile {
    /// `train` or `test`: which half of the course's data the file holds, from its
    /// datasets (`train_set_x` or `test_set_x`), whatever the file is called.
    pub fn split(&self) -> String {
        self.split.prefix().to_string()
    }

    /// The pictures' bytes, (m, 64, 64, 3) row-major (NHWC).
    pub fn pixels(&self) -> Vec<u8> {
        self.data.images.iter().copied().collect()
    }

    /// Each picture's label, an index into `classes`.
    pub fn labels(&self) -> Vec<u8> {
        self.data.labels.clone()
    }

    /// What each label means (the file's `list_classes`).
    pub fn classes(&self) -> Vec<i64> {
        self.data.classes.clone()
    }
}

/// Reads one course HDF5 file from its bytes; a wrong file is an error with the core's
/// message: its English, and its `code` and `params` for the page to word in the student's
/// language, as the core's own errors carry them (crate/src/wasm/mod.rs `js_err`).
#[wasm_bindgen(js_name = readCourseH5)]
pub fn read_course_h5(bytes: &[u8]) -> Result<CourseFile, JsError> {
    load_course_file(bytes).map(|(split, data)| CourseFile { split, data }).map_err(|e| js_error(e.message()))
}

fn js_error(m: &Message) -> JsError {
    let error = JsError::new(&m.english());
    // A clone of a JsError is the same JS object: the properties land on the one thrown.
    let object = JsValue::from(error.clone());
    let params = serde_json::to_value(m)
        .ok()
        .and_then(|v| v.get("params").map(|p| p.to_string()))
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::UNDEFINED);
    let _ = js_sys::Reflect::set(&object, &"code".into(), &m.code().into());
    let _ = js_sys::Reflect::set(&object, &"params".into(), &params);
    error
}
