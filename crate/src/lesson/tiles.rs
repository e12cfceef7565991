//! Activations, filters and pictures as RGBA tiles, ready for a canvas: what the page
//! draws while a network learns.
//!
//! - [`channel_tiles`]: an activation (h, w, c) in NHWC order becomes c tiles of h x w,
//!   one per channel, all coloured on ONE scale (the layer's largest |value|), so that
//!   a bright tile really is a strongly firing filter. Signed maps (a convolution's raw
//!   output) use the diverging map, non-negative ones (after ReLU or pooling) the
//!   sequential map.
//! - [`filter_tiles`]: filters (f, f, 3, c_out) of a first layer as c_out small RGB
//!   pictures, (w - min) / (max - min) over all filters, the usual way to look at W1.
//! - [`rgb_images_rgba`]: u8 RGB pictures (m, h, w, 3) to RGBA for drawing.

use crate::lesson::colormap::Painter;
use crate::error::Result;
use crate::nn::layers::Shape3;
use crate::shape_err;
use ndarray::{ArrayView3, ArrayView4, Axis};
use serde::Serialize;

/// `count` tiles of `height` x `width` RGBA pixels, one after the other in `rgba`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tiles {
    pub height: usize,
    pub width: usize,
    pub count: usize,
    pub rgba: Vec<u8>,
    /// The value range the colours stand for (for a legend), and how many values were
    /// NaN or infinite (drawn transparent or at the ends).
    pub low: f32,
    pub high: f32,
    pub non_finite: usize,
}

/// How to colour a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapKind {
    /// Signed values: blue negative, neutral zero, red positive.
    Signed,
    /// Non-negative values: dark 0 to light maximum.
    Magnitude,
}

/// The kind that suits `values`: signed when any finite value is negative.
pub fn kind_of(values: &[f32]) -> MapKind {
    if values.iter().any(|&v| v.is_finite() && v < 0.0) {
        MapKind::Signed
    } else {
        MapKind::Magnitude
    }
}

/// One tile per channel of an activation stored (h, w, c) row-major (NHWC without the
/// batch axis), all on the scale of the whole layer.
///
/// Errors when `values.len() != h * w * c`.
pub fn channel_tiles(values: &[f32], shape: Shape3, kind: MapKind) -> Result<Tiles> {
    let (h, w, c) = shape;
    let n = h.checked_mul(w).and_then(|hw| hw.checked_mul(c)).ok_or_else(|| shape_err!("the map {h}x{w}x{c} is too large"))?;
    if values.len() != n {
        return Err(shape_err!("a {h}x{w}x{c} map has {n} values, got {}", values.len()));
    }
    // A comparison, not f32::max (a libm call per value in wasm).
    let scale = values.iter().map(|v| v.abs()).filter(|a| a.is_finite()).fold(0f32, |m, a| if a > m { a } else { m });
    // A layer of zeros (dead filters) gets scale 1, so it is drawn as zeros, not stretched.
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let painter = match kind {
        MapKind::Signed => Painter::diverging(scale),
        MapKind::Magnitude => Painter::sequential(scale),
    };
    // One pass over the values (h, w, c), each painted into its channel's tile: colouring
    // channel by channel through strided copies cost several times more.
    let mut rgba = vec![0u8; n * 4];
    let mut non_finite = 0;
    if c > 0 {
        for (i, pixel) in values.chunks_exact(c).enumerate() {
            for (ch, &v) in pixel.iter().enumerate() {
                let at = (ch * h * w + i) * 4;
                rgba[at..at + 4].copy_from_slice(&painter.color(v));
                non_finite += usize::from(!v.is_finite());
            }
        }
    }
    let (low, high) = if n == 0 { (0.0, 0.0) } else { painter.ends() };
    Ok(Tiles { height: h, width: w, count: c, rgba, low, high, non_finite })
}

