//! One picture's random draws: the parameters of every change, drawn from the run's
//! generator in a fixed order (so a seed fixes the run), neutral for a change that is off.

use ndarray::Array3;
use rand::Rng;

use super::Augment;
use crate::data::backdrop;

impl Augment {
    /// One picture's random parameters, drawn in a fixed order (a seed fixes the run);
    /// a switched-off change draws nothing.
    pub(super) fn draw(&self, rng: &mut impl Rng) -> Draw {
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

    /// The draws of the changes beyond [`Augment::robust`]'s, after its own (so a seed
    /// gives `robust` the same pictures as before they existed); nothing when all are off.
    pub(super) fn draw_extra(&self, rng: &mut impl Rng, h: usize, w: usize, scale: f32) -> Extra {
        let mut e = Extra::default();
        if self.perspective && self.perspective_amount > 0.0 {
            let p = self.perspective_amount;
            let angle: f32 = rng.random_range(0.0..std::f32::consts::TAU);
            let k = rng.random_range(-p..=p);
            e.tilt = [k * angle.cos(), k * angle.sin()];
        }
        if self.background && rng.random_bool(f64::from(self.background_prob)) {
            e.backdrop = Some(backdrop::draw(h, w, rng));
        }
        e.own_wall = self.background && scale < 0.95;
        if self.skin && rng.random_bool(0.5) {
            let k = 1.0 - rng.random_range(0.0..=self.skin_amount);
            e.skin = [k, k * rng.random_range(0.88..=1.0), k * rng.random_range(0.8..=1.0)];
        }
        if self.white_balance && self.white_balance_amount > 0.0 {
            let t = rng.random_range(-self.white_balance_amount..=self.white_balance_amount);
            e.white_balance = [1.0 + t, 1.0 + t / 4.0, 1.0 - t];
        }
        if self.hue_saturation {
            e.hue = if self.hue_deg > 0.0 {
                rng.random_range(-self.hue_deg..=self.hue_deg).to_radians()
            } else {
                0.0
            };
            e.saturation = if self.saturation_amount > 0.0 {
                1.0 + rng.random_range(-self.saturation_amount..=self.saturation_amount)
            } else {
                1.0
            };
        }
        if self.erase && rng.random_bool(f64::from(self.erase_prob)) {
            let area = rng.random_range(0.02..=0.2f32) * (h * w) as f32;
            let aspect = rng.random_range(-1.1..=1.1f32).exp();
            let eh = ((area * aspect).sqrt() as usize).clamp(1, h);
            let ew = ((area / aspect).sqrt() as usize).clamp(1, w);
            let y = rng.random_range(0..=h - eh);
            let x = rng.random_range(0..=w - ew);
            let c = [rng.random(), rng.random(), rng.random()];
            e.erase = Some((y, x, eh, ew, c));
        }
        if self.blur && rng.random_bool(0.5) {
            e.blur = rng.random_range(0.0..=self.blur_sigma);
        }
        if self.noise && self.noise_sd > 0.0 {
            e.noise = rng.random_range(0.0..=self.noise_sd);
        }
        if self.jpeg {
            e.jpeg = Some(rng.random_range(self.jpeg_quality_min..=95.0f32.max(self.jpeg_quality_min)));
        }
        e
    }
}

/// One picture's random parameters.
#[derive(Debug, Clone, Copy)]
pub(super) struct Draw {
    pub(super) angle: f32,
    pub(super) scale: f32,
    pub(super) dx: f32,
    pub(super) dy: f32,
    pub(super) flip: bool,
    pub(super) brightness: f32,
    pub(super) contrast: f32,
    pub(super) cast: [f32; 3],
}

impl Draw {
    pub(super) fn is_identity_geometry(&self) -> bool {
        self.angle == 0.0 && self.scale == 1.0 && self.dx == 0.0 && self.dy == 0.0 && !self.flip
    }
}

/// One picture's draws for the changes beyond [`Augment::robust`]'s (neutral when off).
#[derive(Debug, Clone)]
pub(super) struct Extra {
    /// Perspective: the projective term (per half side, in x and y).
    pub(super) tilt: [f32; 2],
    pub(super) backdrop: Option<Array3<f32>>,
    /// Zoomed out without a new background: continue the picture's own plain wall.
    pub(super) own_wall: bool,
    /// Multipliers of the hand's red, green and blue (1 = unchanged skin).
    pub(super) skin: [f32; 3],
    pub(super) white_balance: [f32; 3],
    pub(super) hue: f32,
    pub(super) saturation: f32,
    /// Top, left, height, width and colour of the erased rectangle.
    pub(super) erase: Option<(usize, usize, usize, usize, [f32; 3])>,
    pub(super) blur: f32,
    pub(super) noise: f32,
    pub(super) jpeg: Option<f32>,
}

impl Default for Extra {
    fn default() -> Self {
        Extra {
            tilt: [0.0, 0.0],
            backdrop: None,
            own_wall: false,
            skin: [1.0; 3],
            white_balance: [1.0; 3],
            hue: 0.0,
            saturation: 1.0,
            erase: None,
            blur: 0.0,
            noise: 0.0,
            jpeg: None,
        }
    }
}

/// A sample of the standard normal distribution (Box-Muller).
pub(super) fn standard_normal(rng: &mut impl Rng) -> f32 {
    let u1: f32 = rng.random_range(f32::EPSILON..1.0);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}
