//! THE photo preprocessing: one function for the command line, the page and training
//! data, so that the same photo always gives the same 64x64 input.
//!
//! Steps: EXIF orientation (1-8) -> a square around the hand (found against the plain
//! background: [`super::hand_crop`]; the centre square when unsure) -> area-average
//! resize to 64x64 -> RGB scaled to [0, 1].
//!
//! The resize is an exact area average (each output pixel is the mean of the source
//! area it covers, partial pixels weighted by their covered fraction): the antialiasing
//! filter a downscale needs, equivalent to a box filter whose support scales with the
//! downscale factor. Orientation is applied as an index mapping, never as a rotated
//! copy of a large photo.

use ndarray::Array3;

use super::hand_crop::{centre_crop, find_hand, Crop, Thumbnail, THUMB_SIDE};

#[cfg(not(target_arch = "wasm32"))]
use crate::data_err;
use crate::error::Result;
use crate::param_err;

/// Side of the network's input, in pixels.
pub const SIDE: usize = 64;
/// Largest photo accepted: 50 megapixels (an 8000x6000 photo is 48 MP).
pub const MAX_PIXELS: usize = 50_000_000;

/// Decoded pixels, row-major, 3 (RGB) or 4 (RGBA, alpha ignored) bytes per pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct RawImage {
    pub pixels: Vec<u8>,
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    /// EXIF orientation 1-8 of the file it came from (1: as stored).
    pub orientation: u8,
}

/// A view of stored pixels as displayed after an EXIF orientation.
struct Oriented<'a> {
    pixels: &'a [u8],
    width: usize,
    height: usize,
    channels: usize,
    orientation: u8,
}

impl Oriented<'_> {
    /// Width and height as displayed: orientations 5-8 swap them (a quarter turn).
    fn display_size(&self) -> (usize, usize) {
        if self.orientation >= 5 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }

    /// Stored (x, y) of displayed (dx, dy), per the EXIF 2.3 orientation table.
    fn source(&self, dx: usize, dy: usize) -> (usize, usize) {
        let (w, h) = (self.width, self.height);
        match self.orientation {
            2 => (w - 1 - dx, dy),         // mirrored left-right
            3 => (w - 1 - dx, h - 1 - dy), // turned 180 degrees
            4 => (dx, h - 1 - dy),         // mirrored top-bottom
            5 => (dy, dx),                 // transposed
            6 => (dy, h - 1 - dx),         // stored turned 90 degrees anticlockwise
            7 => (w - 1 - dy, h - 1 - dx), // transversed
            8 => (w - 1 - dy, dx),         // stored turned 90 degrees clockwise
            _ => (dx, dy),
        }
    }

    /// Displayed (dx, dy) of stored (x, y): the inverse of [`Self::source`].
    fn display(&self, x: usize, y: usize) -> (usize, usize) {
        let (w, h) = (self.width, self.height);
        match self.orientation {
            2 => (w - 1 - x, y),
            3 => (w - 1 - x, h - 1 - y),
            4 => (x, h - 1 - y),
            5 => (y, x),
            6 => (h - 1 - y, x),
            7 => (h - 1 - y, w - 1 - x),
            8 => (y, w - 1 - x),
            _ => (x, y),
        }
    }

    /// The RGB values at displayed (dx, dy).
    fn rgb(&self, dx: usize, dy: usize) -> [u8; 3] {
        let (x, y) = self.source(dx, dy);
        let i = (y * self.width + x) * self.channels;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }
}

/// Checks sizes against the buffer, so that indexing later cannot go out of bounds.
fn checked_view(
    pixels: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    orientation: u8,
) -> Result<Oriented<'_>> {
    if channels != 3 && channels != 4 {
        return Err(param_err!(
            "A photo must have 3 (RGB) or 4 (RGBA) channels per pixel, not {channels}."
        ));
    }
    if width == 0 || height == 0 {
        return Err(crate::message::Message::PhotoEmpty { width, height }.param());
    }
    let count = width.saturating_mul(height);
    if count > MAX_PIXELS {
        return Err(crate::message::Message::PhotoPixels { width, height, limit: MAX_PIXELS / 1_000_000 }.param());
    }
    if pixels.len() != count * channels {
        return Err(param_err!(
            "The pixel buffer holds {} bytes, but {width}x{height} pixels with {channels} channels need {}.",
            pixels.len(),
            count * channels
        ));
    }
    if !(1..=8).contains(&orientation) {
        return Err(param_err!(
            "EXIF orientation must be 1 to 8, not {orientation}."
        ));
    }
    Ok(Oriented {
        pixels,
        width,
        height,
        channels,
        orientation,
    })
}

