//! The draws applied to a minibatch's pixels: the geometry (one warp per picture, the
//! mask moved with it), the hand over a new background, colour, and the camera.

use ndarray::{Array3, Array4, ArrayView2, ArrayView3, ArrayViewMut3, Axis, Zip};
use rand::Rng;

use super::draw::{standard_normal, Draw, Extra};
use super::Augment;
use crate::data::{camera, foreground};
use crate::error::Result;
use crate::shape_err;

impl Augment {
    /// Augments a minibatch in place, each picture with its own random draws from `rng`.
    /// With everything off the batch is untouched and `rng` is not used.
    /// Ramped changes at full strength: [`Augment::at_epoch`] gives the strength at an epoch.
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
        let mut scratch = Array3::<f32>::zeros((h, w, 3));
        let mild = Augment::robust();
        for mut picture in batch.axis_iter_mut(Axis(0)) {
            // Nothing is drawn for the choice when mild_prob is 0 (older settings' streams).
            let a = if self.mild_prob > 0.0 && rng.random_bool(f64::from(self.mild_prob)) {
                &mild
            } else {
                self
            };
            let draw = a.draw(rng);
            let extra = a.draw_extra(rng, h, w, draw.scale);
            let mut mask = a.needs_mask().then(|| {
                let f = foreground::foreground(picture.view());
                (f.mask.insert_axis(Axis(2)), f.wall)
            });
            if !draw.is_identity_geometry() || extra.tilt != [0.0, 0.0] {
                scratch.assign(&picture);
                warp(scratch.view(), picture.view_mut(), &draw, extra.tilt);
                if let Some((m, _)) = mask.as_mut() {
                    let unmoved = m.clone();
                    warp(unmoved.view(), m.view_mut(), &draw, extra.tilt);
                }
            }
            if let Some((m, wall)) = &mask {
                composite(picture.view_mut(), m.index_axis(Axis(2), 0), *wall, &extra);
            }
            a.colour(picture.view_mut(), &draw);
            a.camera(picture.view_mut(), &extra, rng);
        }
        Ok(())
    }


    /// White balance, hue and saturation, erasing, blur, noise and JPEG, then the clamp.
    fn camera(&self, mut picture: ArrayViewMut3<f32>, e: &Extra, rng: &mut impl Rng) {
        if self.white_balance && !self.hue_saturation {
            for mut px in picture.lanes_mut(Axis(2)) {
                for c in 0..3 {
                    px[c] = (px[c] * e.white_balance[c]).clamp(0.0, 1.0);
                }
            }
        }
        if self.hue_saturation {
            let (sin, cos) = e.hue.sin_cos();
            for mut px in picture.lanes_mut(Axis(2)) {
                let rgb = [
                    px[0] * e.white_balance[0],
                    px[1] * e.white_balance[1],
                    px[2] * e.white_balance[2],
                ];
                // Hue turns the chroma plane of YIQ; saturation scales it.
                let y = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
                let i = 0.596 * rgb[0] - 0.274 * rgb[1] - 0.322 * rgb[2];
                let q = 0.211 * rgb[0] - 0.523 * rgb[1] + 0.312 * rgb[2];
                let (i, q) = (
                    (cos * i - sin * q) * e.saturation,
                    (sin * i + cos * q) * e.saturation,
                );
                px[0] = (y + 0.956 * i + 0.621 * q).clamp(0.0, 1.0);
                px[1] = (y - 0.272 * i - 0.647 * q).clamp(0.0, 1.0);
                px[2] = (y - 1.106 * i + 1.703 * q).clamp(0.0, 1.0);
            }
        }
        if let Some((y, x, eh, ew, c)) = e.erase {
            for yy in y..y + eh {
                for xx in x..x + ew {
                    for ch in 0..3 {
                        picture[[yy, xx, ch]] = c[ch];
                    }
                }
            }
        }
        camera::gaussian_blur(picture.view_mut(), e.blur);
        if e.noise > 0.0 {
            for v in picture.iter_mut() {
                *v = (*v + e.noise * standard_normal(rng)).clamp(0.0, 1.0);
            }
        }
        if let Some(q) = e.jpeg {
            camera::jpeg_artefacts(picture.view_mut(), q);
        }
        picture.mapv_inplace(|v| v.clamp(0.0, 1.0));
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

/// The hand through its (moved) mask `m` (1 = hand): its skin tone changed, then over the
/// new background, or over the wall's plain colour when zoomed out; otherwise as it is.
fn composite(
    mut picture: ArrayViewMut3<f32>,
    m: ArrayView2<f32>,
    wall: [f32; 3],
    e: &Extra,
) {
    Zip::indexed(picture.lanes_mut(Axis(2)))
        .and(m)
        .for_each(|(y, x), mut px, &a| {
            for c in 0..3 {
                let hand = px[c] * (1.0 + a * (e.skin[c] - 1.0));
                let under = match &e.backdrop {
                    Some(b) => b[[y, x, c]],
                    None if e.own_wall => wall[c],
                    None => hand,
                };
                px[c] = a * hand + (1.0 - a) * under;
            }
        });
}

/// Output pixel -> source position: undo the tilt, the shift, the scale and the rotation
/// about the centre, then the flip. Bilinear sampling; positions outside repeat the
/// nearest edge. Works on any number of channels (a picture, or its mask).
pub(super) fn warp(src: ArrayView3<f32>, mut dst: ArrayViewMut3<f32>, d: &Draw, tilt: [f32; 2]) {
    let (h, w, _) = src.dim();
    let (cy, cx) = ((h as f32 - 1.0) / 2.0, (w as f32 - 1.0) / 2.0);
    let (sin, cos) = d.angle.sin_cos();
    let inv = 1.0 / d.scale;
    let (px, py) = (tilt[0] / cx.max(1.0), tilt[1] / cy.max(1.0));
    Zip::indexed(dst.lanes_mut(Axis(2))).for_each(|(y, x), mut out| {
        let (u0, v0) = (x as f32 - cx, y as f32 - cy);
        // A projective map: 1 + tilt at one edge, 1 - tilt at the opposite one.
        let k = 1.0 + px * u0 + py * v0;
        let u = u0 * k - d.dx * w as f32;
        let v = v0 * k - d.dy * h as f32;
        // Inverse rotation (by -angle) and inverse scale.
        let mut sx = (cos * u + sin * v) * inv;
        let sy = (-sin * u + cos * v) * inv;
        if d.flip {
            sx = -sx;
        }
        // At most 4 channels: a picture (3) or its mask (1).
        let mut value = [0f32; 4];
        let n = out.len().min(4);
        bilinear(&src, sy + cy, sx + cx, &mut value[..n]);
        for (o, v) in out.iter_mut().zip(value) {
            *o = v;
        }
    });
}

fn bilinear(src: &ArrayView3<f32>, y: f32, x: f32, out: &mut [f32]) {
    let (h, w, _) = src.dim();
    let y = y.clamp(0.0, (h - 1) as f32);
    let x = x.clamp(0.0, (w - 1) as f32);
    let (y0, x0) = (y.floor() as usize, x.floor() as usize);
    let (y1, x1) = ((y0 + 1).min(h - 1), (x0 + 1).min(w - 1));
    let (fy, fx) = (y - y0 as f32, x - x0 as f32);
    for (c, o) in out.iter_mut().enumerate() {
        let top = src[[y0, x0, c]] * (1.0 - fx) + src[[y0, x1, c]] * fx;
        let bottom = src[[y1, x0, c]] * (1.0 - fx) + src[[y1, x1, c]] * fx;
        *o = top * (1.0 - fy) + bottom * fy;
    }
}
