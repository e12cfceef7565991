//! Training data: the course's HDF5 files, the embedded synthetic hands, photo
//! preprocessing and augmentation. Every path produces a [`Dataset`].
//!
//! - [`h5`]: `train_signs.h5` / `test_signs.h5` from bytes, with clear errors.
//! - [`preprocess`]: THE photo -> (64, 64, 3) function (orientation, crop, area resize).
//! - [`photo_header`]: a photo's size read from its PNG/JPEG/GIF/WebP header, before decoding.
//! - [`augment`]: seeded random rotation, scale, shift, flip and colour per minibatch.

use ndarray::Array4;

pub mod h5;
pub mod preprocess;
pub mod photo_header;
pub mod augment;

/// Labelled 64x64 RGB pictures, kept as bytes (0-255) until a minibatch needs floats.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// (m, 64, 64, 3), NHWC.
    pub images: Array4<u8>,
    /// One label per image, an index into `classes`.
    pub labels: Vec<u8>,
    /// What each label index means (the course's `list_classes`: the digits 0-5).
    pub classes: Vec<i64>,
}

impl Dataset {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

pub mod synthetic;
