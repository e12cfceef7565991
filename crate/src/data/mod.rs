//! Training data: the course's HDF5 files, the embedded synthetic hands, photo
//! preprocessing and augmentation. Every path produces a [`Dataset`].
//!
//! - [`h5`]: `train_signs.h5` / `test_signs.h5` from bytes, with clear errors (feature `h5`).
//! - [`preprocess`]: THE photo -> (64, 64, 3) function (orientation, crop, area resize).
//! - [`hand_crop`]: where the hand is in a photo, so that the crop frames it.
//! - [`photo_header`]: a photo's size read from its PNG/JPEG/GIF/WebP header, before decoding.
//! - [`augment`]: seeded random changes per minibatch (geometry, colour, backgrounds, camera);
//!   [`foreground`], [`backdrop`] and [`camera`] are its parts for other photographers' photos.

use ndarray::Array4;

use crate::data_err;
use crate::error::Result;

#[cfg(feature = "h5")]
pub mod h5;
pub mod preprocess;
pub mod hand_crop;
pub mod photo_header;
pub mod augment;
pub mod backdrop;
pub mod camera;
pub mod foreground;

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

/// Side of the course's square pictures, in pixels.
pub const IMAGE_SIDE: usize = 64;
/// Colour channels (RGB).
pub const IMAGE_CHANNELS: usize = 3;
/// Bytes of one picture.
pub const BYTES_PER_IMAGE: usize = IMAGE_SIDE * IMAGE_SIDE * IMAGE_CHANNELS;
/// Most pictures one set may hold: 20,000 x 64 x 64 x 3 bytes = 246 MB, far above the
/// course's 1080 but still within a browser tab's memory.
pub const MAX_IMAGES: usize = 20_000;
/// Most classes: labels are stored as bytes.
pub const MAX_CLASSES: usize = 256;

