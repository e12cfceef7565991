//! Numerical gradients by central differences, and the relative error used to compare
//! them with a backward pass: the tests' check, and the one the backprop lesson shows.

#[cfg(test)]
use rand::{Rng, SeedableRng};
#[cfg(test)]
use rand_chacha::ChaCha8Rng;

/// `n` reproducible values, uniform in [-1, 1).
#[cfg(test)]
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

/// Central differences of a loss whose forward pass runs in f32 (the core's kernels).
/// f32 cannot hold x + 1e-5 exactly, so the step is `h`, chosen by the caller, and the
/// difference is divided by the step f32 really took.
pub fn numerical_gradient_f32(x: &[f32], h: f32, mut loss: impl FnMut(&[f32]) -> f64) -> Vec<f64> {
    let mut x = x.to_vec();
    (0..x.len())
        .map(|i| {
            let keep = x[i];
            x[i] = keep + h;
            let (up, plus) = (x[i], loss(&x));
            x[i] = keep - h;
            let (down, minus) = (x[i], loss(&x));
            x[i] = keep;
            (plus - minus) / (f64::from(up) - f64::from(down))
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

/// The course's gradient-check difference: ||a - b|| / (||a|| + ||b||) (Euclidean norms),
/// 0 when both are zero. Below 1e-7 in f64 is right; f32 kernels reach about 1e-6.
pub fn difference(a: &[f64], b: &[f64]) -> f64 {
    fn norm(v: impl Iterator<Item = f64>) -> f64 {
        v.map(|x| x * x).sum::<f64>().sqrt()
    }
    let apart = norm(a.iter().zip(b).map(|(x, y)| x - y));
    let size = norm(a.iter().copied()) + norm(b.iter().copied());
    if size == 0.0 { 0.0 } else { apart / size }
}
