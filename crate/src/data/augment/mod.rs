//! Data augmentation: random changes to each training picture, drawn per minibatch from
//! a seeded generator, so that the network cannot learn one set of photos' framing and
//! light by heart (the over-fitting the assignment points out).
//!
//! Works on f32 NHWC minibatches (m, 64, 64, 3) with values in [0, 1]. Per picture, in
//! this order:
//! 1. the foreground mask (`data::foreground`), when a change needs it (background, skin);
//! 2. geometry (rotation, scale, shift, flip, perspective): one map per picture, sampled
//!    bilinearly with edge-replicate fill (which continues a forearm that leaves the
//!    picture straight on); the mask moves with the picture;
//! 3. through the mask: another skin tone, and the hand over a new background
//!    (`data::backdrop`) or, zoomed out, over its own wall's plain colour;
//! 4. colour: brightness, contrast, colour cast, white balance, hue and saturation;
//! 5. random erasing, then the camera (`data::camera`): blur, sensor noise, JPEG;
//!    values clamped back to [0, 1].
//!
//! Each change is switched by [`Augment`]; all are off by default. [`Augment::robust`]
//! is what the shipped model before issue 13 trained with; [`Augment::photo`] adds
//! everything aimed at other photographers' photos. Background replacement and erasing
//! can be ramped in over the first epochs ([`Augment::ramp_epochs`]): pasting new
//! backgrounds into most minibatches from the start stalled training near chance.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::param_err;

mod apply;
mod draw;

/// Which random changes to apply, and how strong. Ranges are symmetric: a picture gets
/// a uniform draw from [-x, x] (or [lo, hi] for `scale`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Augment {
    /// Rotation by up to +-`rotation_deg` degrees about the centre.
    pub rotation: bool,
    pub rotation_deg: f32,
    /// Zoom by a factor in [`scale_min`, `scale_max`] (>1 enlarges the hand).
    pub scale: bool,
    pub scale_min: f32,
    pub scale_max: f32,
    /// Shift by up to +-`shift_frac` of the side, separately in x and y.
    pub shift: bool,
    pub shift_frac: f32,
    /// Mirror left-right with probability 1/2.
    pub flip: bool,
    /// Add up to +-`brightness_delta` to every value.
    pub brightness: bool,
    pub brightness_delta: f32,
    /// Scale deviations from the picture's mean by a factor in [1 - c, 1 + c].
    pub contrast: bool,
    pub contrast_amount: f32,
    /// Multiply each channel by its own factor in [1 - k, 1 + k] (tinted light).
    pub colour_cast: bool,
    pub colour_cast_amount: f32,
    /// A tilted camera: distances scaled by up to 1 +- `perspective_amount` from one side
    /// of the picture to the other, in a random direction.
    pub perspective: bool,
    pub perspective_amount: f32,
    /// With probability `background_prob`, the hand (its soft foreground mask) over a new
    /// background: a plain colour, a gradient, a texture or stripes. Zoomed-out pictures
    /// that keep their wall get its plain colour around them instead of repeated edges.
    pub background: bool,
    pub background_prob: f32,
    /// On half the pictures, the hand (through the mask) darkened by a factor down to
    /// 1 - `skin_amount` and slightly tinted: other skin tones.
    pub skin: bool,
    pub skin_amount: f32,
    /// Warmer or cooler light: red times 1 + t, blue times 1 - t, t up to
    /// +-`white_balance_amount`.
    pub white_balance: bool,
    pub white_balance_amount: f32,
    /// Hue turned by up to +-`hue_deg` degrees and saturation scaled by a factor in
    /// [1 - `saturation_amount`, 1 + `saturation_amount`].
    pub hue_saturation: bool,
    pub hue_deg: f32,
    pub saturation_amount: f32,
    /// On half the pictures, a Gaussian blur of standard deviation up to `blur_sigma` pixels.
    pub blur: bool,
    pub blur_sigma: f32,
    /// Sensor noise: Gaussian, standard deviation up to `noise_sd`, per value.
    pub noise: bool,
    pub noise_sd: f32,
    /// JPEG compression at a quality drawn from [`jpeg_quality_min`, 95].
    pub jpeg: bool,
    pub jpeg_quality_min: f32,
    /// With probability `erase_prob`, a random rectangle (2-20% of the picture, aspect
    /// 1:3 to 3:1) filled with one random colour: something in front of the hand.
    pub erase: bool,
    pub erase_prob: f32,
    /// Background replacement and erasing ramp in linearly over this many epochs (their
    /// probabilities times (epoch + 1) / ramp_epochs); 0: at full strength from the start.
    pub ramp_epochs: usize,
    /// With this probability a picture gets only [`Augment::robust`]'s milder changes
    /// instead of these settings: every minibatch keeps photos like the training photos,
    /// so accuracy on them does not drop under strong augmentation.
    pub mild_prob: f32,
}

