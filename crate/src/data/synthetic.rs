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

// ---------------------------------------------------------------------------------------
// Small geometry helpers (hand frame: palm width ~1, y points up, thumb on +x).

#[derive(Clone, Copy, Debug)]
struct V2 {
    x: f32,
    y: f32,
}

fn v2(x: f32, y: f32) -> V2 {
    V2 { x, y }
}

impl V2 {
    fn add(self, o: V2) -> V2 {
        v2(self.x + o.x, self.y + o.y)
    }
    fn sub(self, o: V2) -> V2 {
        v2(self.x - o.x, self.y - o.y)
    }
    fn scale(self, k: f32) -> V2 {
        v2(self.x * k, self.y * k)
    }
    fn dot(self, o: V2) -> f32 {
        self.x * o.x + self.y * o.y
    }
    fn len(self) -> f32 {
        self.dot(self).sqrt()
    }
}

/// sin and cos of `a` (radians, |a| <= pi) from their Taylor series in f64: the same
/// bits on every platform, unlike libm.
fn sin_cos(a: f32) -> (f32, f32) {
    let x = a as f64;
    let x2 = x * x;
    let (mut s, mut c) = (0.0f64, 0.0f64);
    let (mut ts, mut tc) = (x, 1.0f64);
    for k in 0..10 {
        s += ts;
        c += tc;
        let k = k as f64;
        ts *= -x2 / ((2.0 * k + 2.0) * (2.0 * k + 3.0));
        tc *= -x2 / ((2.0 * k + 1.0) * (2.0 * k + 2.0));
    }
    (s as f32, c as f32)
}

fn deg(d: f32) -> f32 {
    d * (std::f32::consts::PI / 180.0)
}

/// Unit vector at `angle` from straight up, towards +x (the thumb side).
fn up_dir(angle: f32) -> V2 {
    let (s, c) = sin_cos(angle);
    v2(s, c)
}

fn clamp01(v: f32) -> f32 {
    v.clamp(0.0, 1.0)
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = clamp01((x - e0) / (e1 - e0));
    t * t * (3.0 - 2.0 * t)
}

fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// Four roughly normal numbers (each the sum of two uniform bytes: a triangular
/// distribution, unit variance) from one 64-bit draw, without `ln`/`cos`: noise is most
/// of the random numbers a picture needs.
fn noise4(rng: &mut ChaCha8Rng) -> [f32; 4] {
    let bits: u64 = rng.random();
    let byte = |k: u32| ((bits >> (8 * k)) & 0xff) as f32;
    // A sum of two bytes has mean 255 and variance 2 * (256^2 - 1) / 12 ~ 104.1^2.
    [0, 1, 2, 3].map(|k| (byte(2 * k) + byte(2 * k + 1) - 255.0) * (1.0 / 104.5))
}

/// A deterministic value in [-1, 1) from a pixel index and a per-picture salt (an
/// integer hash: no random draws inside the painting loops).
fn hash_noise(i: u32, salt: u32) -> f32 {
    let mut h = i.wrapping_mul(0x9E37_79B9) ^ salt;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^= h >> 16;
    (h >> 8) as f32 / (1u32 << 23) as f32 - 1.0
}

fn uniform(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * rng.random::<f32>()
}

/// A filled 2-D shape with a signed distance (negative inside) and its outward direction.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// All points within `r` of the segment a-b.
    Capsule { a: V2, b: V2, r: f32 },
    /// A capsule whose radius goes from `ra` at `a` to `rb` at `b` (a tapered finger;
    /// the distance is approximate, exact enough for a slight taper).
    Tapered { a: V2, b: V2, ra: f32, rb: f32 },
    /// Axis-aligned box with centre `c`, half sizes `h`, corners rounded by `r`.
    RoundBox { c: V2, h: V2, r: f32 },
}

impl Shape {
    /// (signed distance, unit outward gradient, position along the shape 0..1).
    fn eval(&self, p: V2) -> (f32, V2, f32) {
        match *self {
            Shape::Capsule { a, b, r } => Shape::Tapered { a, b, ra: r, rb: r }.eval(p),
            Shape::Tapered { a, b, ra, rb } => {
                let ab = b.sub(a);
                let t = clamp01(p.sub(a).dot(ab) / ab.dot(ab).max(1e-12));
                let q = p.sub(a.add(ab.scale(t)));
                let l = q.len();
                let g = if l > 1e-6 {
                    q.scale(1.0 / l)
                } else {
                    v2(0.0, 0.0)
                };
                (l - (ra + (rb - ra) * t), g, t)
            }
            Shape::RoundBox { c, h, r } => {
                let d = p.sub(c);
                let (sx, sy) = (
                    if d.x < 0.0 { -1.0 } else { 1.0 },
                    if d.y < 0.0 { -1.0 } else { 1.0 },
                );
                let q = v2(d.x.abs() - h.x + r, d.y.abs() - h.y + r);
                let outside = v2(q.x.max(0.0), q.y.max(0.0));
                let ol = outside.len();
                let (dist, g) = if ol > 0.0 {
                    (ol - r, v2(sx * outside.x / ol, sy * outside.y / ol))
                } else if q.x > q.y {
                    (q.x - r, v2(sx, 0.0))
                } else {
                    (q.y - r, v2(0.0, sy))
                };
                (dist, g, clamp01(0.5 + d.y / (2.0 * h.y)))
            }
        }
    }