/// The filters (f_h, f_w, 3, c_out) of a layer that sees RGB pictures, as c_out RGB tiles
/// of f_h x f_w: every weight mapped by (w - min) / (max - min) over ALL the filters, so
/// grey is the middle of the range and colours show which channel a filter weighs.
///
/// Errors when the filters do not have 3 input channels.
pub fn filter_tiles(filters: ArrayView4<f32>) -> Result<Tiles> {
    let (fh, fw, cin, cout) = filters.dim();
    if cin != 3 {
        return Err(shape_err!("only filters over RGB pictures (3 channels) can be drawn as colours, these have {cin}"));
    }
    let finite = || filters.iter().copied().filter(|v| v.is_finite());
    let lo = finite().fold(f32::INFINITY, f32::min);
    let hi = finite().fold(f32::NEG_INFINITY, f32::max);
    let (lo, span) = if lo < hi { (lo, hi - lo) } else { (0.0, 1.0) };
    let mut rgba = Vec::with_capacity(fh * fw * cout * 4);
    let mut non_finite = 0;
    for k in 0..cout {
        let filter = filters.index_axis(Axis(3), k);
        for y in 0..fh {
            for x in 0..fw {
                for c in 0..3 {
                    let v = filter[[y, x, c]];
                    if !v.is_finite() {
                        non_finite += 1;
                    }
                    let t = if v.is_finite() { (v - lo) / span } else { 0.0 };
                    rgba.push((t.clamp(0.0, 1.0) * 255.0).round() as u8);
                }
                rgba.push(255);
            }
        }
    }
    Ok(Tiles { height: fh, width: fw, count: cout, rgba, low: lo, high: lo + span, non_finite })
}

/// One picture (h, w, 3) with values in [0, 1] (what the network sees) as one RGBA tile:
/// round(v * 255), values outside [0, 1] clipped, NaN black.
pub fn rgb_input_rgba(picture: ArrayView3<f32>) -> Result<Tiles> {
    let (h, w, c) = picture.dim();
    if c != 3 {
        return Err(shape_err!("pictures must have 3 channels (RGB), this one has {c}"));
    }
    let mut rgba = Vec::with_capacity(h * w * 4);
    for y in 0..h {
        for x in 0..w {
            for k in 0..3 {
                let v = picture[[y, x, k]];
                rgba.push(if v.is_nan() { 0 } else { (v.clamp(0.0, 1.0) * 255.0).round() as u8 });
            }
            rgba.push(255);
        }
    }
    Ok(Tiles { height: h, width: w, count: 1, rgba, low: 0.0, high: 1.0, non_finite: 0 })
}

