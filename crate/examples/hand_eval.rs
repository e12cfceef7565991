//! Measures a trained model the way `docs/models.md` reports it: test-set accuracy, the 12
//! photos through the photo preprocessing, a strongly augmented copy of the test set (a
//! stand-in for other people's photos), with and without test-time averaging, and how
//! often the low-confidence warning fires on right and on wrong answers.
//!
//! `cargo run --release --example hand_eval -- eval WEIGHTS.json [DATA_DIR]`
//! `cargo run --release --example hand_eval -- round IN.json OUT.json [DIGITS]`
//! `cargo run --release --example hand_eval -- compact IN.json OUT.json` (version 1 to
//! version 2 of the weights format, checking that every value keeps its exact f32 bits)

use convlab::data::augment::Augment;
use convlab::hand_model::{assess_with, predict_views, to_json_rounded, View};
use convlab::model::Model;
use convlab::weights;
use ndarray::{Array2, Array4, Axis};
use rand::SeedableRng;
use std::path::{Path, PathBuf};

fn load(path: &Path) -> (Model, Vec<i64>) {
    let text = std::fs::read_to_string(path).expect("read weights");
    weights::from_json(&text).expect("valid weights")
}

fn argmax(row: ndarray::ArrayView1<f32>) -> usize {
    row.iter()
        .enumerate()
        .fold(0, |b, (i, &v)| if v > row[b] { i } else { b })
}

fn accuracy(p: &Array2<f32>, labels: &[u8]) -> (usize, usize) {
    let right = p
        .outer_iter()
        .zip(labels)
        .filter(|(row, &l)| argmax(row.view()) == l as usize)
        .count();
    (right, labels.len())
}

struct Set {
    name: &'static str,
    x: Array4<f32>,
    y: Vec<u8>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("round") => {
            let (model, classes) = load(Path::new(&args[1]));
            let digits = args.get(3).map(|d| d.parse().expect("digits")).unwrap_or(5);
            let json = to_json_rounded(&model, &classes, digits).expect("json");
            std::fs::write(&args[2], &json).expect("write");
            println!("{} bytes written to {}", json.len(), args[2]);
        }
        Some("compact") => compact(Path::new(&args[1]), Path::new(&args[2])),
        Some("eval") => eval(
            Path::new(&args[1]),
            args.get(2)
                .map(PathBuf::from)
                .or_else(convlab::testdata::sign_digits_dir)
                .expect("data dir"),
        ),
        _ => eprintln!("usage: hand_eval eval WEIGHTS [DIR] | round IN OUT [DIGITS] | compact IN OUT"),
    }
}

/// Re-encodes a weights file in version 2 and checks, before writing it, that the new
/// file's values are bit for bit the f32s parsed from the old file's numbers.
fn compact(input: &Path, output: &Path) {
    let old_text = std::fs::read_to_string(input).expect("read weights");
    let mut saved: weights::SavedModel = serde_json::from_str(&old_text).expect("weights JSON");
    let old_bits: Vec<u32> = saved
        .tensors
        .iter()
        .flat_map(|t| match &t.data {
            Some(d) => weights::decode_f32(d, &t.name).expect("data"),
            None => t.values.iter().map(|v| v.expect("a number")).collect(),
        })
        .map(f32::to_bits)
        .collect();
    weights::compact(&mut saved);
    let text = serde_json::to_string(&saved).expect("json");
    let again: weights::SavedModel = serde_json::from_str(&text).expect("reparse");
    let new_bits: Vec<u32> = again
        .tensors
        .iter()
        .flat_map(|t| weights::decode_f32(t.data.as_deref().expect("data"), &t.name).expect("decode"))
        .map(f32::to_bits)
        .collect();
    assert_eq!(old_bits.len(), new_bits.len());
    let differ = old_bits.iter().zip(&new_bits).filter(|(a, b)| a != b).count();
    assert_eq!(differ, 0, "{differ} values changed");
    weights::from_json(&text).expect("the new file loads");
    std::fs::write(output, &text).expect("write");
    println!(
        "{}: {} bytes (version {}) -> {}: {} bytes (version {}), {} values, all bit-identical",
        input.display(),
        old_text.len(),
        serde_json::from_str::<weights::SavedModel>(&old_text).map(|s| s.version).unwrap_or(0),
        output.display(),
        text.len(),
        again.version,
        new_bits.len()
    );
}

