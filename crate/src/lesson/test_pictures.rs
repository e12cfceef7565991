//! Built-in grey test pictures for the edge lab, drawn by code (no files, works offline).
//!
//! Every picture is an (h, w) `Array2<f32>` of grey levels, row-major, row 0 at the top.
//! Value ranges (stated per function):
//! - the step images use the lecture's levels, 10 (light) and 0 (dark), so a 3x3 vertical
//!   filter answers +-30 at any size, as on the slide;
//! - the other pictures use 0 (black) ..= 255 (white), like a photo after
//!   [`crate::lesson::edges::grey_from_bytes`].
//!
//! A zero height or width gives an empty array (the filtering functions then return an
//! error); [`TestPicture::render`] rejects sizes above [`MAX_SIDE`] before allocating.

use crate::error::Result;
use ndarray::{arr2, Array2};
use serde::{Deserialize, Serialize};

/// Largest side [`TestPicture::render`] accepts.
pub const MAX_SIDE: usize = 2048;

/// Light level of the lecture's step images.
pub const STEP_LIGHT: f32 = 10.0;

/// The lecture's 6x6 example image (values 0..=9), whose vertical-edge response is
/// [[-5,-4,0,8],[-10,-2,2,3],[0,-2,-4,-7],[-3,-2,-3,-16]].
pub fn lecture_image() -> Array2<f32> {
    arr2(&[
        [3., 0., 1., 2., 7., 4.],
        [1., 5., 8., 9., 3., 1.],
        [2., 7., 2., 5., 1., 3.],
        [0., 1., 3., 1., 7., 8.],
        [4., 2., 1., 6., 2., 8.],
        [2., 4., 5., 2., 3., 9.],
    ])
}

/// Light on the left, dark on the right: columns j < w/2 (rounded up: the left half gets
/// the odd column) are 10, the rest 0. 6x6 is the lecture's image; a vertical filter gives
/// +30 along the edge (a light-to-dark, "positive" edge).
pub fn step_light_to_dark(h: usize, w: usize) -> Array2<f32> {
    let split = w.div_ceil(2);
    Array2::from_shape_fn((h, w), |(_, j)| if j < split { STEP_LIGHT } else { 0.0 })
}

/// Dark on the left, light on the right: the mirror image of [`step_light_to_dark`]
/// (0 then 10); a vertical filter gives -30 along the edge.
pub fn step_dark_to_light(h: usize, w: usize) -> Array2<f32> {
    let split = w.div_ceil(2);
    Array2::from_shape_fn((h, w), |(_, j)| if j < split { 0.0 } else { STEP_LIGHT })
}

/// Light on top, dark below (10 then 0): a horizontal edge, +30 for the horizontal filter.
pub fn step_top_to_bottom(h: usize, w: usize) -> Array2<f32> {
    let split = h.div_ceil(2);
    Array2::from_shape_fn((h, w), |(i, _)| if i < split { STEP_LIGHT } else { 0.0 })
}

/// Cell side of the checkerboard: about 8 cells across the shorter side, at least 1 pixel.
fn checker_cell(h: usize, w: usize) -> usize {
    (h.min(w) / 8).max(1)
}

/// Checkerboard of white (255) and black (0) squares, about 8 across the shorter side,
/// white in the top-left corner: vertical and horizontal edges of both signs.
pub fn checkerboard(h: usize, w: usize) -> Array2<f32> {
    let cell = checker_cell(h, w);
    Array2::from_shape_fn((h, w), |(i, j)| if (i / cell + j / cell).is_multiple_of(2) { 255.0 } else { 0.0 })
}

/// A white disc (255) on black (0), centred, radius 0.35 of the shorter side: edges at
/// every angle, so a vertical filter lights up its left and right rims with opposite signs.
pub fn disc(h: usize, w: usize) -> Array2<f32> {
    let (cy, cx) = ((h as f32 - 1.0) / 2.0, (w as f32 - 1.0) / 2.0);
    let r = 0.35 * h.min(w) as f32;
    Array2::from_shape_fn((h, w), |(i, j)| {
        let (dy, dx) = (i as f32 - cy, j as f32 - cx);
        if dy * dy + dx * dx <= r * r { 255.0 } else { 0.0 }
    })
}

