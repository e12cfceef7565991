//! Adam, with optional L2 weight decay and a cosine learning-rate schedule.
//!
//! For each parameter w with gradient g (plus lambda w when L2 decay is on, on weights
//! only): m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
//! m_hat = m / (1 - b1^t); v_hat = v / (1 - b2^t); w -= lr m_hat / (sqrt(v_hat) + eps).

use crate::error::Result;
use crate::nn::model::Model;
use crate::message::Message;
use serde::{Deserialize, Serialize};

/// Adam's hyperparameters; the defaults are the assignment's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdamSettings {
    pub learning_rate: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub epsilon: f32,
    /// L2 weight decay lambda (added to the gradient of conv and dense weights), 0 = off.
    pub l2: f32,
}

impl Default for AdamSettings {
    fn default() -> Self {
        AdamSettings {
            learning_rate: 0.009,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            l2: 0.0,
        }
    }
}

impl AdamSettings {
    /// Checks every value, with a message that says what a sensible one looks like.
    pub fn validate(&self) -> Result<()> {
        let lr = self.learning_rate;
        if !lr.is_finite() || lr <= 0.0 {
            return Err(Message::LrNotPositive { lr: lr.to_string() }.into());
        }
        if lr > 10.0 {
            return Err(Message::LrTooLarge { lr: lr.to_string() }.into());
        }
        for (name, b) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return Err(Message::AdamBeta { name: name.into(), value: b.to_string() }.param());
            }
        }
        if !self.epsilon.is_finite() || self.epsilon <= 0.0 {
            return Err(Message::AdamEpsilon { value: self.epsilon.to_string() }.param());
        }
        if !self.l2.is_finite() || self.l2 < 0.0 || self.l2 > 1.0 {
            return Err(Message::L2Range { l2: self.l2.to_string() }.into());

        }
        Ok(())
    }
}

/// How the learning rate changes over the run.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LrSchedule {
    /// The same rate for every step (the assignment).
    #[default]
    Constant,
    /// lr_t = min + (lr - min) (1 + cos(pi t / T)) / 2 over T = all steps of the run.
    Cosine { min_lr: f32 },
}

impl LrSchedule {
    /// The rate for step `t` (0-based) of `total` steps, starting from `lr`.
    pub fn rate(&self, lr: f32, t: usize, total: usize) -> f32 {
        match *self {
            LrSchedule::Constant => lr,
            LrSchedule::Cosine { min_lr } => {
                let frac = if total == 0 {
                    1.0
                } else {
                    (t.min(total) as f64) / total as f64
                };
                (min_lr as f64
                    + (lr - min_lr) as f64 * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos()))
                    as f32
            }
        }
    }
}

/// Adam's state: the step count and the two moment estimates of every parameter.
#[derive(Debug, Clone)]
pub struct Adam {
    pub settings: AdamSettings,
    t: u32,
    m: Vec<Vec<f32>>,
    v: Vec<Vec<f32>>,
}

impl Adam {
    pub fn new(settings: AdamSettings) -> Self {
        Adam {
            settings,
            t: 0,
            m: Vec::new(),
            v: Vec::new(),
        }
    }

    /// Number of updates done so far.
    pub fn steps(&self) -> u32 {
        self.t
    }

