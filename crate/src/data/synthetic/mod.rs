//! The embedded default data set: seeded, synthetic 64x64 RGB pictures of a hand
//! raising 0 to 5 fingers, drawn in the style of the course's SIGNS photos (one hand,
//! palm towards the camera, in front of a plain light background).
//!
//! Each picture is painted with anti-aliased signed-distance shapes in `f32`:
//! a forearm and a palm (rounded box plus the ball of the thumb), the raised fingers as
//! capsules pointing up, the folded fingers as short knuckle bumps over the palm, and
//! the thumb either out to the side or folded across the palm. Every part is shaded as
//! a rounded solid (height profile from its distance field, one light), gets a darker
//! rim where it overlaps another part, and the hand throws a soft shadow on a
//! background gradient; a slight blur and sensor noise follow, then quantisation to u8.
//!
//! Varied per picture: which fingers are raised (loosely after sign-language digits),
//! skin tone, hand size, position, rotation (+-20 degrees), finger spread and length,
//! skin texture, background colour and gradient, light direction and strength,
//! blur and noise. Always a right hand, palm on, as in the SIGNS photos. The label is
//! the number of raised fingers (thumb included).
//!
//! Determinism: one [`ChaCha8Rng`] per picture (the data set's seed, stream = the
//! picture's index), and only `+ - * /` and `sqrt` per pixel (sine and cosine come from
//! a short series here, not from the platform's libm), so the same seed gives the same
//! bytes natively and in wasm.

use ndarray::Array4;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::Dataset;

/// Side of every picture, in pixels.
pub const IMAGE_SIZE: usize = 64;
/// Digits 0 to 5.
pub const NUM_CLASSES: usize = 6;
/// The course's training set size.
pub const DEFAULT_TRAIN_COUNT: usize = 1080;
/// The course's test set size.
pub const DEFAULT_TEST_COUNT: usize = 120;
/// Seed of the default training pictures.
pub const DEFAULT_TRAIN_SEED: u64 = 0x5167_0001;
/// Seed of the default test pictures (different, so no picture is in both sets).
pub const DEFAULT_TEST_SEED: u64 = 0x5167_0002;

/// `count` pictures from `seed`, labels balanced (`count / 6` per digit, the first
/// `count % 6` digits get one more) in a seeded random order.
///
/// Returns `images` (count, 64, 64, 3) u8, `labels` the digit (number of raised fingers)
/// and `classes` = [0, 1, 2, 3, 4, 5].
pub fn generate(count: usize, seed: u64) -> Dataset {
    let mut order_rng = ChaCha8Rng::seed_from_u64(seed);
    let mut labels: Vec<u8> = (0..count).map(|i| (i % NUM_CLASSES) as u8).collect();
    // Fisher-Yates with the seeded generator, so the order is part of the seed too.
    for i in (1..labels.len()).rev() {
        let j = order_rng.random_range(0..=i);
        labels.swap(i, j);
    }

    let pixels_per_image = IMAGE_SIZE * IMAGE_SIZE * 3;
    let mut bytes = vec![0u8; count * pixels_per_image];
    let mut canvas = Canvas::new();
    for (index, (&label, out)) in labels
        .iter()
        .zip(bytes.chunks_exact_mut(pixels_per_image))
        .enumerate()
    {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        // Stream 0 is the label order; picture i uses stream i + 1.
        rng.set_stream(index as u64 + 1);
        canvas.draw_hand(label, &mut rng);
        canvas.quantise_into(out);
    }

    let images = Array4::from_shape_vec((count, IMAGE_SIZE, IMAGE_SIZE, 3), bytes)
        .expect("buffer length is count * 64 * 64 * 3 by construction");
    Dataset {
        images,
        labels,
        classes: (0..NUM_CLASSES as i64).collect(),
    }
}

/// The default split: 1080 training and 120 test pictures, the course's sizes, from
/// two different seeds.
pub fn default_split() -> (Dataset, Dataset) {
    (
        generate(DEFAULT_TRAIN_COUNT, DEFAULT_TRAIN_SEED),
        generate(DEFAULT_TEST_COUNT, DEFAULT_TEST_SEED),
    )
}