/// Applies an EXIF orientation: returns the RGB pixels (3 per pixel) as displayed, with
/// the displayed width and height. For showing a photo; [`preprocess`] does not need it.
pub fn orient(
    pixels: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    orientation: u8,
) -> Result<(Vec<u8>, usize, usize)> {
    let view = checked_view(pixels, width, height, channels, orientation)?;
    let (w, h) = view.display_size();
    let mut out = Vec::with_capacity(w * h * 3);
    for dy in 0..h {
        for dx in 0..w {
            out.extend_from_slice(&view.rgb(dx, dy));
        }
    }
    Ok((out, w, h))
}

/// For each output index, the source indices it covers and their weights (summing to 1):
/// output pixel i covers [i * n / SIDE, (i + 1) * n / SIDE) of an axis of n source pixels.
fn area_weights(n: usize) -> Vec<Vec<(usize, f64)>> {
    let scale = n as f64 / SIDE as f64;
    (0..SIDE)
        .map(|i| {
            let (lo, hi) = (i as f64 * scale, (i + 1) as f64 * scale);
            let first = lo.floor() as usize;
            let last = (hi.ceil() as usize).min(n).max(first + 1);
            (first..last)
                .map(|j| {
                    let overlap = (hi.min(j as f64 + 1.0) - lo.max(j as f64)).max(0.0);
                    (j.min(n - 1), overlap / scale)
                })
                .filter(|&(_, w)| w > 0.0)
                .collect()
        })
        .collect()
}

/// How the square the network sees is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// The centre square (the course's pictures, and datasets already framed).
    Centre,
    /// The hand found against the background ([`find_hand`]), else the centre square.
    Hand,
}

/// A photo ready for the network: the (64, 64, 3) input and the square it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub input: Array3<f32>,
    pub crop: Crop,
}

/// A thumbnail of the upright photo, at most [`THUMB_SIDE`] pixels a side, each cell the
/// mean of up to 4x4 evenly spaced samples of its area (a few thousand reads, whatever the
/// photo's size).
fn thumbnail(view: &Oriented) -> Thumbnail {
    let (w, h) = view.display_size();
    let scale = (THUMB_SIDE as f32 / w.max(h) as f32).min(1.0);
    let (tw, th) = (((w as f32 * scale).round() as usize).max(1), ((h as f32 * scale).round() as usize).max(1));
    let (cw, ch) = (w as f32 / tw as f32, h as f32 / th as f32);
    let k = (cw.max(ch).ceil() as usize).clamp(1, 4);
    let mut rgb = Vec::with_capacity(tw * th);
    for ty in 0..th {
        for tx in 0..tw {
            let mut sum = [0f32; 3];
            for i in 0..k {
                for j in 0..k {
                    let dx = (((tx as f32 + (j as f32 + 0.5) / k as f32) * cw) as usize).min(w - 1);
                    let dy = (((ty as f32 + (i as f32 + 0.5) / k as f32) * ch) as usize).min(h - 1);
                    let p = view.rgb(dx, dy);
                    for c in 0..3 {
                        sum[c] += f32::from(p[c]);
                    }
                }
            }
            rgb.push(sum.map(|v| v / (k * k) as f32));
        }
    }
    Thumbnail { width: tw, height: th, rgb }
}

