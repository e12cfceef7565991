//! New backgrounds to put a hand over: a plain colour, a linear gradient, a smooth blotchy
//! texture (a wall, a curtain, a blurred room) or stripes (boards, tiles, blinds),
//! each drawn from a seeded generator.

use ndarray::Array3;
use rand::Rng;

/// The kinds of background, in the order [`draw`] picks them from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Plain,
    Gradient,
    Texture,
    Stripes,
}

/// A random colour: any hue, lightness and saturation, but more often light and muted,
/// as walls are.
fn colour(rng: &mut impl Rng) -> [f32; 3] {
    let light: f32 = rng.random_range(0.15..1.0f32).sqrt();
    let sat: f32 = rng.random_range(0.0..0.6f32).powi(2) * 2.0;
    let hue: f32 = rng.random_range(0.0..6.0);
    let tint = |shift: f32| {
        let d = ((hue - shift).rem_euclid(6.0) - 3.0).abs(); // 0 at the opposite hue, 3 at this one
        (d / 3.0 - 0.5) * sat
    };
    [
        (light + tint(0.0)).clamp(0.0, 1.0),
        (light + tint(2.0)).clamp(0.0, 1.0),
        (light + tint(4.0)).clamp(0.0, 1.0),
    ]
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// A background of `kind`, (h, w, 3) in [0, 1].
pub fn backdrop(kind: Kind, h: usize, w: usize, rng: &mut impl Rng) -> Array3<f32> {
    let a = colour(rng);
    let b = colour(rng);
    let angle: f32 = rng.random_range(0.0..std::f32::consts::TAU);
    let (sin, cos) = angle.sin_cos();
    let t_at = |y: usize, x: usize| {
        // Position along the direction `angle`, about -0.7 to 0.7 across the picture.
        let u = x as f32 / w.max(1) as f32 - 0.5;
        let v = y as f32 / h.max(1) as f32 - 0.5;
        cos * u + sin * v
    };
    match kind {
        Kind::Plain => Array3::from_shape_fn((h, w, 3), |(_, _, c)| a[c]),
        Kind::Gradient => Array3::from_shape_fn((h, w, 3), |(y, x, c)| {
            mix(a, b, (t_at(y, x) + 0.7) / 1.4)[c]
        }),
        Kind::Stripes => {
            let period: f32 = rng.random_range(3.0..16.0);
            let soft: f32 = rng.random_range(0.1..1.0);
            Array3::from_shape_fn((h, w, 3), |(y, x, c)| {
                let s = (t_at(y, x) * w as f32 / period * std::f32::consts::TAU).sin();
                mix(a, b, (0.5 + 0.5 * (s / soft).clamp(-1.0, 1.0)).clamp(0.0, 1.0))[c]
            })
        }
        Kind::Texture => {
            // Value noise: random levels on a coarse grid, smoothly interpolated.
            let cells: usize = rng.random_range(2..9);
            let n = cells + 1;
            let grid: Vec<f32> = (0..n * n).map(|_| rng.random_range(0.0..1.0)).collect();
            Array3::from_shape_fn((h, w, 3), |(y, x, c)| {
                let gy = y as f32 / h.max(1) as f32 * cells as f32;
                let gx = x as f32 / w.max(1) as f32 * cells as f32;
                let (y0, x0) = (gy.floor() as usize, gx.floor() as usize);
                let smooth = |t: f32| t * t * (3.0 - 2.0 * t);
                let (fy, fx) = (smooth(gy - y0 as f32), smooth(gx - x0 as f32));
                let g = |yy: usize, xx: usize| grid[yy.min(n - 1) * n + xx.min(n - 1)];
                let top = g(y0, x0) * (1.0 - fx) + g(y0, x0 + 1) * fx;
                let bottom = g(y0 + 1, x0) * (1.0 - fx) + g(y0 + 1, x0 + 1) * fx;
                mix(a, b, top * (1.0 - fy) + bottom * fy)[c]
            })
        }
    }
}

/// A background of a random kind.
pub fn draw(h: usize, w: usize, rng: &mut impl Rng) -> Array3<f32> {
    let kind = [Kind::Plain, Kind::Gradient, Kind::Texture, Kind::Stripes][rng.random_range(0..4)];
    backdrop(kind, h, w, rng)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn each_kind_looks_as_named_and_stays_in_range() {
        for seed in 0..20 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let plain = backdrop(Kind::Plain, 16, 16, &mut rng);
            let first = [plain[[0, 0, 0]], plain[[0, 0, 1]], plain[[0, 0, 2]]];
            assert!(plain.indexed_iter().all(|((_, _, c), &v)| v == first[c]));
            for kind in [Kind::Gradient, Kind::Texture, Kind::Stripes] {
                let b = backdrop(kind, 16, 16, &mut rng);
                assert!(b.iter().all(|v| (0.0..=1.0).contains(v)), "{kind:?}");
            }
        }
        // A gradient changes monotonically along its direction: check a plain one in x.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let g = backdrop(Kind::Gradient, 8, 32, &mut rng);
        let row: Vec<f32> = (0..32).map(|x| g[[4, x, 0]]).collect();
        let up = row.windows(2).all(|p| p[1] >= p[0] - 1e-6);
        let down = row.windows(2).all(|p| p[1] <= p[0] + 1e-6);
        assert!(up || down, "{row:?}");
    }

    #[test]
    fn same_seed_same_background() {
        let run = |seed| draw(12, 12, &mut ChaCha8Rng::seed_from_u64(seed));
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
