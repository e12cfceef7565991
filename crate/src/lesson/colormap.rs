//! Values to pixels: RGBA bytes the page puts on a canvas with one `putImageData`.
//!
//! - [`diverging_rgba`] for signed values (filter responses, filter weights): zero is a
//!   neutral near-white, positive values turn orange-red, negative values blue. The scale is
//!   symmetric: it runs from -m to +m with m = max |v| (or a scale the caller fixes), so v
//!   and -v get colours of the same CIELAB lightness and chroma (hence the same distance
//!   from neutral), differing only in hue (red-orange 40 degrees vs blue 285 degrees).
//! - [`sequential_rgba`] for non-negative values (gradient magnitude, filter visit counts):
//!   dark violet at 0 through blue and green to pale yellow at the maximum, with CIELAB
//!   lightness rising linearly (a viridis-like ramp).
//!
//! Colours are built in CIELAB (D65) and converted to sRGB; where a colour would fall
//! outside sRGB its chroma is reduced (lightness and hue kept). Each map is a 256-step
//! lookup table computed once.
//!
//! Non-finite values: NaN becomes fully transparent (alpha 0) so the page background shows
//! through; +inf and -inf take the end colours. The scale is computed from finite values
//! only; an all-zero (or all-NaN) input is drawn neutral, with the range (0, 0).

use crate::error::Result;
use crate::shape_err;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Steps from neutral to the end of each side of a map.
const STEPS: usize = 256;

/// What the legend needs: the value range the colours span, and what the data held.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ColorRange {
    /// Value drawn with the first colour of the map (-m for diverging, 0 for sequential).
    pub low: f32,
    /// Value drawn with the last colour (+m).
    pub high: f32,
    /// Smallest and largest finite value in the data (0 when there is none).
    pub data_min: f32,
    pub data_max: f32,
    /// How many values were NaN or infinite.
    pub non_finite: usize,
}

// ---- CIELAB <-> sRGB (D65) ----

const WHITE: [f64; 3] = [0.95047, 1.0, 1.08883];

fn lab_to_linear_rgb(l: f64, a: f64, b: f64) -> [f64; 3] {
    let fy = (l + 16.0) / 116.0;
    let fx = fy + a / 500.0;
    let fz = fy - b / 200.0;
    let d = 6.0 / 29.0;
    let finv = |t: f64| if t > d { t * t * t } else { 3.0 * d * d * (t - 4.0 / 29.0) };
    let (x, y, z) = (WHITE[0] * finv(fx), WHITE[1] * finv(fy), WHITE[2] * finv(fz));
    [
        3.2404542 * x - 1.5371385 * y - 0.4985314 * z,
        -0.9692660 * x + 1.8760108 * y + 0.0415560 * z,
        0.0556434 * x - 0.2040259 * y + 1.0572252 * z,
    ]
}

fn in_gamut(rgb: &[f64; 3]) -> bool {
    rgb.iter().all(|&c| (-1e-9..=1.0 + 1e-9).contains(&c))
}

fn encode_srgb(c: f64) -> u8 {
    let c = c.clamp(0.0, 1.0);
    let v = if c <= 0.0031308 { 12.92 * c } else { 1.055 * c.powf(1.0 / 2.4) - 0.055 };
    (v * 255.0).round() as u8
}

