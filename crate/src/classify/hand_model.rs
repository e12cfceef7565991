//! The photo classifier that ships with the page: a network chosen for robustness to other
//! people's hand photos and test-time averaging over a few views of a photo (when to
//! warn about an answer: [`crate::classify::Calibration`]).
//!
//! The network ([`robust_network`], 61,254 parameters): four blocks of
//! 3x3 CONV (SAME) -> batch norm -> ReLU -> 2x2 MAXPOOL, with 16, 32, 64, 64 filters
//! (64x64x3 -> 32x32x16 -> 16x16x32 -> 8x8x64 -> 4x4x64), then global average pooling
//! (64), dropout and one fully connected layer to the 6 digits. Batch norm lets it train
//! at Adam's learning rate 0.003; global average pooling keeps the classifier small
//! (390 parameters instead of thousands), which with augmentation keeps it from learning
//! one set of photos by heart. How the shipped weights were trained: `docs/models.md`.

use ndarray::{Array3, Array4, ArrayView3, ArrayView4, Axis};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::message::Message;
use crate::nn::layers::LayerSpec;
use crate::nn::model::Model;
use crate::conv::shape::Padding;
use crate::{param_err, shape_err};

/// The robust photo classifier's layer stack (input 64x64x3, 6 classes).
pub fn robust_network() -> Vec<LayerSpec> {
    use LayerSpec::*;
    let mut specs = Vec::with_capacity(19);
    for filters in [16, 32, 64, 64] {
        specs.extend([
            Conv {
                f: 3,
                filters,
                stride: 1,
                padding: Padding::Same,
                bias: true,
            },
            BatchNorm,
            Relu,
            MaxPool {
                f: 2,
                stride: 2,
                padding: Padding::Valid,
            },
        ]);
    }
    specs.extend([GlobalAvgPool, Dropout { rate: 0.3 }, Dense { units: 6 }]);
    specs
}

/// One view of a photo for test-time averaging.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum View {
    /// The photo as it is.
    Identity,
    /// Mirrored left-right (a left hand for a right hand: the same digit).
    Flip,
    /// The centre enlarged by this factor (> 1 crops the border, < 1 shrinks the photo
    /// and repeats its edge pixels), resampled bilinearly.
    Zoom(f32),
    /// Zoomed, then mirrored.
    FlipZoom(f32),
    /// Turned by this many degrees about the centre (positive: anticlockwise on screen),
    /// edge pixels repeated into the corners, resampled bilinearly.
    Turn(f32),
    /// Turned, then mirrored.
    FlipTurn(f32),
}

/// How far [`DEFAULT_VIEWS`] turn the photo either way, in degrees.
pub const VIEW_TURN_DEG: f32 = 15.0;

/// The views averaged by [`predict_averaged`]: the photo and its mirror image, each as
/// it is and turned [`VIEW_TURN_DEG`] either way (other photographers hold the hand
/// turned: docs/models.md measures the gain on the cross-camera validation).
pub const DEFAULT_VIEWS: [View; 6] = [
    View::Identity,
    View::Flip,
    View::Turn(VIEW_TURN_DEG),
    View::Turn(-VIEW_TURN_DEG),
    View::FlipTurn(VIEW_TURN_DEG),
    View::FlipTurn(-VIEW_TURN_DEG),
];

/// The views a model's photo predictions are averaged over, on the page and in
/// `convlab classify`: [`DEFAULT_VIEWS`] for the robust network, which was trained on
/// mirrored and turned photos and gains from them (`docs/models.md`); the photo alone
/// for any other network (the mirror costs the assignment's network, which never saw
/// one, 4 points of test accuracy).
pub fn views_for(model: &Model) -> &'static [View] {
    if model.specs() == robust_network().as_slice() {
        &DEFAULT_VIEWS
    } else {
        &[View::Identity]
    }
}

