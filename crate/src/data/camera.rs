//! What another camera does to a picture: lens blur, sensor noise and JPEG compression,
//! on an RGB picture (h, w, 3) with values in [0, 1], in place.

use ndarray::ArrayViewMut3;

/// A separable Gaussian blur of standard deviation `sigma` pixels (edges repeated).
/// `sigma` <= 0 leaves the picture as it is.
pub fn gaussian_blur(mut picture: ArrayViewMut3<f32>, sigma: f32) {
    if sigma <= 0.0 || !sigma.is_finite() {
        return;
    }
    let radius = (3.0 * sigma).ceil() as i64;
    let weights: Vec<f32> = (-radius..=radius)
        .map(|d| (-(d * d) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f32 = weights.iter().sum();
    let weights: Vec<f32> = weights.iter().map(|w| w / total).collect();
    let (h, w, c) = picture.dim();
    let mut line = vec![0f32; h.max(w)];
    // Rows, then columns; each line copied out first so the sums read unblurred values.
    for along_x in [true, false] {
        let (outer, n) = if along_x { (h, w) } else { (w, h) };
        for o in 0..outer {
            for ch in 0..c {
                for (i, v) in line[..n].iter_mut().enumerate() {
                    *v = if along_x { picture[[o, i, ch]] } else { picture[[i, o, ch]] };
                }
                for i in 0..n {
                    let mut sum = 0.0;
                    for (k, wt) in weights.iter().enumerate() {
                        let j = (i as i64 + k as i64 - radius).clamp(0, n as i64 - 1) as usize;
                        sum += wt * line[j];
                    }
                    if along_x {
                        picture[[o, i, ch]] = sum;
                    } else {
                        picture[[i, o, ch]] = sum;
                    }
                }
            }
        }
    }
}

/// The 8x8 quantisation tables of the JPEG standard (Annex K), luminance and chrominance.
const LUMA_TABLE: [f32; 64] = [
    16., 11., 10., 16., 24., 40., 51., 61., 12., 12., 14., 19., 26., 58., 60., 55., 14., 13.,
    16., 24., 40., 57., 69., 56., 14., 17., 22., 29., 51., 87., 80., 62., 18., 22., 37., 56.,
    68., 109., 103., 77., 24., 35., 55., 64., 81., 104., 113., 92., 49., 64., 78., 87., 103.,
    121., 120., 101., 72., 92., 95., 98., 112., 100., 103., 99.,
];
const CHROMA_TABLE: [f32; 64] = [
    17., 18., 24., 47., 99., 99., 99., 99., 18., 21., 26., 66., 99., 99., 99., 99., 24., 26.,
    56., 99., 99., 99., 99., 99., 47., 66., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99.,
    99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99., 99.,
    99., 99., 99., 99., 99., 99., 99., 99., 99., 99.,
];

/// The orthonormal 8-point DCT-II matrix: `DCT[k][n]`.
fn dct_matrix() -> [[f32; 8]; 8] {
    let mut m = [[0f32; 8]; 8];
    for (k, row) in m.iter_mut().enumerate() {
        let scale = if k == 0 { (1.0f32 / 8.0).sqrt() } else { (2.0f32 / 8.0).sqrt() };
        for (n, v) in row.iter_mut().enumerate() {
            *v = scale
                * (std::f32::consts::PI * (2 * n + 1) as f32 * k as f32 / 16.0).cos();
        }
    }
    m
}

/// A quality (1-100) as the factor that scales the standard tables (libjpeg's rule).
fn table_scale(quality: f32) -> f32 {
    let q = quality.clamp(1.0, 100.0);
    let s = if q < 50.0 { 5000.0 / q } else { 200.0 - 2.0 * q };
    s / 100.0
}

/// JPEG compression's loss at `quality` (1-100, as a camera's setting): the picture in
/// YCbCr (0-255), each 8x8 block's DCT coefficients rounded to multiples of the standard
/// tables scaled for that quality, and back. Chroma is not subsampled. Blocks at a
/// right or bottom edge that is not a multiple of 8 repeat their last pixel.
pub fn jpeg_artefacts(mut picture: ArrayViewMut3<f32>, quality: f32) {
    let (h, w, c) = picture.dim();
    if c != 3 || h == 0 || w == 0 {
        return;
    }
    let dct = dct_matrix();
    let scale = table_scale(quality);
    let tables: [Vec<f32>; 3] = [
        LUMA_TABLE.iter().map(|q| (q * scale).clamp(1.0, 255.0)).collect(),
        CHROMA_TABLE.iter().map(|q| (q * scale).clamp(1.0, 255.0)).collect(),
        CHROMA_TABLE.iter().map(|q| (q * scale).clamp(1.0, 255.0)).collect(),
    ];
    // To YCbCr (JFIF), scaled to 0-255 and centred for the DCT.
    let mut ycc = vec![[0f32; 3]; h * w];
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = (
                picture[[y, x, 0]] * 255.0,
                picture[[y, x, 1]] * 255.0,
                picture[[y, x, 2]] * 255.0,
            );
            ycc[y * w + x] = [
                0.299 * r + 0.587 * g + 0.114 * b - 128.0,
                -0.168_736 * r - 0.331_264 * g + 0.5 * b,
                0.5 * r - 0.418_688 * g - 0.081_312 * b,
            ];
        }
    }
    let mut block = [[0f32; 8]; 8];
    let mut tmp = [[0f32; 8]; 8];
    for by in (0..h).step_by(8) {
        for bx in (0..w).step_by(8) {
            for (ch, table) in tables.iter().enumerate() {
                for (i, row) in block.iter_mut().enumerate() {
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = ycc[(by + i).min(h - 1) * w + (bx + j).min(w - 1)][ch];
                    }
                }
                // Coefficients D B D^T, quantised, then back: D^T Q D.
                for i in 0..8 {
                    for j in 0..8 {
                        tmp[i][j] = (0..8).map(|n| dct[i][n] * block[n][j]).sum();
                    }
                }
                for i in 0..8 {
                    for j in 0..8 {
                        let coef: f32 = (0..8).map(|n| tmp[i][n] * dct[j][n]).sum();
                        let q = table[i * 8 + j];
                        block[i][j] = (coef / q).round() * q;
                    }
                }
                for i in 0..8 {
                    for j in 0..8 {
                        tmp[i][j] = (0..8).map(|k| dct[k][i] * block[k][j]).sum();
                    }
                }
                for i in 0..8 {
                    for j in 0..8 {
                        if by + i < h && bx + j < w {
                            ycc[(by + i) * w + bx + j][ch] =
                                (0..8).map(|k| tmp[i][k] * dct[k][j]).sum();
                        }
                    }
                }
            }
        }
    }
    for y in 0..h {
        for x in 0..w {
            let [yy, cb, cr] = ycc[y * w + x];
            let yy = yy + 128.0;
            let rgb = [
                yy + 1.402 * cr,
                yy - 0.344_136 * cb - 0.714_136 * cr,
                yy + 1.772 * cb,
            ];
            for ch in 0..3 {
                picture[[y, x, ch]] = (rgb[ch] / 255.0).clamp(0.0, 1.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use ndarray::Array3;

    fn checker() -> Array3<f32> {
        Array3::from_shape_fn((16, 16, 3), |(y, x, c)| {
            if (y / 2 + x / 2) % 2 == 0 { 0.9 - 0.1 * c as f32 } else { 0.1 }
        })
    }

    #[test]
    fn blur_keeps_flat_pictures_and_the_mean_and_softens_edges() {
        let mut flat = Array3::from_elem((8, 8, 3), 0.3f32);
        gaussian_blur(flat.view_mut(), 1.0);
        assert!(flat.iter().all(|&v| (v - 0.3).abs() < 1e-6));
        // An impulse spreads as the normalised Gaussian: centre weight (1/sum)^2 in 2D.
        let mut dot = Array3::zeros((15, 15, 1));
        dot[[7, 7, 0]] = 1.0;
        gaussian_blur(dot.view_mut(), 1.0);
        let g: Vec<f32> = (-3..=3).map(|d: i32| (-(d * d) as f32 / 2.0).exp()).collect();
        let s: f32 = g.iter().sum();
        assert!((dot[[7, 7, 0]] - (1.0 / s).powi(2)).abs() < 1e-6);
        assert!((dot[[7, 8, 0]] - g[4] / s / s).abs() < 1e-6);
        assert!((dot.sum() - 1.0).abs() < 1e-5);
        let mut c = checker();
        gaussian_blur(c.view_mut(), 0.0);
        assert_eq!(c, checker());
        gaussian_blur(c.view_mut(), 1.5);
        let spread = c.iter().fold(0f32, |m, &v| m.max(v)) - c.iter().fold(1f32, |m, &v| m.min(v));
        assert!(spread < 0.5, "{spread}");
    }

    #[test]
    fn jpeg_loses_more_at_low_quality_and_keeps_flat_colours() {
        let mut flat = Array3::from_shape_fn((16, 16, 3), |(_, _, c)| [0.8, 0.6, 0.4][c]);
        jpeg_artefacts(flat.view_mut(), 50.0);
        // Only the DC coefficient is non-zero: the block stays flat, its colour off by at
        // most half a quantisation step (16/8 for luma, 17/8 for chroma, in bytes).
        for (v, want) in flat.iter().zip([0.8f32, 0.6, 0.4].iter().cycle()) {
            assert!((v - want).abs() < 0.02, "{v} vs {want}");
        }
        for c in 0..3 {
            assert!(flat.index_axis(ndarray::Axis(2), c).iter().all(|&v| (v - flat[[0, 0, c]]).abs() < 1e-5));
        }
        let err = |q: f32| {
            let mut c = checker();
            jpeg_artefacts(c.view_mut(), q);
            (&c - &checker()).mapv(f32::abs).mean().unwrap()
        };
        let (q95, q50, q10) = (err(95.0), err(50.0), err(10.0));
        assert!(q95 < 0.02 && q95 < q50 && q50 < q10, "{q95} {q50} {q10}");
        // Quality 100 rounds to steps of 1/255: at most about two bytes off per pixel.
        assert!(err(100.0) < 0.01);
        assert_eq!(table_scale(50.0), 1.0);
        assert_eq!(table_scale(25.0), 2.0);
    }

    #[test]
    fn the_dct_matrix_is_orthonormal() {
        let d = dct_matrix();
        for i in 0..8 {
            for j in 0..8 {
                let dot: f32 = (0..8).map(|n| d[i][n] * d[j][n]).sum();
                assert!((dot - f32::from(u8::from(i == j))).abs() < 1e-5);
            }
        }
    }
}
