//! The hand against the wall: a soft foreground mask of a sign-digit style picture (one
//! hand and forearm in front of a plain, light, roughly grey wall, often darker towards
//! the corners), and the wall's own colour. Augmentation uses it to put the hand over
//! other backgrounds, to change the skin tone, and to continue the wall when it zooms out.
//!
//! How: pixels that look like wall (light, channels close together: skin is redder than
//! it is blue) fit a smooth light model per channel (a quadratic in x and y, by least
//! squares), which follows the darker corners; a pixel's foreground weight rises from 0
//! to 1 as its colour moves away from that model, and a 3x3 average softens the edge.

use ndarray::{Array2, ArrayView3};

/// Colour distance (values in [0, 1], Euclidean over RGB) from the wall model below which
/// a pixel is all wall, and the width of the ramp up to all foreground.
const WALL_DISTANCE: f32 = 0.08;
const RAMP: f32 = 0.12;

/// A picture's foreground mask (h, w) in [0, 1] (1 = hand or arm) and its wall's mean
/// colour (RGB in [0, 1]).
#[derive(Debug, Clone, PartialEq)]
pub struct Foreground {
    pub mask: Array2<f32>,
    pub wall: [f32; 3],
}

/// Is this pixel wall-like: light enough and nearly grey (red less than 0.07 above blue)?
fn wall_like(px: [f32; 3]) -> bool {
    let chroma = (px[0] - px[2]).max(0.0) + 0.5 * (px[0] - px[1]).abs();
    chroma < 0.07 && (px[0] + px[1] + px[2]) / 3.0 > 0.27
}

/// The quadratic terms 1, x, y, x^2, y^2, xy at a pixel (coordinates scaled to [-0.5, 0.5]).
fn terms(y: usize, x: usize, h: usize, w: usize) -> [f64; 6] {
    let u = x as f64 / (w.max(2) - 1) as f64 - 0.5;
    let v = y as f64 / (h.max(2) - 1) as f64 - 0.5;
    [1.0, u, v, u * u, v * v, u * v]
}

/// Least squares of the 6 terms against 3 channels: solves the normal equations (with a
/// little ridge, so a wall seen only along one edge still gives an answer).
fn fit(samples: &[([f64; 6], [f32; 3])]) -> [[f64; 3]; 6] {
    let mut a = [[0f64; 6]; 6];
    let mut b = [[0f64; 3]; 6];
    for (t, px) in samples {
        for i in 0..6 {
            for j in 0..6 {
                a[i][j] += t[i] * t[j];
            }
            for c in 0..3 {
                b[i][c] += t[i] * f64::from(px[c]);
            }
        }
    }
    for (i, row) in a.iter_mut().enumerate() {
        row[i] += 1e-3 * samples.len().max(1) as f64;
    }
    // Gaussian elimination with partial pivoting on [a | b].
    for col in 0..6 {
        let pivot = (col..6)
            .max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        let d = a[col][col];
        if d.abs() < 1e-12 {
            continue;
        }
        for row in 0..6 {
            if row != col {
                let f = a[row][col] / d;
                for k in col..6 {
                    a[row][k] -= f * a[col][k];
                }
                for c in 0..3 {
                    b[row][c] -= f * b[col][c];
                }
            }
        }
    }
    let mut coef = [[0f64; 3]; 6];
    for i in 0..6 {
        for c in 0..3 {
            coef[i][c] = if a[i][i].abs() < 1e-12 { 0.0 } else { b[i][c] / a[i][i] };
        }
    }
    coef
}