    /// Bounding box in the hand frame: (min, max).
    fn bounds(&self) -> (V2, V2) {
        match *self {
            Shape::Capsule { a, b, r } | Shape::Tapered { a, b, ra: r, .. } => (
                v2(a.x.min(b.x) - r, a.y.min(b.y) - r),
                v2(a.x.max(b.x) + r, a.y.max(b.y) + r),
            ),
            Shape::RoundBox { c, h, .. } => (c.sub(h), c.add(h)),
        }
    }
}

/// One painted layer of the hand: the union of its shapes, shaded as one solid.
struct Part {
    shapes: Vec<Shape>,
    /// Depth of the rounded profile, in hand units: small for fingers, large for the palm.
    depth: f32,
    /// Multiplies the skin colour (folded fingers and forearm are a bit darker).
    tint: f32,
    /// Finger creases at these positions along the first shape (0 = base, 1 = tip).
    creases: Vec<f32>,
}

/// Which fingers are up, in the hand frame's order.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Thumb {
    /// Out to the side, pointing up and away.
    Out,
    /// Across the palm, over the folded fingers.
    Across,
    /// Curled to touch the index (the "O" of zero).
    Curled,
}

/// Pose of the fingers: index, middle, ring, pinky raised?, and the thumb.
fn choose_pose(digit: u8, rng: &mut ChaCha8Rng) -> ([bool; 4], Thumb) {
    let r: f32 = rng.random();
    match digit {
        0 => (
            [false; 4],
            if r < 0.6 {
                Thumb::Curled
            } else {
                Thumb::Across
            },
        ),
        // One sign per digit, as in the SIGNS photos (American Sign Language digits):
        // rarer variants (two fingers as thumb + index, ...) made 2, 3 and 4 ambiguous
        // for the assignment's small network.
        1 => ([true, false, false, false], Thumb::Across),
        2 => ([true, true, false, false], Thumb::Across),
        3 => ([true, true, false, false], Thumb::Out),
        4 => ([true, true, true, true], Thumb::Across),
        _ => ([true, true, true, true], Thumb::Out),
    }
}

