//! Small geometry helpers (hand frame: palm width ~1, y points up, thumb on +x) and noise.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

// Small geometry helpers (hand frame: palm width ~1, y points up, thumb on +x).

#[derive(Clone, Copy, Debug)]
pub(super) struct V2 {
    pub(super) x: f32,
    pub(super) y: f32,
}

pub(super) fn v2(x: f32, y: f32) -> V2 {
    V2 { x, y }
}

impl V2 {
    pub(super) fn add(self, o: V2) -> V2 {
        v2(self.x + o.x, self.y + o.y)
    }
    pub(super) fn sub(self, o: V2) -> V2 {
        v2(self.x - o.x, self.y - o.y)
    }
    pub(super) fn scale(self, k: f32) -> V2 {
        v2(self.x * k, self.y * k)
    }
    pub(super) fn dot(self, o: V2) -> f32 {
        self.x * o.x + self.y * o.y
    }
    pub(super) fn len(self) -> f32 {
        self.dot(self).sqrt()
    }
}

/// sin and cos of `a` (radians, |a| <= pi) from their Taylor series in f64: the same
/// bits on every platform, unlike libm.
pub(super) fn sin_cos(a: f32) -> (f32, f32) {
    let x = a as f64;
    let x2 = x * x;
    let (mut s, mut c) = (0.0f64, 0.0f64);
    let (mut ts, mut tc) = (x, 1.0f64);
    for k in 0..10 {
        s += ts;
        c += tc;
        let k = k as f64;
        ts *= -x2 / ((2.0 * k + 2.0) * (2.0 * k + 3.0));
        tc *= -x2 / ((2.0 * k + 1.0) * (2.0 * k + 2.0));
    }
    (s as f32, c as f32)
}

pub(super) fn deg(d: f32) -> f32 {
    d * (std::f32::consts::PI / 180.0)
}

/// Unit vector at `angle` from straight up, towards +x (the thumb side).
pub(super) fn up_dir(angle: f32) -> V2 {
    let (s, c) = sin_cos(angle);
    v2(s, c)
}

pub(super) fn clamp01(v: f32) -> f32 {
    v.clamp(0.0, 1.0)
}

pub(super) fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = clamp01((x - e0) / (e1 - e0));
    t * t * (3.0 - 2.0 * t)
}

pub(super) fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// Four roughly normal numbers (each the sum of two uniform bytes: a triangular
/// distribution, unit variance) from one 64-bit draw, without `ln`/`cos`: noise is most
/// of the random numbers a picture needs.
pub(super) fn noise4(rng: &mut ChaCha8Rng) -> [f32; 4] {
    let bits: u64 = rng.random();
    let byte = |k: u32| ((bits >> (8 * k)) & 0xff) as f32;
    // A sum of two bytes has mean 255 and variance 2 * (256^2 - 1) / 12 ~ 104.1^2.
    [0, 1, 2, 3].map(|k| (byte(2 * k) + byte(2 * k + 1) - 255.0) * (1.0 / 104.5))
}

/// A deterministic value in [-1, 1) from a pixel index and a per-picture salt (an
/// integer hash: no random draws inside the painting loops).
pub(super) fn hash_noise(i: u32, salt: u32) -> f32 {
    let mut h = i.wrapping_mul(0x9E37_79B9) ^ salt;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^= h >> 16;
    (h >> 8) as f32 / (1u32 << 23) as f32 - 1.0
}

pub(super) fn uniform(rng: &mut ChaCha8Rng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * rng.random::<f32>()
}