/// The views in words ("the photo and its mirror image"), as a message the page words in
/// the student's language; `None` for no views.
pub fn describe_views(views: &[View]) -> Option<Message> {
    if views == DEFAULT_VIEWS {
        return Some(Message::ViewsDefault { degrees: VIEW_TURN_DEG.to_string() });
    }
    let words: Vec<Message> = views
        .iter()
        .map(|v| match v {
            View::Identity => Message::ViewPhoto {},
            View::Flip => Message::ViewMirror {},
            View::Zoom(z) => Message::ViewZoom { zoom: z.to_string() },
            View::FlipZoom(z) => Message::ViewMirrorZoom { zoom: z.to_string() },
            View::Turn(d) => Message::ViewTurn { degrees: d.to_string() },
            View::FlipTurn(d) => Message::ViewMirrorTurn { degrees: d.to_string() },
        })
        .collect();
    // "a, b and c": the last joined by "and", the others by commas.
    let commas = |rest: &[Message]| {
        rest.iter().cloned().rev().reduce(|tail, first| Message::ListComma { first: Box::new(first), rest: Box::new(tail) })
    };
    let (last, rest) = words.split_last()?;
    Some(match commas(rest) {
        None => last.clone(),
        Some(first) => Message::ListAnd { first: Box::new(first), last: Box::new(last.clone()) },
    })
}

/// One view of an image (h, w, c); the output has the same shape.
pub fn view_of(image: ArrayView3<f32>, view: View) -> Result<Array3<f32>> {
    let (h, w, c) = image.dim();
    if h == 0 || w == 0 || c == 0 {
        return Err(shape_err!(
            "an image needs at least one pixel, got {h}x{w}x{c}"
        ));
    }
    let (zoom, flip, degrees) = match view {
        View::Identity => return Ok(image.to_owned()),
        View::Flip => (1.0, true, 0.0),
        View::Zoom(z) => (z, false, 0.0),
        View::FlipZoom(z) => (z, true, 0.0),
        View::Turn(d) => (1.0, false, d),
        View::FlipTurn(d) => (1.0, true, d),
    };
    if !(degrees.is_finite() && degrees.abs() <= 90.0) {
        return Err(crate::message::Message::ClassifyTurn { degrees: degrees.to_string() }.param());
    }
    if !(zoom.is_finite() && (0.5..=2.0).contains(&zoom)) {
        return Err(crate::message::Message::ClassifyZoom { zoom: zoom.to_string() }.param());
    }
    // Output pixel centre -> source coordinate about the image centre, then bilinear
    // interpolation with edge-replicate fill. The coordinates are found once per pixel
    // and shared by its channels.
    let (cy, cx) = (h as f32 / 2.0, w as f32 / 2.0);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let image = image.as_standard_layout();
    let src = image.as_slice().ok_or_else(|| shape_err!("an image that is not contiguous"))?;
    let mut out = Vec::with_capacity(h * w * c);
    for y in 0..h {
        for x in 0..w {
            let xo = if flip { w - 1 - x } else { x };
            let (dy, dx) = ((y as f32 + 0.5 - cy) / zoom, (xo as f32 + 0.5 - cx) / zoom);
            // Rows grow downwards: the picture turned anticlockwise on screen takes each
            // output pixel from the source point turned clockwise about the centre.
            let sy = cy + cos * dy + sin * dx - 0.5;
            let sx = cx - sin * dy + cos * dx - 0.5;
            let sy = sy.clamp(0.0, (h - 1) as f32);
            let sx = sx.clamp(0.0, (w - 1) as f32);
            let (y0, x0) = (sy.floor() as usize, sx.floor() as usize);
            let (y1, x1) = ((y0 + 1).min(h - 1), (x0 + 1).min(w - 1));
            let (fy, fx) = (sy - y0 as f32, sx - x0 as f32);
            let at = |yy: usize, xx: usize| &src[(yy * w + xx) * c..][..c];
            let (p00, p01, p10, p11) = (at(y0, x0), at(y0, x1), at(y1, x0), at(y1, x1));
            for ch in 0..c {
                let top = p00[ch] * (1.0 - fx) + p01[ch] * fx;
                let bottom = p10[ch] * (1.0 - fx) + p11[ch] * fx;
                out.push(top * (1.0 - fy) + bottom * fy);
            }
        }
    }
    Array3::from_shape_vec((h, w, c), out).map_err(|e| shape_err!("{e}"))
}

/// Class probabilities (m, classes) averaged over `views` of every image of a batch
/// (m, h, w, c). With `[View::Identity]` this is `model.predict`.
pub fn predict_views(
    model: &mut Model,
    images: ArrayView4<f32>,
    views: &[View],
) -> Result<ndarray::Array2<f32>> {
    predict_views_reusing(model, images, views, None)
}

