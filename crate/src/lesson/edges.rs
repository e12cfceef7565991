//! Edge detection as in the lecture: 3x3 filters slid over a grey image.
//!
//! Sign convention (all filters are used as written, by cross-correlation, like the lecture):
//! - vertical filters have +1 weights in the LEFT column and -1 in the RIGHT column, so the
//!   response is positive where the image gets darker from left to right (light-to-dark,
//!   the lecture's 10s then 0s gives +30) and negative where it gets lighter (-30);
//! - horizontal filters are their transposes: +1 in the TOP row, -1 in the BOTTOM row, so
//!   the response is positive where the image gets darker from top to bottom.
//!
//! Sobel weights the centre row (or column) by [1, 2, 1], Scharr by [3, 10, 3]; both give
//! more weight to the pixel in line with the centre and respond less to noise.
//!
//! Grey conversion uses ITU-R BT.601 luma weights: grey = 0.299 R + 0.587 G + 0.114 B,
//! values 0..=255.

use crate::conv::{conv2d, Correlation};
use crate::error::Result;
use crate::conv::shape::Padding;
use crate::{data_err, param_err, shape_err};
use ndarray::{Array1, Array2, Array4, ArrayView2, Zip};
use serde::{Deserialize, Serialize};

/// A 3x3 filter, row by row: `k[row][col]`.
pub type Kernel3 = [[f32; 3]; 3];

/// The preset edge filters. Names in URLs and JSON: "vertical", "horizontal", "sobel_v",
/// "sobel_h", "scharr_v", "scharr_h" (see [`EdgeFilter::from_name`] for accepted aliases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeFilter {
    /// [[1, 0, -1]] x 3: positive on light-to-dark (left to right) edges.
    Vertical,
    /// Transpose of `Vertical`: positive on light-to-dark (top to bottom) edges.
    Horizontal,
    /// [[1, 0, -1], [2, 0, -2], [1, 0, -1]].
    SobelV,
    /// Transpose of `SobelV`.
    SobelH,
    /// [[3, 0, -3], [10, 0, -10], [3, 0, -3]].
    ScharrV,
    /// Transpose of `ScharrV`.
    ScharrH,
}

/// A vertical-edge kernel with column weights `weights` (top to bottom): +w left, -w right.
const fn vertical_kernel(weights: [f32; 3]) -> Kernel3 {
    [
        [weights[0], 0.0, -weights[0]],
        [weights[1], 0.0, -weights[1]],
        [weights[2], 0.0, -weights[2]],
    ]
}

/// k transposed: row i becomes column i (turns a vertical-edge filter into a horizontal one).
pub fn transpose_kernel(k: &Kernel3) -> Kernel3 {
    let mut t = [[0.0; 3]; 3];
    for (i, row) in k.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            t[j][i] = v;
        }
    }
    t
}

impl EdgeFilter {
    /// All presets, vertical/horizontal pairs in order.
    pub const ALL: [EdgeFilter; 6] = [
        EdgeFilter::Vertical,
        EdgeFilter::Horizontal,
        EdgeFilter::SobelV,
        EdgeFilter::SobelH,
        EdgeFilter::ScharrV,
        EdgeFilter::ScharrH,
    ];

    /// The 3x3 weights, `k[row][col]`.
    pub fn kernel(&self) -> Kernel3 {
        let v = match self {
            EdgeFilter::Vertical | EdgeFilter::Horizontal => vertical_kernel([1.0, 1.0, 1.0]),
            EdgeFilter::SobelV | EdgeFilter::SobelH => vertical_kernel([1.0, 2.0, 1.0]),
            EdgeFilter::ScharrV | EdgeFilter::ScharrH => vertical_kernel([3.0, 10.0, 3.0]),
        };
        if self.is_vertical() {
            v
        } else {
            transpose_kernel(&v)
        }
    }

