//! Drawing: skin tones, the background, the hand's shapes with shading and edges, blur.

use super::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Realistic skin colours, light to dark (linear RGB-ish, 0-1).
pub(super) const SKIN_TONES: [[f32; 3]; 6] = [
    [0.96, 0.80, 0.70],
    [0.90, 0.70, 0.57],
    [0.80, 0.58, 0.44],
    [0.64, 0.44, 0.31],
    [0.47, 0.31, 0.21],
    [0.33, 0.22, 0.15],
];

/// Smallest luminance gap between skin and background (a photographer would pick a
/// wall that the hand stands out from).
pub(super) const MIN_CONTRAST: f32 = 0.15;

pub(super) fn luminance(c: [f32; 3]) -> f32 {
    0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
}

pub(super) fn skin_colour(rng: &mut ChaCha8Rng) -> [f32; 3] {
    let t = rng.random::<f32>() * (SKIN_TONES.len() - 1) as f32;
    let i = (t as usize).min(SKIN_TONES.len() - 2);
    let c = lerp3(SKIN_TONES[i], SKIN_TONES[i + 1], t - i as f32);
    let warm = uniform(rng, -0.03, 0.03);
    [c[0] + warm, c[1], c[2] - warm]
}

/// Work buffers for one 64x64 picture, reused from picture to picture.
pub(super) struct Canvas {
    /// Background, then the final picture: RGB, row-major.
    pub(super) rgb: Vec<f32>,
    /// The hand layer, premultiplied RGB plus coverage.
    pub(super) hand: Vec<f32>,
    pub(super) alpha: Vec<f32>,
    pub(super) scratch: Vec<f32>,
}

pub(super) const N: usize = IMAGE_SIZE;

impl Canvas {
    pub(super) fn new() -> Canvas {
        Canvas {
            rgb: vec![0.0; N * N * 3],
            hand: vec![0.0; N * N * 3],
            alpha: vec![0.0; N * N],
            scratch: vec![0.0; N * N * 3],
        }
    }