impl Dataset {
    /// A dataset from its flat parts: `pixels` (m, 64, 64, 3) row-major, one label per
    /// picture, the classes. This is how the page receives a course file from the
    /// separately loaded HDF5 module, so it checks everything a label's meaning rests on:
    /// the picture count, classes listed once, every label an index into `classes`.
    pub fn from_parts(pixels: Vec<u8>, labels: Vec<u8>, classes: Vec<i64>) -> Result<Dataset> {
        let m = labels.len();
        if m > MAX_IMAGES {
            return Err(crate::message::Message::DataTooMany { m, max: MAX_IMAGES }.data());
        }
        if pixels.len() != m * BYTES_PER_IMAGE {
            return Err(data_err!(
                "{} bytes of pixels do not make {m} pictures of {IMAGE_SIDE}x{IMAGE_SIDE}x{IMAGE_CHANNELS} (that is {} bytes): one label per picture is needed.",
                pixels.len(),
                m * BYTES_PER_IMAGE
            ));
        }
        if classes.is_empty() || classes.len() > MAX_CLASSES {
            return Err(crate::message::Message::DataClassCount { count: classes.len(), max: MAX_CLASSES }.data());
        }
        for (i, a) in classes.iter().enumerate() {
            if classes[..i].contains(a) {
                return Err(crate::message::Message::DataClassTwice { class: a.to_string() }.data());
            }
        }
        if let Some((i, &label)) = labels.iter().enumerate().find(|&(_, &l)| l as usize >= classes.len()) {
            return Err(crate::message::Message::DataLabelRange {
                label: label as usize,
                picture: i,
                last: classes.len() - 1,
                classes: classes.len(),
            }
            .data());
        }
        let images = Array4::from_shape_vec((m, IMAGE_SIDE, IMAGE_SIDE, IMAGE_CHANNELS), pixels)
            .expect("length checked above");
        Ok(Dataset { images, labels, classes })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// This set followed by `other`, which must have the same classes (labels keep
    /// their meaning) and picture size.
    pub fn concat(&self, other: &Dataset) -> Result<Dataset> {
        if self.classes != other.classes {
            return Err(crate::message::Message::DataJoinClasses { a: format!("{:?}", self.classes), b: format!("{:?}", other.classes) }.data());
        }
        let images = ndarray::concatenate(ndarray::Axis(0), &[self.images.view(), other.images.view()])
            .map_err(|_| crate::message::Message::DataJoinSizes {}.data())?;
        if images.len_of(ndarray::Axis(0)) > MAX_IMAGES {
            return Err(crate::message::Message::DataJoinTooMany { max: MAX_IMAGES }.data());
        }
        let labels = self.labels.iter().chain(&other.labels).copied().collect();
        Ok(Dataset { images, labels, classes: self.classes.clone() })
    }
}

pub mod synthetic;

/// Writes images `idx` of `data` as floats in [0, 1] (pixels / 255) into `buf`.
pub(crate) fn fill_batch(data: &Dataset, idx: &[usize], buf: &mut [f32]) -> Result<()> {
    let per = data.images.len() / data.len().max(1);
    let pixels = data
        .images
        .as_slice()
        .ok_or_else(|| data_err!("the images are not stored contiguously"))?;
    for (k, &i) in idx.iter().enumerate() {
        let src = pixels
            .get(i * per..(i + 1) * per)
            .ok_or_else(|| data_err!("image {i} is missing"))?;
        let dst = buf
            .get_mut(k * per..(k + 1) * per)
            .ok_or_else(|| data_err!("batch buffer too small"))?;
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = s as f32 * (1.0 / 255.0);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(pixels: Vec<u8>, labels: Vec<u8>, classes: Vec<i64>) -> String {
        Dataset::from_parts(pixels, labels, classes).unwrap_err().to_string()
    }

    #[test]
    fn concat_appends_pictures_and_labels_of_the_same_classes() {
        let a = Dataset::from_parts(vec![1; BYTES_PER_IMAGE], vec![1], vec![0, 1]).unwrap();
        let b = Dataset::from_parts(vec![2; 2 * BYTES_PER_IMAGE], vec![0, 1], vec![0, 1]).unwrap();
        let c = a.concat(&b).unwrap();
        assert_eq!(c.labels, vec![1, 0, 1]);
        assert_eq!((c.images[[0, 5, 5, 0]], c.images[[2, 5, 5, 0]]), (1, 2));
        let other = Dataset::from_parts(vec![0; BYTES_PER_IMAGE], vec![0], vec![0, 2]).unwrap();
        assert!(a.concat(&other).unwrap_err().to_string().contains("other classes"));
    }

    #[test]
    fn from_parts_keeps_pictures_labels_and_classes() {
        let pixels: Vec<u8> = (0..2 * BYTES_PER_IMAGE).map(|i| (i % 251) as u8).collect();
        let d = Dataset::from_parts(pixels.clone(), vec![1, 0], vec![0, 1]).unwrap();
        assert_eq!(d.images.shape(), &[2, 64, 64, 3]);
        // Row-major NHWC: picture 1, row 2, column 3, channel 1.
        let at = BYTES_PER_IMAGE + (2 * 64 + 3) * 3 + 1;
        assert_eq!(d.images[[1, 2, 3, 1]], pixels[at]);
        assert_eq!((d.labels, d.classes), (vec![1, 0], vec![0, 1]));
    }

    #[test]
    fn from_parts_refuses_what_a_label_could_not_mean() {
        let one = || vec![0u8; BYTES_PER_IMAGE];
        assert!(err(vec![0; BYTES_PER_IMAGE - 1], vec![0], vec![0]).contains("do not make 1 pictures"));
        assert!(err(one(), vec![0, 0], vec![0]).contains("do not make 2 pictures"));
        assert!(err(one(), vec![0], vec![]).contains("0 classes are listed"));
        assert!(err(one(), vec![0], vec![3, 3]).contains("names class 3 twice"));
        let e = err(one(), vec![2], vec![0, 1]);
        assert!(e.contains("Label 2 of picture 0 is out of range") && e.contains("0 to 1"), "{e}");
        assert!(err(vec![], vec![0; MAX_IMAGES + 1], vec![0]).contains("too many"));
    }
}