/// sRGB bytes back to CIELAB (for tests and for anyone checking the maps).
pub fn srgb_to_lab(rgb: [u8; 3]) -> [f64; 3] {
    let lin = |v: u8| {
        let c = v as f64 / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let (r, g, b) = (lin(rgb[0]), lin(rgb[1]), lin(rgb[2]));
    let x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / WHITE[0];
    let y = (0.2126729 * r + 0.7151522 * g + 0.0721750 * b) / WHITE[1];
    let z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / WHITE[2];
    let d = 6.0 / 29.0;
    let f = |t: f64| if t > d * d * d { t.cbrt() } else { t / (3.0 * d * d) + 4.0 / 29.0 };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// The largest chroma <= `c` at lightness `l` and hue `h_deg` that sRGB can show.
fn max_chroma_in_gamut(l: f64, c: f64, h_deg: f64) -> f64 {
    let (sin, cos) = h_deg.to_radians().sin_cos();
    let ok = |c: f64| in_gamut(&lab_to_linear_rgb(l, c * cos, c * sin));
    if ok(c) {
        return c;
    }
    let (mut lo, mut hi) = (0.0, c);
    for _ in 0..30 {
        let mid = 0.5 * (lo + hi);
        if ok(mid) { lo = mid } else { hi = mid }
    }
    lo
}

fn lch_to_rgba(l: f64, c: f64, h_deg: f64) -> [u8; 4] {
    let (sin, cos) = h_deg.to_radians().sin_cos();
    let rgb = lab_to_linear_rgb(l, c * cos, c * sin);
    [encode_srgb(rgb[0]), encode_srgb(rgb[1]), encode_srgb(rgb[2]), 255]
}

// ---- the two maps ----

/// Lightness of zero in the diverging map, and of its two ends.
const DIV_L_ZERO: f64 = 97.0;
const DIV_L_END: f64 = 45.0;
const DIV_CHROMA: f64 = 70.0;
/// Hue (CIELAB degrees) of positive values: red-orange.
const DIV_HUE_POS: f64 = 40.0;
/// Hue of negative values: blue. (The exact opposite hue, 220, is a teal that sRGB can only
/// show with little chroma at this lightness; both sides share the chroma, so the mirror
/// property that matters, equal distance from neutral, holds.)
const DIV_HUE_NEG: f64 = 285.0;

/// STEPS colours from |t| = 0 to 1.
type Ramp = Vec<[u8; 4]>;

/// Both sides in one table, from the negative end to the positive one: entry STEPS - 1
/// is zero, STEPS - 1 + k and STEPS - 1 - k mirror each other (one table lookup per value,
/// no branch on the sign).
fn diverging_lut() -> &'static Ramp {
    static LUT: OnceLock<Ramp> = OnceLock::new();
    LUT.get_or_init(|| {
        let mut pos = Vec::with_capacity(STEPS);
        let mut neg = Vec::with_capacity(STEPS);
        for i in 0..STEPS {
            let t = i as f64 / (STEPS - 1) as f64;
            let l = DIV_L_ZERO + t * (DIV_L_END - DIV_L_ZERO);
            // The same chroma on both sides (the smaller gamut limit) keeps them mirrored.
            let c = max_chroma_in_gamut(l, t * DIV_CHROMA, DIV_HUE_POS)
                .min(max_chroma_in_gamut(l, t * DIV_CHROMA, DIV_HUE_NEG));
            pos.push(lch_to_rgba(l, c, DIV_HUE_POS));
            neg.push(lch_to_rgba(l, c, DIV_HUE_NEG));
        }
        neg.iter().skip(1).rev().chain(&pos).copied().collect()
    })
}

const SEQ_L_LOW: f64 = 15.0;
const SEQ_L_HIGH: f64 = 95.0;
const SEQ_CHROMA: f64 = 50.0;
/// Hue runs from violet (300) down through blue and green to yellow (95).
const SEQ_HUE_LOW: f64 = 300.0;
const SEQ_HUE_HIGH: f64 = 95.0;

fn sequential_lut() -> &'static Ramp {
    static LUT: OnceLock<Ramp> = OnceLock::new();
    LUT.get_or_init(|| {
        (0..STEPS)
            .map(|i| {
                let t = i as f64 / (STEPS - 1) as f64;
                let l = SEQ_L_LOW + t * (SEQ_L_HIGH - SEQ_L_LOW);
                let h = SEQ_HUE_LOW + t * (SEQ_HUE_HIGH - SEQ_HUE_LOW);
                let c = max_chroma_in_gamut(l, SEQ_CHROMA, h);
                lch_to_rgba(l, c, h)
            })
            .collect()
    })
}

#[inline]
fn lut_index(t: f32) -> usize {
    // t in [0, 1]; NaN never reaches here. + 0.5 and truncation round a non-negative
    // value as `round` does, without its libm call per pixel.
    ((t.clamp(0.0, 1.0) * (STEPS - 1) as f32 + 0.5) as usize).min(STEPS - 1)
}

/// Colour of t in [-1, 1] on the diverging map (-1 blue end, 0 neutral, 1 red end).
/// Useful for drawing a legend strip. NaN gives transparent.
pub fn diverging_color(t: f32) -> [u8; 4] {
    diverging_color_in(diverging_lut(), t)
}

/// Colour of t in [0, 1] on the sequential map. NaN gives transparent.
pub fn sequential_color(t: f32) -> [u8; 4] {
    sequential_color_in(sequential_lut(), t)
}

