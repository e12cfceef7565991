//! A hand as filled shapes: the pose of each digit (one sign per digit, as in the SIGNS
//! photos) and its palm, fingers and thumb.

use super::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A filled 2-D shape with a signed distance (negative inside) and its outward direction.
#[derive(Clone, Copy, Debug)]
pub(super) enum Shape {
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
    pub(super) fn eval(&self, p: V2) -> (f32, V2, f32) {
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
    pub(super) fn bounds(&self) -> (V2, V2) {
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
pub(super) struct Part {
    pub(super) shapes: Vec<Shape>,
    /// Depth of the rounded profile, in hand units: small for fingers, large for the palm.
    pub(super) depth: f32,
    /// Multiplies the skin colour (folded fingers and forearm are a bit darker).
    pub(super) tint: f32,
    /// Finger creases at these positions along the first shape (0 = base, 1 = tip).
    pub(super) creases: Vec<f32>,
}

/// Which fingers are up, in the hand frame's order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Thumb {
    /// Out to the side, pointing up and away.
    Out,
    /// Across the palm, over the folded fingers.
    Across,
    /// Curled to touch the index (the "O" of zero).
    Curled,
}

/// Pose of the fingers: index, middle, ring, pinky raised?, and the thumb.
pub(super) fn choose_pose(digit: u8, rng: &mut ChaCha8Rng) -> ([bool; 4], Thumb) {
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
pub(super) fn build_hand(digit: u8, rng: &mut ChaCha8Rng) -> Vec<Part> {
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
