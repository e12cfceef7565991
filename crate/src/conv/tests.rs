//! The convolution's tests: lecture numbers, a float64 reference written from the
//! definition, central differences, and the instruction sets against each other.

use super::*;
#[cfg(target_arch = "x86_64")]
use super::kernels::{x86, Portable};
use super::shape::{Padding, Pads};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
use ndarray::{arr1, s, Array1, Array4, ArrayView1};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// The lecture's 6x6 image, from the lesson (one source for the lecture's numbers).
use crate::lesson::test_pictures::lecture_image;

#[test]
fn lecture_vertical_edge_example() {
    let x = lecture_image().into_shape_with_order((1, 6, 6, 1)).unwrap();
    let f = ndarray::arr2(&[[1., 0., -1.], [1., 0., -1.], [1., 0., -1.]])
        .into_shape_with_order((3, 3, 1, 1))
        .unwrap();
    let y = conv2d(x.view(), f.view(), arr1(&[0.]).view(), 1, Padding::Valid, Correlation::Cross)
        .unwrap();
    let y = y.into_shape_with_order((4, 4)).unwrap();
    let expected = ndarray::arr2(&[
        [-5., -4., 0., 8.],
        [-10., -2., 2., 3.],
        [0., -2., -4., -7.],
        [-3., -2., -3., -16.],
    ]);
    assert_eq!(y, expected);
}

fn random4(rng: &mut ChaCha8Rng, d: (usize, usize, usize, usize)) -> Array4<f32> {
    Array4::from_shape_fn(d, |_| rng.random_range(-1.0f32..1.0))
}

/// The definition, in f64, straight from the formula (cross-correlation with `w`).
fn reference_forward(x: &Array4<f64>, w: &Array4<f64>, b: &[f64], s: usize, p: Pads) -> Array4<f64> {
    let (m, h, wd, c) = x.dim();
    let (fh, fw, _, k) = w.dim();
    let oh = (h + p.top + p.bottom - fh) / s + 1;
    let ow = (wd + p.left + p.right - fw) / s + 1;
    Array4::from_shape_fn((m, oh, ow, k), |(n, i, j, o)| {
        let mut acc = b[o];
        for di in 0..fh {
            for dj in 0..fw {
                let yi = (i * s + di) as isize - p.top as isize;
                let xj = (j * s + dj) as isize - p.left as isize;
                if yi < 0 || xj < 0 || yi >= h as isize || xj >= wd as isize {
                    continue;
                }
                for ch in 0..c {
                    acc += x[[n, yi as usize, xj as usize, ch]] * w[[di, dj, ch, o]];
                }
            }
        }
        acc
    })
}

fn to64(a: &Array4<f32>) -> Array4<f64> {
    a.mapv(|v| v as f64)
}

fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let diff: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt();
    let na: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    diff / na.max(nb).max(1e-12)
}

#[derive(Clone)]
struct Case {
    m: usize,
    h: usize,
    w: usize,
    c: usize,
    fh: usize,
    fw: usize,
    k: usize,
    s: usize,
    padding: Padding,
    mode: Correlation,
}

fn cases() -> Vec<Case> {
    use Correlation::*;
    let e = |top, bottom, left, right| Padding::Explicit { top, bottom, left, right };
    let c = |m, h, w, c, fh, fw, k, padding, mode| Case { m, h, w, c, fh, fw, k, s: 1, padding, mode };
    vec![
        c(2, 9, 11, 3, 4, 4, 8, Padding::Same, Cross),   // SIGNS conv1 in small, even filter
        c(1, 8, 8, 8, 2, 2, 16, Padding::Same, Cross),   // SIGNS conv2
        c(2, 7, 7, 3, 3, 3, 16, Padding::Same, Cross),   // robust model
        c(1, 9, 10, 2, 3, 3, 5, Padding::Valid, Cross),  // filters not a multiple of 8
        c(2, 9, 8, 3, 3, 2, 11, Padding::Same, True),    // 8 + 3 filters, non-square
        c(1, 10, 9, 2, 4, 3, 9, Padding::Same, Cross),
        c(2, 11, 9, 3, 3, 3, 8, Padding::Same, Cross),   // stride 2 below
        c(1, 8, 9, 2, 2, 4, 8, e(2, 0, 1, 3), True),     // explicit, asymmetric
        c(1, 6, 6, 1, 3, 3, 1, Padding::Pad(1), Cross),
        c(1, 4, 4, 2, 2, 2, 8, e(3, 3, 3, 3), Cross),    // windows entirely in padding
    ]
    .into_iter()
    .enumerate()
    .map(|(i, mut cs)| {
        if i == 6 || i == 7 {
            cs.s = 2;
        }
        if i == 5 {
            cs.s = 3;
        }
        cs
    })
    .collect()
}

