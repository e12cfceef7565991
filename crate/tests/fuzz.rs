//! Property tests ("fuzzing" with proptest) of the paths that read what a student hands
//! the page: the HDF5 loader, the weights loader, the shape arithmetic and the photo
//! preprocessing. Each property: never panics, returns quickly, errors are
//! `ConvLabError` values, and when the answer is Ok it obeys the lecture's formula
//! (checked independently in u128).
//!
//! Cases per property: 300 by default (the whole file runs in well under a minute in the
//! test profile); `CONVLAB_FUZZ_CASES=20000 cargo test --test fuzz -- --nocapture` for a
//! long run. Each property prints how many inputs it ran.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use convlab::data::h5::{load_h5, load_train_test};
use convlab::data::preprocess::{preprocess, MAX_PIXELS};
use convlab::nn::layers::{layer_table, signs_network, LayerSpec, Shape3};
use convlab::nn::model::Model;
use convlab::conv::shape::{output_size, same_padding, Padding};
use convlab::train::weights::{from_json, to_json};
use convlab::ConvLabError;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Slowest acceptable single call (debug build, loaded 2-core machine): a hang shows up
/// as a failure, not a stuck test run.
const MAX_CALL: Duration = Duration::from_secs(5);

fn cases(default: u32) -> u32 {
    std::env::var("CONVLAB_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config(default: u32) -> Config {
    Config { cases: cases(default), failure_persistence: None, ..Config::default() }
}

/// Runs `strategy` through `check` and prints the number of inputs tried.
fn run<S: Strategy>(name: &str, default: u32, strategy: S, check: impl Fn(S::Value) -> std::result::Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let count = AtomicUsize::new(0);
    let start = Instant::now();
    let mut runner = TestRunner::new(config(default));
    let result = runner.run(&strategy, |v| {
        count.fetch_add(1, Ordering::Relaxed);
        check(v)
    });
    println!(
        "fuzz {name}: {} inputs in {:.1} s, no panic",
        count.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("fuzz {name}: {e}");
    }
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> std::result::Result<T, TestCaseError> {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    prop_assert!(took < MAX_CALL, "{what} took {took:?}");
    Ok(out)
}

// ---------------------------------------------------------------- HDF5 loading path

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/h5");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "h5"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

/// One way of damaging a file.
#[derive(Debug, Clone)]
enum Mutation {
    /// Flip bit `bit` of the byte at (position * len).
    FlipBit { at: f64, bit: u8 },
    /// Overwrite a byte.
    SetByte { at: f64, value: u8 },
    /// Keep only the first part.
    Truncate { keep: f64 },
    /// Copy a run of bytes from one place to another (splice within the file).
    Splice { from: f64, to: f64, len: usize },
    /// Overwrite 8 bytes with an extreme little-endian integer (sizes, offsets).
    Extreme { at: f64, value: u64 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let extreme = prop_oneof![Just(0u64), Just(1), Just(u64::MAX), Just(u32::MAX as u64), Just(1 << 40), any::<u64>()];
    prop_oneof![
        4 => (0.0..1.0f64, 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        2 => (0.0..1.0f64, any::<u8>()).prop_map(|(at, value)| Mutation::SetByte { at, value }),
        1 => (0.0..1.0f64).prop_map(|keep| Mutation::Truncate { keep }),
        1 => (0.0..1.0f64, 0.0..1.0f64, 1usize..512).prop_map(|(from, to, len)| Mutation::Splice { from, to, len }),
        2 => (0.0..1.0f64, extreme).prop_map(|(at, value)| Mutation::Extreme { at, value }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let n = bytes.len();
    if n == 0 {
        return;
    }
    let idx = |at: f64| ((at * n as f64) as usize).min(n - 1);
    match *m {
        Mutation::FlipBit { at, bit } => bytes[idx(at)] ^= 1 << bit,
        Mutation::SetByte { at, value } => bytes[idx(at)] = value,
        Mutation::Truncate { keep } => bytes.truncate((keep * n as f64) as usize),
        Mutation::Splice { from, to, len } => {
            let (from, to) = (idx(from), idx(to));
            let len = len.min(n - from).min(n - to);
            let chunk = bytes[from..from + len].to_vec();
            bytes[to..to + len].copy_from_slice(&chunk);
        }
        Mutation::Extreme { at, value } => {
            let i = idx(at);
            for (k, b) in value.to_le_bytes().iter().enumerate() {
                if let Some(slot) = bytes.get_mut(i + k) {
                    *slot = *b;
                }
            }
        }
    }
}

fn check_h5_result<T>(r: &convlab::Result<T>) -> std::result::Result<(), TestCaseError> {
    if let Err(e) = r {
        prop_assert!(matches!(e, ConvLabError::Data(_)), "h5 error of the wrong kind: {e:?}");
        prop_assert!(!e.to_string().is_empty());
    }
    Ok(())
}

#[test]
fn h5_random_bytes() {
    let sig = vec![0x89u8, b'H', b'D', b'F', b'\r', b'\n', 0x1a, b'\n'];
    // Half of the inputs start with the HDF5 signature so they get past the first check.
    let strategy = (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..4096)).prop_map(move |(signed, mut v)| {
        if signed {
            let mut s = sig.clone();
            s.append(&mut v);
            s
        } else {
            v
        }
    });
    run("h5 random bytes", 500, strategy, |bytes| {
        let r = timed("load_h5", || load_h5(&bytes))?;
        check_h5_result(&r)?;
        prop_assert!(r.is_err(), "random bytes loaded as a dataset");
        Ok(())
    });
}

#[test]
fn h5_mutated_fixtures() {
    let files = fixtures();
    assert!(files.len() >= 10, "expected the committed .h5 fixtures");
    let n = files.len();
    let strategy = (0..n, proptest::collection::vec(mutation(), 1..6));
    run("h5 mutated fixtures", 1000, strategy, |(i, muts)| {
        let mut bytes = files[i].1.clone();
        for m in &muts {
            apply(&mut bytes, m);
        }
        let r = timed("load_h5", || load_h5(&bytes))?;
        check_h5_result(&r)?;
        if let Ok(d) = &r {
            // Whatever survived the damage must still be a consistent dataset.
            prop_assert_eq!(d.images.shape()[0], d.labels.len());
            prop_assert!(d.labels.iter().all(|&l| (l as usize) < d.classes.len()));
        }
        Ok(())
    });
}

#[test]
fn h5_train_test_pairs() {
    let files = fixtures();
    let n = files.len();
    let strategy = (0..n, 0..n, proptest::collection::vec(mutation(), 0..3));
    run("h5 train/test pairs", 300, strategy, |(a, b, muts)| {
        let mut test = files[b].1.clone();
        for m in &muts {
            apply(&mut test, m);
        }
        let r = timed("load_train_test", || load_train_test(&files[a].1, &test))?;
        check_h5_result(&r)?;
        if let Ok((tr, te)) = &r {
            prop_assert_eq!(&tr.classes, &te.classes);
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- weights loader

fn small_model_json() -> String {
    let model = Model::new(&signs_network(), (64, 64, 3), 1).expect("SIGNS model");
    to_json(&model, &[0, 1, 2, 3, 4, 5]).expect("to_json")
}

/// Mutations of a JSON document as a tree: replace a number with an extreme one, drop or
/// duplicate an array element or object field, change a type.
#[derive(Debug, Clone)]
enum JsonEdit {
    Number { pick: usize, value: serde_json::Value },
    DropElement { pick: usize },
    Duplicate { pick: usize },
    Retype { pick: usize, value: serde_json::Value },
    TextCut { at: f64 },
    TextByte { at: f64, byte: u8 },
}

fn extreme_json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    prop_oneof![
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1)),
        Just(json!(2)),
        Just(json!(1e12)),
        Just(json!(u64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(usize::MAX / 2)),
        Just(json!(1u64 << 32)),
        Just(json!(100_000)),
        Just(json!(1.5)),
        Just(json!(null)),
        Just(json!("abc")),
        Just(json!([])),
        Just(json!({})),
        any::<u32>().prop_map(|v| json!(v)),
        any::<f32>().prop_map(|v| json!(v)),
    ]
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    prop_oneof![
        4 => (any::<usize>(), extreme_json_value()).prop_map(|(pick, value)| JsonEdit::Number { pick, value }),
        2 => any::<usize>().prop_map(|pick| JsonEdit::DropElement { pick }),
        1 => any::<usize>().prop_map(|pick| JsonEdit::Duplicate { pick }),
        2 => (any::<usize>(), extreme_json_value()).prop_map(|(pick, value)| JsonEdit::Retype { pick, value }),
        1 => (0.0..1.0f64).prop_map(|at| JsonEdit::TextCut { at }),
        1 => (0.0..1.0f64, any::<u8>()).prop_map(|(at, byte)| JsonEdit::TextByte { at, byte }),
    ]
}

/// Paths to every node of the document, outside the (long) tensor value lists so that
/// edits hit the structure, with a few value paths kept.
fn nodes(v: &serde_json::Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(path.clone());
    match v {
        serde_json::Value::Array(a) => {
            let is_values = matches!(path.last(), Some(PathStep::Key(k)) if k == "values");
            for (i, x) in a.iter().enumerate() {
                if is_values && i > 2 {
                    break;
                }
                path.push(PathStep::Index(i));
                nodes(x, path, out);
                path.pop();
            }
        }
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                path.push(PathStep::Key(k.clone()));
                nodes(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone, PartialEq)]
enum PathStep {
    Index(usize),
    Key(String),
}

fn node_mut<'a>(v: &'a mut serde_json::Value, path: &[PathStep]) -> Option<&'a mut serde_json::Value> {
    let mut cur = v;
    for step in path {
        cur = match step {
            PathStep::Index(i) => cur.get_mut(*i)?,
            PathStep::Key(k) => cur.get_mut(k.as_str())?,
        };
    }
    Some(cur)
}

fn edit_json(text: &str, edits: &[JsonEdit]) -> String {
    let mut doc: serde_json::Value = serde_json::from_str(text).unwrap();
    let mut raw: Option<String> = None;
    for e in edits {
        let mut all = Vec::new();
        nodes(&doc, &mut Vec::new(), &mut all);
        match e {
            JsonEdit::Number { pick, value } => {
                let numbers: Vec<_> = all
                    .iter()
                    .filter(|p| node_mut(&mut doc, p).is_some_and(|n| n.is_number()))
                    .cloned()
                    .collect();
                if let Some(p) = numbers.get(pick % numbers.len().max(1)) {
                    if let Some(n) = node_mut(&mut doc, p) {
                        *n = value.clone();
                    }
                }
            }
            JsonEdit::Retype { pick, value } => {
                let p = &all[pick % all.len()];
                if let Some(n) = node_mut(&mut doc, p) {
                    *n = value.clone();
                }
            }
            JsonEdit::DropElement { pick } | JsonEdit::Duplicate { pick } => {
                let p = &all[pick % all.len()];
                if let Some((last, parent)) = p.split_last() {
                    if let Some(container) = node_mut(&mut doc, parent) {
                        let dup = matches!(e, JsonEdit::Duplicate { .. });
                        match (container, last) {
                            (serde_json::Value::Array(a), PathStep::Index(i)) if *i < a.len() => {
                                if dup {
                                    let x = a[*i].clone();
                                    a.insert(*i, x);
                                } else {
                                    a.remove(*i);
                                }
                            }
                            (serde_json::Value::Object(o), PathStep::Key(k)) if !dup => {
                                o.remove(k);
                            }
                            _ => {}
                        }
                    }
                }
            }
            JsonEdit::TextCut { at } => {
                let s = raw.take().unwrap_or_else(|| doc.to_string());
                let mut cut = (at * s.len() as f64) as usize;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                raw = Some(s[..cut].to_string());
            }
            JsonEdit::TextByte { at, byte } => {
                let s = raw.take().unwrap_or_else(|| doc.to_string());
                let mut bytes = s.into_bytes();
                if !bytes.is_empty() {
                    let i = ((at * bytes.len() as f64) as usize).min(bytes.len() - 1);
                    bytes[i] = *byte;
                }
                raw = Some(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    raw.unwrap_or_else(|| doc.to_string())
}

#[test]
fn weights_json_mutations() {
    let text = small_model_json();
    // The unmutated document loads: the mutations start from a valid file.
    assert!(from_json(&text).is_ok());
    run("weights JSON mutations", 600, proptest::collection::vec(json_edit(), 1..4), |edits| {
        let mutated = edit_json(&text, &edits);
        let r = timed("from_json", || from_json(&mutated))?;
        if let Err(e) = &r {
            prop_assert!(matches!(e, ConvLabError::Weights(_)), "weights error of the wrong kind: {e:?}");
        }
        Ok(())
    });
}

#[test]
fn weights_random_strings() {
    let strategy = prop_oneof![
        any::<String>(),
        proptest::collection::vec(any::<u8>(), 0..512).prop_map(|v| String::from_utf8_lossy(&v).into_owned()),
        // Near-misses of the format.
        "\\{\"format\": *\"convlab-weights\", *\"version\": *[0-9]{1,3}.{0,40}\\}",
    ];
    run("weights random strings", 500, strategy, |s| {
        let r = timed("from_json", || from_json(&s))?;
        prop_assert!(matches!(r, Err(ConvLabError::Weights(_))), "random text: {:?}", r.map(|_| ()));
        Ok(())
    });
}

// ---------------------------------------------------------------- shape arithmetic

/// usize values from small to the very largest, weighted towards the edges.
/// A size error: a shape message, coded (the page words it) or not, or a layer's failure.
fn is_shape(e: &ConvLabError) -> bool {
    match e {
        ConvLabError::Shape(_) => true,
        ConvLabError::Coded(m) => m.code().starts_with("shape.") || m.code().starts_with("layers."),
        _ => false,
    }
}

fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        4 => 0usize..40,
        2 => 0usize..100_000,
        1 => Just(usize::MAX),
        1 => Just(usize::MAX - 1),
        1 => Just(usize::MAX / 2),
        1 => Just(u32::MAX as usize),
        1 => any::<usize>(),
    ]
}

/// The lecture's formula in u128, where nothing overflows for usize inputs.
fn expected_output(n: usize, f: usize, pb: usize, pa: usize, s: usize) -> Option<u128> {
    let (n, f, pb, pa, s) = (n as u128, f as u128, pb as u128, pa as u128, s as u128);
    if s == 0 || f == 0 || n == 0 || f > n + pb + pa {
        return None;
    }
    Some((n + pb + pa - f) / s + 1)
}

#[test]
fn shape_output_size() {
    run("shape::output_size", 2000, (size(), size(), size(), size(), size()), |(n, f, pb, pa, s)| {
        let r = output_size(n, f, pb, pa, s);
        let padded_fits = (n as u128 + pb as u128 + pa as u128) <= usize::MAX as u128;
        match (r, expected_output(n, f, pb, pa, s)) {
            (Ok(o), Some(e)) => prop_assert_eq!(o as u128, e),
            (Ok(o), None) => prop_assert!(false, "Ok({o}) for an impossible setting"),
            // An error for a possible setting is fine only when n + 2p overflows usize.
            (Err(err), Some(_)) => prop_assert!(!padded_fits, "refused a valid setting: {err}"),
            (Err(err), None) => prop_assert!(is_shape(&err), "{err:?}"),
        }
        Ok(())
    });
}

#[test]
fn shape_same_padding() {
    run("shape::same_padding", 2000, (size(), size(), size()), |(n, f, s)| {
        match same_padding(n, f, s) {
            Ok((before, after, out)) => {
                let (n2, f2, s2) = (n as u128, f as u128, s as u128);
                prop_assert!(n > 0 && f > 0 && s > 0);
                prop_assert_eq!(out as u128, n2.div_ceil(s2));
                let total = ((out as u128 - 1) * s2 + f2).saturating_sub(n2);
                prop_assert_eq!(before as u128 + after as u128, total);
                prop_assert_eq!(before as u128, total / 2);
                // TensorFlow: the odd pixel goes after, and the output size is consistent.
                prop_assert!(after >= before && after - before <= 1);
                prop_assert_eq!(expected_output(n, f, before, after, s), Some(out as u128));
            }
            Err(e) => prop_assert!(is_shape(&e), "{e:?}"),
        }
        Ok(())
    });
}

fn padding() -> impl Strategy<Value = Padding> {
    prop_oneof![
        Just(Padding::Valid),
        Just(Padding::Same),
        size().prop_map(Padding::Pad),
        (size(), size(), size(), size()).prop_map(|(top, bottom, left, right)| Padding::Explicit { top, bottom, left, right }),
    ]
}

#[test]
fn shape_padding_resolve() {
    let strategy = (padding(), (size(), size()), (size(), size()), size());
    run("Padding::resolve", 2000, strategy, |(p, (h, w), (fh, fw), s)| {
        match p.resolve((h, w), (fh, fw), s) {
            Ok((pads, (oh, ow))) => {
                prop_assert_eq!(Some(oh as u128), expected_output(h, fh, pads.top, pads.bottom, s));
                prop_assert_eq!(Some(ow as u128), expected_output(w, fw, pads.left, pads.right, s));
                match p {
                    Padding::Valid => prop_assert_eq!(pads, Default::default()),
                    Padding::Pad(q) => prop_assert!(pads.top == q && pads.bottom == q && pads.left == q && pads.right == q),
                    Padding::Same => {
                        prop_assert_eq!(oh as u128, (h as u128).div_ceil(s as u128));
                        prop_assert_eq!(ow as u128, (w as u128).div_ceil(s as u128));
                    }
                    Padding::Explicit { top, bottom, left, right } => {
                        prop_assert!(pads.top == top && pads.bottom == bottom && pads.left == left && pads.right == right)
                    }
                }
            }
            Err(e) => prop_assert!(is_shape(&e), "{e:?}"),
        }
        Ok(())
    });
}

fn layer_spec() -> impl Strategy<Value = LayerSpec> {
    prop_oneof![
        (size(), size(), size(), padding(), any::<bool>()).prop_map(|(f, filters, stride, padding, bias)| LayerSpec::Conv { f, filters, stride, padding, bias }),
        Just(LayerSpec::Relu),
        (size(), size(), padding()).prop_map(|(f, stride, padding)| LayerSpec::MaxPool { f, stride, padding }),
        (size(), size(), padding()).prop_map(|(f, stride, padding)| LayerSpec::AvgPool { f, stride, padding }),
        Just(LayerSpec::GlobalAvgPool),
        Just(LayerSpec::BatchNorm),
        prop_oneof![Just(f32::NAN), Just(-1.0f32), Just(1.0), Just(0.5), any::<f32>()].prop_map(|rate| LayerSpec::Dropout { rate }),
        Just(LayerSpec::Flatten),
        size().prop_map(|units| LayerSpec::Dense { units }),
    ]
}

#[test]
fn shape_layer_table() {
    let strategy = ((size(), size(), size()), proptest::collection::vec(layer_spec(), 0..6));
    run("layers::layer_table", 2000, strategy, |(input, specs): (Shape3, Vec<LayerSpec>)| {
        match layer_table(input, &specs) {
            Ok(rows) => {
                prop_assert_eq!(rows.len(), specs.len());
                let mut prev = input;
                for row in &rows {
                    let (h, w, c) = prev;
                    let (h2, w2, c2) = (h as u128, w as u128, c as u128);
                    match row.spec {
                        LayerSpec::Conv { f, filters, bias, .. } => {
                            prop_assert_eq!(row.output.2, filters);
                            prop_assert_eq!(row.params as u128, (f as u128 * f as u128 * c2 + bias as u128) * filters as u128);
                            prop_assert_eq!(
                                row.macs as u128,
                                row.output.0 as u128 * row.output.1 as u128 * filters as u128 * f as u128 * f as u128 * c2
                            );
                        }
                        LayerSpec::Flatten => prop_assert_eq!(row.output, (1, 1, (h2 * w2 * c2) as usize)),
                        LayerSpec::Dense { units } => {
                            prop_assert_eq!(row.params as u128, (c2 + 1) * units as u128);
                        }
                        LayerSpec::BatchNorm => prop_assert_eq!(row.params as u128, 2 * c2),
                        _ => {}
                    }
                    prev = row.output;
                }
            }
            Err(e) => prop_assert!(is_shape(&e) || matches!(e, ConvLabError::Param(_)), "{e:?}"),
        }
        Ok(())
    });
}

// ---------------------------------------------------------------- photo preprocessing

#[test]
fn preprocess_random_small_photos() {
    let strategy = (1usize..48, 1usize..48, prop_oneof![Just(3usize), Just(4)], 0u8..10, any::<u64>(), -2i32..3);
    run("preprocess small photos", 400, strategy, |(w, h, ch, orientation, seed, len_delta)| {
        let len = (w * h * ch) as i64 + len_delta as i64;
        let pixels: Vec<u8> = (0..len.max(0) as u64).map(|i| (i.wrapping_mul(seed | 1) >> 3) as u8).collect();
        let r = timed("preprocess", || preprocess(&pixels, w, h, ch, orientation))?;
        let valid = len_delta == 0 && (1..=8).contains(&orientation);
        match r {
            Ok(out) => {
                prop_assert!(valid, "accepted a wrong buffer or orientation");
                prop_assert_eq!(out.shape(), &[64, 64, 3]);
                prop_assert!(out.iter().all(|v| (0.0..=1.0).contains(v)));
            }
            Err(e) => {
                prop_assert!(!valid, "refused a valid photo: {e}");
                prop_assert!(matches!(e, ConvLabError::Param(_)));
            }
        }
        Ok(())
    });
}

#[test]
fn preprocess_sizes_without_buffers() {
    // Claimed sizes with an empty buffer, including the largest: refused, never allocated.
    let strategy = (size(), size(), size(), any::<u8>());
    run("preprocess claimed sizes", 1000, strategy, |(w, h, ch, o)| {
        let r = timed("preprocess", || preprocess(&[], w, h, ch, o))?;
        prop_assert!(matches!(r, Err(ConvLabError::Param(_))));
        Ok(())
    });
}

#[test]
fn preprocess_just_over_the_pixel_limit() {
    // MAX_PIXELS + 1 pixels: refused with a message naming the limit, in any layout.
    for (w, h) in [(MAX_PIXELS + 1, 1), (1, MAX_PIXELS + 1), (7071, 7072), (10_000, 10_000)] {
        let pixels = vec![0u8; 3]; // the size check comes before the buffer check
        let err = preprocess(&pixels, w, h, 3, 1).unwrap_err();
        assert!(err.to_string().contains("50 megapixels"), "{w}x{h}: {err}");
    }
}

// ---------------------------------------------------------------- regressions

/// Bug: the parameter count of a batch norm layer was `2 * c` unchecked, so a huge channel
/// count panicked (debug) or wrapped (release, wasm) in the layer table.
#[test]
fn regression_batch_norm_channel_overflow() {
    let err = layer_table((1, 1, usize::MAX), &[LayerSpec::BatchNorm]).unwrap_err();
    assert!(matches!(err, ConvLabError::Shape(_)), "{err:?}");
    assert!(err.to_string().contains("too large"), "{err}");
}

/// Bug: `Model::new` allocated every activation buffer before anything compared the
/// sizes with a limit, so a weights file claiming a 64 x 4294967296 input (or a stack whose
/// activations overflow usize) aborted the process/wasm module instead of giving an error.
#[test]
fn regression_weights_file_with_a_huge_input_is_refused() {
    let mut doc: serde_json::Value = serde_json::from_str(&small_model_json()).unwrap();
    doc["input"] = serde_json::json!([64, 1u64 << 32, 3]);
    let err = from_json(&doc.to_string()).unwrap_err();
    assert!(matches!(err, ConvLabError::Weights(_)), "{err:?}");
    assert!(err.to_string().contains("too large"), "{err}");
    let specs = [LayerSpec::GlobalAvgPool, LayerSpec::Flatten, LayerSpec::Dense { units: 2 }];
    for input in [(1usize, 1usize << 40, 1usize), (1 << 32, 1 << 32, 1 << 32)] {
        let err = Model::new(&specs, input, 0).unwrap_err();
        assert!(err.to_string().contains("too large"), "{input:?}: {err}");
    }
    // A huge fully connected layer: parameters over the limit.
    let specs = [LayerSpec::Flatten, LayerSpec::Dense { units: 1 << 30 }];
    assert!(Model::new(&specs, (2, 2, 1), 0).is_err());
}