/// Diagonal stripes running from bottom-left to top-right (45 degrees), white (255) and
/// black (0), period about 1/6 of the shorter side (at least 4 pixels): neither the vertical
/// nor the horizontal filter alone matches them, the gradient magnitude does.
pub fn diagonal_stripes(h: usize, w: usize) -> Array2<f32> {
    let period = (h.min(w) / 6).max(4);
    Array2::from_shape_fn((h, w), |(i, j)| if ((i + j) % period) < period / 2 { 255.0 } else { 0.0 })
}

/// A smooth left-to-right ramp from 0 to 255: no edges, a constant small response
/// (edge filters measure change, not brightness).
pub fn ramp(h: usize, w: usize) -> Array2<f32> {
    let denom = w.saturating_sub(1).max(1) as f32;
    Array2::from_shape_fn((h, w), |(_, j)| 255.0 * j as f32 / denom)
}

/// Random grey levels 0..255, the same for a given pixel at any size (a hash of its row
/// and column): every 3x3 pattern occurs, so the response of a 3x3 filter on it pins down
/// all nine weights. That is the picture to learn a filter on (a step image shows one edge
/// direction only, and many different filters give it the same response).
pub fn noise(h: usize, w: usize) -> Array2<f32> {
    Array2::from_shape_fn((h, w), |(i, j)| {
        // splitmix64's finaliser on the pixel's position: well mixed, no state to carry.
        let mut z = ((i as u64) << 32 | j as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % 256) as f32
    })
}

/// The pictures by name, for the page's menu and the URL (`image=disc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestPicture {
    /// The lecture's 6x6 numbers (ignores the requested size).
    Lecture,
    StepLightToDark,
    StepDarkToLight,
    StepTopToBottom,
    Checkerboard,
    Disc,
    DiagonalStripes,
    Ramp,
    Noise,
}

impl TestPicture {
    pub const ALL: [TestPicture; 9] = [
        TestPicture::Lecture,
        TestPicture::StepLightToDark,
        TestPicture::StepDarkToLight,
        TestPicture::StepTopToBottom,
        TestPicture::Checkerboard,
        TestPicture::Disc,
        TestPicture::DiagonalStripes,
        TestPicture::Ramp,
        TestPicture::Noise,
    ];