    /// True for the filters that find vertical edges (left/right changes).
    pub fn is_vertical(&self) -> bool {
        matches!(self, EdgeFilter::Vertical | EdgeFilter::SobelV | EdgeFilter::ScharrV)
    }

    /// The same family in the other orientation (Sobel V <-> Sobel H...), for magnitudes.
    pub fn partner(&self) -> EdgeFilter {
        match self {
            EdgeFilter::Vertical => EdgeFilter::Horizontal,
            EdgeFilter::Horizontal => EdgeFilter::Vertical,
            EdgeFilter::SobelV => EdgeFilter::SobelH,
            EdgeFilter::SobelH => EdgeFilter::SobelV,
            EdgeFilter::ScharrV => EdgeFilter::ScharrH,
            EdgeFilter::ScharrH => EdgeFilter::ScharrV,
        }
    }

    /// The URL / JSON name ("sobel_v").
    pub fn name(&self) -> &'static str {
        match self {
            EdgeFilter::Vertical => "vertical",
            EdgeFilter::Horizontal => "horizontal",
            EdgeFilter::SobelV => "sobel_v",
            EdgeFilter::SobelH => "sobel_h",
            EdgeFilter::ScharrV => "scharr_v",
            EdgeFilter::ScharrH => "scharr_h",
        }
    }

    /// A label for people ("Sobel, vertical edges").
    pub fn label(&self) -> &'static str {
        match self {
            EdgeFilter::Vertical => "Vertical edges",
            EdgeFilter::Horizontal => "Horizontal edges",
            EdgeFilter::SobelV => "Sobel, vertical edges",
            EdgeFilter::SobelH => "Sobel, horizontal edges",
            EdgeFilter::ScharrV => "Scharr, vertical edges",
            EdgeFilter::ScharrH => "Scharr, horizontal edges",
        }
    }

    /// Parse a URL name, case-insensitively. Also accepts "sobel" / "scharr" (vertical
    /// version) and "v" / "h", so `#edges&filter=sobel` works.
    pub fn from_name(name: &str) -> Result<EdgeFilter> {
        let n = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let f = match n.as_str() {
            "vertical" | "v" => EdgeFilter::Vertical,
            "horizontal" | "h" => EdgeFilter::Horizontal,
            "sobel_v" | "sobel" | "sobel_vertical" => EdgeFilter::SobelV,
            "sobel_h" | "sobel_horizontal" => EdgeFilter::SobelH,
            "scharr_v" | "scharr" | "scharr_vertical" => EdgeFilter::ScharrV,
            "scharr_h" | "scharr_horizontal" => EdgeFilter::ScharrH,
            _ => {
                return Err(crate::message::Message::UnknownEdgeFilter { name: name.to_string() }.into())
            }
        };
        Ok(f)
    }
}

/// A 3x3 kernel from 9 numbers in row-major order (the page's editable custom filter).
pub fn kernel_from_slice(values: &[f32]) -> Result<Kernel3> {
    if values.len() != 9 {
        return Err(crate::message::Message::EdgesNineNumbers { got: values.len() }.shape());
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(crate::message::Message::EdgesNotNumbers {}.param());
    }
    let mut k = [[0.0; 3]; 3];
    for (i, &v) in values.iter().enumerate() {
        k[i / 3][i % 3] = v;
    }
    Ok(k)
}

/// Slide a 2-D filter over a grey image (h, w) with [`conv2d`] (one channel, one filter,
/// no bias): output (h', w') with h' = floor((h + pads - f_h) / s) + 1.
pub fn convolve_grey(
    image: ArrayView2<f32>,
    kernel: ArrayView2<f32>,
    stride: usize,
    padding: Padding,
    mode: Correlation,
) -> Result<Array2<f32>> {
    let (h, w) = image.dim();
    let (fh, fw) = kernel.dim();
    if h == 0 || w == 0 {
        return Err(crate::message::Message::EdgesImageEmpty { h, w }.shape());
    }
    let x = image
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((1, h, w, 1))
        .map_err(|e| shape_err!("cannot view the image as a volume: {e}"))?;
    let k = kernel
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((fh, fw, 1, 1))
        .map_err(|e| shape_err!("cannot view the filter as a volume: {e}"))?;
    let y: Array4<f32> = conv2d(x.view(), k.view(), Array1::zeros(1).view(), stride, padding, mode)?;
    let (_, oh, ow, _) = y.dim();
    y.into_shape_with_order((oh, ow))
        .map_err(|e| shape_err!("unexpected output layout: {e}"))
}

