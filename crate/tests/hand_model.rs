//! The shipped pretrained models (`www/models/`) keep the accuracies stated in
//! `docs/models.md`: on the sign-digits test set, and on the 12 photos through the photo
//! preprocessing (skipped when the shared data is absent), and the robust model on the
//! cross-camera validation kept in the repository (never skipped).

#![cfg(not(target_arch = "wasm32"))]

use convlab::data::h5::load_h5;
use convlab::data::preprocess::preprocess_file;
use convlab::classify::{prediction, UNCALIBRATED};
use convlab::classify::hand_model::{predict_averaged, robust_network};
use convlab::nn::model::Model;
use convlab::testdata::sign_digits_dir;
use convlab::train::weights::from_json;
use std::path::Path;

fn load_model(file: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../www/models")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    from_json(&text).unwrap().0
}

/// The robust model's right answers on the cross-camera validation
/// (`crate/tests/fixtures/cross_camera`), as `docs/models.md` states them; the test
/// fails if the shipped model answers fewer.
const CROSS_CAMERA_RIGHT: usize = 117;

#[test]
fn robust_hand_model_keeps_its_cross_camera_figure() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/models/hand.json");
    let (mut model, classes) = from_json(&std::fs::read_to_string(path).unwrap()).unwrap();
    let views = convlab::classify::hand_model::views_for(&model);
    let photos = convlab::testdata::cross_camera_photos().unwrap();
    assert_eq!(photos.len(), 120);
    for k in 0..6u8 {
        assert_eq!(photos.iter().filter(|(_, d)| *d == k).count(), 20);
    }
    // The command line's own photo path: decode, preprocess, the model's views.
    let right = photos
        .iter()
        .filter(|(path, k)| {
            convlab::classify::classify_file(&mut model, &classes, &UNCALIBRATED, path, views)
                .unwrap()
                .0
                .index
                == *k as usize
        })
        .count();
    assert!(right >= CROSS_CAMERA_RIGHT, "{right}/120 right, docs/models.md says {CROSS_CAMERA_RIGHT}");
}

fn argmax(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .fold(0, |b, (i, &v)| if v > p[b] { i } else { b })
}

/// Test-set accuracy (plain prediction) and photos right (with `photo_probs`).
fn measure(
    model: &mut Model,
    dir: &Path,
    photo_probs: impl Fn(&mut Model, ndarray::ArrayView3<f32>) -> Vec<f32>,
) -> (f32, usize) {
    let test = load_h5(&std::fs::read(dir.join("test_sign_digits.h5")).unwrap()).unwrap();
    assert_eq!(test.len(), 120);
    let x = test.images.mapv(|v| f32::from(v) / 255.0);
    let p = model.predict(x.view()).unwrap();
    let right = p
        .outer_iter()
        .zip(&test.labels)
        .filter(|(row, &l)| argmax(row.as_slice().unwrap()) == l as usize)
        .count();
    let mut photos_right = 0;
    for k in 0..6 {
        for n in 1..=2 {
            let path = dir.join("photos").join(format!("sign{k}_{n}.jpg"));
            let x = preprocess_file(&path).unwrap();
            let probs = photo_probs(model, x.view());
            let a = prediction(&probs, &[], &UNCALIBRATED).unwrap();
            assert!((0.0..=1.0).contains(&a.confidence));
            photos_right += usize::from(a.index == k);
        }
    }
    (right as f32 / 120.0, photos_right)
}

#[test]
fn robust_hand_model_reaches_97_percent_and_11_of_12_photos() {
    let Some(dir) = sign_digits_dir() else { return };
    let mut model = load_model("hand.json");
    assert_eq!(model.specs(), robust_network().as_slice());
    let (acc, photos) = measure(&mut model, &dir, |m, x| predict_averaged(m, x).unwrap());
    assert!(acc >= 0.97, "test accuracy {acc}");
    assert!(photos >= 11, "{photos}/12 photos right");
}

#[test]
fn assignment_model_keeps_its_measured_accuracy() {
    let Some(dir) = sign_digits_dir() else { return };
    let mut model = load_model("signs.json");
    assert_eq!(model.specs(), convlab::nn::layers::signs_network().as_slice());
    let (acc, photos) = measure(&mut model, &dir, |m, x| {
        m.predict(x.insert_axis(ndarray::Axis(0)))
            .unwrap()
            .iter()
            .copied()
            .collect()
    });
    // Measured (docs/models.md): 111/120 = 92.5% on the test set, 12/12 photos; one less of each allowed.
    assert!(acc >= SIGNS_MIN_ACCURACY, "test accuracy {acc}");
    assert!(photos >= SIGNS_MIN_PHOTOS, "{photos}/12 photos right");
}

const SIGNS_MIN_ACCURACY: f32 = 0.91;
const SIGNS_MIN_PHOTOS: usize = 11;