impl Default for Augment {
    /// Everything off, with the [`Augment::robust`] strengths ready for when a switch is on.
    fn default() -> Self {
        Augment {
            rotation: false,
            rotation_deg: 25.0,
            scale: false,
            scale_min: 0.75,
            scale_max: 1.25,
            shift: false,
            shift_frac: 0.1,
            flip: false,
            brightness: false,
            brightness_delta: 0.2,
            contrast: false,
            contrast_amount: 0.3,
            colour_cast: false,
            colour_cast_amount: 0.1,
            perspective: false,
            perspective_amount: 0.15,
            background: false,
            background_prob: 0.5,
            skin: false,
            skin_amount: 0.45,
            white_balance: false,
            white_balance_amount: 0.15,
            hue_saturation: false,
            hue_deg: 10.0,
            saturation_amount: 0.4,
            blur: false,
            blur_sigma: 1.2,
            noise: false,
            noise_sd: 0.04,
            jpeg: false,
            jpeg_quality_min: 30.0,
            erase: false,
            erase_prob: 0.3,
            ramp_epochs: 0,
            mild_prob: 0.0,
        }
    }
}

impl Augment {
    /// Everything on: +-25 degrees, scale 0.75-1.25, shifts of 10%, flips, brightness
    /// +-0.2, contrast +-30%, colour cast +-10%.
    pub fn robust() -> Self {
        Augment {
            rotation: true,
            scale: true,
            shift: true,
            flip: true,
            brightness: true,
            contrast: true,
            colour_cast: true,
            ..Augment::default()
        }
    }

    /// For other photographers' photos (issue 13): everything on, turns up to +-45
    /// degrees, zoom 0.5-1.2 (a hand at half the frame, the wall and forearm continued),
    /// shifts of 12%, tilt 15%, new backgrounds on half the pictures and erasing on 30%
    /// (both ramped in over 8 epochs), skin tones, white balance +-0.15, hue +-10
    /// degrees, saturation +-40%, blur up to 1.2 px, noise up to 0.04, JPEG quality 30-95.
    pub fn photo() -> Self {
        Augment {
            rotation_deg: 45.0,
            scale_min: 0.5,
            scale_max: 1.2,
            shift_frac: 0.12,
            perspective: true,
            background: true,
            skin: true,
            white_balance: true,
            hue_saturation: true,
            blur: true,
            noise: true,
            jpeg: true,
            erase: true,
            ramp_epochs: 8,
            ..Augment::robust()
        }
    }

    /// True when no change is switched on.
    pub fn is_off(&self) -> bool {
        !(self.rotation
            || self.scale
            || self.shift
            || self.flip
            || self.brightness
            || self.contrast
            || self.colour_cast
            || self.perspective
            || self.background
            || self.skin
            || self.white_balance
            || self.hue_saturation
            || self.blur
            || self.noise
            || self.jpeg
            || self.erase)
    }

