//! Finding the hand before cropping. The sign-digit photos the models learned from show a
//! hand filling the frame, wrist at the bottom edge, in front of a plain light background.
//! A photo with the hand small or off-centre loses most of its pixels to the wall when
//! it is centre-cropped, so [`find_hand`] looks for the hand first: the pixels that differ
//! from the background colour (the median colour of the photo's border), their bounding
//! box, and a square around it framed like the training photos. It falls back to the
//! centre square whenever it is unsure: no plain background, almost nothing or almost
//! everything in the foreground, or a square close to the centre square anyway (so
//! photos framed like the training photos get exactly the centre crop).
//!
//! It works on a small thumbnail (at most [`THUMB_SIDE`] pixels a side) that
//! [`super::preprocess`] samples from the photo, so it costs little even for 12 MP photos.

use crate::message::Message;
use serde::Serialize;

/// Longest side of the thumbnail the hand is looked for in.
pub const THUMB_SIDE: usize = 96;

/// The square of the (upright) photo that becomes the network's 64x64 input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Crop {
    /// Left, top and side, in pixels of the upright photo.
    pub x: usize,
    pub y: usize,
    pub side: usize,
    /// True when the square frames a hand found against the background; false for the
    /// centre square.
    pub to_hand: bool,
    /// Why, as a message the page words in the student's language (English for
    /// `convlab classify`).
    pub why: &'static Message,
    /// What the photo's border showed: a plain background (little texture)...
    pub plain_background: bool,
    /// ... and a light one, like the training photos' walls. Both true when not looked at.
    pub light_background: bool,
}

/// The centre square of a `width` x `height` photo: the larger side loses
/// (larger - smaller) / 2 pixels on each side (floor).
pub fn centre_crop(width: usize, height: usize, why: &'static Message) -> Crop {
    let side = width.min(height);
    Crop { x: (width - side) / 2, y: (height - side) / 2, side, to_hand: false, why, plain_background: true, light_background: true }
}

/// RGB values 0-255 of a small picture, row-major.
pub struct Thumbnail {
    pub width: usize,
    pub height: usize,
    pub rgb: Vec<[f32; 3]>,
}

/// Training photos: the hand fills the frame, whose side is about this many wrist widths.
const FRAME_PER_WRIST: f32 = 2.5;
/// Margin around the hand's box, a fraction of the box's larger side on each side.
const MARGIN: f32 = 0.08;
/// A square at least this fraction of the centre square's side (and near it): centre crop.
const NEAR_CENTRE: f32 = 0.9;
/// The square framed as above is grown this much about its centre: the training photos
/// show some wall and wrist around the hand, and a network fed a tight crop sees fingers
/// larger than any it learned from (cross-camera validation, shipped model, 6 views:
/// 112/120 at 1.0, 117/120 at 1.3, a plateau from 1.2 to 1.6; see docs/models.md).
const CONTEXT: f32 = 1.3;