/// The lecture's operation: a 3x3 filter as written (cross-correlation), stride 1.
/// VALID shrinks an h x w image to (h-2) x (w-2); SAME keeps h x w (zero border).
pub fn apply_kernel(image: ArrayView2<f32>, kernel: &Kernel3, padding: Padding) -> Result<Array2<f32>> {
    let k = Array2::from_shape_fn((3, 3), |(i, j)| kernel[i][j]);
    convolve_grey(image, k.view(), 1, padding, Correlation::Cross)
}

/// [`apply_kernel`] with a preset.
pub fn apply_edge_filter(image: ArrayView2<f32>, filter: EdgeFilter, padding: Padding) -> Result<Array2<f32>> {
    apply_kernel(image, &filter.kernel(), padding)
}

/// Gradient magnitude sqrt(gx^2 + gy^2), element by element, of a vertical-edge response
/// gx and a horizontal-edge response gy of the same shape. Always >= 0.
pub fn gradient_magnitude(gx: ArrayView2<f32>, gy: ArrayView2<f32>) -> Result<Array2<f32>> {
    if gx.dim() != gy.dim() {
        return Err(shape_err!(
            "the two responses must have the same size, got {:?} and {:?}",
            gx.dim(),
            gy.dim()
        ));
    }
    // hypot avoids overflow of the squares for very large responses.
    Ok(Zip::from(&gx).and(&gy).map_collect(|&a, &b| a.hypot(b)))
}

/// Edge strength of `image` with a preset and its partner orientation:
/// sqrt(response(vertical)^2 + response(horizontal)^2).
pub fn edge_magnitude(image: ArrayView2<f32>, filter: EdgeFilter, padding: Padding) -> Result<Array2<f32>> {
    let (v, h) = if filter.is_vertical() { (filter, filter.partner()) } else { (filter.partner(), filter) };
    let gx = apply_edge_filter(image, v, padding)?;
    let gy = apply_edge_filter(image, h, padding)?;
    gradient_magnitude(gx.view(), gy.view())
}

/// ITU-R BT.601 luma weights for R, G, B.
pub const BT601: [f32; 3] = [0.299, 0.587, 0.114];

