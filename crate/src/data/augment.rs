//! Data augmentation: random changes to each training picture, drawn per minibatch from
//! a seeded generator, so that the network cannot learn one set of photos' framing and
//! light by heart (the over-fitting the assignment points out).
//!
//! Works on f32 NHWC minibatches (m, 64, 64, 3) with values in [0, 1]. Geometry
//! (rotation, scale, shift, flip) is one affine map per picture, sampled bilinearly with
//! edge-replicate fill; colour (brightness, contrast, colour cast) follows, then values
//! are clamped back to [0, 1]. Each change is switched by [`Augment`]; all are off by
//! default, and [`Augment::robust`] turns them all on.

use ndarray::{Array4, ArrayView3, ArrayViewMut3, Axis, Zip};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::{param_err, shape_err};

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

    /// True when no change is switched on.
    pub fn is_off(&self) -> bool {
        !(self.rotation
            || self.scale
            || self.shift
            || self.flip
            || self.brightness
            || self.contrast
            || self.colour_cast)
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
        )
    }

    /// Augments a minibatch in place, each picture with its own random draws from `rng`.
    /// With everything off the batch is untouched and `rng` is not used.
    pub fn apply(&self, batch: &mut Array4<f32>, rng: &mut impl Rng) -> Result<()> {
        self.validate()?;
        if batch.dim().3 != 3 {
            return Err(shape_err!(
                "Augmentation expects RGB pictures (m, h, w, 3), got {:?}.",
                batch.shape()
            ));
        }
        if self.is_off() {
            return Ok(());
        }
        let (_, h, w, _) = batch.dim();
        let mut scratch = ndarray::Array3::<f32>::zeros((h, w, 3));
        for mut picture in batch.axis_iter_mut(Axis(0)) {
            let draw = self.draw(rng);
            if !draw.is_identity_geometry() {
                scratch.assign(&picture);
                warp(scratch.view(), picture.view_mut(), &draw);
            }
            self.colour(picture.view_mut(), &draw);
        }
        Ok(())
    }

    /// One picture's random parameters, drawn in a fixed order (a seed fixes the run);
    /// a switched-off change draws nothing.
    fn draw(&self, rng: &mut impl Rng) -> Draw {
        let mut sym = |on: bool, x: f32| {
            if on && x > 0.0 {
                rng.random_range(-x..=x)
            } else {
                0.0
            }
        };
        let angle = sym(self.rotation, self.rotation_deg).to_radians();
        let dx = sym(self.shift, self.shift_frac);
        let dy = sym(self.shift, self.shift_frac);
        let brightness = sym(self.brightness, self.brightness_delta);
        let contrast = 1.0 + sym(self.contrast, self.contrast_amount);
        let cast = [
            1.0 + sym(self.colour_cast, self.colour_cast_amount),
            1.0 + sym(self.colour_cast, self.colour_cast_amount),
            1.0 + sym(self.colour_cast, self.colour_cast_amount),
        ];
        let scale = if self.scale && self.scale_max > self.scale_min {
            rng.random_range(self.scale_min..=self.scale_max)
        } else if self.scale {
            self.scale_min
        } else {
            1.0
        };
        let flip = self.flip && rng.random_bool(0.5);
        Draw {
            angle,
            scale,
            dx,
            dy,
            flip,
            brightness,
            contrast,
            cast,
        }
    }

    fn colour(&self, mut picture: ArrayViewMut3<f32>, d: &Draw) {
        let mean = if self.contrast {
            picture.mean().unwrap_or(0.0)
        } else {
            0.0
        };
        for mut px in picture.lanes_mut(Axis(2)) {
            for c in 0..3 {
                let mut v = px[c];
                if self.contrast {
                    v = mean + (v - mean) * d.contrast;
                }
                v = v * d.cast[c] + d.brightness;
                px[c] = v.clamp(0.0, 1.0);
            }
        }
    }
}