/// [`predict_views`] when the probabilities of the images as they are (`own`, (m, classes),
/// from [`Model::layer_outputs`]) are already known: the Identity view is not run again.
pub fn predict_views_reusing(
    model: &mut Model,
    images: ArrayView4<f32>,
    views: &[View],
    own: Option<ndarray::ArrayView2<f32>>,
) -> Result<ndarray::Array2<f32>> {
    if views.is_empty() {
        return Err(param_err!("test-time averaging needs at least one view"));
    }
    let mut sum: Option<ndarray::Array2<f32>> = None;
    for &view in views {
        if let (View::Identity, Some(own)) = (view, own) {
            if own.nrows() != images.len_of(Axis(0)) {
                return Err(shape_err!("{} known probabilities for {} images", own.nrows(), images.len_of(Axis(0))));
            }
            sum = Some(match sum {
                None => own.to_owned(),
                Some(s) => s + own,
            });
            continue;
        }
        let batch = if view == View::Identity {
            images.to_owned()
        } else {
            let mut batch = Array4::zeros(images.dim());
            for (src, mut dst) in images.outer_iter().zip(batch.outer_iter_mut()) {
                dst.assign(&view_of(src, view)?);
            }
            batch
        };
        let p = model.predict(batch.view())?;
        sum = Some(match sum {
            None => p,
            Some(s) => s + p,
        });
    }
    let sum = sum.ok_or_else(|| param_err!("test-time averaging needs at least one view"))?;
    Ok(sum / views.len() as f32)
}

/// The probabilities for one preprocessed photo (64, 64, 3), averaged over
/// [`DEFAULT_VIEWS`].
pub fn predict_averaged(model: &mut Model, image: ArrayView3<f32>) -> Result<Vec<f32>> {
    let p = predict_views(model, image.insert_axis(Axis(0)), &DEFAULT_VIEWS)?;
    Ok(p.iter().copied().collect())
}

/// `value` rounded to `digits` significant decimal digits (0 and non-finite values as
/// they are): shortens saved weights without changing what the model computes.
pub fn round_significant(value: f32, digits: u32) -> f32 {
    if value == 0.0 || !value.is_finite() || digits == 0 {
        return value;
    }
    let v = f64::from(value);
    let exponent = v.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits as i32 - 1 - exponent);
    ((v * scale).round() / scale) as f32
}