/// Grey image (h, w), values 0..=255, from interleaved RGB (`channels` = 3) or RGBA
/// (`channels` = 4, as a canvas's `getImageData` gives) bytes, row-major.
/// grey = 0.299 R + 0.587 G + 0.114 B (BT.601). With alpha a, the pixel is composited over
/// white first: grey' = (a/255) grey + (1 - a/255) 255, so transparent areas are white,
/// as the browser shows them.
pub fn grey_from_bytes(bytes: &[u8], h: usize, w: usize, channels: usize) -> Result<Array2<f32>> {
    if channels != 3 && channels != 4 {
        return Err(param_err!("expected 3 (RGB) or 4 (RGBA) channels, got {channels}"));
    }
    let expected = h
        .checked_mul(w)
        .and_then(|v| v.checked_mul(channels))
        .ok_or_else(|| data_err!("the image size {h}x{w} is too large"))?;
    if bytes.len() != expected {
        return Err(data_err!(
            "an {h}x{w} image with {channels} channels needs {expected} bytes, got {}",
            bytes.len()
        ));
    }
    let grey: Vec<f32> = bytes
        .chunks_exact(channels)
        .map(|px| {
            let g = BT601[0] * px[0] as f32 + BT601[1] * px[1] as f32 + BT601[2] * px[2] as f32;
            if channels == 4 {
                let a = px[3] as f32 / 255.0;
                a * g + (1.0 - a) * 255.0
            } else {
                g
            }
        })
        .collect();
    Array2::from_shape_vec((h, w), grey).map_err(|e| data_err!("cannot shape the grey image: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use ndarray::arr2;

    use crate::lesson::test_pictures::lecture_image;

    /// Three columns of `left` then three of `right`, 6x6 (the lecture's step images).
    fn step(left: f32, right: f32) -> Array2<f32> {
        Array2::from_shape_fn((6, 6), |(_, j)| if j < 3 { left } else { right })
    }

    #[test]
    fn lecture_vertical_filter_on_lecture_image() {
        let y = apply_edge_filter(lecture_image().view(), EdgeFilter::Vertical, Padding::Valid).unwrap();
        assert_eq!(
            y,
            arr2(&[[-5., -4., 0., 8.], [-10., -2., 2., 3.], [0., -2., -4., -7.], [-3., -2., -3., -16.]])
        );
    }

    #[test]
    fn light_to_dark_is_positive_dark_to_light_negative() {
        let row = |y: &Array2<f32>| y.row(0).to_vec();
        let y = apply_edge_filter(step(10., 0.).view(), EdgeFilter::Vertical, Padding::Valid).unwrap();
        assert!(y.rows().into_iter().all(|r| r.to_vec() == vec![0., 30., 30., 0.]), "{y}");
        let y = apply_edge_filter(step(0., 10.).view(), EdgeFilter::Vertical, Padding::Valid).unwrap();
        assert_eq!(row(&y), vec![0., -30., -30., 0.]);
        // Horizontal filter on the transposed images: the same numbers down the columns.
        let y = apply_edge_filter(step(10., 0.).t(), EdgeFilter::Horizontal, Padding::Valid).unwrap();
        assert!(y.columns().into_iter().all(|c| c.to_vec() == vec![0., 30., 30., 0.]), "{y}");
        let y = apply_edge_filter(step(0., 10.).t(), EdgeFilter::Horizontal, Padding::Valid).unwrap();
        assert_eq!(y.column(2).to_vec(), vec![0., -30., -30., 0.]);
        // And the vertical filter does not see horizontal edges.
        let y = apply_edge_filter(step(10., 0.).t(), EdgeFilter::Vertical, Padding::Valid).unwrap();
        assert!(y.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn sobel_and_scharr_weights() {
        // On the step image every row sees 10 * (sum of the column weights).
        let y = apply_edge_filter(step(10., 0.).view(), EdgeFilter::SobelV, Padding::Valid).unwrap();
        assert_eq!(y.row(1).to_vec(), vec![0., 40., 40., 0.]);
        let y = apply_edge_filter(step(10., 0.).view(), EdgeFilter::ScharrV, Padding::Valid).unwrap();
        assert_eq!(y.row(1).to_vec(), vec![0., 160., 160., 0.]);
        assert_eq!(EdgeFilter::SobelH.kernel(), [[1., 2., 1.], [0., 0., 0.], [-1., -2., -1.]]);
        assert_eq!(EdgeFilter::ScharrH.kernel()[2], [-3., -10., -3.]);
        assert_eq!(EdgeFilter::Horizontal.kernel(), [[1., 1., 1.], [0., 0., 0.], [-1., -1., -1.]]);
        for f in EdgeFilter::ALL {
            assert_eq!(transpose_kernel(&f.kernel()), f.partner().kernel(), "{f:?}");
            // Edge filters ignore flat regions: the weights sum to zero.
            assert_eq!(f.kernel().iter().flatten().sum::<f32>(), 0.0);
        }
    }

    #[test]
    fn names_round_trip_for_urls() {
        for f in EdgeFilter::ALL {
            assert_eq!(EdgeFilter::from_name(f.name()).unwrap(), f);
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.name()));
        }
        assert_eq!(EdgeFilter::from_name("Sobel").unwrap(), EdgeFilter::SobelV);
        assert!(EdgeFilter::from_name("laplace").unwrap_err().to_string().contains("sobel_v"));
    }

    #[test]
    fn gradient_magnitude_combines_orientations() {
        let gx = arr2(&[[3., -3.], [0., 5.]]);
        let gy = arr2(&[[4., 4.], [-2., 12.]]);
        assert_eq!(gradient_magnitude(gx.view(), gy.view()).unwrap(), arr2(&[[5., 5.], [2., 13.]]));
        assert!(gradient_magnitude(gx.view(), gy.row(0).insert_axis(ndarray::Axis(0))).is_err());
        // A vertical step has the same magnitude as its transpose.
        let a = edge_magnitude(step(10., 0.).view(), EdgeFilter::SobelV, Padding::Valid).unwrap();
        let b = edge_magnitude(step(10., 0.).t(), EdgeFilter::SobelH, Padding::Valid).unwrap();
        assert_eq!(a, b.t());
        assert_eq!(a.row(0).to_vec(), vec![0., 40., 40., 0.]);
    }

    #[test]
    fn same_padding_keeps_the_size() {
        let y = apply_edge_filter(lecture_image().view(), EdgeFilter::Vertical, Padding::Same).unwrap();
        assert_eq!(y.dim(), (6, 6));
        // Interior equals the VALID result.
        assert_eq!(y[[1, 1]], -5.0);
        // Top-left window: rows -1..=1, cols -1..=1. Its left column is zero padding and its
        // right column is x[-1][1], x[0][1], x[1][1] = 0 (padding), 0, 5 with weight -1.
        assert_eq!(y[[0, 0]], -(0. + 0. + 5.));
    }

    #[test]
    fn grey_uses_bt601_weights() {
        let rgb = [255u8, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        let g = grey_from_bytes(&rgb, 2, 2, 3).unwrap();
        let expected = [0.299 * 255., 0.587 * 255., 0.114 * 255., 0.299 * 10. + 0.587 * 20. + 0.114 * 30.];
        for (a, b) in g.iter().zip(expected) {
            assert!((a - b).abs() < 1e-3, "{a} vs {b}");
        }
        // RGBA: opaque pixels use the same weights; transparent ones become white.
        let rgba = [255u8, 255, 255, 255, 0, 0, 0, 0, 100, 100, 100, 255];
        let g = grey_from_bytes(&rgba, 1, 3, 4).unwrap();
        assert!((g[[0, 0]] - 255.0).abs() < 1e-3 && (g[[0, 1]] - 255.0).abs() < 1e-3);
        assert!((g[[0, 2]] - 100.0).abs() < 1e-3);
        assert!(grey_from_bytes(&rgb, 2, 3, 3).unwrap_err().to_string().contains("needs 18 bytes"));
        assert!(grey_from_bytes(&rgb, 2, 2, 2).is_err());
        assert!(grey_from_bytes(&rgb, usize::MAX, 2, 3).is_err());
    }

    #[test]
    fn custom_kernels_are_checked() {
        let k = kernel_from_slice(&[1., 2., 3., 4., 5., 6., 7., 8., 9.]).unwrap();
        assert_eq!(k[1], [4., 5., 6.]);
        assert!(kernel_from_slice(&[1.; 8]).is_err());
        assert!(kernel_from_slice(&[f32::NAN; 9]).is_err());
        assert!(apply_kernel(Array2::<f32>::zeros((2, 2)).view(), &k, Padding::Valid)
            .unwrap_err()
            .to_string()
            .contains("larger"));
        assert!(apply_kernel(Array2::<f32>::zeros((0, 4)).view(), &k, Padding::Same).is_err());
    }
}