    /// These settings at `epoch` (0 = the first) of a run: background replacement and
    /// erasing at (epoch + 1) / `ramp_epochs` of their probability until the ramp ends.
    pub fn at_epoch(&self, epoch: usize) -> Augment {
        let mut a = self.clone();
        if self.ramp_epochs > 0 {
            let k = ((epoch + 1) as f32 / self.ramp_epochs as f32).min(1.0);
            a.background_prob *= k;
            a.erase_prob *= k;
        }
        a
    }

    /// Does a change need the picture's foreground mask?
    fn needs_mask(&self) -> bool {
        self.background || self.skin
    }

    /// Checks the strengths: finite, and within ranges that keep a picture recognisable.
    pub fn validate(&self) -> Result<()> {
        let finite = [
            self.rotation_deg,
            self.scale_min,
            self.scale_max,
            self.shift_frac,
            self.brightness_delta,
            self.contrast_amount,
            self.colour_cast_amount,
            self.perspective_amount,
            self.background_prob,
            self.skin_amount,
            self.white_balance_amount,
            self.hue_deg,
            self.saturation_amount,
            self.blur_sigma,
            self.noise_sd,
            self.jpeg_quality_min,
            self.erase_prob,
            self.mild_prob,
        ]
        .iter()
        .all(|v| v.is_finite());
        if !finite {
            return Err(param_err!(
                "Augmentation strengths must be numbers (one is NaN or infinite)."
            ));
        }
        let check = |ok: bool, msg: &str| if ok { Ok(()) } else { Err(param_err!("{msg}")) };
        check(
            (0.0..=180.0).contains(&self.rotation_deg),
            "Rotation must be 0 to 180 degrees.",
        )?;
        check(
            self.scale_min > 0.0 && self.scale_min <= self.scale_max && self.scale_max <= 4.0,
            "Scale range must satisfy 0 < min <= max <= 4.",
        )?;
        check(
            (0.0..=0.5).contains(&self.shift_frac),
            "Shift must be 0 to 0.5 of the picture's side.",
        )?;
        check(
            (0.0..=1.0).contains(&self.brightness_delta),
            "Brightness change must be 0 to 1.",
        )?;
        check(
            (0.0..=1.0).contains(&self.contrast_amount),
            "Contrast change must be 0 to 1.",
        )?;
        check(
            (0.0..=1.0).contains(&self.colour_cast_amount),
            "Colour cast must be 0 to 1.",
        )?;
        check(
            (0.0..=0.5).contains(&self.perspective_amount),
            "Perspective must be 0 to 0.5.",
        )?;
        check(
            [self.background_prob, self.erase_prob, self.mild_prob]
                .iter()
                .all(|p| (0.0..=1.0).contains(p)),
            "Background, erasing and mild probabilities must be 0 to 1.",
        )?;
        check(
            (0.0..=0.9).contains(&self.skin_amount),
            "Skin tone change must be 0 to 0.9.",
        )?;
        check(
            (0.0..=0.5).contains(&self.white_balance_amount),
            "White balance change must be 0 to 0.5.",
        )?;
        check(
            (0.0..=180.0).contains(&self.hue_deg) && (0.0..=1.0).contains(&self.saturation_amount),
            "Hue must be 0 to 180 degrees and saturation change 0 to 1.",
        )?;
        check(
            (0.0..=5.0).contains(&self.blur_sigma) && (0.0..=0.5).contains(&self.noise_sd),
            "Blur must be 0 to 5 pixels and noise 0 to 0.5.",
        )?;
        check(
            (1.0..=100.0).contains(&self.jpeg_quality_min),
            "JPEG quality must be 1 to 100.",
        )
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::apply::warp;
    use super::draw::Draw;
    use super::*;
    use ndarray::{Array4, Axis};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn batch(m: usize) -> Array4<f32> {
        Array4::from_shape_fn((m, 64, 64, 3), |(i, y, x, c)| {
            ((i * 7 + y * 3 + x * 5 + c * 11) % 97) as f32 / 96.0
        })
    }

    /// A draw that changes nothing (each test sets the one change it checks).
    const STILL: Draw = Draw { angle: 0.0, scale: 1.0, dx: 0.0, dy: 0.0, flip: false, brightness: 0.0, contrast: 1.0, cast: [1.0; 3] };

    /// The first picture of `src` warped by `d` (no perspective), the others as they are.
    fn warped(src: &Array4<f32>, d: &Draw) -> Array4<f32> {
        let mut out = src.clone();
        warp(src.index_axis(Axis(0), 0), out.index_axis_mut(Axis(0), 0), d, [0.0, 0.0]);
        out
    }

    fn only_flip() -> Augment {
        Augment {
            flip: true,
            ..Augment::default()
        }
    }

    #[test]
    fn default_is_all_off_and_identity() {
        let a = Augment::default();
        assert!(a.is_off());
        let mut b = batch(3);
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        assert_eq!(b, batch(3));
    }

    #[test]
    fn flip_is_an_exact_mirror_and_twice_is_identity() {
        // Force the flip with a settings-level check: apply the warp directly.
        let src = batch(1);
        let flip = Draw { flip: true, ..STILL };
        let once = warped(&src, &flip);
        for &(y, x, c) in &[(0usize, 0usize, 0usize), (10, 3, 2), (63, 40, 1)] {
            assert_eq!(once[[0, y, x, c]], src[[0, y, 63 - x, c]]);
        }
        assert_eq!(warped(&once, &flip), src);
    }

    #[test]
    fn random_flips_only_ever_mirror() {
        let mut b = batch(8);
        only_flip()
            .apply(&mut b, &mut ChaCha8Rng::seed_from_u64(3))
            .unwrap();
        let src = batch(8);
        let mut flipped = 0;
        for i in 0..8 {
            let same = b.index_axis(Axis(0), i) == src.index_axis(Axis(0), i);
            let mirror = src.index_axis(Axis(0), i).slice(ndarray::s![.., ..;-1, ..])
                == b.index_axis(Axis(0), i);
            assert!(same || mirror, "picture {i}");
            flipped += usize::from(!same);
        }
        assert!(flipped > 0 && flipped < 8, "flipped {flipped} of 8");
    }

    #[test]
    fn rotation_by_zero_is_identity() {
        let a = Augment {
            rotation: true,
            rotation_deg: 0.0,
            ..Augment::default()
        };
        let mut b = batch(2);
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(9)).unwrap();
        assert_eq!(b, batch(2));
    }