    /// URL / JSON name ("step_light_to_dark").
    pub fn name(&self) -> &'static str {
        match self {
            TestPicture::Lecture => "lecture",
            TestPicture::StepLightToDark => "step_light_to_dark",
            TestPicture::StepDarkToLight => "step_dark_to_light",
            TestPicture::StepTopToBottom => "step_top_to_bottom",
            TestPicture::Checkerboard => "checkerboard",
            TestPicture::Disc => "disc",
            TestPicture::DiagonalStripes => "diagonal_stripes",
            TestPicture::Ramp => "ramp",
            TestPicture::Noise => "noise",
        }
    }

    pub fn from_name(name: &str) -> Result<TestPicture> {
        let n = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        TestPicture::ALL.into_iter().find(|p| p.name() == n).ok_or_else(|| {
            let names: Vec<&str> = TestPicture::ALL.iter().map(|p| p.name()).collect();
            crate::message::Message::TestPictureUnknown { name: name.to_string(), names: names.join(", ") }.param()
        })
    }

    /// The largest value the picture uses (10 for the step images, 9 for the lecture's
    /// numbers, 255 otherwise), for drawing it in grey.
    pub fn max_value(&self) -> f32 {
        match self {
            TestPicture::Lecture => 9.0,
            TestPicture::StepLightToDark | TestPicture::StepDarkToLight | TestPicture::StepTopToBottom => {
                STEP_LIGHT
            }
            _ => 255.0,
        }
    }

    /// Draw the picture at h x w (1..=MAX_SIDE each; `Lecture` is always 6x6).
    pub fn render(&self, h: usize, w: usize) -> Result<Array2<f32>> {
        if *self == TestPicture::Lecture {
            return Ok(lecture_image());
        }
        if h == 0 || w == 0 || h > MAX_SIDE || w > MAX_SIDE {
            return Err(crate::message::Message::TestPictureSize { max: MAX_SIDE, h, w }.shape());
        }
        Ok(match self {
            TestPicture::Lecture => lecture_image(),
            TestPicture::StepLightToDark => step_light_to_dark(h, w),
            TestPicture::StepDarkToLight => step_dark_to_light(h, w),
            TestPicture::StepTopToBottom => step_top_to_bottom(h, w),
            TestPicture::Checkerboard => checkerboard(h, w),
            TestPicture::Disc => disc(h, w),
            TestPicture::DiagonalStripes => diagonal_stripes(h, w),
            TestPicture::Ramp => ramp(h, w),
            TestPicture::Noise => noise(h, w),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use crate::lesson::edges::{apply_edge_filter, EdgeFilter};
    use crate::conv::shape::Padding;

    #[test]
    fn lecture_step_images() {
        let a = step_light_to_dark(6, 6);
        assert_eq!(a.row(3).to_vec(), vec![10., 10., 10., 0., 0., 0.]);
        let b = step_dark_to_light(6, 6);
        assert_eq!(b.row(0).to_vec(), vec![0., 0., 0., 10., 10., 10.]);
        assert_eq!(step_top_to_bottom(6, 6), a.t());
        // Larger steps keep the lecture's +-30 along the edge.
        let y = apply_edge_filter(step_light_to_dark(20, 31).view(), EdgeFilter::Vertical, Padding::Valid).unwrap();
        assert_eq!(y.iter().cloned().fold(f32::MIN, f32::max), 30.0);
        let y = apply_edge_filter(step_dark_to_light(20, 30).view(), EdgeFilter::Vertical, Padding::Valid).unwrap();
        assert_eq!(y.iter().cloned().fold(f32::MAX, f32::min), -30.0);
        assert_eq!(y.row(5).iter().filter(|&&v| v != 0.0).count(), 2);
    }

    #[test]
    fn pictures_have_documented_values() {
        for p in TestPicture::ALL {
            let img = p.render(40, 50).unwrap();
            assert!(img.iter().all(|&v| (0.0..=p.max_value()).contains(&v)), "{p:?}");
            assert_eq!(TestPicture::from_name(p.name()).unwrap(), p);
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.name()));
            if p != TestPicture::Lecture {
                assert_eq!(img.dim(), (40, 50));
            }
        }
        let c = checkerboard(16, 16);
        assert_eq!((c[[0, 0]], c[[0, 2]], c[[2, 2]]), (255.0, 0.0, 255.0));
        let d = disc(21, 21);
        assert_eq!((d[[10, 10]], d[[0, 0]], d[[10, 3]], d[[10, 2]]), (255.0, 0.0, 255.0, 0.0));
        // Stripes are constant along the anti-diagonal (i + j fixed).
        let s = diagonal_stripes(30, 30);
        assert_eq!(s[[3, 10]], s[[10, 3]]);
        // Noise: a pixel keeps its value at any size, and the values spread over 0..255.
        let (small, big) = (noise(8, 8), noise(40, 50));
        assert_eq!(small, big.slice(ndarray::s![..8, ..8]));
        let mean = big.mean().unwrap();
        assert!((100.0..155.0).contains(&mean), "{mean}");
        let r = ramp(2, 3);
        assert_eq!(r.row(1).to_vec(), vec![0.0, 127.5, 255.0]);
    }

    #[test]
    fn sizes_are_checked() {
        assert!(TestPicture::Disc.render(0, 5).is_err());
        assert!(TestPicture::Disc.render(5, MAX_SIDE + 1).unwrap_err().to_string().contains("2048"));
        assert_eq!(TestPicture::Lecture.render(0, 0).unwrap().dim(), (6, 6));
        assert_eq!(checkerboard(0, 7).dim(), (0, 7));
        assert_eq!(disc(1, 1).dim(), (1, 1));
        assert!(TestPicture::from_name("mandrill").is_err());
    }
}