#[test]
fn fast_forward_matches_the_definition() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for cs in cases() {
        let x = random4(&mut rng, (cs.m, cs.h, cs.w, cs.c));
        let w = random4(&mut rng, (cs.fh, cs.fw, cs.c, cs.k));
        let b: Vec<f32> = (0..cs.k).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let y = conv2d(x.view(), w.view(), ArrayView1::from(&b), cs.s, cs.padding, cs.mode).unwrap();
        let (pads, _) = cs.padding.resolve((cs.h, cs.w), (cs.fh, cs.fw), cs.s).unwrap();
        let weff = match cs.mode {
            Correlation::Cross => w.clone(),
            Correlation::True => flip_filter(w.view()),
        };
        let b64: Vec<f64> = b.iter().map(|&v| v as f64).collect();
        let r = reference_forward(&to64(&x), &to64(&weff), &b64, cs.s, pads);
        assert_eq!(y.dim(), r.dim());
        for (a, e) in y.iter().zip(r.iter()) {
            assert!((*a as f64 - e).abs() < 1e-5, "{a} vs {e}");
        }
    }
}

/// Analytic gradients (f32 kernels) vs central differences of the f64 definition,
/// for L = sum(y * r) with a random r (so dL/dy = r).
#[test]
fn gradients_match_central_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    // Dense output gradients, and sparse ones as ReLU and max pooling leave them (most
    // pixels all zero, some with only some filters zero): the filter gradient skips
    // zero pixels, which must not change it.
    for (cs, sparse) in cases().into_iter().flat_map(|c| [(c.clone(), false), (c, true)]) {
        let x = random4(&mut rng, (cs.m, cs.h, cs.w, cs.c));
        let w = random4(&mut rng, (cs.fh, cs.fw, cs.c, cs.k));
        let b: Vec<f64> = (0..cs.k).map(|_| rng.random_range(-1.0..1.0)).collect();
        let (pads, (oh, ow)) = cs.padding.resolve((cs.h, cs.w), (cs.fh, cs.fw), cs.s).unwrap();
        let mut r = random4(&mut rng, (cs.m, oh, ow, cs.k));
        if sparse {
            for px in r.as_slice_mut().unwrap().chunks_exact_mut(cs.k) {
                let keep: f64 = rng.random_range(0.0..1.0);
                let zeros = if keep < 0.8 { cs.k } else if keep < 0.9 { cs.k.min(8) } else { 0 };
                px[..zeros].fill(0.0);
            }
        }
        let g = conv2d_backward(x.view(), w.view(), r.view(), cs.s, cs.padding, cs.mode, true).unwrap();
        let r64 = to64(&r);
        let mode = cs.mode;
        let loss = |x: &Array4<f64>, w: &Array4<f64>, b: &[f64]| {
            let weff = match mode {
                Correlation::Cross => w.clone(),
                Correlation::True => w.slice(s![..;-1, ..;-1, .., ..]).to_owned(),
            };
            (reference_forward(x, &weff, b, cs.s, pads) * &r64).sum()
        };
        let eps = 1e-4;
        let (x64, w64) = (to64(&x), to64(&w));
        // Check a random sample of coordinates (all of them for small tensors): each
        // one costs two full forward passes of the reference.
        let sample = |len: usize, rng: &mut ChaCha8Rng| -> Vec<usize> {
            if len <= 60 {
                (0..len).collect()
            } else {
                (0..60).map(|_| rng.random_range(0..len)).collect()
            }
        };
        let (xs, ws) = (sample(x64.len(), &mut rng), sample(w64.len(), &mut rng));
        let mut num_dx = Vec::new();
        for &idx in &xs {
            let (mut xp, mut xm) = (x64.clone(), x64.clone());
            xp.as_slice_mut().unwrap()[idx] += eps;
            xm.as_slice_mut().unwrap()[idx] -= eps;
            num_dx.push((loss(&xp, &w64, &b) - loss(&xm, &w64, &b)) / (2.0 * eps));
        }
        let mut num_dw = Vec::new();
        for &idx in &ws {
            let (mut wp, mut wm) = (w64.clone(), w64.clone());
            wp.as_slice_mut().unwrap()[idx] += eps;
            wm.as_slice_mut().unwrap()[idx] -= eps;
            num_dw.push((loss(&x64, &wp, &b) - loss(&x64, &wm, &b)) / (2.0 * eps));
        }
        let mut num_db = Vec::new();
        for idx in 0..b.len() {
            let (mut bp, mut bm) = (b.clone(), b.clone());
            bp[idx] += eps;
            bm[idx] -= eps;
            num_db.push((loss(&x64, &w64, &bp) - loss(&x64, &w64, &bm)) / (2.0 * eps));
        }
        let f = |a: &[f32]| a.iter().map(|&v| v as f64).collect::<Vec<_>>();
        let pick = |a: &[f32], idx: &[usize]| idx.iter().map(|&i| a[i] as f64).collect::<Vec<_>>();
        let dx = g.dx.unwrap();
        let e_dx = rel_err(&pick(dx.as_slice().unwrap(), &xs), &num_dx);
        let e_dw = rel_err(&pick(g.dw.as_slice().unwrap(), &ws), &num_dw);
        let e_db = rel_err(&f(g.db.as_slice().unwrap()), &num_db);
        assert!(e_dx < 1e-4 && e_dw < 1e-4 && e_db < 1e-4, "dx {e_dx} dw {e_dw} db {e_db}");
    }
}