fn eval(weights_path: &Path, dir: PathBuf) {
    let (mut model, _) = load(weights_path);
    let test = convlab::data::h5::load_h5(
        &std::fs::read(dir.join("test_sign_digits.h5")).expect("test file"),
    )
    .expect("test set");
    let clean = test.images.mapv(|v| f32::from(v) / 255.0);
    // Five strongly augmented copies of the test set, seeded: other light, framing, pose.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2024);
    let mut aug_x = Vec::new();
    let mut aug_y = Vec::new();
    for _ in 0..5 {
        let mut b = clean.clone();
        Augment::robust().apply(&mut b, &mut rng).expect("augment");
        aug_x.push(b);
        aug_y.extend(&test.labels);
    }
    let views: Vec<_> = aug_x.iter().map(|a| a.view()).collect();
    let aug = ndarray::concatenate(Axis(0), &views).expect("concat");
    let mut photo_x = Vec::new();
    let mut photo_y = Vec::new();
    let mut names = Vec::new();
    for k in 0..6u8 {
        for n in 1..=2 {
            let name = format!("sign{k}_{n}.jpg");
            let x = convlab::data::preprocess::preprocess_file(&dir.join("photos").join(&name))
                .expect("photo");
            photo_x.push(x.insert_axis(Axis(0)));
            photo_y.push(k);
            names.push(name);
        }
    }
    let pv: Vec<_> = photo_x.iter().map(|a| a.view()).collect();
    let photos = ndarray::concatenate(Axis(0), &pv).expect("concat");
    let sets = [
        Set {
            name: "test",
            x: clean,
            y: test.labels.clone(),
        },
        Set {
            name: "test augmented x5",
            x: aug,
            y: aug_y,
        },
        Set {
            name: "photos",
            x: photos,
            y: photo_y,
        },
    ];
    let view_sets: Vec<(&str, Vec<View>)> = vec![
        ("plain", vec![View::Identity]),
        ("+flip", vec![View::Identity, View::Flip]),
        ("+zoom0.9", vec![View::Identity, View::Zoom(0.9)]),
        ("+zoom1.1", vec![View::Identity, View::Zoom(1.1)]),
        (
            "flip+zoom0.9/1.1 (6)",
            vec![
                View::Identity,
                View::Flip,
                View::Zoom(0.9),
                View::FlipZoom(0.9),
                View::Zoom(1.1),
                View::FlipZoom(1.1),
            ],
        ),
    ];
    let mut plain_probs = Vec::new();
    for (vname, vs) in &view_sets {
        let mut line = format!("{vname:<22}");
        for s in &sets {
            let p = predict_views(&mut model, s.x.view(), vs).expect("predict");
            let (r, n) = accuracy(&p, &s.y);
            line += &format!(" {}: {r}/{n} ({:.2}%)", s.name, 100.0 * r as f32 / n as f32);
            if *vname == "plain" {
                plain_probs.push(p);
            } else if *vname == "+flip" {
                plain_probs.push(p);
            }
        }
        println!("{line}");
    }
    // Per photo, plain.
    for (i, name) in names.iter().enumerate() {
        let row = plain_probs[2].row(i);
        let ps: Vec<String> = row.iter().map(|v| format!("{v:.3}")).collect();
        println!("  {name}: {} [{}]", argmax(row), ps.join(" "));
    }
    // Warning threshold: how often it fires on right and on wrong answers.
    for (label, offset) in [("plain", 0), ("+flip", 3)] {
        println!(
            "warning rates ({label}): threshold: per set right-flagged/right, wrong-flagged/wrong"
        );
        for t in [0.5f32, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95] {
            let mut line = format!("  t={t:.2}");
            for (s, p) in sets.iter().zip(&plain_probs[offset..offset + 3]) {
                let (mut rf, mut rn, mut wf, mut wn) = (0, 0, 0, 0);
                for (row, &l) in p.outer_iter().zip(&s.y) {
                    let probs: Vec<f32> = row.to_vec();
                    let a = assess_with(&probs, t);
                    if a.digit == l as usize {
                        rn += 1;
                        rf += a.warning.is_some() as usize;
                    } else {
                        wn += 1;
                        wf += a.warning.is_some() as usize;
                    }
                }
                line += &format!("  {}: {rf}/{rn}, {wf}/{wn}", s.name);
            }
            println!("{line}");
        }
    }
}