    #[test]
    fn quarter_turn_moves_pixels_as_a_rotation() {
        // A 90-degree turn maps pixel (y, x) to (x, 63 - y) or its mirror: check against index arithmetic.
        let src = batch(1);
        let out = warped(&src, &Draw { angle: std::f32::consts::FRAC_PI_2, ..STILL });
        // Output (y, x) samples source at rotation by -90 degrees about the centre.
        for &(y, x) in &[(0usize, 0usize), (5, 60), (31, 32), (63, 7)] {
            let want = src[[0, 63 - x, y, 1]];
            assert!((out[[0, y, x, 1]] - want).abs() < 1e-4, "({y},{x})");
        }
    }

    #[test]
    fn same_seed_same_batch_other_seed_other_batch() {
        let a = Augment::robust();
        let run = |seed| {
            let mut b = batch(4);
            a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(seed))
                .unwrap();
            b
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
    }

    #[test]
    fn values_stay_in_unit_range() {
        let a = Augment {
            brightness_delta: 1.0,
            contrast_amount: 1.0,
            colour_cast_amount: 1.0,
            ..Augment::robust()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for _ in 0..5 {
            let mut b = batch(6);
            a.apply(&mut b, &mut rng).unwrap();
            assert!(b.iter().all(|&v| (0.0..=1.0).contains(&v)));
        }
    }

    #[test]
    fn uniform_picture_stays_uniform_under_geometry() {
        // Edge-replicate fill: turning, zooming and shifting a flat grey picture keeps it flat.
        let a = Augment {
            rotation: true,
            scale: true,
            shift: true,
            flip: true,
            ..Augment::default()
        };
        let mut b = Array4::from_elem((3, 64, 64, 3), 0.4f32);
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(8)).unwrap();
        assert!(b.iter().all(|&v| (v - 0.4).abs() < 1e-5));
    }