    pub(super) fn draw_hand(&mut self, digit: u8, rng: &mut ChaCha8Rng) {
        let parts = build_hand(digit, rng);
        let skin = skin_colour(rng);

        // Placement: palm centre, pixels per hand unit, rotation.
        let scale = uniform(rng, 25.0, 30.0);
        let centre = v2(
            32.0 + uniform(rng, -3.0, 3.0),
            45.0 + uniform(rng, -2.0, 3.0),
        );
        let (sin_t, cos_t) = sin_cos(deg(uniform(rng, -20.0, 20.0)));
        // Always a right hand seen palm-on (thumb on the right), as in the SIGNS photos:
        // mirrored hands would only make the tiny default network's job harder.
        let mirror = 1.0;
        // Image pixel -> hand frame (y up) and back.
        let to_hand = |px: f32, py: f32| {
            let dx = (px - centre.x) / scale;
            let dy = -(py - centre.y) / scale;
            v2(mirror * (cos_t * dx + sin_t * dy), -sin_t * dx + cos_t * dy)
        };
        let to_image = |p: V2| {
            let hx = mirror * p.x;
            let dx = cos_t * hx - sin_t * p.y;
            let dy = sin_t * hx + cos_t * p.y;
            v2(centre.x + dx * scale, centre.y - dy * scale)
        };

        // Light: mostly frontal, from a random side; in the hand frame for the shading.
        let (lx, ly) = (uniform(rng, -0.55, 0.55), uniform(rng, -0.2, 0.6));
        let lz = (1.0 - lx * lx - ly * ly).max(0.1).sqrt();
        let light_img = v2(lx, ly);
        let light = v2(
            mirror * (cos_t * light_img.x + sin_t * light_img.y),
            -sin_t * light_img.x + cos_t * light_img.y,
        );
        let ambient = uniform(rng, 0.25, 0.4);
        let gain = uniform(rng, 0.95, 1.25);

        let texture = uniform(rng, 0.03, 0.08);
        let salt: u32 = rng.random();
        self.paint_background(rng, luminance(skin));

        // Hand layer: paint each part over the previous ones.
        self.hand.iter_mut().for_each(|v| *v = 0.0);
        self.alpha.iter_mut().for_each(|v| *v = 0.0);
        for part in &parts {
            let (mut lo, mut hi) = (v2(f32::MAX, f32::MAX), v2(f32::MIN, f32::MIN));
            for s in &part.shapes {
                let (a, b) = s.bounds();
                for corner in [a, b, v2(a.x, b.y), v2(b.x, a.y)] {
                    let q = to_image(corner);
                    lo = v2(lo.x.min(q.x), lo.y.min(q.y));
                    hi = v2(hi.x.max(q.x), hi.y.max(q.y));
                }
            }
            let x0 = (lo.x - 2.0).max(0.0) as usize;
            let y0 = (lo.y - 2.0).max(0.0) as usize;
            let x1 = ((hi.x + 2.0).max(0.0) as usize).min(N);
            let y1 = ((hi.y + 2.0).max(0.0) as usize).min(N);
            let part_len_px = match part.shapes[0] {
                Shape::Capsule { a, b, .. } | Shape::Tapered { a, b, .. } => b.sub(a).len() * scale,
                Shape::RoundBox { h, .. } => 2.0 * h.y * scale,
            };
            let tint = [
                skin[0] * part.tint,
                skin[1] * part.tint,
                skin[2] * part.tint,
            ];
            for y in y0..y1 {
                for x in x0..x1 {
                    let p = to_hand(x as f32 + 0.5, y as f32 + 0.5);
                    // Union of the part's shapes: the nearest one decides.
                    let mut best = (f32::MAX, v2(0.0, 0.0), 0.0);
                    for (k, s) in part.shapes.iter().enumerate() {
                        let e = s.eval(p);
                        if e.0 < best.0 {
                            best = (e.0, e.1, if k == 0 { e.2 } else { -1.0 });
                        }
                    }
                    let (d, g, along) = best;
                    let d_px = d * scale;
                    let cover = clamp01(0.5 - d_px);
                    if cover <= 0.0 {
                        continue;
                    }
                    // Rounded profile: the normal tilts outwards near the rim.
                    let t = clamp01(-d / part.depth);
                    let tilt = 1.0 - t;
                    let nz = (1.0 - tilt * tilt).max(0.0).sqrt();
                    let diffuse = (tilt * (g.x * light.x + g.y * light.y) + nz * lz).max(0.0);
                    let mut shade = gain * (ambient + (1.0 - ambient) * diffuse);
                    // A dark rim where this part's edge lies over another part or the background.
                    shade *= 1.0 - 0.55 * (1.0 - smoothstep(0.0, 1.4, -d_px));
                    // Finger joint creases: thin darker lines across the finger.
                    for &c in &part.creases {
                        if along >= 0.0 {
                            let dist = (along - c).abs() * part_len_px;
                            shade *= 1.0 - 0.2 * (1.0 - smoothstep(0.0, 1.0, dist));
                        }
                    }
                    let i = y * N + x;
                    // Skin texture: a fixed pattern per picture, brighter and darker pores.
                    shade *= 1.0 + texture * hash_noise(i as u32, salt);
                    let a = self.alpha[i];
                    for (h, t) in self.hand[i * 3..i * 3 + 3].iter_mut().zip(tint) {
                        *h = t * shade * cover + *h * (1.0 - cover);
                    }
                    self.alpha[i] = cover + a * (1.0 - cover);
                }
            }
        }

        // Soft shadow of the hand on the background, offset away from the light.
        let shift_x = (-lx * 4.0 + uniform(rng, -1.0, 1.0)) as isize;
        let shift_y = (ly * 4.0 + uniform(rng, 0.0, 2.0)) as isize;
        let strength = uniform(rng, 0.25, 0.5);
        self.box_blur_alpha_into_scratch(shift_x, shift_y);
        for i in 0..N * N {
            let s = 1.0 - strength * self.scratch[i];
            let a = self.alpha[i];
            for ch in 0..3 {
                let bg = self.rgb[i * 3 + ch] * s;
                self.rgb[i * 3 + ch] = self.hand[i * 3 + ch] + bg * (1.0 - a);
            }
        }

        // Camera: sensor noise (per channel plus shared brightness), then a slight blur
        // (as a photo downscaled to 64x64: the noise is soft, not salt and pepper).
        let sigma = uniform(rng, 0.004, 0.014);
        for i in 0..N * N {
            let n = noise4(rng);
            for ch in 0..3 {
                self.rgb[i * 3 + ch] += sigma * (0.7 * n[3] + 0.5 * n[ch]);
            }
        }
        let blur = uniform(rng, 0.0, 0.35);
        self.blur_rgb(blur);
    }