    /// One update of every parameter of `model` from its current gradients, with
    /// learning rate `lr` (the schedule's value for this step).
    pub fn step(&mut self, model: &mut Model, lr: f32) {
        self.t += 1;
        let s = self.settings;
        let c1 = 1.0 - (s.beta1 as f64).powi(self.t as i32);
        let c2 = 1.0 - (s.beta2 as f64).powi(self.t as i32);
        // lr * m_hat / (sqrt(v_hat) + eps) = (lr / c1) m / (sqrt(v) / sqrt(c2) + eps).
        let step = (lr as f64 / c1) as f32;
        let inv_sqrt_c2 = (1.0 / c2.sqrt()) as f32;
        let (ms, vs) = (&mut self.m, &mut self.v);
        model.visit_params(|k, p| {
            if ms.len() <= k {
                ms.push(vec![0.0; p.value.len()]);
                vs.push(vec![0.0; p.value.len()]);
            }
            let decay = if p.decay { s.l2 } else { 0.0 };
            for (((w, &g), m), v) in p
                .value
                .iter_mut()
                .zip(p.grad)
                .zip(ms[k].iter_mut())
                .zip(vs[k].iter_mut())
            {
                let g = g + decay * *w;
                *m = s.beta1 * *m + (1.0 - s.beta1) * g;
                *v = s.beta2 * *v + (1.0 - s.beta2) * g * g;
                *w -= step * *m / (v.sqrt() * inv_sqrt_c2 + s.epsilon);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::layers::LayerSpec;
    use crate::nn::model::Mode;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn dense_model() -> Model {
        Model::new(
            &[LayerSpec::Flatten, LayerSpec::Dense { units: 2 }],
            (1, 1, 3),
            0,
        )
        .unwrap()
    }

    #[test]
    fn two_steps_follow_the_formula() {
        // Adam's update written out in f64 for one scalar, against the implementation.
        let mut model = dense_model();
        let x = ndarray::Array4::from_shape_vec((2, 1, 1, 3), vec![1.0, -2.0, 0.5, 0.3, 0.1, -1.0])
            .unwrap();
        let mut adam = Adam::new(AdamSettings::default());
        let (lr, b1, b2, eps) = (0.009f64, 0.9f64, 0.999f64, 1e-8f64);
        let (mut m, mut v) = (0.0f64, 0.0f64);
        for t in 1..=2 {
            model.forward(x.view(), Mode::Train).unwrap();
            model.backward(&[0, 1]).unwrap();
            let mut before = (0.0f64, 0.0f64);
            model.visit_params(|k, p| {
                if k == 0 {
                    before = (p.value[0] as f64, p.grad[0] as f64)
                }
            });
            let (w, g) = before;
            m = b1 * m + (1.0 - b1) * g;
            v = b2 * v + (1.0 - b2) * g * g;
            let expected =
                w - lr * (m / (1.0 - b1.powi(t))) / ((v / (1.0 - b2.powi(t))).sqrt() + eps);
            adam.step(&mut model, 0.009);
            let mut after = 0.0f64;
            model.visit_params(|k, p| {
                if k == 0 {
                    after = p.value[0] as f64
                }
            });
            assert!(
                (after - expected).abs() < 1e-6,
                "step {t}: {after} vs {expected}"
            );
        }
        // The first step moves each weight by about lr (bias correction at work).
        assert_eq!(adam.steps(), 2);
    }

    #[test]
    fn cosine_schedule_starts_high_and_ends_low() {
        let s = LrSchedule::Cosine { min_lr: 0.0 };
        assert_eq!(s.rate(0.01, 0, 100), 0.01);
        assert!((s.rate(0.01, 50, 100) - 0.005).abs() < 1e-7);
        assert!(s.rate(0.01, 100, 100).abs() < 1e-9);
        assert_eq!(LrSchedule::Constant.rate(0.01, 70, 100), 0.01);
    }

    #[test]
    fn weight_decay_shrinks_weights_with_zero_gradient() {
        let mut model = dense_model();
        let mut adam = Adam::new(AdamSettings {
            l2: 0.1,
            ..Default::default()
        });
        let mut before = 0.0;
        model.visit_params(|k, p| {
            if k == 0 {
                before = p.value[0]
            }
        });
        // No forward/backward: all gradients are 0, only the decay term acts.
        adam.step(&mut model, 0.009);
        let mut after = 0.0;
        model.visit_params(|k, p| {
            if k == 0 {
                after = p.value[0]
            }
        });
        assert!(
            after.abs() < before.abs() && (before - after).abs() > 0.008,
            "{before} -> {after}"
        );
    }

    #[test]
    fn bad_settings_are_errors() {
        let bad = |s: AdamSettings| s.validate().unwrap_err().to_string();
        assert!(bad(AdamSettings {
            learning_rate: f32::NAN,
            ..Default::default()
        })
        .contains("positive number"));
        assert!(bad(AdamSettings {
            learning_rate: 0.0,
            ..Default::default()
        })
        .contains("positive number"));
        assert!(bad(AdamSettings {
            learning_rate: 50.0,
            ..Default::default()
        })
        .contains("far too large"));
        assert!(bad(AdamSettings {
            beta1: 1.0,
            ..Default::default()
        })
        .contains("beta1"));
        assert!(bad(AdamSettings {
            l2: -1.0,
            ..Default::default()
        })
        .contains("L2"));
        assert!(AdamSettings::default().validate().is_ok());
    }
}