    #[test]
    fn settings_round_trip_and_bad_values_are_refused() {
        let a = Augment::robust();
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Augment>(&json).unwrap(), a);
        // Missing fields take the defaults (all off).
        assert_eq!(
            serde_json::from_str::<Augment>("{\"flip\": true}").unwrap(),
            only_flip()
        );
        let bad = Augment {
            rotation_deg: f32::NAN,
            ..Augment::robust()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("NaN"));
        let bad = Augment {
            scale_min: 2.0,
            scale_max: 1.0,
            ..Augment::robust()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("Scale range"));
        let mut b = Array4::<f32>::zeros((1, 8, 8, 1));
        let e = Augment::robust()
            .apply(&mut b, &mut ChaCha8Rng::seed_from_u64(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("(m, h, w, 3)"), "{e}");
    }

    /// A sign-digit style picture: a light grey wall, a skin-coloured disc (the hand) and
    /// a forearm bar down to the bottom edge.
    fn hand_batch(m: usize) -> Array4<f32> {
        Array4::from_shape_fn((m, 64, 64, 3), |(_, y, x, c)| {
            let (u, v) = (x as f32 - 32.0, y as f32 - 26.0);
            if u * u + v * v < 13.0 * 13.0 || ((x as i32 - 32).abs() < 6 && y > 26) {
                [0.85, 0.62, 0.5][c]
            } else {
                0.78
            }
        })
    }

    fn only(f: impl FnOnce(&mut Augment)) -> Augment {
        let mut a = Augment::default();
        f(&mut a);
        a
    }

    #[test]
    fn photo_settings_are_valid_and_deterministic_from_the_seed() {
        let a = Augment::photo();
        a.validate().unwrap();
        let run = |seed| {
            let mut b = hand_batch(3);
            a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
            b
        };
        assert_eq!(run(11), run(11));
        assert_ne!(run(11), run(12));
        assert!(run(11).iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn a_new_background_replaces_the_wall_and_keeps_the_hand() {
        let a = only(|a| {
            a.background = true;
            a.background_prob = 1.0;
        });
        let src = hand_batch(6);
        let mut b = src.clone();
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(4)).unwrap();
        let mut walls_changed = 0;
        for i in 0..6 {
            // The middle of the hand is untouched.
            for c in 0..3 {
                assert!((b[[i, 26, 32, c]] - src[[i, 26, 32, c]]).abs() < 1e-6);
            }
            walls_changed += usize::from((0..3).any(|c| (b[[i, 2, 2, c]] - 0.78).abs() > 0.02));
        }
        assert!(walls_changed >= 5, "{walls_changed} of 6 walls changed");
    }

    #[test]
    fn zooming_out_continues_the_plain_wall_and_the_forearm() {
        let a = only(|a| {
            a.scale = true;
            a.scale_min = 0.5;
            a.scale_max = 0.5;
            a.background = true;
            a.background_prob = 0.0;
        });
        let mut b = hand_batch(1);
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
        // Corners: the wall's own colour, not repeated edge pixels of something else.
        for (y, x) in [(0, 0), (0, 63), (63, 0), (5, 58)] {
            assert!((b[[0, y, x, 0]] - 0.78).abs() < 1e-3, "({y}, {x}) {}", b[[0, y, x, 0]]);
        }
        // The hand is half as big, about the centre, and the forearm reaches the bottom.
        assert!((b[[0, 29, 32, 0]] - 0.85).abs() < 1e-3);
        assert!((b[[0, 63, 32, 0]] - 0.85).abs() < 1e-3, "{}", b[[0, 63, 32, 0]]);
        assert!((b[[0, 29, 48, 0]] - 0.78).abs() < 1e-3, "outside the smaller hand");
    }

    #[test]
    fn skin_tone_darkens_the_hand_only() {
        let a = only(|a| a.skin = true);
        let src = hand_batch(8);
        let mut b = src.clone();
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(2)).unwrap();
        let mut darker = 0;
        for i in 0..8 {
            assert!((b[[i, 2, 2, 0]] - 0.78).abs() < 1e-6, "the wall stays");
            assert!(b[[i, 26, 32, 0]] <= 0.85 + 1e-6);
            darker += usize::from(b[[i, 26, 32, 0]] < 0.84);
        }
        assert!(darker > 0 && darker < 8, "{darker} of 8 (half of them, at random)");
    }

