//! Learning a 3x3 filter by gradient descent, as the lecture suggests: instead of
//! hand-picking Sobel or Scharr weights, treat the nine numbers as parameters and let
//! backpropagation find them.
//!
//! Set-up: an image x (normalised, see below), a target kernel w* (for example an edge
//! detector turned to 45 or 70 degrees, [`oriented_edge_kernel`]) and its response
//! t = x * w* (VALID cross-correlation, (h-2) x (w-2)). Starting from small random weights,
//! each step computes y = x * w, the loss
//!
//!   L(w) = mean over the N output pixels of (y - t)^2,
//!
//! the gradient dL/dy = 2 (y - t) / N, and dL/dw = the cross-correlation of the input with
//! dL/dy (every weight is multiplied by the input pixels under it, summed over all
//! positions), then moves w <- w - lr * dL/dw.
//!
//! The image is centred and scaled first, x = (image - mean) / max |image - mean|, so the
//! same learning rate works for 0..255 photos and for the lecture's 0..10 steps, and the
//! flat brightness of the image does not dominate the descent. Scaling does not change the
//! answer (it scales y and t alike); for edge kernels, whose weights sum to 0, centring does
//! not change t either.
//!
//! Gradient: dL/dw comes from [`crate::conv::conv2d_backward`], the same backward pass the
//! training engine uses (for one channel, VALID, stride 1 it is the input correlated with
//! dL/dy); the tests check it against central differences and against that correlation.

use crate::conv::{conv2d, conv2d_backward, Correlation};
use crate::lesson::edges::{EdgeFilter, Kernel3};
use crate::error::Result;
use crate::conv::shape::Padding;
use crate::shape_err;
use ndarray::{Array1, Array2, Array4, ArrayView2};
use rand::{Rng, SeedableRng};

/// An edge detector turned to `angle_deg` degrees: cos(a) * Sobel_v + sin(a) * Sobel_h.
/// 0 degrees is Sobel's vertical-edge filter (positive when the image gets darker to the
/// right), 90 degrees its horizontal-edge filter (darker downwards).
pub fn oriented_edge_kernel(angle_deg: f32) -> Kernel3 {
    let (sin, cos) = angle_deg.to_radians().sin_cos();
    let (v, h) = (EdgeFilter::SobelV.kernel(), EdgeFilter::SobelH.kernel());
    let mut k = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            k[i][j] = cos * v[i][j] + sin * h[i][j];
        }
    }
    k
}

fn kernel_to_array(k: &Kernel3) -> Array4<f32> {
    Array4::from_shape_fn((3, 3, 1, 1), |(i, j, _, _)| k[i][j])
}

fn array_to_kernel(a: &Array4<f32>) -> Kernel3 {
    let mut k = [[0.0; 3]; 3];
    for (i, row) in k.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = a[[i, j, 0, 0]];
        }
    }
    k
}

/// Loss above this multiple of the starting loss counts as diverged.
const DIVERGED_FACTOR: f32 = 1e4;

/// Gradient descent on the nine weights of a 3x3 filter, one step at a time, so the page can
/// animate the filter and its loss curve.
#[derive(Debug, Clone)]
pub struct FilterLearner {
    /// Centred, scaled image as a volume (1, h, w, 1).
    x: Array4<f32>,
    target_kernel: Kernel3,
    /// Target response (1, h-2, w-2, 1).
    target: Array4<f32>,
    /// Current weights (3, 3, 1, 1).
    w: Array4<f32>,
    lr: f32,
    /// Loss before each step taken so far.
    losses: Vec<f32>,
    initial_loss: f32,
}