    /// A plain background: a tinted mid to light grey with a linear gradient and a vignette,
    /// at least a little lighter or darker than the skin (luminance `skin_lum`).
    pub(super) fn paint_background(&mut self, rng: &mut ChaCha8Rng, skin_lum: f32) {
        // Mid to light grey walls, as in the sign-digit photos: a hand that is often
        // brighter than the wall shows up in max-pooled features, not only as a hole.
        let mut base = uniform(rng, 0.5, 0.78);
        if (base - skin_lum).abs() < MIN_CONTRAST {
            base = if skin_lum - MIN_CONTRAST >= 0.3 {
                skin_lum - MIN_CONTRAST
            } else {
                skin_lum + MIN_CONTRAST
            };
        }
        let tint = [
            uniform(rng, -0.02, 0.03),
            uniform(rng, -0.02, 0.02),
            uniform(rng, -0.03, 0.02),
        ];
        let (gs, gc) = sin_cos(uniform(rng, -3.1, 3.1));
        let amount = uniform(rng, 0.0, 0.12);
        let vignette = uniform(rng, 0.0, 0.1);
        for y in 0..N {
            for x in 0..N {
                let u = (x as f32 + 0.5) / N as f32 - 0.5;
                let v = (y as f32 + 0.5) / N as f32 - 0.5;
                let ramp = (u * gc + v * gs) * amount;
                let vig = vignette * (u * u + v * v) * 2.0;
                let i = (y * N + x) * 3;
                for (o, t) in self.rgb[i..i + 3].iter_mut().zip(tint) {
                    *o = base + t + ramp - vig;
                }
            }
        }
    }

    /// scratch[.] = alpha shifted by (dx, dy) and blurred by two 5x5 box passes.
    pub(super) fn box_blur_alpha_into_scratch(&mut self, dx: isize, dy: isize) {
        let (src, tmp) = self.scratch.split_at_mut(N * N);
        for y in 0..N {
            for x in 0..N {
                let sx = x as isize - dx;
                let sy = y as isize - dy;
                src[y * N + x] = if sx >= 0 && sy >= 0 && (sx as usize) < N && (sy as usize) < N {
                    self.alpha[sy as usize * N + sx as usize]
                } else {
                    0.0
                };
            }
        }
        let tmp = &mut tmp[..N * N];
        for _ in 0..2 {
            box_pass(src, tmp, 1, N);
            box_pass(tmp, src, N, 1);
        }
    }

    /// Mix the picture with its [1 2 1]/4 x [1 2 1]/4 blur by `amount` (edges repeat).
    pub(super) fn blur_rgb(&mut self, amount: f32) {
        // Horizontal pass into scratch, vertical pass mixed back into rgb.
        for y in 0..N {
            for x in 0..N {
                let (l, r) = (x.saturating_sub(1), (x + 1).min(N - 1));
                for ch in 0..3 {
                    let row = &self.rgb[y * N * 3..];
                    self.scratch[(y * N + x) * 3 + ch] =
                        0.25 * (row[l * 3 + ch] + row[r * 3 + ch]) + 0.5 * row[x * 3 + ch];
                }
            }
        }
        for y in 0..N {
            let (u, d) = (y.saturating_sub(1), (y + 1).min(N - 1));
            for i in 0..N * 3 {
                let v = 0.25 * (self.scratch[u * N * 3 + i] + self.scratch[d * N * 3 + i])
                    + 0.5 * self.scratch[y * N * 3 + i];
                let o = &mut self.rgb[y * N * 3 + i];
                *o += amount * (v - *o);
            }
        }
    }

    pub(super) fn quantise_into(&self, out: &mut [u8]) {
        for (o, &v) in out.iter_mut().zip(&self.rgb) {
            *o = (clamp01(v) * 255.0 + 0.5) as u8;
        }
    }
}

/// One 5-tap box blur pass (zeros outside) along a line direction (`step` 1 = rows,
/// N = columns), as a running sum.
pub(super) fn box_pass(src: &[f32], dst: &mut [f32], step: usize, stride: usize) {
    for line in 0..N {
        let at = |k: usize| src[line * stride + k * step];
        let mut sum = at(0) + at(1) + at(2);
        for k in 0..N {
            dst[line * stride + k * step] = sum * 0.2;
            if k + 3 < N {
                sum += at(k + 3);
            }
            if k >= 2 {
                sum -= at(k - 2);
            }
        }
    }
}