    #[test]
    fn white_balance_warms_or_cools_a_grey_picture_by_the_stated_factors() {
        let a = only(|a| a.white_balance = true);
        let mut b = Array4::from_elem((5, 4, 4, 3), 0.5f32);
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        for i in 0..5 {
            // Red 0.5 (1 + t), green 0.5 (1 + t/4), blue 0.5 (1 - t), |t| <= 0.15.
            let t = b[[i, 0, 0, 0]] / 0.5 - 1.0;
            assert!(t.abs() <= 0.15 + 1e-6 && t != 0.0);
            assert!((b[[i, 1, 1, 1]] - 0.5 * (1.0 + t / 4.0)).abs() < 1e-6);
            assert!((b[[i, 3, 2, 2]] - 0.5 * (1.0 - t)).abs() < 1e-6);
        }
    }

    #[test]
    fn hue_and_saturation_keep_greys_grey_and_saturation_zero_makes_grey() {
        let a = only(|a| a.hue_saturation = true);
        let mut grey = Array4::from_elem((3, 4, 4, 3), 0.4f32);
        a.apply(&mut grey, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
        assert!(grey.iter().all(|&v| (v - 0.4).abs() < 2e-3), "YIQ keeps greys");
        let a = only(|a| {
            a.hue_saturation = true;
            a.hue_deg = 0.0;
            a.saturation_amount = 1.0;
        });
        let mut b = hand_batch(20);
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
        let chroma = |i: usize| b[[i, 26, 32, 0]] - b[[i, 26, 32, 2]];
        let (lo, hi) = (0..20).map(chroma).fold((1f32, 0f32), |(l, h), c| (l.min(c), h.max(c)));
        // The skin's red minus blue (0.35) scaled by factors drawn from [0, 2].
        assert!(lo < 0.2 && hi > 0.5 && lo >= -1e-3 && hi <= 0.72, "{lo} {hi}");
    }

    #[test]
    fn erasing_fills_one_rectangle_of_2_to_20_percent() {
        let a = only(|a| {
            a.erase = true;
            a.erase_prob = 1.0;
        });
        let src = batch(6);
        let mut b = src.clone();
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(6)).unwrap();
        for i in 0..6 {
            let changed: Vec<(usize, usize)> = (0..64)
                .flat_map(|y| (0..64).map(move |x| (y, x)))
                .filter(|&(y, x)| (0..3).any(|c| b[[i, y, x, c]] != src[[i, y, x, c]]))
                .collect();
            let (y0, y1) = changed.iter().fold((64, 0), |(l, h), p| (l.min(p.0), h.max(p.0)));
            let (x0, x1) = changed.iter().fold((64, 0), |(l, h), p| (l.min(p.1), h.max(p.1)));
            let area = (y1 - y0 + 1) * (x1 - x0 + 1);
            assert!((40..=820).contains(&area), "{area}");
            let colour = [b[[i, y0, x0, 0]], b[[i, y0, x0, 1]], b[[i, y0, x0, 2]]];
            for y in y0..=y1 {
                for x in x0..=x1 {
                    assert_eq!([b[[i, y, x, 0]], b[[i, y, x, 1]], b[[i, y, x, 2]]], colour);
                }
            }
        }
    }