/// The portable kernels and the x86 AVX2 and AVX-512 ones (where this CPU has them)
/// give the same bits: a multiply then an add per lane, in the same order.
#[cfg(target_arch = "x86_64")]
#[test]
fn every_instruction_set_gives_the_same_bits() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut shapes: Vec<_> =
        cases().iter().filter(|c| c.s == 1).map(|c| (c.m, c.h, c.w, c.c, c.fh, c.fw, c.k, c.padding)).collect();
    // The robust network's layers, small: 16, 32 and 64 filters, 16 to 64 channels.
    shapes.extend([
        (2, 9, 10, 3, 3, 3, 16, Padding::Same),
        (2, 8, 7, 16, 3, 3, 32, Padding::Same),
        (1, 6, 6, 32, 3, 3, 64, Padding::Same),
        (1, 5, 4, 64, 3, 3, 24, Padding::Valid),
    ]);
    type Out = (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>);
    for (m, h, w, c, fh, fw, k, padding) in shapes {
        let g = ConvGeometry::new(m, (h, w, c), (fh, fw, k), 1, padding).unwrap();
        let r = |n: usize, rng: &mut ChaCha8Rng| (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect::<Vec<_>>();
        let (x, wt, b) = (r(g.x_len(), &mut rng), r(g.w_len(), &mut rng), r(k, &mut rng));
        let mut dy = r(g.out_len(), &mut rng);
        dy.iter_mut().step_by(3).for_each(|v| *v = 0.0);
        let fresh = || -> Out { (vec![0.0; g.out_len()], vec![0.0; g.w_len()], vec![0.0; k], vec![0.0; g.x_len()]) };
        let mut portable = fresh();
        g.forward_kernel::<Portable, false>(&x, &wt, &b, &mut portable.0);
        g.filter_grad::<Portable>(&x, &dy, &mut portable.1, &mut portable.2);
        g.input_grad::<Portable>(&wt, &dy, &mut portable.3);
        let bits = |o: &Out| [&o.0, &o.1, &o.2, &o.3].map(|v| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>());
        if x86::has_avx2() {
            let mut o = fresh();
            // SAFETY: checked just above.
            unsafe {
                x86::forward::<false>(&g, &x, &wt, &b, &mut o.0);
                x86::backward(&g, &x, &wt, &dy, &mut o.1, &mut o.2, Some(&mut o.3));
            }
            assert!(bits(&o) == bits(&portable), "AVX2 differs for {:?}", (m, h, w, c, fh, fw, k));
        }
        if x86::has_avx512() {
            let mut o = fresh();
            // SAFETY: checked just above.
            unsafe {
                x86::forward512::<false>(&g, &x, &wt, &b, &mut o.0);
                x86::backward512(&g, &x, &wt, &dy, &mut o.1, &mut o.2, Some(&mut o.3));
            }
            assert!(bits(&o) == bits(&portable), "AVX-512 differs for {:?}", (m, h, w, c, fh, fw, k));
        }
        // The public entry points, the backward pass in two halves (as profiling runs it).
        let mut o = fresh();
        g.forward_into(&x, &wt, &b, &mut o.0).unwrap();
        g.backward_into(&x, &wt, &dy, &mut o.1, &mut o.2, None).unwrap();
        g.input_grad_into(&wt, &dy, &mut o.3).unwrap();
        assert!(bits(&o) == bits(&portable), "the halves differ for {:?}", (m, h, w, c, fh, fw, k));
    }
}