// The colour functions with the table passed in: the `_into` loops look it up once, not
// once per pixel.
#[inline]
fn diverging_color_in(lut: &Ramp, t: f32) -> [u8; 4] {
    if t.is_nan() {
        return [0, 0, 0, 0];
    }
    let k = lut_index(t.abs());
    lut[if t >= 0.0 { STEPS - 1 + k } else { STEPS - 1 - k }]
}

#[inline]
fn sequential_color_in(lut: &Ramp, t: f32) -> [u8; 4] {
    if t.is_nan() {
        return [0, 0, 0, 0];
    }
    lut[lut_index(t)]
}

fn finite_stats(values: &[f32]) -> (f32, f32, usize) {
    let mut min = f32::INFINITY;
    let mut max = f32::NEG_INFINITY;
    let mut bad = 0;
    for &v in values {
        if v.is_finite() {
            // Comparisons, not f32::min/max: in wasm those are libm calls (fminf) per value.
            if v < min {
                min = v;
            }
            if v > max {
                max = v;
            }
        } else {
            bad += 1;
        }
    }
    if min > max { (0.0, 0.0, bad) } else { (min, max, bad) }
}

fn check_out(values: &[f32], out: &[u8]) -> Result<()> {
    if values.len().checked_mul(4) != Some(out.len()) {
        return Err(shape_err!(
            "the pixel buffer must hold 4 bytes (RGBA) per value: {} values need {} bytes, got {}",
            values.len(),
            values.len().saturating_mul(4),
            out.len()
        ));
    }
    Ok(())
}

fn usable_scale(scale: Option<f32>, fallback: f32) -> f32 {
    match scale {
        Some(s) if s.is_finite() && s > 0.0 => s,
        _ => fallback,
    }
}

/// The colour of one value on a map whose scale is known: what [`diverging_into`] and
/// [`sequential_into`] apply to every value, and what the feature-map tiles apply while
/// they reorder a layer's channels (`crate::lesson::tiles::channel_tiles`).
#[derive(Debug, Clone, Copy)]
pub struct Painter {
    signed: bool,
    scale: f32,
    inv: f32,
    lut: &'static Ramp,
}

impl Painter {
    /// The diverging map, +-`m` at its ends.
    pub fn diverging(m: f32) -> Painter {
        Painter { signed: true, scale: m, inv: if m > 0.0 { 1.0 / m } else { 0.0 }, lut: diverging_lut() }
    }

    /// The sequential map, 0 to `m`.
    pub fn sequential(m: f32) -> Painter {
        Painter { signed: false, scale: m, inv: if m > 0.0 { 1.0 / m } else { 0.0 }, lut: sequential_lut() }
    }

    /// The values at the map's two ends (the legend's low and high).
    pub fn ends(&self) -> (f32, f32) {
        (if self.signed { -self.scale } else { 0.0 }, self.scale)
    }

    /// The colour of `v`: beyond the ends the end colours, NaN transparent.
    #[inline]
    pub fn color(&self, v: f32) -> [u8; 4] {
        if self.signed {
            let t = if v.is_infinite() { v.signum() } else { v * self.inv };
            diverging_color_in(self.lut, t)
        } else {
            let t = if v.is_infinite() { if v > 0.0 { 1.0 } else { 0.0 } } else { v * self.inv };
            sequential_color_in(self.lut, t)
        }
    }
}

/// Diverging map into `out` (4 bytes per value). The scale m is `scale` when it is a
/// positive finite number (to keep colours stable across frames), else max |v| over the
/// finite values. Values beyond +-m take the end colours.
pub fn diverging_into(values: &[f32], scale: Option<f32>, out: &mut [u8]) -> Result<ColorRange> {
    check_out(values, out)?;
    let (data_min, data_max, non_finite) = finite_stats(values);
    let m = usable_scale(scale, data_min.abs().max(data_max.abs()));
    paint(Painter::diverging(m), values, out);
    Ok(ColorRange { low: -m, high: m, data_min, data_max, non_finite })
}

fn paint(painter: Painter, values: &[f32], out: &mut [u8]) {
    for (px, &v) in out.chunks_exact_mut(4).zip(values) {
        px.copy_from_slice(&painter.color(v));
    }
}

/// A map's painter: [`diverging_into`] or [`sequential_into`].
type PaintInto = fn(&[f32], Option<f32>, &mut [u8]) -> Result<ColorRange>;