/// THE preprocessing, to f32: orientation, the square the network sees (the hand found
/// against the background, or the centre square: [`Framing`]), area-average resize to
/// 64x64, values / 255. Input: `width * height * channels` bytes, row-major, channels 3
/// (RGB) or 4 (RGBA: alpha ignored). Output: (64, 64, 3) in [0, 1], and the square.
///
/// Errors: more than [`MAX_PIXELS`] pixels, a buffer that does not match the sizes,
/// channels other than 3/4, orientation outside 1-8.
pub fn prepare(
    pixels: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    orientation: u8,
    framing: Framing,
) -> Result<Prepared> {
    let view = checked_view(pixels, width, height, channels, orientation)?;
    let (w, h) = view.display_size();
    let crop = match framing {
        Framing::Centre => centre_crop(w, h, &crate::message::Message::CropCentre {}),
        Framing::Hand => find_hand(&thumbnail(&view), w, h),
    };
    let (x0, y0, s) = (crop.x, crop.y, crop.side);
    // For each crop coordinate, the output pixels it feeds and with which weight.
    let mut feeds: Vec<Vec<(usize, f64)>> = vec![Vec::new(); s];
    for (o, taps) in area_weights(s).into_iter().enumerate() {
        for (j, wt) in taps {
            feeds[j].push((o, wt));
        }
    }
    // One pass over the stored pixels in memory order (cache friendly whatever the
    // orientation), each added to the few output pixels whose area it overlaps.
    let mut acc = vec![0f64; SIDE * SIDE * 3];
    for y in 0..height {
        let row = &pixels[y * width * channels..(y + 1) * width * channels];
        for (x, p) in row.chunks_exact(channels).enumerate() {
            let (dx, dy) = view.display(x, y);
            if dx < x0 || dy < y0 || dx >= x0 + s || dy >= y0 + s {
                continue;
            }
            for &(oy, wy) in &feeds[dy - y0] {
                for &(ox, wx) in &feeds[dx - x0] {
                    let wt = wy * wx;
                    let a = &mut acc[(oy * SIDE + ox) * 3..][..3];
                    a[0] += wt * f64::from(p[0]);
                    a[1] += wt * f64::from(p[1]);
                    a[2] += wt * f64::from(p[2]);
                }
            }
        }
    }
    let input = Array3::from_shape_fn((SIDE, SIDE, 3), |(oy, ox, c)| {
        (acc[(oy * SIDE + ox) * 3 + c] / 255.0).clamp(0.0, 1.0) as f32
    });
    Ok(Prepared { input, crop })
}

/// [`prepare`] with the hand found first: the (64, 64, 3) input in [0, 1].
pub fn preprocess(
    pixels: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    orientation: u8,
) -> Result<Array3<f32>> {
    Ok(prepare(pixels, width, height, channels, orientation, Framing::Hand)?.input)
}

/// [`preprocess`] as bytes 0-255 (rounded), for a [`super::Dataset`] or for showing the
/// 64x64 input on the page.
pub fn preprocess_u8(
    pixels: &[u8],
    width: usize,
    height: usize,
    channels: usize,
    orientation: u8,
) -> Result<Array3<u8>> {
    Ok(preprocess(pixels, width, height, channels, orientation)?
        .mapv(|v| (v * 255.0).round() as u8))
}

/// [`preprocess`] of a decoded [`RawImage`].
pub fn preprocess_raw(image: &RawImage) -> Result<Array3<f32>> {
    preprocess(
        &image.pixels,
        image.width,
        image.height,
        image.channels,
        image.orientation,
    )
}

/// The EXIF orientation (1-8) of a photo file's bytes (JPEG, PNG, WebP, TIFF, HEIF);
/// 1 when the file has none or it cannot be read, since then the photo is shown as stored.
pub fn exif_orientation(file_bytes: &[u8]) -> u8 {
    let mut cursor = std::io::Cursor::new(file_bytes);
    let Ok(exif) = exif::Reader::new().read_from_container(&mut cursor) else {
        return 1;
    };
    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u8::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
        .unwrap_or(1)
}

