//! Finding the hand before cropping, on real photos: the 12 shared sign-digit photos laid
//! small or off-centre on a larger plain wall (as `scripts/example_photos.py` makes the
//! page's harder examples), and the photos and test set as they are, which must keep
//! exactly the centre crop. Skipped without the shared data.

#![cfg(not(target_arch = "wasm32"))]

use convlab::classify::{predict_input, Judge, UNCALIBRATED};
use convlab::data::preprocess::{prepare, Framing};
use convlab::classify::hand_model::views_for;
use convlab::nn::model::Model;
use convlab::testdata::sign_digits_dir;
use std::path::Path;

/// Pixels faded into the wall at the photo's edges.
const FADE: f32 = 12.0;

/// `photo` (RGB) at (x, y) of a `width` x `height` frame of plain wall (the median colour
/// of the photo's border), its edges faded into the wall, the forearm (where the photo's
/// bottom row is not wall) continued down to the frame's edge.
fn on_wall(photo: &image::RgbImage, width: usize, height: usize, x: usize, y: usize) -> Vec<u8> {
    let (w, h) = (photo.width() as usize, photo.height() as usize);
    let px = |xx: usize, yy: usize| photo.get_pixel(xx as u32, yy as u32).0.map(f32::from);
    let mut border: Vec<[f32; 3]> = (0..w).flat_map(|i| [px(i, 0), px(i, h - 1)]).chain((0..h).flat_map(|j| [px(0, j), px(w - 1, j)])).collect();
    let wall: [f32; 3] = std::array::from_fn(|c| {
        border.sort_by(|a, b| a[c].total_cmp(&b[c]));
        border[border.len() / 2][c]
    });
    let arm: Vec<bool> = (0..w).map(|i| {
        let p = px(i, h - 1);
        ((p[0] - wall[0]).powi(2) + (p[1] - wall[1]).powi(2) + (p[2] - wall[2]).powi(2)).sqrt() > 40.0
    }).collect();
    let ramp = |i: usize, n: usize| (i.min(n - 1 - i) as f32 / FADE).min(1.0);
    let mut out = Vec::with_capacity(width * height * 3);
    for fy in 0..height {
        for fx in 0..width {
            let colour = if fx >= x && fx < x + w && fy >= y && fy < y + h {
                let (i, j) = (fx - x, fy - y);
                let mut a = ramp(i, w).min(ramp(j, h));
                if arm[i] && j + FADE as usize >= h {
                    a = 1.0;
                }
                let p = px(i, j);
                std::array::from_fn(|c| a * p[c] + (1.0 - a) * wall[c])
            } else if fx >= x && fx < x + w && fy >= y + h && arm[fx - x] {
                px(fx - x, h - 1)
            } else {
                wall
            };
            out.extend(colour.map(|v| v.round().clamp(0.0, 255.0) as u8));
        }
    }
    out
}

fn hand_model() -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/models/hand.json");
    convlab::train::weights::from_json(&std::fs::read_to_string(path).unwrap()).unwrap().0
}

fn answer(model: &mut Model, input: ndarray::ArrayView3<f32>) -> usize {
    let views = views_for(model);
    let judge = Judge { calibration: &UNCALIBRATED, crop: None };
    predict_input(model, &[], input, views, judge).unwrap().index
}

#[test]
fn small_and_off_centre_hands_are_found_and_read() {
    let Some(dir) = sign_digits_dir() else { return };
    let mut model = hand_model();
    // (frame width, height, where the 100x100 photo goes): a hand about 40% of the frame,
    // low in the middle; and one at the left edge of a landscape frame.
    let layouts = [("small", 250, 250, 75, 150), ("off-centre", 260, 180, 8, 80)];
    for (name, fw, fh, x, y) in layouts {
        let (mut right_hand, mut right_centre) = (0, 0);
        for k in 0..6 {
            for n in 1..=2 {
                let photo = image::open(dir.join(format!("photos/sign{k}_{n}.jpg"))).unwrap().into_rgb8();
                let pixels = on_wall(&photo, fw, fh, x, y);
                let hand = prepare(&pixels, fw, fh, 3, 1, Framing::Hand).unwrap();
                let c = hand.crop;
                assert!(c.to_hand, "{name} sign{k}_{n}: {c:?}");
                // The square holds the photo's hand: it overlaps the pasted 100x100 photo
                // by at least half of the smaller of the two, and is not much larger (the
                // hand's box with its margins, grown by the crop's context of 1.3).
                let ox = (c.x + c.side).min(x + 100).saturating_sub(c.x.max(x));
                let oy = (c.y + c.side).min(y + 100).saturating_sub(c.y.max(y));
                assert!(ox * oy * 2 >= c.side.min(100).pow(2), "{name} sign{k}_{n}: {c:?}");
                assert!(c.side <= 210, "{name} sign{k}_{n}: {c:?}");
                right_hand += usize::from(answer(&mut model, hand.input.view()) == k);
                let centre = prepare(&pixels, fw, fh, 3, 1, Framing::Centre).unwrap();
                right_centre += usize::from(answer(&mut model, centre.input.view()) == k);
            }
        }
        eprintln!("{name} hands: {right_hand}/12 right when cropped to the hand, {right_centre}/12 with the centre square");
        assert!(right_hand >= 11, "{name}: {right_hand}/12");
        assert!(right_hand >= right_centre, "{name}: {right_hand} vs {right_centre}");
    }
}

#[test]
fn photos_framed_like_the_training_photos_keep_the_centre_crop() {
    let Some(dir) = sign_digits_dir() else { return };
    // The 12 photos as they are: the hand fills the frame, so exactly the centre square.
    for k in 0..6 {
        for n in 1..=2 {
            let img = convlab::data::preprocess::decode_image_file(&dir.join(format!("photos/sign{k}_{n}.jpg"))).unwrap();
            let hand = convlab::data::preprocess::prepare_raw(&img, Framing::Hand).unwrap();
            let centre = convlab::data::preprocess::prepare_raw(&img, Framing::Centre).unwrap();
            assert!(!hand.crop.to_hand, "sign{k}_{n}: {:?}", hand.crop);
            assert_eq!(hand.input, centre.input);
        }
    }
    // The test set's 120 pictures (64x64): the answers do not change.
    let test = convlab::data::h5::load_h5(&std::fs::read(dir.join("test_sign_digits.h5")).unwrap()).unwrap();
    let mut model = hand_model();
    let (mut cropped, mut same, mut right_hand, mut right_centre) = (0, 0, 0, 0);
    for (img, &label) in test.images.outer_iter().zip(&test.labels) {
        let pixels: Vec<u8> = img.iter().copied().collect();
        let hand = prepare(&pixels, 64, 64, 3, 1, Framing::Hand).unwrap();
        let centre = prepare(&pixels, 64, 64, 3, 1, Framing::Centre).unwrap();
        cropped += usize::from(hand.crop.to_hand);
        let (a, b) = (answer(&mut model, hand.input.view()), answer(&mut model, centre.input.view()));
        same += usize::from(a == b);
        right_hand += usize::from(a == label as usize);
        right_centre += usize::from(b == label as usize);
    }
    eprintln!("test set: {cropped}/120 cropped to the hand; right {right_hand}/120 (centre square: {right_centre}/120); same answer on {same}/120");
    assert!(right_hand >= right_centre, "{right_hand} vs {right_centre}");
}