/// `values` painted by `paint_into` (at its own scale) into a new RGBA buffer
/// (len 4 * values.len()), and the range for the legend.
fn new_rgba(values: &[f32], paint_into: PaintInto) -> (Vec<u8>, ColorRange) {
    let mut out = vec![0u8; values.len() * 4];
    // The buffer size is right by construction, so this cannot fail.
    let range = paint_into(values, None, &mut out).unwrap_or(ColorRange {
        low: 0.0,
        high: 0.0,
        data_min: 0.0,
        data_max: 0.0,
        non_finite: 0,
    });
    (out, range)
}

/// Diverging map of `values` as a new RGBA buffer, scaled by max |v|, and the range.
pub fn diverging_rgba(values: &[f32]) -> (Vec<u8>, ColorRange) {
    new_rgba(values, diverging_into)
}

/// Sequential map into `out`: 0 is the dark end, the scale (`scale` if positive and finite,
/// else the largest finite value) the light end. Negative values are drawn as 0 (this map is
/// for magnitudes and counts; use the diverging map for signed data).
pub fn sequential_into(values: &[f32], scale: Option<f32>, out: &mut [u8]) -> Result<ColorRange> {
    check_out(values, out)?;
    let (data_min, data_max, non_finite) = finite_stats(values);
    let m = usable_scale(scale, data_max.max(0.0));
    paint(Painter::sequential(m), values, out);
    Ok(ColorRange { low: 0.0, high: m, data_min, data_max, non_finite })
}

/// Sequential map of `values` as a new RGBA buffer, scaled by the maximum.
pub fn sequential_rgba(values: &[f32]) -> (Vec<u8>, ColorRange) {
    new_rgba(values, sequential_into)
}

/// Grey levels into `out` (for drawing an input image): `low` is black, `high` white,
/// values outside are clipped, NaN is transparent. Errors when `low >= high` or either is
/// not finite.
pub fn grey_into(values: &[f32], low: f32, high: f32, out: &mut [u8]) -> Result<()> {
    check_out(values, out)?;
    if !(low.is_finite() && high.is_finite() && low < high) {
        return Err(crate::message::Message::GreyRange { low: low.to_string(), high: high.to_string() }.param());
    }
    let inv = 255.0 / (high - low);
    for (px, &v) in out.chunks_exact_mut(4).zip(values) {
        if v.is_nan() {
            px.copy_from_slice(&[0, 0, 0, 0]);
        } else {
            let g = ((v - low) * inv).clamp(0.0, 255.0).round() as u8;
            px.copy_from_slice(&[g, g, g, 255]);
        }
    }
    Ok(())
}

/// A legend strip of `n` colours from -1 to 1 (diverging) as RGBA bytes, left to right.
pub fn diverging_legend(n: usize) -> Vec<u8> {
    legend(n, |t| diverging_color(2.0 * t - 1.0))
}

/// A legend strip of `n` colours from 0 to 1 (sequential) as RGBA bytes.
pub fn sequential_legend(n: usize) -> Vec<u8> {
    legend(n, sequential_color)
}