/// One picture's random parameters.
#[derive(Debug, Clone, Copy)]
struct Draw {
    angle: f32,
    scale: f32,
    dx: f32,
    dy: f32,
    flip: bool,
    brightness: f32,
    contrast: f32,
    cast: [f32; 3],
}

impl Draw {
    fn is_identity_geometry(&self) -> bool {
        self.angle == 0.0 && self.scale == 1.0 && self.dx == 0.0 && self.dy == 0.0 && !self.flip
    }
}

/// Output pixel -> source position: undo the shift, the scale and the rotation about the
/// centre, then the flip. Bilinear sampling; positions outside repeat the nearest edge.
fn warp(src: ArrayView3<f32>, mut dst: ArrayViewMut3<f32>, d: &Draw) {
    let (h, w, _) = src.dim();
    let (cy, cx) = ((h as f32 - 1.0) / 2.0, (w as f32 - 1.0) / 2.0);
    let (sin, cos) = d.angle.sin_cos();
    let inv = 1.0 / d.scale;
    Zip::indexed(dst.lanes_mut(Axis(2))).for_each(|(y, x), mut out| {
        let u = x as f32 - cx - d.dx * w as f32;
        let v = y as f32 - cy - d.dy * h as f32;
        // Inverse rotation (by -angle) and inverse scale.
        let mut sx = (cos * u + sin * v) * inv;
        let sy = (-sin * u + cos * v) * inv;
        if d.flip {
            sx = -sx;
        }
        let rgb = bilinear(&src, sy + cy, sx + cx);
        for c in 0..3 {
            out[c] = rgb[c];
        }
    });
}

fn bilinear(src: &ArrayView3<f32>, y: f32, x: f32) -> [f32; 3] {
    let (h, w, _) = src.dim();
    let y = y.clamp(0.0, (h - 1) as f32);
    let x = x.clamp(0.0, (w - 1) as f32);
    let (y0, x0) = (y.floor() as usize, x.floor() as usize);
    let (y1, x1) = ((y0 + 1).min(h - 1), (x0 + 1).min(w - 1));
    let (fy, fx) = (y - y0 as f32, x - x0 as f32);
    let mut out = [0f32; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let top = src[[y0, x0, c]] * (1.0 - fx) + src[[y0, x1, c]] * fx;
        let bottom = src[[y1, x0, c]] * (1.0 - fx) + src[[y1, x1, c]] * fx;
        *o = top * (1.0 - fy) + bottom * fy;
    }
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn batch(m: usize) -> Array4<f32> {
        Array4::from_shape_fn((m, 64, 64, 3), |(i, y, x, c)| {
            ((i * 7 + y * 3 + x * 5 + c * 11) % 97) as f32 / 96.0
        })
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
        let d = Draw {
            angle: 0.0,
            scale: 1.0,
            dx: 0.0,
            dy: 0.0,
            flip: true,
            brightness: 0.0,
            contrast: 1.0,
            cast: [1.0; 3],
        };
        let mut once = src.clone();
        warp(
            src.index_axis(Axis(0), 0),
            once.index_axis_mut(Axis(0), 0),
            &d,
        );
        for &(y, x, c) in &[(0usize, 0usize, 0usize), (10, 3, 2), (63, 40, 1)] {
            assert_eq!(once[[0, y, x, c]], src[[0, y, 63 - x, c]]);
        }
        let mut twice = once.clone();
        warp(
            once.index_axis(Axis(0), 0),
            twice.index_axis_mut(Axis(0), 0),
            &d,
        );
        assert_eq!(twice, src);
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
        let d = Draw {
            angle: std::f32::consts::FRAC_PI_2,
            scale: 1.0,
            dx: 0.0,
            dy: 0.0,
            flip: false,
            brightness: 0.0,
            contrast: 1.0,
            cast: [1.0; 3],
        };
        let mut out = src.clone();
        warp(
            src.index_axis(Axis(0), 0),
            out.index_axis_mut(Axis(0), 0),
            &d,
        );
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
}