impl FilterLearner {
    /// A learner for `target_kernel` on `image` (grey, any range, at least 3x3), with
    /// learning rate `lr` (> 0; see [`FilterLearner::suggested_learning_rate`]) and starting
    /// weights drawn uniformly from [-0.5, 0.5] by a generator seeded with `seed`.
    pub fn new(image: Array2<f32>, target_kernel: Kernel3, lr: f32, seed: u64) -> Result<Self> {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(crate::message::Message::LrNotPositive { lr: lr.to_string() }.param());
        }
        if target_kernel.iter().flatten().any(|v| !v.is_finite()) {
            return Err(crate::message::Message::LearnedTargetNotNumber {}.param());
        }
        let (h, w) = image.dim();
        if h < 3 || w < 3 {
            return Err(crate::message::Message::LearnedImageSmall { h, w }.shape());
        }
        if image.iter().any(|v| !v.is_finite()) {
            return Err(crate::message::Message::LearnedImageNotNumber {}.param());
        }
        let mean = image.mean().unwrap_or(0.0);
        let spread = image.iter().fold(0.0f32, |m, &v| m.max((v - mean).abs()));
        if spread == 0.0 {
            return Err(crate::message::Message::LearnedFlat {}.param());
        }
        let x = image
            .mapv(|v| (v - mean) / spread)
            .into_shape_with_order((1, h, w, 1))
            .map_err(|e| shape_err!("cannot view the image as a volume: {e}"))?;
        let target = conv2d(
            x.view(),
            kernel_to_array(&target_kernel).view(),
            Array1::zeros(1).view(),
            1,
            Padding::Valid,
            Correlation::Cross,
        )?;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let w0 = Array4::from_shape_fn((3, 3, 1, 1), |_| rng.random_range(-0.5f32..0.5));
        let mut learner =
            FilterLearner { x, target_kernel, target, w: w0, lr, losses: Vec::new(), initial_loss: 0.0 };
        learner.initial_loss = learner.loss_and_gradient()?.0;
        Ok(learner)
    }

    /// [`FilterLearner::new`] with the target [`oriented_edge_kernel`]`(angle_deg)`.
    pub fn for_angle(image: Array2<f32>, angle_deg: f32, lr: f32, seed: u64) -> Result<Self> {
        if !angle_deg.is_finite() {
            return Err(crate::message::Message::LearnedAngle { angle: angle_deg.to_string() }.param());
        }
        Self::new(image, oriented_edge_kernel(angle_deg), lr, seed)
    }

    /// A learning rate that cannot diverge on this image: 1 / (2/N * sum of squared patch
    /// values). That bounds the largest curvature of the loss (the trace of its Hessian
    /// 2/N * sum p p^T is at least its largest eigenvalue), and gradient descent on a
    /// quadratic converges for any lr below 2 / (largest eigenvalue).
    pub fn suggested_learning_rate(&self) -> f32 {
        let (_, h, w, _) = self.x.dim();
        let (oh, ow) = (h - 2, w - 2);
        let mut sum = 0.0f64;
        for i in 0..oh {
            for j in 0..ow {
                for di in 0..3 {
                    for dj in 0..3 {
                        let v = self.x[[0, i + di, j + dj, 0]] as f64;
                        sum += v * v;
                    }
                }
            }
        }
        let trace = 2.0 * sum / (oh * ow) as f64;
        if trace > 0.0 { (1.0 / trace) as f32 } else { 1.0 }
    }

    /// Change the learning rate (the page's slider), keeping the weights.
    pub fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(crate::message::Message::LrNotPositive { lr: lr.to_string() }.param());
        }
        self.lr = lr;
        Ok(())
    }

    pub fn learning_rate(&self) -> f32 {
        self.lr
    }

    /// The loss at the current weights and its gradient with respect to the nine weights.
    pub fn loss_and_gradient(&self) -> Result<(f32, Kernel3)> {
        let zero_bias = Array1::zeros(1);
        let y = conv2d(self.x.view(), self.w.view(), zero_bias.view(), 1, Padding::Valid, Correlation::Cross)?;
        let (_, oh, ow, _) = y.dim();
        let n = (oh * ow) as f32;
        let residual = &y - &self.target;
        let loss = residual.iter().map(|r| r * r).sum::<f32>() / n;
        // dL/dy = 2 (y - t) / N, (1, oh, ow, 1); the input gradient is not needed.
        let dy = residual.mapv(|r| 2.0 * r / n);
        let grads = conv2d_backward(
            self.x.view(),
            self.w.view(),
            dy.view(),
            1,
            Padding::Valid,
            Correlation::Cross,
            false,
        )?;
        Ok((loss, array_to_kernel(&grads.dw)))
    }

    /// Take `n` gradient-descent steps; returns the loss before each step (so the first
    /// value of the very first call is the starting loss). Stops with an error if the loss
    /// blows up (learning rate too large); the weights are then left as they were before
    /// the step that failed.
    pub fn step(&mut self, n: usize) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let (loss, grad) = self.loss_and_gradient()?;
            if !loss.is_finite() || loss > DIVERGED_FACTOR * self.initial_loss.max(f32::MIN_POSITIVE) {
                return Err(crate::message::Message::LearnedDiverged {
                    from: format!("{:.3e}", self.initial_loss),
                    to: format!("{loss:.3e}"),
                    lr: self.lr.to_string(),
                    suggested: format!("{:.3}", self.suggested_learning_rate()),
                }
                .diverged());
            }
            for (i, row) in grad.iter().enumerate() {
                for (j, g) in row.iter().enumerate() {
                    self.w[[i, j, 0, 0]] -= self.lr * g;
                }
            }
            self.losses.push(loss);
            out.push(loss);
        }
        Ok(out)
    }

    /// The current nine weights, `k[row][col]`.
    pub fn kernel(&self) -> Kernel3 {
        array_to_kernel(&self.w)
    }

    /// The filter being imitated.
    pub fn target_kernel(&self) -> Kernel3 {
        self.target_kernel
    }

    /// The loss at the current weights.
    pub fn loss(&self) -> Result<f32> {
        Ok(self.loss_and_gradient()?.0)
    }

    /// The loss before the first step.
    pub fn initial_loss(&self) -> f32 {
        self.initial_loss
    }

    /// All losses recorded so far, one per step.
    pub fn losses(&self) -> &[f32] {
        &self.losses
    }

    /// The (centred, scaled) image the filter is learned on, (h, w).
    pub fn input(&self) -> ArrayView2<'_, f32> {
        let (_, h, w, _) = self.x.dim();
        self.x.view().into_shape_with_order((h, w)).unwrap_or_else(|_| unreachable!("x is standard layout"))
    }

    /// The target response t, (h-2, w-2).
    pub fn target_response(&self) -> Array2<f32> {
        let (_, oh, ow, _) = self.target.dim();
        Array2::from_shape_fn((oh, ow), |(i, j)| self.target[[0, i, j, 0]])
    }

    /// The current filter's response y, (h-2, w-2).
    pub fn response(&self) -> Result<Array2<f32>> {
        let y = conv2d(self.x.view(), self.w.view(), Array1::zeros(1).view(), 1, Padding::Valid, Correlation::Cross)?;
        let (_, oh, ow, _) = y.dim();
        y.into_shape_with_order((oh, ow)).map_err(|e| shape_err!("unexpected response layout: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use crate::lesson::test_pictures;

    /// A reproducible noise image in 0..255 (independent of the learner's generator).
    fn noise(h: usize, w: usize, seed: u64) -> Array2<f32> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        Array2::from_shape_fn((h, w), |_| rng.random_range(0.0f32..255.0))
    }

    /// The loss in f64 by plain loops: an independent reference for the gradient check.
    fn loss_f64(x: ArrayView2<f32>, k: &[[f64; 3]; 3], t: &Array2<f32>) -> f64 {
        let (oh, ow) = t.dim();
        let mut sum = 0.0;
        for i in 0..oh {
            for j in 0..ow {
                let mut y = 0.0;
                for a in 0..3 {
                    for b in 0..3 {
                        y += x[[i + a, j + b]] as f64 * k[a][b];
                    }
                }
                sum += (y - t[[i, j]] as f64).powi(2);
            }
        }
        sum / (oh * ow) as f64
    }

    fn max_diff(a: &Kernel3, b: &Kernel3) -> f32 {
        a.iter().flatten().zip(b.iter().flatten()).map(|(p, q)| (p - q).abs()).fold(0.0, f32::max)
    }

    #[test]
    fn oriented_kernels() {
        assert_eq!(oriented_edge_kernel(0.0), EdgeFilter::SobelV.kernel());
        assert!(max_diff(&oriented_edge_kernel(90.0), &EdgeFilter::SobelH.kernel()) < 1e-6);
        let k = oriented_edge_kernel(45.0);
        let r = std::f32::consts::FRAC_1_SQRT_2;
        // Top-left: 1*cos + 1*sin; top-right: -1*cos + 1*sin = 0; centre 0.
        assert!((k[0][0] - 2.0 * r).abs() < 1e-6 && k[0][2].abs() < 1e-6 && k[1][1] == 0.0);
        assert!((k[2][0]).abs() < 1e-6 && (k[2][2] + 2.0 * r).abs() < 1e-6);
        assert!((k[0][1] - 2.0 * r).abs() < 1e-6 && (k[1][0] - 2.0 * r).abs() < 1e-6);
    }

    #[test]
    fn gradient_matches_central_differences() {
        let learner = FilterLearner::for_angle(noise(9, 11, 1), 70.0, 0.1, 7).unwrap();
        let (_, grad) = learner.loss_and_gradient().unwrap();
        let x = learner.input();
        let t = learner.target_response();
        let k0 = learner.kernel().map(|row| row.map(|v| v as f64));
        let eps = 1e-4;
        let (mut num_sq, mut diff_sq) = (0.0f64, 0.0f64);
        for a in 0..3 {
            for b in 0..3 {
                let (mut kp, mut km) = (k0, k0);
                kp[a][b] += eps;
                km[a][b] -= eps;
                let numeric = (loss_f64(x, &kp, &t) - loss_f64(x, &km, &t)) / (2.0 * eps);
                num_sq += numeric * numeric;
                diff_sq += (numeric - grad[a][b] as f64).powi(2);
            }
        }
        let rel = (diff_sq / num_sq).sqrt();
        assert!(rel < 1e-4, "relative error {rel}");
        // The f32 loss agrees with the f64 reference too.
        let loss = learner.loss().unwrap() as f64;
        assert!((loss - loss_f64(x, &k0, &t)).abs() < 1e-5 * loss.max(1e-6));
    }

    #[test]
    fn backward_pass_is_the_input_correlated_with_the_residual() {
        let learner = FilterLearner::for_angle(noise(8, 10, 4), 20.0, 0.1, 3).unwrap();
        let (_, grad) = learner.loss_and_gradient().unwrap();
        let x = learner.input();
        let residual = &learner.response().unwrap() - &learner.target_response();
        let (oh, ow) = residual.dim();
        let n = (oh * ow) as f32;
        for a in 0..3 {
            for b in 0..3 {
                let mut sum = 0.0f32;
                for i in 0..oh {
                    for j in 0..ow {
                        sum += x[[i + a, j + b]] * 2.0 * residual[[i, j]] / n;
                    }
                }
                assert!((sum - grad[a][b]).abs() < 1e-5 * (1.0 + sum.abs()), "({a},{b}): {sum} vs {}", grad[a][b]);
            }
        }
    }

    #[test]
    fn learns_an_oriented_edge_filter_on_noise() {
        for angle in [45.0f32, 70.0] {
            let mut learner = FilterLearner::for_angle(noise(24, 24, 3), angle, 1.0, 11).unwrap();
            learner.set_learning_rate(learner.suggested_learning_rate()).unwrap();
            let start = learner.initial_loss();
            let losses = learner.step(200).unwrap();
            assert_eq!(losses[0], start);
            let end = learner.loss().unwrap();
            assert!(end < 1e-4 * start, "angle {angle}: {start} -> {end}");
            let k = learner.kernel();
            assert!(max_diff(&k, &oriented_edge_kernel(angle)) < 0.02, "angle {angle}: {k:?}");
            // Gradient descent on a quadratic with a safe step never goes up.
            // (up to f32 rounding once the loss is tiny).
            assert!(losses.windows(2).all(|p| p[1] <= p[0] + 1e-6 * start));
            let steps = losses.iter().position(|&l| l < 1e-4 * start).unwrap_or(losses.len());
            eprintln!("angle {angle}: loss below 1e-4 of start after {steps} steps, final {end:.2e} of {start:.2e}");
        }
    }

    #[test]
    fn learns_on_a_test_picture() {
        // The disc has edges at every angle, so all nine weights are pinned down; smooth
        // pictures learn more slowly than noise.
        let mut learner = FilterLearner::for_angle(test_pictures::disc(32, 32), 45.0, 1.0, 5).unwrap();
        learner.set_learning_rate(learner.suggested_learning_rate()).unwrap();
        let start = learner.initial_loss();
        let losses = learner.step(1000).unwrap();
        let end = learner.loss().unwrap();
        let steps = losses.iter().position(|&l| l < 1e-4 * start).unwrap_or(losses.len());
        eprintln!("disc 32x32: loss below 1e-4 of start after {steps} steps, {start:.3e} -> {end:.3e}");
        assert!(end < 1e-4 * start, "{start} -> {end}");
        assert!(max_diff(&learner.kernel(), &oriented_edge_kernel(45.0)) < 0.02);
        assert_eq!(learner.losses().len(), 1000);
    }

    #[test]
    fn a_step_image_cannot_pin_down_the_filter_the_noise_picture_can() {
        // The page's old default: the 6x6 step, target 45 degrees. The loss reaches ~0 with
        // a filter far from the target (the step shows one edge direction only).
        let mut on_step = FilterLearner::for_angle(test_pictures::step_light_to_dark(6, 6), 45.0, 1.0, 1).unwrap();
        on_step.set_learning_rate(on_step.suggested_learning_rate()).unwrap();
        on_step.step(400).unwrap();
        assert!(on_step.loss().unwrap() < 1e-6 * on_step.initial_loss());
        assert!(max_diff(&on_step.kernel(), &oriented_edge_kernel(45.0)) > 0.3, "{:?}", on_step.kernel());
        // The page learns on the 32x32 noise picture: 400 steps give the target, at any angle.
        for angle in [0.0f32, 45.0, 90.0, 135.0] {
            let mut learner = FilterLearner::for_angle(test_pictures::noise(32, 32), angle, 1.0, 1).unwrap();
            learner.set_learning_rate(learner.suggested_learning_rate()).unwrap();
            learner.step(400).unwrap();
            let k = learner.kernel();
            assert!(max_diff(&k, &oriented_edge_kernel(angle)) < 1e-3, "angle {angle}: {k:?}");
        }
    }

    #[test]
    fn too_large_a_learning_rate_is_reported() {
        let mut learner = FilterLearner::for_angle(noise(12, 12, 2), 30.0, 1.0, 1).unwrap();
        let lr = 50.0 * learner.suggested_learning_rate();
        learner.set_learning_rate(lr).unwrap();
        let err = learner.step(500).unwrap_err();
        assert!(matches!(err, crate::ConvLabError::Diverged(_)), "{err}");
        assert!(err.to_string().contains("too large"), "{err}");
        assert!(learner.kernel().iter().flatten().all(|v| v.is_finite()));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let k = oriented_edge_kernel(10.0);
        assert!(FilterLearner::new(Array2::zeros((2, 5)), k, 0.1, 0).unwrap_err().to_string().contains("3x3"));
        assert!(FilterLearner::new(Array2::from_elem((5, 5), 7.0), k, 0.1, 0).unwrap_err().to_string().contains("flat"));
        assert!(FilterLearner::new(noise(5, 5, 0), k, 0.0, 0).is_err());
        assert!(FilterLearner::new(noise(5, 5, 0), k, f32::NAN, 0).is_err());
        assert!(FilterLearner::for_angle(noise(5, 5, 0), f32::INFINITY, 0.1, 0).is_err());
        let mut bad = noise(5, 5, 0);
        bad[[1, 1]] = f32::NAN;
        assert!(FilterLearner::new(bad, k, 0.1, 0).is_err());
        // The same seed gives the same start.
        let a = FilterLearner::new(noise(5, 5, 0), k, 0.1, 42).unwrap();
        let b = FilterLearner::new(noise(5, 5, 0), k, 0.1, 42).unwrap();
        assert_eq!(a.kernel(), b.kernel());
    }
}