/// Euclidean distance of two RGB colours.
fn distance(a: &[f32; 3], b: &[f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// Median of a non-empty list (sorted in place).
fn median(v: &mut [f32]) -> f32 {
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// Otsu's threshold of values in [0, max): the split that maximises the between-class variance.
fn otsu(values: &[f32], max: f32) -> f32 {
    const BINS: usize = 64;
    let mut hist = [0usize; BINS];
    for &v in values {
        hist[((v / max * BINS as f32) as usize).min(BINS - 1)] += 1;
    }
    let total = values.len() as f64;
    let sum_all: f64 = hist.iter().enumerate().map(|(i, &n)| i as f64 * n as f64).sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0f64, 0f64, -1f64, 0usize);
    for (t, &n) in hist.iter().enumerate() {
        w0 += n as f64;
        sum0 += t as f64 * n as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t;
        }
    }
    (best_t + 1) as f32 * max / BINS as f32
}

/// First and last index where the running total of `counts` passes `lo` and `hi` of the total.
fn trimmed_range(counts: &[usize], lo: f32, hi: f32) -> (usize, usize) {
    let total: usize = counts.iter().sum();
    let (mut acc, mut first, mut last) = (0usize, None, 0);
    for (i, &c) in counts.iter().enumerate() {
        acc += c;
        if first.is_none() && acc as f32 > lo * total as f32 {
            first = Some(i);
        }
        if (acc - c) as f32 <= hi * total as f32 && c > 0 {
            last = i;
        }
    }
    (first.unwrap_or(0), last)
}

/// Where to crop a `width` x `height` upright photo, from its `thumb`nail.
pub fn find_hand(thumb: &Thumbnail, width: usize, height: usize) -> Crop {
    let (tw, th) = (thumb.width, thumb.height);
    if tw < 8 || th < 8 || thumb.rgb.len() != tw * th {
        return centre_crop(width, height, &Message::CropTooSmall {});
    }
    // The background: the median colour of a ring along the border.
    let ring = (tw.min(th) / 25).max(1);
    let on_ring = |x: usize, y: usize| x < ring || y < ring || x >= tw - ring || y >= th - ring;
    let border: Vec<[f32; 3]> = (0..th)
        .flat_map(|y| (0..tw).map(move |x| (x, y)))
        .filter(|&(x, y)| on_ring(x, y))
        .map(|(x, y)| thumb.rgb[y * tw + x])
        .collect();
    let bg: [f32; 3] = std::array::from_fn(|c| median(&mut border.iter().map(|p| p[c]).collect::<Vec<_>>()));
    let dist = |p: &[f32; 3]| distance(p, &bg);
    let noise = median(&mut border.iter().map(dist).collect::<Vec<_>>());
    // Texture: how much neighbouring pixels along the edges differ (a smooth shading, such
    // as a lamp's falloff, is still a plain wall; a busy scene is not).
    let px = |x: usize, y: usize| thumb.rgb[y * tw + x];
    let mut steps: Vec<f32> = (1..tw)
        .flat_map(|x| [distance(&px(x, 0), &px(x - 1, 0)), distance(&px(x, th - 1), &px(x - 1, th - 1))])
        .chain((1..th).flat_map(|y| [distance(&px(0, y), &px(0, y - 1)), distance(&px(tw - 1, y), &px(tw - 1, y - 1))]))
        .collect();
    let texture = median(&mut steps);
    let look = |crop: Crop| Crop {
        plain_background: texture <= PLAIN_TEXTURE,
        light_background: 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2] >= LIGHT_LUMA,
        ..crop
    };
    look(hand_square(thumb, width, height, bg, noise))
}

/// Even enough to find the hand against: the border's median distance from its median
/// colour at most this (a lamp's falloff towards the corners exceeds it).
const PLAIN_NOISE: f32 = 20.0;
/// Plain background: the median step between neighbouring border pixels at most this.
const PLAIN_TEXTURE: f32 = 12.0;
/// Light background: the border's median colour at least this bright (luma 0-255).
const LIGHT_LUMA: f32 = 110.0;