/// u8 RGB pictures (m, h, w, 3) as m RGBA tiles (alpha 255).
pub fn rgb_images_rgba(images: ArrayView4<u8>) -> Result<Tiles> {
    let (m, h, w, c) = images.dim();
    if c != 3 {
        return Err(shape_err!("pictures must have 3 channels (RGB), these have {c}"));
    }
    let mut rgba = Vec::with_capacity(m * h * w * 4);
    for px in images.as_standard_layout().as_slice().unwrap_or(&[]).chunks_exact(3) {
        rgba.extend_from_slice(&[px[0], px[1], px[2], 255]);
    }
    Ok(Tiles { height: h, width: w, count: m, rgba, low: 0.0, high: 255.0, non_finite: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use crate::lesson::colormap::{diverging_color, sequential_color};
    use ndarray::Array4;

    #[test]
    fn channels_are_split_into_planes_on_one_scale() {
        // 1x2 map with 2 channels, HWC order: pixel 0 = (1, 4), pixel 1 = (2, 0).
        let t = channel_tiles(&[1.0, 4.0, 2.0, 0.0], (1, 2, 2), MapKind::Magnitude).unwrap();
        assert_eq!((t.height, t.width, t.count), (1, 2, 2));
        assert_eq!(t.high, 4.0);
        // Channel 0 holds 1 and 2 (of 4), channel 1 holds 4 and 0: one shared scale.
        assert_eq!(&t.rgba[0..4], &sequential_color(0.25));
        assert_eq!(&t.rgba[4..8], &sequential_color(0.5));
        assert_eq!(&t.rgba[8..12], &sequential_color(1.0));
        assert_eq!(&t.rgba[12..16], &sequential_color(0.0));
    }

    #[test]
    fn each_tile_is_its_channel_painted_on_the_layer_scale() {
        // A 5x3x4 signed layer with a NaN and an infinity: every tile must be what the
        // diverging map paints of that channel's plane, on the scale of the whole layer.
        let (h, w, c) = (5, 3, 4);
        let mut values: Vec<f32> = (0..h * w * c).map(|i| ((i * 37 % 23) as f32 - 11.0) / 3.0).collect();
        values[7] = f32::NAN;
        values[20] = f32::NEG_INFINITY;
        let t = channel_tiles(&values, (h, w, c), MapKind::Signed).unwrap();
        let scale = values.iter().filter(|v| v.is_finite()).fold(0f32, |m, v| m.max(v.abs()));
        assert_eq!((t.low, t.high, t.non_finite), (-scale, scale, 2));
        for ch in 0..c {
            let plane: Vec<f32> = values.iter().skip(ch).step_by(c).copied().collect();
            let mut want = vec![0u8; h * w * 4];
            crate::lesson::colormap::diverging_into(&plane, Some(scale), &mut want).unwrap();
            assert_eq!(&t.rgba[ch * h * w * 4..(ch + 1) * h * w * 4], &want[..], "channel {ch}");
        }
    }

    #[test]
    fn signed_maps_use_the_diverging_scale() {
        let values = [-2.0, 1.0];
        assert_eq!(kind_of(&values), MapKind::Signed);
        let t = channel_tiles(&values, (1, 2, 1), MapKind::Signed).unwrap();
        assert_eq!(&t.rgba[0..4], &diverging_color(-1.0));
        assert_eq!(&t.rgba[4..8], &diverging_color(0.5));
        assert_eq!((t.low, t.high), (-2.0, 2.0));
    }

    #[test]
    fn dead_layers_are_drawn_as_zero_and_wrong_sizes_are_refused() {
        let t = channel_tiles(&[0.0; 4], (2, 2, 1), MapKind::Magnitude).unwrap();
        assert!(t.rgba.chunks(4).all(|p| p == sequential_color(0.0)));
        let err = channel_tiles(&[0.0; 3], (2, 2, 1), MapKind::Magnitude).unwrap_err();
        assert!(err.to_string().contains("has 4 values, got 3"), "{err}");
    }

    #[test]
    fn filters_become_rgb_pictures_scaled_over_all_filters() {
        // Two 1x1 filters: (0, 1, 2) and (4, 0, 0): min 0, max 4.
        let mut w = Array4::<f32>::zeros((1, 1, 3, 2));
        w[[0, 0, 1, 0]] = 1.0;
        w[[0, 0, 2, 0]] = 2.0;
        w[[0, 0, 0, 1]] = 4.0;
        let t = filter_tiles(w.view()).unwrap();
        assert_eq!(t.count, 2);
        assert_eq!(&t.rgba[0..4], &[0, 64, 128, 255]);
        assert_eq!(&t.rgba[4..8], &[255, 0, 0, 255]);
        let grey = Array4::<f32>::zeros((2, 2, 8, 16));
        assert!(filter_tiles(grey.view()).unwrap_err().to_string().contains("have 8"));
    }

    #[test]
    fn rgb_pictures_get_an_opaque_alpha() {
        let img = Array4::from_shape_vec((1, 1, 2, 3), vec![1u8, 2, 3, 4, 5, 6]).unwrap();
        let t = rgb_images_rgba(img.view()).unwrap();
        assert_eq!(t.rgba, vec![1, 2, 3, 255, 4, 5, 6, 255]);
        let input = ndarray::Array3::from_shape_vec((1, 1, 3), vec![0.0f32, 0.5, 2.0]).unwrap();
        assert_eq!(rgb_input_rgba(input.view()).unwrap().rgba, vec![0, 128, 255, 255]);
    }
}