    #[test]
    fn noise_has_at_most_the_stated_spread_and_no_bias() {
        let a = only(|a| a.noise = true);
        let mut b = Array4::from_elem((4, 64, 64, 3), 0.5f32);
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(7)).unwrap();
        for i in 0..4 {
            let p = b.index_axis(Axis(0), i);
            let mean = p.mean().unwrap();
            let sd = (p.mapv(|v| (v - mean).powi(2)).mean().unwrap()).sqrt();
            assert!((mean - 0.5).abs() < 0.003 && sd <= 0.04 * 1.05, "{mean} {sd}");
        }
    }

    #[test]
    fn perspective_keeps_the_centre_and_flat_pictures_and_bends_lines() {
        let a = only(|a| {
            a.perspective = true;
            a.perspective_amount = 0.3;
        });
        let mut flat = Array4::from_elem((2, 64, 64, 3), 0.3f32);
        a.apply(&mut flat, &mut ChaCha8Rng::seed_from_u64(8)).unwrap();
        assert!(flat.iter().all(|&v| (v - 0.3).abs() < 1e-6));
        // A horizontal ramp: value = x / 63. A tilt scales distances from the centre by
        // 1 + px u + py v, so the picture changes away from the centre but not at it.
        let src = Array4::from_shape_fn((1, 64, 64, 3), |(_, _, x, _)| x as f32 / 63.0);
        let mut b = src.clone();
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(9)).unwrap();
        let diff = (&b - &src).mapv(f32::abs);
        assert!(diff[[0, 31, 31, 0]] < 0.02 && diff.iter().fold(0f32, |m, &v| m.max(v)) > 0.05);
    }

    #[test]
    fn blur_and_jpeg_change_a_detailed_picture_a_little() {
        let a = only(|a| {
            a.blur = true;
            a.jpeg = true;
        });
        let src = batch(4);
        let mut b = src.clone();
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(10)).unwrap();
        let d = (&b - &src).mapv(f32::abs).mean().unwrap();
        assert!(d > 0.005 && d < 0.3, "{d}");
    }

    #[test]
    fn mild_pictures_get_only_the_robust_changes() {
        // Everything strong switched on; with mild_prob 1 every picture gets robust() alone:
        // the same pictures as robust() from the same seed, after the one choice draw.
        let a = Augment {
            mild_prob: 1.0,
            ..Augment::photo()
        };
        let mut b = hand_batch(3);
        a.apply(&mut b, &mut ChaCha8Rng::seed_from_u64(13)).unwrap();
        let mut want = hand_batch(3);
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        let mild = Augment::robust();
        for i in 0..3 {
            assert!(rng.random_bool(1.0));
            let mut one = want.slice(ndarray::s![i..i + 1, .., .., ..]).to_owned();
            mild.apply(&mut one, &mut rng).unwrap();
            want.slice_mut(ndarray::s![i..i + 1, .., .., ..]).assign(&one);
        }
        assert_eq!(b, want);
    }

    #[test]
    fn ramps_reach_full_strength_after_ramp_epochs() {
        let a = Augment::photo();
        assert_eq!(a.ramp_epochs, 8);
        assert!((a.at_epoch(0).background_prob - 0.5 / 8.0).abs() < 1e-6);
        assert!((a.at_epoch(3).erase_prob - 0.3 * 4.0 / 8.0).abs() < 1e-6);
        assert_eq!(a.at_epoch(7), a);
        assert_eq!(a.at_epoch(30), a);
        assert_eq!(Augment::robust().at_epoch(0), Augment::robust());
    }
}
