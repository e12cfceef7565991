//! Where the network looks: Grad-CAM (Selvaraju et al., 2017) on the last convolution
//! block. For a class c and the block's rectified feature maps A (h, w, K):
//! alpha_k = mean over the map of d score_c / d A_ijk (how much map k matters for c),
//! CAM_ij = ReLU(sum_k alpha_k A_ijk): where the maps that speak for c are active. The
//! gradient comes from the model's own backward pass ([`Model::class_score_gradient`]).
//! The map is scaled to [0, 1] by its maximum and resampled to the input's size, so the
//! page can lay it over the picture the network saw.

use crate::lesson::colormap::Painter;
use crate::error::Result;
use crate::nn::layers::LayerSpec;
use crate::nn::model::Model;
use crate::param_err;
use serde::Serialize;

/// A class-activation map for one picture and one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMap {
    /// The class it explains (an output index).
    pub class: usize,
    /// The layer it was taken at ("relu4") and that layer's map size.
    pub layer: String,
    pub map_height: usize,
    pub map_width: usize,
    /// The map resampled to the input's height x width, row-major, in [0, 1] (1: where
    /// the network looked most for this class). All zeros when nothing speaks for it.
    pub height: usize,
    pub width: usize,
    pub values: Vec<f32>,
}

/// The layer Grad-CAM reads: the last convolution's rectified output (the first ReLU after
/// it, past its batch norm), else the convolution itself. `None` without a convolution.
pub fn target_layer(specs: &[LayerSpec]) -> Option<usize> {
    let conv = specs.iter().rposition(|s| matches!(s, LayerSpec::Conv { .. }))?;
    let relu = specs[conv + 1..]
        .iter()
        .take_while(|s| matches!(s, LayerSpec::BatchNorm | LayerSpec::Relu))
        .position(|s| matches!(s, LayerSpec::Relu));
    Some(relu.map_or(conv, |r| conv + 1 + r))
}

/// The name the layer outputs give layer `i` ("relu4"): its kind and how many of that
/// kind come up to it.
fn layer_name(specs: &[LayerSpec], i: usize) -> String {
    let kind = |s: &LayerSpec| std::mem::discriminant(s);
    let n = specs[..=i].iter().filter(|s| kind(s) == kind(&specs[i])).count();
    let word = match specs[i] {
        LayerSpec::Relu => "relu",
        LayerSpec::Conv { .. } => "conv",
        _ => "layer",
    };
    format!("{word}{n}")
}

/// Grad-CAM for `class` of the picture of the model's last forward pass (an
/// inference-mode pass of one image, as [`Model::layer_outputs`] runs).
pub fn grad_cam(model: &mut Model, class: usize) -> Result<ClassMap> {
    let target = target_layer(model.specs()).ok_or_else(|| crate::message::Message::ClassifyNoConv {}.param())?;
    let (h, w, k) = model.output_shape(target).ok_or_else(|| param_err!("no layer {target}"))?;
    let grad = model.class_score_gradient(class, Some(target))?;
    let acts = model.output_of(target).ok_or_else(|| param_err!("no layer {target}"))?;
    let mut alpha = vec![0f32; k];
    for px in grad.chunks_exact(k) {
        for (a, g) in alpha.iter_mut().zip(px) {
            *a += g / (h * w) as f32;
        }
    }
    let mut cam: Vec<f32> = acts
        .chunks_exact(k)
        .map(|px| px.iter().zip(&alpha).map(|(a, al)| a * al).sum::<f32>().max(0.0))
        .collect();
    let top = cam.iter().copied().fold(0f32, f32::max);
    if top > 0.0 && top.is_finite() {
        cam.iter_mut().for_each(|v| *v /= top);
    } else {
        cam.fill(0.0);
    }
    let (ih, iw, _) = model.input_shape();
    Ok(ClassMap {
        class,
        layer: layer_name(model.specs(), target),
        map_height: h,
        map_width: w,
        height: ih,
        width: iw,
        values: resample(&cam, h, w, ih, iw),
    })
}