/// Decodes a photo file's bytes (JPEG, PNG, GIF, WebP) natively, for the command line
/// (the page lets the browser decode). Refuses more than [`MAX_PIXELS`] pixels before
/// decoding them.
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_image_bytes(bytes: &[u8]) -> Result<RawImage> {
    use image::ImageDecoder;
    if bytes.is_empty() {
        return Err(crate::message::Message::PhotoFileEmpty {}.data());
    }
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| crate::message::Message::PhotoUnreadable { detail: e.to_string() }.data())?;
    if reader.format().is_none() {
        return Err(crate::message::Message::PhotoUnsupported {}.data());
    }
    let mut limits = image::Limits::default();
    limits.max_alloc = Some((MAX_PIXELS * 4 + (64 << 20)) as u64);
    let mut reader = reader;
    reader.limits(limits);
    let decoder = reader
        .into_decoder()
        .map_err(|e| crate::message::Message::PhotoUndecodable { detail: e.to_string() }.data())?;
    let (w, h) = decoder.dimensions();
    if (w as u64) * (h as u64) > MAX_PIXELS as u64 {
        return Err(crate::message::Message::PhotoPixels { width: w as usize, height: h as usize, limit: MAX_PIXELS / 1_000_000 }.data());
    }
    let img = image::DynamicImage::from_decoder(decoder)
        .map_err(|e| crate::message::Message::PhotoBroken { detail: e.to_string() }.data())?;
    let rgb = img.into_rgb8();
    let (width, height) = (rgb.width() as usize, rgb.height() as usize);
    Ok(RawImage {
        pixels: rgb.into_raw(),
        width,
        height,
        channels: 3,
        orientation: exif_orientation(bytes),
    })
}

/// Reads and decodes a photo file, for the command line.
#[cfg(not(target_arch = "wasm32"))]
pub fn decode_image_file(path: &std::path::Path) -> Result<RawImage> {
    let bytes =
        std::fs::read(path).map_err(|e| data_err!("Cannot read {}: {e}", path.display()))?;
    decode_image_bytes(&bytes).map_err(|e| data_err!("{}: {e}", path.display()))
}

/// [`prepare`] of a decoded [`RawImage`].
pub fn prepare_raw(image: &RawImage, framing: Framing) -> Result<Prepared> {
    prepare(&image.pixels, image.width, image.height, image.channels, image.orientation, framing)
}

