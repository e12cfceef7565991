//! The course's HDF5 files read in the browser, as a wasm module of its own.
//!
//! The HDF5 reader (with its inflate) is about a third of the core's code, and only a
//! student who gives the page `train_signs.h5` / `test_signs.h5` needs it. So the page's
//! wasm is built without it, and the training worker loads this module (`www/pkg-h5/`)
//! the first time a course file arrives. It reads the file with the core's
//! `data::h5::load_course_file` (the same checks and messages as the command line) and hands the
//! flat parts to the page's `DataSet.fromParts`.

use convlab::data::{h5::{load_course_file, Split}, Dataset};
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

/// Reads one course HDF5 file from its bytes; a wrong file is an error with the core's message.
#[wasm_bindgen(js_name = readCourseH5)]
pub fn read_course_h5(bytes: &[u8]) -> Result<CourseFile, JsError> {
    load_course_file(bytes).map(|(split, data)| CourseFile { split, data }).map_err(|e| JsError::new(&e.to_string()))
}