fn legend(n: usize, color: impl Fn(f32) -> [u8; 4]) -> Vec<u8> {
    let denom = n.saturating_sub(1).max(1) as f32;
    (0..n).flat_map(|i| color(i as f32 / denom)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn lab(px: &[u8]) -> [f64; 3] {
        srgb_to_lab([px[0], px[1], px[2]])
    }

    fn dist(a: [f64; 3], b: [f64; 3]) -> f64 {
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
    }

    #[test]
    fn lab_round_trip() {
        for rgb in [[255u8, 255, 255], [0, 0, 0], [200, 80, 30], [20, 120, 200]] {
            let l = srgb_to_lab(rgb);
            let back = lab_to_linear_rgb(l[0], l[1], l[2]);
            let bytes = [encode_srgb(back[0]), encode_srgb(back[1]), encode_srgb(back[2])];
            assert_eq!(bytes, rgb);
        }
        // Reference: sRGB white is L = 100, a = b = 0.
        let w = srgb_to_lab([255, 255, 255]);
        assert!((w[0] - 100.0).abs() < 0.01 && w[1].abs() < 0.01 && w[2].abs() < 0.01, "{w:?}");
        // Published CIELAB (D65) values of the sRGB primaries: red (53.24, 80.09, 67.20),
        // blue (32.30, 79.19, -107.86).
        for (rgb, expected) in [([255u8, 0, 0], [53.24, 80.09, 67.20]), ([0, 0, 255], [32.30, 79.19, -107.86])] {
            let l = srgb_to_lab(rgb);
            assert!(l.iter().zip(expected).all(|(a, b)| (a - b).abs() < 0.05), "{rgb:?}: {l:?}");
        }
    }

    /// Colour-blind vision: Machado, Oliveira and Fernandes (2009), the full-severity
    /// matrices, which act on linear RGB. Returns the simulated colour in CIELAB.
    fn seen_by(matrix: [[f64; 3]; 3], rgb: [u8; 3]) -> [f64; 3] {
        let lin = |v: u8| {
            let c = v as f64 / 255.0;
            if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        let l = [lin(rgb[0]), lin(rgb[1]), lin(rgb[2])];
        let m = |r: usize| encode_srgb(matrix[r][0] * l[0] + matrix[r][1] * l[1] + matrix[r][2] * l[2]);
        srgb_to_lab([m(0), m(1), m(2)])
    }

    const PROTANOPIA: [[f64; 3]; 3] =
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]];
    const DEUTERANOPIA: [[f64; 3]; 3] =
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]];
    const TRITANOPIA: [[f64; 3]; 3] =
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]];

    #[test]
    fn the_diverging_ends_stay_apart_for_colour_blind_eyes() {
        // Positive and negative values differ only in hue (red-orange vs blue, same
        // lightness): readable only if each kind of dichromat still sees two hues. Red-
        // orange vs blue differ along the blue-yellow axis, which protanopes and
        // deuteranopes keep. CIE76 distances (a "just noticeable difference" is about 2.3).
        // `cargo test -p convlab --lib colour_blind -- --nocapture` prints them.
        let rgb = |t: f32| { let c = diverging_color(t); [c[0], c[1], c[2]] };
        const NORMAL: [[f64; 3]; 3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        for (name, m) in [
            ("normal vision", NORMAL),
            ("protanopia", PROTANOPIA),
            ("deuteranopia", DEUTERANOPIA),
            ("tritanopia", TRITANOPIA),
        ] {
            for t in [1.0f32, 0.5, 0.25] {
                let (pos, neg, zero) = (seen_by(m, rgb(t)), seen_by(m, rgb(-t)), seen_by(m, rgb(0.0)));
                let apart = dist(pos, neg);
                println!("{name}: +{t} vs -{t}: {apart:.1}; from zero {:.1} and {:.1}", dist(pos, zero), dist(neg, zero));
                assert!(apart > 40.0 * t as f64, "{name} at ±{t}: the two signs are {apart:.1} apart");
                assert!(dist(pos, zero) > 20.0 * t as f64 && dist(neg, zero) > 20.0 * t as f64, "{name} at ±{t}");
            }
        }
    }

    #[test]
    fn diverging_is_symmetric_around_a_neutral_zero() {
        let values: Vec<f32> = (-10..=10).map(|i| i as f32).collect();
        let (px, range) = diverging_rgba(&values);
        assert_eq!(px.len(), 4 * values.len());
        assert_eq!((range.low, range.high, range.data_min, range.data_max), (-10.0, 10.0, -10.0, 10.0));
        let zero = lab(&px[40..44]);
        // Zero is neutral: no chroma.
        assert!(zero[1].abs() < 1.0 && zero[2].abs() < 1.0, "{zero:?}");
        for k in 1..=10usize {
            let p = lab(&px[4 * (10 + k)..4 * (10 + k) + 4]);
            let n = lab(&px[4 * (10 - k)..4 * (10 - k) + 4]);
            // Same lightness and chroma, different hue, same distance from neutral.
            let chroma = |c: [f64; 3]| c[1].hypot(c[2]);
            let hue = |c: [f64; 3]| c[2].atan2(c[1]).to_degrees().rem_euclid(360.0);
            assert!((p[0] - n[0]).abs() < 1.0, "k={k}: {p:?} {n:?}");
            assert!((chroma(p) - chroma(n)).abs() < 1.5, "k={k}: {p:?} {n:?}");
            assert!((dist(p, zero) - dist(n, zero)).abs() < 1.5, "k={k}");
            if k >= 3 {
                assert!((hue(p) - 40.0).abs() < 8.0 && (hue(n) - 285.0).abs() < 8.0, "k={k}: {p:?} {n:?}");
            }
            // Further from zero is further from neutral.
            if k > 1 {
                let prev = lab(&px[4 * (10 + k - 1)..4 * (10 + k - 1) + 4]);
                assert!(dist(p, zero) > dist(prev, zero));
            }
        }
        // Three distinct hues: positive is red-orange (R > B), negative blue (B > R).
        let (pos, neg) = (&px[80..84], &px[0..4]);
        assert!(pos[0] > pos[2] + 80 && neg[2] > neg[0] + 80, "{pos:?} {neg:?}");
    }

    #[test]
    fn diverging_scale_is_max_abs() {
        let (px, range) = diverging_rgba(&[-2.0, 0.5, 1.0]);
        assert_eq!((range.low, range.high), (-2.0, 2.0));
        // -2 is the full negative end; 1 is halfway on the positive side.
        assert_eq!(&px[0..4], &diverging_color(-1.0));
        assert_eq!(&px[8..12], &diverging_color(0.5));
        // A fixed scale clips.
        let mut out = vec![0; 12];
        let r = diverging_into(&[-2.0, 0.5, 1.0], Some(1.0), &mut out).unwrap();
        assert_eq!((r.low, r.high), (-1.0, 1.0));
        assert_eq!(&out[0..4], &diverging_color(-1.0));
        assert_eq!(&out[8..12], &diverging_color(1.0));
    }

    #[test]
    fn non_finite_and_all_zero_inputs() {
        let (px, range) = diverging_rgba(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 3.0]);
        assert_eq!(range.non_finite, 3);
        assert_eq!((range.low, range.high), (-3.0, 3.0));
        assert_eq!(px[3], 0, "NaN is transparent");
        assert_eq!(&px[4..8], &diverging_color(1.0));
        assert_eq!(&px[8..12], &diverging_color(-1.0));
        let (px, range) = diverging_rgba(&[0.0; 5]);
        assert_eq!((range.low, range.high), (0.0, 0.0));
        assert!(px.chunks(4).all(|c| c == diverging_color(0.0)));
        let (px, range) = sequential_rgba(&[f32::NAN; 3]);
        assert_eq!((range.high, range.non_finite), (0.0, 3));
        assert!(px.chunks(4).all(|c| c[3] == 0));
        let (px, _) = sequential_rgba(&[0.0; 3]);
        assert!(px.chunks(4).all(|c| c == sequential_color(0.0)));
        assert!(diverging_rgba(&[]).0.is_empty());
        let mut short = vec![0u8; 7];
        assert!(diverging_into(&[1.0, 2.0], None, &mut short).unwrap_err().to_string().contains("8 bytes"));
    }

    #[test]
    fn sequential_lightness_is_monotone() {
        let values: Vec<f32> = (0..=200).map(|i| i as f32 * 0.5).collect();
        let (px, range) = sequential_rgba(&values);
        assert_eq!((range.low, range.high), (0.0, 100.0));
        let lightness: Vec<f64> = px.chunks(4).map(|c| lab(c)[0]).collect();
        for pair in lightness.windows(2) {
            assert!(pair[1] >= pair[0] - 0.3, "{pair:?}");
        }
        assert!(lightness[0] < 20.0 && lightness[200] > 90.0, "{} {}", lightness[0], lightness[200]);
        // Negative values are drawn as zero.
        let (px, _) = sequential_rgba(&[-5.0, 0.0, 1.0]);
        assert_eq!(&px[0..4], &px[4..8]);
    }

    #[test]
    fn grey_levels() {
        let mut out = vec![0u8; 16];
        grey_into(&[0.0, 5.0, 20.0, f32::NAN], 0.0, 10.0, &mut out).unwrap();
        assert_eq!(out, vec![0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255, 0, 0, 0, 0]);
        assert!(grey_into(&[1.0; 4], 3.0, 3.0, &mut out).is_err());
        assert!(grey_into(&[1.0; 3], 0.0, 1.0, &mut out).is_err());
    }

    #[test]
    fn legends_span_the_maps() {
        let strip = diverging_legend(3);
        assert_eq!(strip, [diverging_color(-1.0), diverging_color(0.0), diverging_color(1.0)].concat());
        assert_eq!(sequential_legend(2), [sequential_color(0.0), sequential_color(1.0)].concat());
        assert_eq!(sequential_legend(1).len(), 4);
        assert!(sequential_legend(0).is_empty());
    }
}