/// The model as versioned weights JSON (see [`crate::train::weights`], version 2), every value
/// rounded to `digits` significant digits first (5 keeps the shipped models'
/// predictions; it only matters for gzip, which then finds more repeats).
pub fn to_json_rounded(model: &Model, classes: &[i64], digits: u32) -> Result<String> {
    let mut saved = crate::train::weights::to_saved(model, classes);
    for t in &mut saved.tensors {
        for v in t.values.iter_mut().flatten() {
            *v = round_significant(*v, digits);
        }
    }
    crate::train::weights::compact(&mut saved);
    serde_json::to_string(&saved)
        .map_err(|e| crate::ConvLabError::Weights(format!("could not write the weights: {e}").into()))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::nn::layers::layer_table;

    #[test]
    fn robust_network_shapes_and_parameters() {
        let rows = layer_table((64, 64, 3), &robust_network()).unwrap();
        let params: usize = rows.iter().map(|r| r.params).sum();
        // conv 3*3*3*16+16 = 448, bn 32; 3*3*16*32+32 = 4640, bn 64; 3*3*32*64+64 = 18496,
        // bn 128; 3*3*64*64+64 = 36928, bn 128; FC 64*6+6 = 390.
        assert_eq!(
            params,
            448 + 32 + 4640 + 64 + 18496 + 128 + 36928 + 128 + 390
        );
        assert_eq!(params, 61_254);
        let pooled: Vec<_> = rows
            .iter()
            .filter(|r| matches!(r.spec, LayerSpec::MaxPool { .. }))
            .map(|r| r.output)
            .collect();
        assert_eq!(
            pooled,
            vec![(32, 32, 16), (16, 16, 32), (8, 8, 64), (4, 4, 64)]
        );
        assert_eq!(rows.last().unwrap().output, (1, 1, 6));
    }

    #[test]
    fn the_shipped_network_file_is_robust_network() {
        let text = include_str!("../../../www/models/robust_network.json");
        let specs: Vec<LayerSpec> = serde_json::from_str(text).unwrap();
        assert_eq!(specs, robust_network());
    }

    #[test]
    fn views_flip_zoom_and_turn() {
        // 4x4 one-channel ramp: value = 10 y + x.
        let img = Array3::from_shape_fn((4, 4, 1), |(y, x, _)| (10 * y + x) as f32);
        assert_eq!(view_of(img.view(), View::Identity).unwrap(), img);
        let f = view_of(img.view(), View::Flip).unwrap();
        assert_eq!(f[[2, 0, 0]], 23.0);
        assert_eq!(f[[2, 3, 0]], 20.0);
        // Zoom 2 about the centre (2, 2): output pixel 0 (centre 0.5) samples source
        // centre 2 + (0.5 - 2) / 2 = 1.25, i.e. coordinate 0.75: 3/4 of the way 0 -> 1.
        let z = view_of(img.view(), View::Zoom(2.0)).unwrap();
        assert!(
            (z[[0, 0, 0]] - (7.5 + 0.75)).abs() < 1e-5,
            "{}",
            z[[0, 0, 0]]
        );
        assert!(view_of(img.view(), View::Zoom(f32::NAN)).is_err());
        assert!(view_of(img.view(), View::Zoom(5.0)).is_err());
        // A quarter turn anticlockwise: the top-right corner comes to the top left, the
        // top-left corner to the bottom left; mirrored after, the top left shows 33.
        let t = view_of(img.view(), View::Turn(90.0)).unwrap();
        assert!((t[[0, 0, 0]] - 3.0).abs() < 1e-4 && (t[[3, 0, 0]] - 0.0).abs() < 1e-4, "{t:?}");
        assert!((t[[0, 3, 0]] - 33.0).abs() < 1e-4, "{t:?}");
        let ft = view_of(img.view(), View::FlipTurn(90.0)).unwrap();
        assert!((ft[[0, 0, 0]] - 33.0).abs() < 1e-4, "{ft:?}");
        assert!(view_of(img.view(), View::Turn(120.0)).is_err());
    }

    #[test]
    fn the_robust_network_averages_with_its_mirror_image_and_others_do_not() {
        let robust = Model::new(&robust_network(), (64, 64, 3), 1).unwrap();
        assert_eq!(views_for(&robust), &DEFAULT_VIEWS);
        let signs = Model::new(&crate::nn::layers::signs_network(), (64, 64, 3), 1).unwrap();
        assert_eq!(views_for(&signs), &[View::Identity]);
        let words = |views: &[View]| describe_views(views).map(|m| m.english());
        assert_eq!(words(&DEFAULT_VIEWS).as_deref(), Some("the photo and its mirror image, each also turned 15° either way"));
        assert_eq!(words(&[View::Identity, View::Flip]).as_deref(), Some("the photo and its mirror image"));
        assert_eq!(
            words(&[View::Identity, View::Flip, View::Zoom(1.1)]).as_deref(),
            Some("the photo, its mirror image and the photo zoomed 1.1x")
        );
        assert_eq!(words(&[View::Flip]).as_deref(), Some("its mirror image"));
        assert_eq!(words(&[]), None);
    }

    #[test]
    fn rounding_to_significant_digits() {
        assert_eq!(round_significant(0.0123456, 5), 0.012346);
        assert_eq!(round_significant(-123456.0, 2), -120000.0);
        assert_eq!(round_significant(0.0, 5), 0.0);
        assert_eq!(
            serde_json::to_string(&round_significant(1.234567e-7, 3)).unwrap(),
            "1.23e-7"
        );
    }

    #[test]
    fn averaged_prediction_sums_to_one() {
        let mut model = Model::new(&robust_network(), (64, 64, 3), 1).unwrap();
        let img =
            Array3::from_shape_fn((64, 64, 3), |(y, x, c)| ((y * 3 + x + c) % 7) as f32 / 7.0);
        let p = predict_averaged(&mut model, img.view()).unwrap();
        assert_eq!(p.len(), 6);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        assert!(predict_views(&mut model, img.view().insert_axis(Axis(0)), &[]).is_err());
    }

    #[test]
    fn a_turned_colour_image_samples_one_point_for_all_its_channels() {
        // A turned view of a colour image samples the same point for every channel.
        let ramp = Array3::from_shape_fn((5, 5, 3), |(y, x, c)| (10 * y + x) as f32 + 100.0 * c as f32);
        let t = view_of(ramp.view(), View::Turn(30.0)).unwrap();
        assert!(t.lanes(Axis(2)).into_iter().all(|px| (px[1] - px[0] - 100.0).abs() < 1e-3 && (px[2] - px[0] - 200.0).abs() < 1e-3));
    }
}