#[test]
fn cross_and_true_convolution_differ_for_asymmetric_filters_only() {
    let x = lecture_image().into_shape_with_order((1, 6, 6, 1)).unwrap();
    let b = arr1(&[0f32]);
    let asym = ndarray::arr2(&[[1f32, 0., -1.], [1., 0., -1.], [1., 0., -1.]])
        .into_shape_with_order((3, 3, 1, 1))
        .unwrap();
    let sym = ndarray::arr2(&[[1f32, 2., 1.], [2., 4., 2.], [1., 2., 1.]])
        .into_shape_with_order((3, 3, 1, 1))
        .unwrap();
    let run = |w: &Array4<f32>, mode| conv2d(x.view(), w.view(), b.view(), 1, Padding::Valid, mode).unwrap();
    let (cross, truec) = (run(&asym, Correlation::Cross), run(&asym, Correlation::True));
    // Rotating [1,0,-1] by 180 degrees negates it: true convolution is the negative.
    assert_eq!(truec, cross.mapv(|v| -v));
    assert_ne!(truec, cross);
    assert_eq!(run(&sym, Correlation::Cross), run(&sym, Correlation::True));
}

#[test]
fn bad_shapes_are_errors() {
    let x = Array4::<f32>::zeros((1, 5, 5, 3));
    let w = Array4::<f32>::zeros((3, 3, 2, 4));
    let b = Array1::<f32>::zeros(4);
    let e = conv2d(x.view(), w.view(), b.view(), 1, Padding::Valid, Correlation::Cross).unwrap_err();
    assert!(e.to_string().contains("channels"), "{e}");
    let w = Array4::<f32>::zeros((3, 3, 3, 4));
    let e = conv2d(x.view(), w.view(), b.view(), 0, Padding::Valid, Correlation::Cross).unwrap_err();
    assert!(e.to_string().contains("stride"), "{e}");
    let big = Array4::<f32>::zeros((8, 8, 3, 4));
    let e = conv2d(x.view(), big.view(), b.view(), 1, Padding::Pad(1), Correlation::Cross).unwrap_err();
    assert!(e.to_string().contains("larger"), "{e}");
    let e = conv2d(x.view(), w.view(), Array1::zeros(3).view(), 1, Padding::Valid, Correlation::Cross)
        .unwrap_err();
    assert!(e.to_string().contains("biases"), "{e}");
    let dy = Array4::<f32>::zeros((1, 2, 2, 4));
    assert!(conv2d_backward(x.view(), w.view(), dy.view(), 1, Padding::Valid, Correlation::Cross, true).is_err());
    // The slice kernels check buffer lengths instead of panicking.
    let geo = ConvGeometry::new(1, (5, 5, 3), (3, 3, 4), 1, Padding::Same).unwrap();
    let mut out = vec![0f32; geo.out_len()];
    assert!(geo.forward_into(&[0.0; 3], &vec![0.0; geo.w_len()], &[0.0; 4], &mut out).is_err());
}

#[test]
fn geometry_of_signs_conv1() {
    let g = ConvGeometry::new(64, (64, 64, 3), (4, 4, 8), 1, Padding::Same).unwrap();
    assert_eq!((g.out_h, g.out_w), (64, 64));
    assert_eq!((g.pads.top, g.pads.bottom, g.pads.left, g.pads.right), (1, 2, 1, 2));
    assert_eq!(g.macs(), 64 * 64 * 64 * 8 * 4 * 4 * 3);
}
