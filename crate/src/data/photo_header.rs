//! A photo's width and height read from its file header, before anything is decoded.
//!
//! A browser's `createImageBitmap` decodes the whole photo before it says how large it is:
//! a 10000x10000 PNG becomes 400 MB of RGBA first. The page therefore reads the first
//! bytes of the file here and refuses a photo over [`MAX_PIXELS`] (50 megapixels) at once.
//!
//! Formats: PNG (the IHDR chunk), JPEG (the first SOF0-SOF15 frame header, walking the
//! marker segments), GIF (the logical screen) and WebP (VP8, VP8L and VP8X chunks).
//! Only the header is read; every index is checked, so any bytes give a value, never a panic.

use crate::data::preprocess::MAX_PIXELS;
use crate::message::Message;
use crate::error::Result;

/// What the header says: the format's name and the stored width x height (before EXIF
/// rotation, which does not change the pixel count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoHeader {
    pub format: &'static str,
    pub width: u32,
    pub height: u32,
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?])))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?])))
}
fn le24(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(*b.get(at)?) | u32::from(*b.get(at + 1)?) << 8 | u32::from(*b.get(at + 2)?) << 16)
}

fn png(b: &[u8]) -> Option<(u32, u32)> {
    // 8-byte signature, then the IHDR chunk: length (4), "IHDR", width (4), height (4).
    (b.get(12..16)? == b"IHDR").then_some(())?;
    Some((be32(b, 16)?, be32(b, 20)?))
}

fn jpeg(b: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2; // after SOI (FF D8)
    loop {
        // Markers may be padded with extra FF bytes.
        while *b.get(at)? == 0xFF && *b.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *b.get(at)? != 0xFF {
            return None;
        }
        let marker = *b.get(at + 1)?;
        match marker {
            // Stand-alone markers without a length: TEM, RST0-7.
            0x01 | 0xD0..=0xD7 => at += 2,
            // SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC): length, precision, height, width.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                return Some((be16(b, at + 7)?, be16(b, at + 5)?));
            }
            // Start of scan or end of image before any frame header: no size.
            0xDA | 0xD9 => return None,
            _ => at = at.checked_add(2 + be16(b, at + 2)? as usize)?,
        }
    }
}

fn gif(b: &[u8]) -> Option<(u32, u32)> {
    Some((le16(b, 6)?, le16(b, 8)?))
}

fn webp(b: &[u8]) -> Option<(u32, u32)> {
    match b.get(12..16)? {
        // Lossy: frame tag (3), start code 9D 01 2A, then 14-bit width and height.
        b"VP8 " => {
            (b.get(23..26)? == [0x9D, 0x01, 0x2A]).then_some(())?;
            Some((le16(b, 26)? & 0x3FFF, le16(b, 28)? & 0x3FFF))
        }
        // Lossless: signature 2F, then 14 bits width - 1 and 14 bits height - 1.
        b"VP8L" => {
            (*b.get(20)? == 0x2F).then_some(())?;
            let bits = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        // Extended: flags (4), then 24-bit canvas width - 1 and height - 1.
        b"VP8X" => Some((le24(b, 24)? + 1, le24(b, 27)? + 1)),
        _ => None,
    }
}

/// The format and size in the header of `head` (the first bytes of a photo file; 1 MB is
/// plenty, since a JPEG's frame header follows its EXIF block of at most 64 KB).
/// `None` when the bytes are no PNG, JPEG, GIF or WebP, or the header is cut off: the
/// caller then lets the decoder decide (and checks the size after decoding).
pub fn read_photo_header(head: &[u8]) -> Option<PhotoHeader> {
    let (format, size) = if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("PNG", png(head))
    } else if head.starts_with(&[0xFF, 0xD8]) {
        ("JPEG", jpeg(head))
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        ("GIF", gif(head))
    } else if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        ("WebP", webp(head))
    } else {
        return None;
    };
    let (width, height) = size?;
    Some(PhotoHeader { format, width, height })
}