/// Decode + preprocess a photo file: what `convlab classify` feeds the network.
#[cfg(not(target_arch = "wasm32"))]
pub fn preprocess_file(path: &std::path::Path) -> Result<Array3<f32>> {
    preprocess_raw(&decode_image_file(path)?)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn orientations() -> serde_json::Value {
        serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/photos/orientations.json"
        )))
        .unwrap()
    }

    fn bytes_of(v: &serde_json::Value) -> Vec<u8> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u8)
            .collect()
    }

    #[test]
    fn all_eight_orientations_match_pil_exif_transpose() {
        let r = orientations();
        let base = bytes_of(&r["pixels"]);
        for o in 1..=8u8 {
            let want = &r["oriented"][o.to_string()];
            let (got, w, h) = orient(&base, 5, 3, 3, o).unwrap();
            assert_eq!(
                (w as u64, h as u64),
                (
                    want["width"].as_u64().unwrap(),
                    want["height"].as_u64().unwrap()
                ),
                "orientation {o}"
            );
            assert_eq!(got, bytes_of(&want["pixels"]), "orientation {o}");
        }
    }

    #[test]
    fn orientation_is_applied_before_the_crop() {
        // Preprocessing a stored photo with orientation o = preprocessing the displayed photo.
        let (w, h) = (40usize, 25usize);
        let base: Vec<u8> = (0..w * h * 3).map(|i| ((i * 7919) % 251) as u8).collect();
        for o in 1..=8u8 {
            let (shown, sw, sh) = orient(&base, w, h, 3, o).unwrap();
            assert_eq!(
                preprocess(&base, w, h, 3, o).unwrap(),
                preprocess(&shown, sw, sh, 3, 1).unwrap(),
                "orientation {o}"
            );
        }
    }

    #[test]
    fn rgba_alpha_is_ignored() {
        let rgb: Vec<u8> = (0..30 * 20 * 3).map(|i| (i % 256) as u8).collect();
        let rgba: Vec<u8> = rgb.chunks(3).flat_map(|p| [p[0], p[1], p[2], 77]).collect();
        assert_eq!(
            preprocess(&rgb, 30, 20, 3, 1).unwrap(),
            preprocess(&rgba, 30, 20, 4, 1).unwrap()
        );
    }

    #[test]
    fn uniform_photo_stays_uniform_and_in_range() {
        let px = vec![51u8; 97 * 131 * 3];
        let out = preprocess(&px, 97, 131, 3, 6).unwrap();
        assert_eq!(out.dim(), (64, 64, 3));
        assert!(out.iter().all(|&v| (v - 0.2).abs() < 1e-6));
    }

    #[test]
    fn exact_two_to_one_is_the_mean_of_each_2x2_block() {
        // 128x128 -> 64x64: each output is the mean of its 2x2 block (lecture's average pooling).
        let px: Vec<u8> = (0..128 * 128 * 3).map(|i| ((i * 31) % 256) as u8).collect();
        let out = preprocess(&px, 128, 128, 3, 1).unwrap();
        for &(y, x, c) in &[(0usize, 0usize, 0usize), (5, 9, 1), (63, 63, 2), (31, 2, 0)] {
            let at = |yy: usize, xx: usize| f32::from(px[(yy * 128 + xx) * 3 + c]);
            let mean = (at(2 * y, 2 * x)
                + at(2 * y, 2 * x + 1)
                + at(2 * y + 1, 2 * x)
                + at(2 * y + 1, 2 * x + 1))
                / 4.0;
            assert!((out[[y, x, c]] - mean / 255.0).abs() < 1e-6);
        }
    }

    #[test]
    fn a_12_megapixel_photo_is_preprocessed_quickly() {
        let (w, h) = (4000usize, 3000usize);
        let px: Vec<u8> = (0..w * h * 4).map(|i| (i % 253) as u8).collect();
        #[cfg(not(target_arch = "wasm32"))]
        let t = std::time::Instant::now();
        let out = preprocess(&px, w, h, 4, 6).unwrap();
        #[cfg(not(target_arch = "wasm32"))]
        eprintln!(
            "preprocess 4000x3000 RGBA, orientation 6: {:?}",
            t.elapsed()
        );
        assert!(out.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn bad_inputs_get_messages() {
        let e = preprocess(&[0; 10], 2, 2, 3, 1).unwrap_err().to_string();
        assert!(e.contains("holds 10 bytes") && e.contains("need 12"), "{e}");
        let e = preprocess(&[0; 8], 2, 2, 2, 1).unwrap_err().to_string();
        assert!(e.contains("3 (RGB) or 4 (RGBA)"), "{e}");
        let e = preprocess(&[], 0, 5, 3, 1).unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = preprocess(&[0; 12], 2, 2, 3, 9).unwrap_err().to_string();
        assert!(e.contains("1 to 8"), "{e}");
        // The size check comes before any look at the buffer: no huge allocation.
        let e = preprocess(&[], 10_000, 10_000, 4, 1)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("10000x10000") && e.contains("limit of 50 megapixels"),
            "{e}"
        );
        let e = preprocess(&[], usize::MAX, 3, 3, 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("limit of 50 megapixels"), "{e}");
    }

    #[test]
    fn exif_orientation_reads_jpeg_and_png_and_defaults_to_1() {
        assert_eq!(
            exif_orientation(include_bytes!("../../tests/fixtures/photos/orient6.jpg")),
            6
        );
        assert_eq!(
            exif_orientation(include_bytes!("../../tests/fixtures/photos/orient3.jpg")),
            3
        );
        assert_eq!(
            exif_orientation(include_bytes!("../../tests/fixtures/photos/orient8.png")),
            8
        );
        assert_eq!(
            exif_orientation(include_bytes!("../../tests/fixtures/photos/oblong.png")),
            1
        );
        assert_eq!(exif_orientation(b""), 1);
        assert_eq!(
            exif_orientation(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00II*\x00garbage"),
            1
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn fixture_png(name: &str) -> image::RgbImage {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/photos")
            .join(name);
        image::open(p).unwrap().into_rgb8()
    }

    /// Mean and max |a - b| in units of 1/255.
    #[cfg(not(target_arch = "wasm32"))]
    fn diff(ours: &Array3<f32>, pil: &image::RgbImage) -> (f64, f64) {
        let mut sum = 0.0;
        let mut max = 0f64;
        for (x, y, p) in pil.enumerate_pixels() {
            for c in 0..3 {
                let d =
                    (f64::from(ours[[y as usize, x as usize, c]]) * 255.0 - f64::from(p[c])).abs();
                sum += d;
                max = max.max(d);
            }
        }
        (sum / (64.0 * 64.0 * 3.0), max)
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn non_square_centre_crop_matches_exact_area_reference() {
        let img = decode_image_file(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/photos/oblong.png"),
        )
        .unwrap();
        assert_eq!((img.width, img.height, img.orientation), (150, 90, 1));
        let ours = prepare_raw(&img, Framing::Centre).unwrap().input;
        // The pure red left margin (x < 30) lies outside the centre crop (x 30..120): the
        // first column has the gradient's red there (51/255 at x = 30), not 255.
        assert!(ours[[0, 0, 0]] < 0.3 && ours[[63, 0, 0]] < 0.3);
        // Against numpy's exact area average (rounded to bytes): only rounding differs.
        let (mean, max) = diff(&ours, &fixture_png("oblong_area64.png"));
        eprintln!(
            "oblong 150x90 vs exact area (numpy): mean |diff| {mean:.3}/255, max {max:.2}/255"
        );
        assert!(max <= 0.5 + 1e-3, "max {max}");
        // PIL's BOX weighs whole pixels by their centres, so sharp edges differ more.
        let (mean, max) = diff(&ours, &fixture_png("oblong_box64.png"));
        eprintln!("oblong 150x90 vs PIL BOX: mean |diff| {mean:.3}/255, max {max:.1}/255");
        assert!(mean < 5.0, "mean {mean}");
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn exif_rotated_jpeg_is_turned_upright() {
        let img = decode_image_file(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/photos/orient6.jpg"),
        )
        .unwrap();
        assert_eq!((img.width, img.height, img.orientation), (25, 15, 6));
        let (_, w, h) = orient(&img.pixels, img.width, img.height, 3, img.orientation).unwrap();
        assert_eq!((w, h), (15, 25));
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn shared_photos_match_references() {
        let Some(dir) = crate::testdata::sign_digits_dir() else {
            return;
        };
        let (mut worst_area, mut worst_box) = (0f64, 0f64);
        for k in 0..6 {
            for n in 1..=2 {
                let name = format!("sign{k}_{n}");
                let ours =
                    preprocess_file(&dir.join("photos").join(format!("{name}.jpg"))).unwrap();
                // Same filter, PIL's JPEG decoder: differences come from the decoders only.
                let (area_mean, area_max) =
                    diff(&ours, &fixture_png(&format!("{name}_area64.png")));
                let (box_mean, box_max) = diff(&ours, &fixture_png(&format!("{name}_box64.png")));
                eprintln!(
                    "{name}: vs exact area on PIL's decoding mean {area_mean:.3}/255 max {area_max:.1}; vs PIL BOX mean {box_mean:.3}/255 max {box_max:.1}"
                );
                worst_area = worst_area.max(area_mean);
                worst_box = worst_box.max(box_mean);
            }
        }
        assert!(
            worst_area < 1.0,
            "worst mean |diff| vs exact area {worst_area}/255"
        );
        assert!(
            worst_box < 2.5,
            "worst mean |diff| vs PIL BOX {worst_box}/255"
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn bad_photo_files_get_messages() {
        let e = decode_image_bytes(b"").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = decode_image_bytes(b"hello, this is text named photo.jpg")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a photo ConvLab can read"), "{e}");
        let jpg = include_bytes!("../../tests/fixtures/photos/orient6.jpg");
        let e = decode_image_bytes(&jpg[..jpg.len() / 2])
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be decoded"), "{e}");
        // A PNG whose header claims 10000x10000 is refused before any pixel is decoded.
        let e = decode_image_bytes(include_bytes!(
            "../../tests/fixtures/photos/huge_header.png"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("10000x10000") && e.contains("limit of 50 megapixels"),
            "{e}"
        );
    }
}