/// The square around the hand, given the background colour `bg` and its `noise`.
fn hand_square(thumb: &Thumbnail, width: usize, height: usize, bg: [f32; 3], noise: f32) -> Crop {
    let (tw, th) = (thumb.width, thumb.height);
    let dist = |p: &[f32; 3]| distance(p, &bg);
    if noise > PLAIN_NOISE {
        return centre_crop(width, height, &Message::CropUneven {});
    }
    let d: Vec<f32> = thumb.rgb.iter().map(dist).collect();
    // Foreground: clearly further from the background colour than its noise.
    let t = otsu(&d, 442.0).clamp((4.0 * noise).max(35.0), 120.0);
    let mask: Vec<bool> = d.iter().map(|&v| v > t).collect();
    let fraction = mask.iter().filter(|&&m| m).count() as f32 / mask.len() as f32;
    if fraction < 0.015 {
        return centre_crop(width, height, &Message::CropNoHand {});
    }
    if fraction > 0.6 {
        return centre_crop(width, height, &Message::CropFills {});
    }
    let cols: Vec<usize> = (0..tw).map(|x| (0..th).filter(|&y| mask[y * tw + x]).count()).collect();
    let rows: Vec<usize> = (0..th).map(|y| (0..tw).filter(|&x| mask[y * tw + x]).count()).collect();
    let (x0, x1) = trimmed_range(&cols, 0.005, 0.995);
    let (y0, y1) = trimmed_range(&rows, 0.005, 0.995);
    let (bw, bh) = ((x1 + 1 - x0) as f32, (y1 + 1 - y0) as f32);
    // An arm entering from one edge: the mask reaches that edge. Its width there sets the
    // scale (the training frame is about FRAME_PER_WRIST wrists wide) and the square is
    // anchored at the far end of the box (the fingertips).
    let edge_width = |cells: &mut dyn Iterator<Item = bool>| cells.filter(|&m| m).count() as f32;
    let bottom = edge_width(&mut (0..tw).map(|x| mask[(th - 1) * tw + x]));
    let top = edge_width(&mut (0..tw).map(|x| mask[x]));
    let left = edge_width(&mut (0..th).map(|y| mask[y * tw]));
    let right = edge_width(&mut (0..th).map(|y| mask[y * tw + tw - 1]));
    let arm_min = 0.04 * tw.min(th) as f32;
    let arms = [bottom, top, left, right].iter().filter(|&&w| w > arm_min).count();
    let (cx, cy) = ((x0 + x1 + 1) as f32 / 2.0, (y0 + y1 + 1) as f32 / 2.0);
    let (mut side, mut sx, mut sy);
    if arms == 1 {
        let wrist = bottom.max(top).max(left).max(right);
        let across = if bottom > arm_min || top > arm_min { bw } else { bh };
        side = (FRAME_PER_WRIST * wrist).max(across * (1.0 + 2.0 * MARGIN));
        (sx, sy) = (cx - side / 2.0, cy - side / 2.0);
        if bottom > arm_min {
            sy = y0 as f32 - MARGIN * side;
        } else if top > arm_min {
            sy = (y1 + 1) as f32 + MARGIN * side - side;
        } else if left > arm_min {
            sx = (x1 + 1) as f32 + MARGIN * side - side;
        } else {
            sx = x0 as f32 - MARGIN * side;
        }
    } else if arms == 0 {
        side = bw.max(bh) * (1.0 + 2.0 * MARGIN);
        (sx, sy) = (cx - side / 2.0, cy - side / 2.0);
    } else {
        return centre_crop(width, height, &Message::CropReachesEdges {});
    }
    (sx, sy) = (sx - (CONTEXT - 1.0) * side / 2.0, sy - (CONTEXT - 1.0) * side / 2.0);
    side *= CONTEXT;
    // Back to the photo's pixels, kept inside it.
    let scale = width as f32 / tw as f32;
    let full = width.min(height);
    side = (side * scale).min(full as f32);
    sx = (sx * scale).clamp(0.0, (width as f32 - side).max(0.0));
    sy = (sy * scale).clamp(0.0, (height as f32 - side).max(0.0));
    let side_px = (side.round() as usize).clamp(1, full);
    let centre = centre_crop(width, height, &Message::CropFillsMost {});
    let off = (sx - centre.x as f32).abs().max((sy - centre.y as f32).abs());
    if side_px as f32 >= NEAR_CENTRE * full as f32 && off <= (1.0 - NEAR_CENTRE) * full as f32 {
        return centre;
    }
    Crop {
        x: (sx.round() as usize).min(width - side_px),
        y: (sy.round() as usize).min(height - side_px),
        side: side_px,
        to_hand: true,
        why: &Message::CropFound {},
        ..centre
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// A light wall with a skin-coloured "hand" (a filled box) and optionally a forearm
    /// running from the box's bottom to the picture's bottom edge.
    fn scene(w: usize, h: usize, hand: (usize, usize, usize, usize), arm: Option<(usize, usize)>) -> Thumbnail {
        let (hx, hy, hw, hh) = hand;
        let rgb = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                let in_hand = x >= hx && x < hx + hw && y >= hy && y < hy + hh;
                let in_arm = arm.is_some_and(|(ax, aw)| x >= ax && x < ax + aw && y >= hy + hh);
                if in_hand || in_arm {
                    [200.0, 150.0, 120.0]
                } else {
                    // A little texture, as a real wall has.
                    let n = ((x * 7 + y * 13) % 5) as f32;
                    [228.0 + n, 226.0 + n, 222.0 + n]
                }
            })
            .collect();
        Thumbnail { width: w, height: h, rgb }
    }

    #[test]
    fn a_small_off_centre_hand_is_framed_with_a_margin() {
        // A 20x24 hand near the top left of a 96x64 photo (shown at 960x640).
        let crop = find_hand(&scene(96, 64, (10, 8, 20, 24), None), 960, 640);
        assert!(crop.to_hand, "{crop:?}");
        // Side: the box's larger side (24) plus 8% on each side, grown by CONTEXT, in
        // photo pixels.
        assert!((crop.side as f32 - 24.0 * 1.16 * CONTEXT * 10.0).abs() <= 10.0, "{crop:?}");
        // Centred on the box (20, 20) in thumbnail pixels = (200, 200).
        let (cx, cy) = (crop.x + crop.side / 2, crop.y + crop.side / 2);
        assert!(cx.abs_diff(200) <= 10 && cy.abs_diff(200) <= 10, "{crop:?}");
        assert!(crop.plain_background && crop.light_background);
    }

    #[test]
    fn a_forearm_from_the_bottom_anchors_the_square_at_the_fingertips() {
        // Hand 24x20 at (60, 10), forearm 10 wide down to the bottom edge of a 96x96 photo.
        let crop = find_hand(&scene(96, 96, (60, 10, 24, 20), Some((67, 10))), 96, 96);
        assert!(crop.to_hand, "{crop:?}");
        // 2.5 wrists (25) is less than the hand's width with margins (27.8): the latter,
        // grown by CONTEXT (36.2).
        assert!((crop.side as f32 - 27.84 * CONTEXT).abs() <= 1.0, "{crop:?}");
        // Top: the fingertips (row 10) less the margin (2.2) and half the growth (4.2);
        // the forearm mostly left out.
        assert!(crop.y <= 5 && crop.y >= 3, "{crop:?}");
        assert!(crop.y + crop.side < 50, "{crop:?}");
    }

    #[test]
    fn unsure_cases_fall_back_to_the_centre_square() {
        // A hand filling the frame (the training photos' framing): exactly the centre crop.
        let full = find_hand(&scene(64, 64, (6, 4, 52, 60), None), 640, 480);
        assert_eq!(full, Crop { why: full.why, ..centre_crop(640, 480, &Message::CropCentre {}) });
        assert!(!full.to_hand);
        // Nothing but wall.
        let empty = find_hand(&scene(64, 64, (0, 0, 0, 0), None), 64, 64);
        assert!(!empty.to_hand && empty.why.english().contains("no hand"), "{empty:?}");
        // A busy background: no plain colour to tell the hand from.
        let mut busy = scene(64, 64, (20, 20, 10, 10), None);
        for (i, p) in busy.rgb.iter_mut().enumerate() {
            let v = ((i * 7919) % 256) as f32; // grey noise over the whole range
            *p = [v, v, v];
        }
        let b = find_hand(&busy, 64, 64);
        assert!(!b.to_hand && !b.plain_background, "{b:?}");
        // A dark background is noted (the warning names it).
        let mut dark = scene(64, 64, (20, 20, 10, 10), None);
        for p in &mut dark.rgb {
            if p[0] > 210.0 {
                *p = [40.0, 40.0, 45.0];
            }
        }
        assert!(!find_hand(&dark, 64, 64).light_background);
    }

    #[test]
    fn otsu_splits_two_groups() {
        let v: Vec<f32> = (0..100).map(|i| if i < 70 { 5.0 + (i % 3) as f32 } else { 150.0 + (i % 7) as f32 }).collect();
        let t = otsu(&v, 442.0);
        assert!(t > 7.0 && t < 150.0, "{t}");
    }
}
