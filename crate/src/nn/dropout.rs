//! Inverted dropout: during training each value is kept with probability 1 - rate and
//! scaled by 1 / (1 - rate), so that nothing changes at inference time (identity there).
//! The mask comes from a seeded generator, so a run is repeatable.

use crate::error::Result;
use crate::shape_err;
use num_traits::Float;
use rand::Rng;

/// Draws a mask (0 or 1 / (1 - rate) per value) and applies it: y = x * mask.
pub fn dropout_forward<F: Float>(
    x: &[F],
    rate: f32,
    rng: &mut impl Rng,
    mask: &mut [F],
    y: &mut [F],
) -> Result<()> {
    if !(0.0..1.0).contains(&rate) {
        return Err(crate::message::Message::DropoutRate { rate: rate.to_string() }.param());
    }
    if x.len() != mask.len() || x.len() != y.len() {
        return Err(shape_err!(
            "dropout: input, mask and output must have the same length"
        ));
    }
    let keep = F::from(1.0 / (1.0 - rate as f64)).unwrap_or_else(F::one);
    for ((yi, mi), &xi) in y.iter_mut().zip(mask.iter_mut()).zip(x) {
        *mi = if rng.random::<f32>() >= rate {
            keep
        } else {
            F::zero()
        };
        *yi = xi * *mi;
    }
    Ok(())
}

/// dx = dy * mask (the same mask as the forward pass).
pub fn dropout_backward<F: Float>(dy: &[F], mask: &[F], dx: &mut [F]) -> Result<()> {
    if dy.len() != mask.len() || dy.len() != dx.len() {
        return Err(shape_err!(
            "dropout backward: gradient, mask and output must have the same length"
        ));
    }
    for ((d, &g), &m) in dx.iter_mut().zip(dy).zip(mask) {
        *d = g * m;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{numerical_gradient, rel_error, test_values};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn keeps_the_expected_share_and_scales() {
        let x = vec![1.0f32; 10_000];
        let (mut mask, mut y) = (vec![0.0; x.len()], vec![0.0; x.len()]);
        dropout_forward(
            &x,
            0.25,
            &mut ChaCha8Rng::seed_from_u64(1),
            &mut mask,
            &mut y,
        )
        .unwrap();
        let kept = y.iter().filter(|&&v| v != 0.0).count() as f32 / x.len() as f32;
        assert!((kept - 0.75).abs() < 0.02, "{kept}");
        assert!(y.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.75).abs() < 1e-6));
        // The mean is preserved on average (inverted dropout).
        let mean = y.iter().sum::<f32>() / x.len() as f32;
        assert!((mean - 1.0).abs() < 0.03, "{mean}");
    }

    #[test]
    fn same_seed_same_mask() {
        let x = vec![1.0f32; 100];
        let (mut m1, mut m2, mut y) = (vec![0.0; 100], vec![0.0; 100], vec![0.0; 100]);
        dropout_forward(&x, 0.5, &mut ChaCha8Rng::seed_from_u64(9), &mut m1, &mut y).unwrap();
        dropout_forward(&x, 0.5, &mut ChaCha8Rng::seed_from_u64(9), &mut m2, &mut y).unwrap();
        assert_eq!(m1, m2);
    }

    #[test]
    fn gradient_matches_central_differences_for_a_fixed_mask() {
        let x = test_values(30, 1);
        let dy = test_values(30, 2);
        let (mut mask, mut y) = (vec![0.0; 30], vec![0.0; 30]);
        dropout_forward(
            &x,
            0.4,
            &mut ChaCha8Rng::seed_from_u64(3),
            &mut mask,
            &mut y,
        )
        .unwrap();
        let mut dx = vec![0.0; 30];
        dropout_backward(&dy, &mask, &mut dx).unwrap();
        let num = numerical_gradient(&x, |x| {
            x.iter()
                .zip(&mask)
                .zip(&dy)
                .map(|((a, m), d)| a * m * d)
                .sum()
        });
        assert!(rel_error(&dx, &num) < 1e-4);
    }

    #[test]
    fn bad_rate_is_an_error() {
        let e = dropout_forward(
            &[1.0f32],
            1.0,
            &mut ChaCha8Rng::seed_from_u64(0),
            &mut [0.0],
            &mut [0.0],
        )
        .unwrap_err();
        assert!(e.to_string().contains("[0, 1)"), "{e}");
    }
}