/// Bilinear resampling of an (h, w) map to (oh, ow), pixel centres aligned, edges held.
fn resample(map: &[f32], h: usize, w: usize, oh: usize, ow: usize) -> Vec<f32> {
    let at = |y: usize, x: usize| map[y * w + x];
    let coord = |o: usize, n: usize, on: usize| ((o as f32 + 0.5) * n as f32 / on as f32 - 0.5).clamp(0.0, (n - 1) as f32);
    (0..oh)
        .flat_map(|oy| (0..ow).map(move |ox| (oy, ox)))
        .map(|(oy, ox)| {
            let (sy, sx) = (coord(oy, h, oh), coord(ox, w, ow));
            let (y0, x0) = (sy as usize, sx as usize);
            let (y1, x1) = ((y0 + 1).min(h - 1), (x0 + 1).min(w - 1));
            let (fy, fx) = (sy - y0 as f32, sx - x0 as f32);
            let top = at(y0, x0) * (1.0 - fx) + at(y0, x1) * fx;
            let bottom = at(y1, x0) * (1.0 - fx) + at(y1, x1) * fx;
            top * (1.0 - fy) + bottom * fy
        })
        .collect()
}

/// The map as RGBA to lay over the picture: the sequential colour map (dark violet to
/// pale yellow, as the page's other non-negative maps), more opaque where it is higher,
/// so the picture shows through where the network did not look.
pub fn overlay_rgba(map: &ClassMap) -> Vec<u8> {
    let painter = Painter::sequential(1.0);
    map.values
        .iter()
        .flat_map(|&v| {
            let [r, g, b, _] = painter.color(v);
            [r, g, b, (40.0 + 170.0 * v.clamp(0.0, 1.0)).round() as u8]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::classify::hand_model::robust_network;
    use crate::nn::layers::{signs_network, SIGNS_INPUT};
    use ndarray::{Array3, Array4};

    fn picture() -> Array3<f32> {
        Array3::from_shape_fn((64, 64, 3), |(y, x, c)| {
            let disc = ((y as f32 - 24.0).powi(2) + (x as f32 - 40.0).powi(2)).sqrt() < 14.0;
            if disc { 0.8 - 0.1 * c as f32 } else { ((y * 7 + x * 3 + c * 11) % 17) as f32 / 40.0 }
        })
    }

    /// The layers above the target as a model of their own, with the same parameters: its
    /// forward pass is the numeric reference (no backward pass involved).
    fn upper_model(model: &Model, target: usize) -> Model {
        let specs = &model.specs()[target + 1..];
        let mut upper = Model::new(specs, model.output_shape(target).unwrap(), 0).unwrap();
        let mut all = vec![0.0; model.param_count()];
        model.copy_params_to(&mut all).unwrap();
        upper.set_params(&all[all.len() - upper.param_count()..]).unwrap();
        upper
    }

    fn score(upper: &mut Model, acts: &[f32], shape: (usize, usize, usize), class: usize) -> f64 {
        let x = Array4::from_shape_vec((1, shape.0, shape.1, shape.2), acts.to_vec()).unwrap();
        f64::from(upper.forward(x.view(), crate::nn::model::Mode::Infer).unwrap()[[0, class]])
    }

    /// Grad-CAM against central finite differences of the class score: each map's weight
    /// alpha_k is (S(A + e 1_k) - S(A - e 1_k)) / (2 e h w) (the whole map k shifted by e),
    /// and a few single activations' gradients. Returns the largest relative error.
    fn check(specs: &[LayerSpec], seed: u64) -> f64 {
        let mut model = Model::new(specs, SIGNS_INPUT, seed).unwrap();
        let target = target_layer(specs).unwrap();
        model.layer_outputs(picture().view()).unwrap();
        let acts = model.output_of(target).unwrap().to_vec();
        let shape = model.output_shape(target).unwrap();
        let (h, w, k) = shape;
        let mut upper = upper_model(&model, target);
        let mut worst = 0f64;
        for class in [0, 3] {
            let grad = model.class_score_gradient(class, Some(target)).unwrap();
            // Whole-map shifts: exact for pooling (winners unchanged) and linear layers.
            let e = 0.01f32;
            let mut alpha_fd = vec![0f64; k];
            for (ch, a) in alpha_fd.iter_mut().enumerate() {
                let shifted = |d: f32| acts.iter().enumerate().map(|(i, &v)| if i % k == ch { v + d } else { v }).collect::<Vec<_>>();
                *a = (score(&mut upper, &shifted(e), shape, class) - score(&mut upper, &shifted(-e), shape, class)) / (2.0 * f64::from(e) * (h * w) as f64);
            }
            let alpha: Vec<f64> = (0..k).map(|ch| grad.iter().skip(ch).step_by(k).map(|&g| f64::from(g)).sum::<f64>() / (h * w) as f64).collect();
            let scale = alpha_fd.iter().fold(1e-6f64, |m, a| m.max(a.abs()));
            for (a, f) in alpha.iter().zip(&alpha_fd) {
                worst = worst.max((a - f).abs() / scale);
            }
            // The CAM from the finite-difference weights, scaled like the core's.
            let cam_fd: Vec<f64> = acts.chunks_exact(k).map(|px| px.iter().zip(&alpha_fd).map(|(&a, al)| f64::from(a) * al).sum::<f64>().max(0.0)).collect();
            let top = cam_fd.iter().copied().fold(0f64, f64::max);
            model.layer_outputs(picture().view()).unwrap();
            let ours = grad_cam(&mut model, class).unwrap();
            let at_map = resample(&cam_fd.iter().map(|&v| (v / top) as f32).collect::<Vec<_>>(), h, w, 64, 64);
            for (a, b) in ours.values.iter().zip(&at_map) {
                worst = worst.max(f64::from((a - b).abs()));
            }
            model.layer_outputs(picture().view()).unwrap();
        }
        worst
    }

    #[test]
    fn grad_cam_matches_finite_differences_on_the_robust_network() {
        let worst = check(&robust_network(), 3);
        eprintln!("Grad-CAM vs finite differences, robust network: worst error {worst:.2e}");
        assert!(worst < 1e-3, "{worst}");
    }

    #[test]
    fn grad_cam_matches_finite_differences_on_the_assignment_network() {
        let worst = check(&signs_network(), 5);
        eprintln!("Grad-CAM vs finite differences, assignment's network: worst error {worst:.2e}");
        assert!(worst < 1e-3, "{worst}");
    }

    #[test]
    fn the_target_is_the_last_convolution_block_rectified() {
        // Robust: [conv, bn, relu, pool] x 4: relu4 is layer 14.
        let robust = robust_network();
        assert_eq!(target_layer(&robust), Some(14));
        assert_eq!(layer_name(&robust, 14), "relu4");
        // Assignment's: conv, relu, pool, conv, relu, pool, flatten, fc: relu2 is layer 4.
        assert_eq!(target_layer(&signs_network()), Some(4));
        assert_eq!(target_layer(&[LayerSpec::Flatten, LayerSpec::Dense { units: 2 }]), None);
    }

    #[test]
    fn it_needs_a_forward_pass_of_one_picture_and_a_real_class() {
        let mut model = Model::new(&signs_network(), SIGNS_INPUT, 1).unwrap();
        let x = Array4::<f32>::zeros((2, 64, 64, 3));
        model.forward(x.view(), crate::nn::model::Mode::Infer).unwrap();
        assert!(grad_cam(&mut model, 0).unwrap_err().to_string().contains("one image"));
        model.layer_outputs(picture().view()).unwrap();
        assert!(grad_cam(&mut model, 6).unwrap_err().to_string().contains("no class 6"));
        let map = grad_cam(&mut model, 2).unwrap();
        assert_eq!((map.height, map.width, map.values.len()), (64, 64, 64 * 64));
        assert!(map.values.iter().all(|v| (0.0..=1.0).contains(v)));
        assert_eq!(overlay_rgba(&map).len(), 64 * 64 * 4);
    }
}