mod canvas;
mod geometry;
mod hand;
use canvas::*;
use geometry::*;
use hand::*;

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// One picture and its hand coverage (1 = hand, 0 = background), for the checks.
    fn draw_with_mask(digit: u8, seed: u64) -> (Vec<u8>, Vec<f32>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut canvas = Canvas::new();
        canvas.draw_hand(digit, &mut rng);
        let mut bytes = vec![0u8; N * N * 3];
        canvas.quantise_into(&mut bytes);
        (bytes, canvas.alpha.clone())
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = generate(24, 7);
        let b = generate(24, 7);
        assert_eq!(a, b);
        let c = generate(24, 8);
        assert_ne!(a.images, c.images);
        assert_ne!(
            a.labels, c.labels,
            "the label order comes from the seed too"
        );
        // Every picture is different from every other one.
        for i in 0..24 {
            for j in 0..i {
                let (pi, pj) = (
                    a.images.index_axis(ndarray::Axis(0), i),
                    a.images.index_axis(ndarray::Axis(0), j),
                );
                assert_ne!(pi, pj, "pictures {i} and {j} are identical");
            }
        }
    }

    const EXPECTED_FINGERPRINT: u64 = 15_620_135_347_627_719_050;

    /// FNV-1a over labels and pixels.
    fn fingerprint(d: &Dataset) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in d.labels.iter().chain(d.images.iter()) {
            h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    }

    /// The same seed gives the same bytes natively and in wasm (this test runs on both
    /// with one expected value), so a training run can be repeated anywhere. The value
    /// changes whenever the drawing changes: then update it, and the figures quoted for
    /// the default data.
    #[test]
    fn same_bytes_on_every_platform() {
        assert_eq!(fingerprint(&generate(12, 42)), EXPECTED_FINGERPRINT);
    }

    #[test]
    fn shapes_classes_and_balanced_labels() {
        let d = generate(60, 3);
        assert_eq!(d.images.shape(), &[60, 64, 64, 3]);
        assert_eq!(d.classes, vec![0, 1, 2, 3, 4, 5]);
        let mut counts = [0usize; 6];
        d.labels.iter().for_each(|&l| counts[l as usize] += 1);
        assert_eq!(counts, [10; 6]);

        // A count that does not divide by 6: the first digits get one more.
        let d = generate(15, 3);
        let mut counts = [0usize; 6];
        d.labels.iter().for_each(|&l| counts[l as usize] += 1);
        assert_eq!(counts, [3, 3, 3, 2, 2, 2]);
        assert_eq!(generate(0, 3).images.shape(), &[0, 64, 64, 3]);
    }

    #[test]
    fn labels_are_shuffled_not_cyclic() {
        let d = generate(60, 5);
        let cyclic: Vec<u8> = (0..60).map(|i| (i % 6) as u8).collect();
        assert_ne!(d.labels, cyclic);
    }

    #[test]
    fn default_split_has_the_course_sizes() {
        let (train, test) = default_split();
        assert_eq!(train.images.shape(), &[1080, 64, 64, 3]);
        assert_eq!(test.images.shape(), &[120, 64, 64, 3]);
        let mut counts = [0usize; 6];
        test.labels.iter().for_each(|&l| counts[l as usize] += 1);
        assert_eq!(counts, [20; 6]);
        // Different seeds: the first test picture is not the first training picture.
        assert_ne!(
            train.images.index_axis(ndarray::Axis(0), 0),
            test.images.index_axis(ndarray::Axis(0), 0)
        );
    }

    #[test]
    fn hand_pixels_stand_out_from_the_background() {
        let mut clear = 0;
        let trials = 60;
        for k in 0..trials {
            let digit = (k % 6) as u8;
            let (bytes, alpha) = draw_with_mask(digit, 1000 + k as u64);
            let (mut hand, mut back) = ([0f64; 3], [0f64; 3]);
            let (mut n_hand, mut n_back) = (0usize, 0usize);
            for i in 0..N * N {
                let px = [
                    bytes[3 * i] as f64,
                    bytes[3 * i + 1] as f64,
                    bytes[3 * i + 2] as f64,
                ];
                if alpha[i] > 0.99 {
                    n_hand += 1;
                    (0..3).for_each(|c| hand[c] += px[c]);
                } else if alpha[i] < 0.01 {
                    n_back += 1;
                    (0..3).for_each(|c| back[c] += px[c]);
                }
            }
            // The hand covers a sensible part of the picture: not a speck, not everything.
            let cover = n_hand as f64 / (N * N) as f64;
            assert!(
                (0.08..0.6).contains(&cover),
                "picture {k}: hand covers {cover:.2}"
            );
            let dist: f64 = (0..3)
                .map(|c| (hand[c] / n_hand as f64 - back[c] / n_back as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            if dist > 25.0 {
                clear += 1;
            }
            // Not washed out or black: some spread of intensities.
            let mean = bytes.iter().map(|&b| b as f64).sum::<f64>() / bytes.len() as f64;
            assert!(
                (60.0..235.0).contains(&mean),
                "picture {k}: mean intensity {mean:.0}"
            );
        }
        assert!(
            clear >= trials * 9 / 10,
            "only {clear}/{trials} hands differ clearly from their background"
        );
    }

    #[test]
    fn raised_fingers_match_the_digit() {
        for k in 0..120u64 {
            let digit = (k % 6) as u8;
            let mut rng = ChaCha8Rng::seed_from_u64(k);
            let (fingers, thumb) = choose_pose(digit, &mut rng);
            let raised = fingers.iter().filter(|&&f| f).count() + usize::from(thumb == Thumb::Out);
            assert_eq!(
                raised, digit as usize,
                "pose {fingers:?} {thumb:?} for digit {digit}"
            );
        }
    }

    /// Features for the learnability check: 16x16 RGB (4x4 block means), centred.
    fn features(d: &Dataset) -> Vec<Vec<f32>> {
        (0..d.len())
            .map(|m| {
                let mut f = vec![0f32; 16 * 16 * 3];
                for y in 0..N {
                    for x in 0..N {
                        for c in 0..3 {
                            f[((y / 4) * 16 + x / 4) * 3 + c] +=
                                d.images[[m, y, x, c]] as f32 / (255.0 * 16.0);
                        }
                    }
                }
                let mean = f.iter().sum::<f32>() / f.len() as f32;
                f.iter_mut().for_each(|v| *v -= mean);
                f
            })
            .collect()
    }

    /// Softmax regression on 16x16 pictures, trained on 600 pictures, tested on 120 others
    /// (chance: 1/6). It can only see raw pixels, so this passes only when the finger
    /// count shows clearly in the picture despite the variety of pose and colour.
    #[test]
    fn a_linear_classifier_learns_the_digits() {
        let (train, test) = (generate(600, 11), generate(120, 12));
        let (xtr, xte) = (features(&train), features(&test));
        let dim = xtr[0].len();
        let mut w = vec![0f32; 6 * dim];
        let mut b = [0f32; 6];
        let scores = |w: &[f32], b: &[f32; 6], x: &[f32]| -> [f32; 6] {
            let mut s = *b;
            for k in 0..6 {
                s[k] += w[k * dim..(k + 1) * dim]
                    .iter()
                    .zip(x)
                    .map(|(a, c)| a * c)
                    .sum::<f32>();
            }
            s
        };
        let lr = 0.5;
        for _ in 0..150 {
            let mut gw = vec![0f32; 6 * dim];
            let mut gb = [0f32; 6];
            for (x, &y) in xtr.iter().zip(&train.labels) {
                let s = scores(&w, &b, x);
                let mx = s.iter().cloned().fold(f32::MIN, f32::max);
                let e: Vec<f32> = s.iter().map(|v| (v - mx).exp()).collect();
                let z: f32 = e.iter().sum();
                for k in 0..6 {
                    let g = e[k] / z - if k == y as usize { 1.0 } else { 0.0 };
                    gb[k] += g;
                    gw[k * dim..(k + 1) * dim]
                        .iter_mut()
                        .zip(x)
                        .for_each(|(a, c)| *a += g * c);
                }
            }
            let m = xtr.len() as f32;
            w.iter_mut().zip(&gw).for_each(|(a, g)| *a -= lr * g / m);
            b.iter_mut().zip(&gb).for_each(|(a, g)| *a -= lr * g / m);
        }
        let correct = xte
            .iter()
            .zip(&test.labels)
            .filter(|(x, &y)| {
                let s = scores(&w, &b, x);
                let best = (0..6).fold(0, |bi, k| if s[k] > s[bi] { k } else { bi });
                best == y as usize
            })
            .count();
        let acc = correct as f32 / xte.len() as f32;
        eprintln!("softmax regression on 16x16 pixels: test accuracy {acc:.3}");
        assert!(
            acc > 0.4,
            "test accuracy {acc:.3} is too close to chance (0.167)"
        );
    }

    #[test]
    fn sin_cos_series_matches_known_values() {
        let (s, c) = sin_cos(std::f32::consts::FRAC_PI_6);
        assert!((s - 0.5).abs() < 1e-6 && (c - 0.866_025_4).abs() < 1e-6);
        let (s, c) = sin_cos(-std::f32::consts::FRAC_PI_2);
        assert!((s + 1.0).abs() < 1e-6 && c.abs() < 1e-6);
    }
}