/// The hand's parts in painting order (back to front), in the hand frame.
fn build_hand(digit: u8, rng: &mut ChaCha8Rng) -> Vec<Part> {
    let (raised, thumb) = choose_pose(digit, rng);
    let mut parts = Vec::new();

    // Forearm: leaves the picture at the bottom.
    let arm_w = uniform(rng, 0.34, 0.42);
    parts.push(Part {
        shapes: vec![Shape::Capsule {
            a: v2(0.0, -0.2),
            b: v2(uniform(rng, -0.3, 0.3), -4.0),
            r: arm_w,
        }],
        depth: 0.35,
        tint: 0.93,
        creases: vec![],
    });

    // Palm: a rounded box, a bit wider than high, plus the ball of the thumb.
    let palm_hw = uniform(rng, 0.46, 0.52);
    let palm_hh = uniform(rng, 0.48, 0.56);
    parts.push(Part {
        shapes: vec![
            Shape::RoundBox {
                c: v2(0.0, 0.0),
                h: v2(palm_hw, palm_hh),
                r: 0.32,
            },
            Shape::Capsule {
                a: v2(0.22, -0.32),
                b: v2(0.30, 0.02),
                r: 0.24,
            },
        ],
        depth: 0.4,
        tint: 1.0,
        creases: vec![],
    });

    // Fingers: index (next to the thumb, +x) to pinky.
    let top = palm_hh - 0.1;
    let base_x = [0.34, 0.12, -0.10, -0.31].map(|x: f32| x * palm_hw / 0.49);
    let base_y = [top - 0.01, top + 0.02, top - 0.01, top - 0.08];
    let length = [0.80, 0.90, 0.83, 0.64];
    let radius = [0.13, 0.135, 0.127, 0.11];
    let spread = uniform(rng, 0.7, 1.5);
    let fan = [7.0, 1.0, -6.0, -13.0];

    // Folded fingers first (behind the thumb), the raised ones over the palm's top.
    for i in (0..4).rev() {
        if raised[i] {
            continue;
        }
        let r = radius[i] * 1.12;
        let a = v2(base_x[i], base_y[i] + uniform(rng, 0.02, 0.10));
        let b = v2(
            base_x[i] + uniform(rng, -0.02, 0.02),
            base_y[i] - uniform(rng, 0.22, 0.32),
        );
        parts.push(Part {
            shapes: vec![Shape::Capsule { a, b, r }],
            depth: r,
            tint: 0.96,
            creases: vec![0.55],
        });
    }
    for i in (0..4).rev() {
        if !raised[i] {
            continue;
        }
        let angle = deg(fan[i] * spread + uniform(rng, -3.0, 3.0));
        let l = length[i] * uniform(rng, 0.9, 1.08);
        let a = v2(base_x[i], base_y[i]);
        let b = a.add(up_dir(angle).scale(l));
        let r = radius[i] * uniform(rng, 0.95, 1.08);
        let taper = uniform(rng, 0.78, 0.9);
        parts.push(Part {
            shapes: vec![Shape::Tapered {
                a,
                b,
                ra: r,
                rb: r * taper,
            }],
            depth: r,
            tint: 1.0,
            creases: vec![0.5, 0.76],
        });
    }

    // Thumb: two segments from the side of the palm.
    let tr = uniform(rng, 0.115, 0.13);
    let root = v2(palm_hw - 0.06, -0.22);
    let (mid, tip) = match thumb {
        Thumb::Out => {
            let a1 = deg(uniform(rng, 35.0, 60.0));
            let mid = root.add(up_dir(a1).scale(0.38));
            let a2 = a1 - deg(uniform(rng, 5.0, 25.0));
            (mid, mid.add(up_dir(a2).scale(0.34)))
        }
        Thumb::Across => {
            let mid = v2(palm_hw - 0.02, uniform(rng, 0.02, 0.12));
            (mid, v2(uniform(rng, -0.12, 0.05), uniform(rng, 0.10, 0.22)))
        }
        Thumb::Curled => {
            let mid = v2(palm_hw + 0.05, uniform(rng, 0.10, 0.20));
            (mid, v2(base_x[0] + 0.04, top + uniform(rng, 0.08, 0.16)))
        }
    };
    parts.push(Part {
        shapes: vec![
            Shape::Capsule {
                a: root,
                b: mid,
                r: tr * 1.15,
            },
            Shape::Capsule {
                a: mid,
                b: tip,
                r: tr,
            },
        ],
        depth: tr,
        tint: 0.99,
        creases: vec![],
    });
    parts
}

/// Realistic skin colours, light to dark (linear RGB-ish, 0-1).
const SKIN_TONES: [[f32; 3]; 6] = [
    [0.96, 0.80, 0.70],
    [0.90, 0.70, 0.57],
    [0.80, 0.58, 0.44],
    [0.64, 0.44, 0.31],
    [0.47, 0.31, 0.21],
    [0.33, 0.22, 0.15],
];

/// Smallest luminance gap between skin and background (a photographer would pick a
/// wall that the hand stands out from).
const MIN_CONTRAST: f32 = 0.15;

fn luminance(c: [f32; 3]) -> f32 {
    0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
}

fn skin_colour(rng: &mut ChaCha8Rng) -> [f32; 3] {
    let t = rng.random::<f32>() * (SKIN_TONES.len() - 1) as f32;
    let i = (t as usize).min(SKIN_TONES.len() - 2);
    let c = lerp3(SKIN_TONES[i], SKIN_TONES[i + 1], t - i as f32);
    let warm = uniform(rng, -0.03, 0.03);
    [c[0] + warm, c[1], c[2] - warm]
}

/// Work buffers for one 64x64 picture, reused from picture to picture.
struct Canvas {
    /// Background, then the final picture: RGB, row-major.
    rgb: Vec<f32>,
    /// The hand layer, premultiplied RGB plus coverage.
    hand: Vec<f32>,
    alpha: Vec<f32>,
    scratch: Vec<f32>,
}

const N: usize = IMAGE_SIZE;

impl Canvas {
    fn new() -> Canvas {
        Canvas {
            rgb: vec![0.0; N * N * 3],
            hand: vec![0.0; N * N * 3],
            alpha: vec![0.0; N * N],
            scratch: vec![0.0; N * N * 3],
        }
    }

    fn draw_hand(&mut self, digit: u8, rng: &mut ChaCha8Rng) {
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
    fn paint_background(&mut self, rng: &mut ChaCha8Rng, skin_lum: f32) {
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
    fn box_blur_alpha_into_scratch(&mut self, dx: isize, dy: isize) {
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
    fn blur_rgb(&mut self, amount: f32) {
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

    fn quantise_into(&self, out: &mut [u8]) {
        for (o, &v) in out.iter_mut().zip(&self.rgb) {
            *o = (clamp01(v) * 255.0 + 0.5) as u8;
        }
    }
}

/// One 5-tap box blur pass (zeros outside) along a line direction (`step` 1 = rows,
/// N = columns), as a running sum.
fn box_pass(src: &[f32], dst: &mut [f32], step: usize, stride: usize) {
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
