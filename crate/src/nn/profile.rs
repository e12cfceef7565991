//! Where a training step's time goes: a per-phase tally (conv forward, filter gradient,
//! input gradient, pooling, dense, softmax, Adam, preparing the minibatch, gradient
//! copies and sums) that a [`crate::nn::model::Model`] keeps while profiling is on, for
//! the speed benchmark's breakdown of one epoch. Off by default: then nothing is timed.
//!
//! The clock is a plain function returning milliseconds (`std::time::Instant` natively,
//! `performance.now()` in the browser), so the same code times both. Kernels also count
//! the multiply-accumulates they did, so the benchmark can give each one's rate against
//! the measured SIMD peak ([`crate::conv::bench::simd_peak_gmacs`]).

use serde::Serialize;

/// The parts of a training step, in the order the breakdown prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Convolutions' forward passes (with the ReLU fused into them).
    ConvForward,
    /// Convolutions' filter and bias gradients (only the pixels with a nonzero gradient).
    FilterGradient,
    /// Convolutions' input gradients (the first layer needs none).
    InputGradient,
    /// Max and average pooling, forward and backward (with the ReLU's gradient fused in).
    Pooling,
    /// Fully connected layers, forward and backward.
    Dense,
    /// Softmax and cross-entropy with their gradient, and counting the right answers.
    Softmax,
    /// Layers not named above (unfused ReLU, flatten, batch norm, dropout, global pooling).
    OtherLayers,
    /// The Adam update of every parameter.
    Adam,
    /// Shuffling, copying the minibatch's pixels into the input (and augmenting them).
    Minibatch,
    /// Each slice's gradient copied out, the slices' weighted sum, copied back in.
    GradientSums,
    /// Profiling's own work (counting the filter gradient's live pixels): not part of an
    /// unprofiled step, so the breakdown takes it off the epoch's time.
    Profiling,
}

impl Phase {
    pub const ALL: [Phase; 11] = [
        Phase::ConvForward,
        Phase::FilterGradient,
        Phase::InputGradient,
        Phase::Pooling,
        Phase::Dense,
        Phase::Softmax,
        Phase::OtherLayers,
        Phase::Adam,
        Phase::Minibatch,
        Phase::GradientSums,
        Phase::Profiling,
    ];

    /// The name the breakdown prints.
    pub fn name(self) -> &'static str {
        match self {
            Phase::ConvForward => "conv forward",
            Phase::FilterGradient => "conv filter gradient",
            Phase::InputGradient => "conv input gradient",
            Phase::Pooling => "pooling",
            Phase::Dense => "dense",
            Phase::Softmax => "softmax and cost",
            Phase::OtherLayers => "other layers",
            Phase::Adam => "Adam",
            Phase::Minibatch => "shuffling and copying the minibatch",
            Phase::GradientSums => "slice gradients copied and summed",
            Phase::Profiling => "profiling itself",
        }
    }
}

/// A clock in milliseconds.
pub type Clock = fn() -> f64;

/// The time (and kernel work) of one phase.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PhaseTotal {
    pub name: &'static str,
    pub ms: f64,
    /// Times it ran.
    pub calls: u64,
    /// Multiply-accumulates done, for the convolutions and dense layers (0 elsewhere).
    pub macs: u64,
}

/// Running totals per phase, with the clock that times them.
#[derive(Debug, Clone)]
pub struct PhaseTimes {
    clock: Clock,
    totals: Vec<PhaseTotal>,
}

impl PhaseTimes {
    pub fn new(clock: Clock) -> PhaseTimes {
        let totals = Phase::ALL.iter().map(|p| PhaseTotal { name: p.name(), ..PhaseTotal::default() }).collect();
        PhaseTimes { clock, totals }
    }

    /// The clock's reading now (ms).
    pub fn now(&self) -> f64 {
        (self.clock)()
    }

    /// Adds the time since `since` (a reading of [`PhaseTimes::now`]) and `macs` to `phase`.
    pub fn add(&mut self, phase: Phase, since: f64, macs: u64) {
        let t = &mut self.totals[phase as usize];
        t.ms += (self.clock)() - since;
        t.calls += 1;
        t.macs += macs;
    }

    /// The totals, in [`Phase::ALL`]'s order.
    pub fn totals(&self) -> &[PhaseTotal] {
        &self.totals
    }
}

/// A clock for native builds: milliseconds since the first call.
#[cfg(not(target_arch = "wasm32"))]
pub fn native_clock() -> f64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_secs_f64() * 1e3
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local!(static T: Cell<f64> = const { Cell::new(0.0) });
    fn fake_clock() -> f64 {
        T.with(|t| t.get())
    }

    #[test]
    fn phases_add_up_the_clock_calls_and_work() {
        let mut p = PhaseTimes::new(fake_clock);
        let t0 = p.now();
        T.with(|t| t.set(2.5));
        p.add(Phase::Adam, t0, 0);
        let t1 = p.now();
        T.with(|t| t.set(3.0));
        p.add(Phase::ConvForward, t1, 100);
        p.add(Phase::ConvForward, t1, 50);
        let get = |ph: Phase| p.totals()[ph as usize].clone();
        assert_eq!(get(Phase::Adam), PhaseTotal { name: "Adam", ms: 2.5, calls: 1, macs: 0 });
        assert_eq!(get(Phase::ConvForward), PhaseTotal { name: "conv forward", ms: 1.0, calls: 2, macs: 150 });
        assert_eq!(p.totals().len(), Phase::ALL.len());
        assert!(Phase::ALL.iter().enumerate().all(|(i, &ph)| ph as usize == i));
    }
}