/// Refuses, from the header alone, a photo larger than [`MAX_PIXELS`] or of zero size,
/// with a message that names the limit. Returns the header when it could be read.
pub fn check_photo_header(head: &[u8]) -> Result<Option<PhotoHeader>> {
    let Some(h) = read_photo_header(head) else {
        return Ok(None);
    };
    let pixels = u64::from(h.width) * u64::from(h.height);
    if pixels == 0 {
        return Err(Message::PhotoDamaged { format: h.format, width: h.width, height: h.height }.into());
    }
    if pixels > MAX_PIXELS as u64 {
        return Err(Message::PhotoTooLarge {
            width: h.width,
            height: h.height,
            megapixels: (pixels / 1_000_000) as usize,
            limit: MAX_PIXELS / 1_000_000,
        }
        .into());
    }
    Ok(Some(h))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    // Hand-made headers, byte by byte from the format specifications.
    fn png_head(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b.extend([8, 6, 0, 0, 0]);
        b
    }

    #[test]
    fn png_10000_square_is_refused_naming_the_limit() {
        let e = check_photo_header(&png_head(10_000, 10_000)).unwrap_err().to_string();
        assert!(e.contains("10000x10000") && e.contains("limit of 50 megapixels"), "{e}");
        let ok = check_photo_header(&png_head(4000, 3000)).unwrap().unwrap();
        assert_eq!((ok.format, ok.width, ok.height), ("PNG", 4000, 3000));
        // 50 000 000 exactly is allowed, one more pixel row is not.
        assert!(check_photo_header(&png_head(10_000, 5_000)).is_ok());
        assert!(check_photo_header(&png_head(10_000, 5_001)).is_err());
        assert!(check_photo_header(&png_head(0, 5)).is_err());
    }

    #[test]
    fn jpeg_walks_app_segments_to_the_frame_header() {
        // SOI, APP1 (6 bytes of payload), DQT stub, SOF2 (progressive): 3000 high, 4000 wide.
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08, 1, 2, 3, 4, 5, 6];
        b.extend([0xFF, 0xFF, 0xDB, 0x00, 0x03, 9]); // a padding FF, then DQT
        b.extend([0xFF, 0xC2, 0x00, 0x11, 8, 0x0B, 0xB8, 0x0F, 0xA0, 3]);
        let h = read_photo_header(&b).unwrap();
        assert_eq!((h.format, h.width, h.height), ("JPEG", 4000, 3000));
        // DHT (C4) is not a frame header.
        let dht = [0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x02, 0xFF, 0xC0, 0x00, 0x11, 8, 0, 10, 0, 20];
        assert_eq!(read_photo_header(&dht).map(|h| (h.width, h.height)), Some((20, 10)));
        // Cut before the frame header, or scan first: unknown, never a panic.
        assert_eq!(read_photo_header(&b[..20]), None);
        assert_eq!(read_photo_header(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
    }

    #[test]
    fn gif_and_webp_headers() {
        let gif = b"GIF89a\x10\x27\x10\x27\0\0\0";
        assert_eq!(read_photo_header(gif).map(|h| (h.width, h.height)), Some((10_000, 10_000)));
        let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        vp8x.extend([0x0F, 0x27, 0x00, 0x0F, 0x27, 0x00]); // 9999 + 1 each
        assert_eq!(read_photo_header(&vp8x).map(|h| (h.width, h.height)), Some((10_000, 10_000)));
        assert!(check_photo_header(&vp8x).is_err());
    }

    #[test]
    fn anything_else_is_unknown_not_an_error() {
        for bytes in [&b""[..], b"hello, this is text", b"\x89PNG\r\n\x1a\n", b"RIFF\0\0\0\0WEBPVP8 "] {
            assert_eq!(check_photo_header(bytes).unwrap(), None);
        }
        // Every prefix of every header: no panic.
        for head in [png_head(10, 20), b"GIF89a\x01\0\x01\0".to_vec()] {
            for n in 0..head.len() {
                let _ = check_photo_header(&head[..n]);
            }
        }
    }

    /// Real files written by the `image` crate: the header reader agrees with its decoders.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn agrees_with_the_image_crate_on_real_files() {
        use image::{ImageFormat, RgbImage};
        for (w, h) in [(1, 1), (37, 5), (640, 480), (300, 1200)] {
            let img = RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 3) as u8, 128]));
            for format in [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif, ImageFormat::WebP] {
                let mut bytes = std::io::Cursor::new(Vec::new());
                if format == ImageFormat::Gif || format == ImageFormat::WebP {
                    image::DynamicImage::ImageRgb8(img.clone()).into_rgba8().write_to(&mut bytes, format).unwrap();
                } else {
                    img.write_to(&mut bytes, format).unwrap();
                }
                let head = read_photo_header(bytes.get_ref()).unwrap_or_else(|| panic!("{format:?} {w}x{h}"));
                assert_eq!((head.width, head.height), (w, h), "{format:?}");
            }
        }
    }
}