/// The foreground of an RGB picture (h, w, 3) with values in [0, 1].
pub fn foreground(picture: ArrayView3<f32>) -> Foreground {
    let (h, w, _) = picture.dim();
    let px = |y: usize, x: usize| [picture[[y, x, 0]], picture[[y, x, 1]], picture[[y, x, 2]]];
    let mut samples: Vec<([f64; 6], [f32; 3])> = Vec::with_capacity(h * w);
    for y in 0..h {
        for x in 0..w {
            if wall_like(px(y, x)) {
                samples.push((terms(y, x, h, w), px(y, x)));
            }
        }
    }
    // Almost no wall-like pixels (a dark or colourful wall): take the border as the wall.
    if samples.len() < (h * w) / 16 {
        samples.clear();
        for y in 0..h {
            for x in 0..w {
                if y == 0 || x == 0 || y + 1 == h || x + 1 == w {
                    samples.push((terms(y, x, h, w), px(y, x)));
                }
            }
        }
    }
    let coef = fit(&samples);
    let mut wall = [0f32; 3];
    for (_, p) in &samples {
        for c in 0..3 {
            wall[c] += p[c] / samples.len().max(1) as f32;
        }
    }
    let raw = Array2::from_shape_fn((h, w), |(y, x)| {
        let t = terms(y, x, h, w);
        let p = px(y, x);
        let d2: f32 = (0..3)
            .map(|c| {
                let model: f64 = (0..6).map(|i| t[i] * coef[i][c]).sum();
                (p[c] - model as f32).powi(2)
            })
            .sum();
        ((d2.sqrt() - WALL_DISTANCE) / RAMP).clamp(0.0, 1.0)
    });
    // A 3x3 average (clamped at the border) softens the edge and fills single-pixel holes.
    let mask = Array2::from_shape_fn((h, w), |(y, x)| {
        let mut sum = 0.0;
        for dy in -1i64..=1 {
            for dx in -1i64..=1 {
                let yy = (y as i64 + dy).clamp(0, h as i64 - 1) as usize;
                let xx = (x as i64 + dx).clamp(0, w as i64 - 1) as usize;
                sum += raw[[yy, xx]];
            }
        }
        sum / 9.0
    });
    Foreground { mask, wall }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use ndarray::Array3;

    /// A light grey wall darkening towards the corners, with a skin-coloured disc and a
    /// forearm bar down to the bottom edge.
    fn hand_picture() -> Array3<f32> {
        Array3::from_shape_fn((64, 64, 3), |(y, x, c)| {
            let (u, v) = (x as f32 - 32.0, y as f32 - 28.0);
            let hand = u * u + v * v < 14.0 * 14.0 || ((x as i32 - 32).abs() < 7 && y > 28);
            if hand {
                [0.85, 0.62, 0.5][c]
            } else {
                let r2 = ((x as f32 - 31.5).powi(2) + (y as f32 - 31.5).powi(2)) / (45.0 * 45.0);
                0.8 - 0.25 * r2
            }
        })
    }

    #[test]
    fn the_hand_is_foreground_and_the_vignetted_wall_is_not() {
        let f = foreground(hand_picture().view());
        assert!(f.mask[[28, 32]] > 0.99, "hand centre {}", f.mask[[28, 32]]);
        assert!(f.mask[[63, 32]] > 0.99, "forearm at the edge {}", f.mask[[63, 32]]);
        // The dark corners are wall, though far from the wall's mean colour.
        for (y, x) in [(0, 0), (0, 63), (63, 0), (63, 63), (5, 32), (40, 5)] {
            assert!(f.mask[[y, x]] < 0.01, "({y}, {x}): {}", f.mask[[y, x]]);
        }
        // The edge is soft: a pixel just outside the disc is partly foreground.
        assert!(f.mask[[28, 46]] > 0.0 && f.mask[[28, 46]] < 1.0, "{}", f.mask[[28, 46]]);
        assert!(f.wall.iter().all(|&c| (0.6..0.8).contains(&c)), "{:?}", f.wall);
    }

    #[test]
    fn a_plain_wall_has_no_foreground_and_a_coloured_one_falls_back_to_the_border() {
        let plain = Array3::from_elem((16, 16, 3), 0.7f32);
        let f = foreground(plain.view());
        assert!(f.mask.iter().all(|&m| m == 0.0));
        assert!(f.wall.iter().all(|&c| (c - 0.7).abs() < 1e-5), "{:?}", f.wall);
        // A saturated red wall (not wall-like) with a green square: the border is the wall.
        let mut red = Array3::from_shape_fn((16, 16, 3), |(_, _, c)| [0.9, 0.1, 0.1][c]);
        for y in 5..11 {
            for x in 5..11 {
                red[[y, x, 0]] = 0.1;
                red[[y, x, 1]] = 0.8;
            }
        }
        let f = foreground(red.view());
        assert!(f.mask[[8, 8]] > 0.99 && f.mask[[0, 0]] < 0.01);
        assert!((f.wall[0] - 0.9).abs() < 1e-5);
    }
}
