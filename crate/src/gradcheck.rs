//! Test helpers: numerical gradients by central differences in f64, and the relative
//! error used to compare them with a backward pass.

#![cfg(test)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` reproducible values, uniform in [-1, 1).
pub fn test_values(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// d loss / d x_i ~ (loss(x + h e_i) - loss(x - h e_i)) / 2h, with h = 1e-5.
pub fn numerical_gradient(x: &[f64], mut loss: impl FnMut(&[f64]) -> f64) -> Vec<f64> {
    let h = 1e-5;
    let mut x = x.to_vec();
    (0..x.len())
        .map(|i| {
            let keep = x[i];
            x[i] = keep + h;
            let plus = loss(&x);
            x[i] = keep - h;
            let minus = loss(&x);
            x[i] = keep;
            (plus - minus) / (2.0 * h)
        })
        .collect()
}

/// max_i |a_i - b_i| / max(|a_i| + |b_i|, 1e-6): the worst relative error over all entries.
pub fn rel_error(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / (x.abs() + y.abs()).max(1e-6))
        .fold(0.0, f64::max)
}
