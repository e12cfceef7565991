//! Measures a trained model the way `docs/models.md` reports it.
//!
//! `eval`: the four sets of the candidates table, each with the views the page and
//! `convlab classify` average over (`hand_model::views_for`): the sign-digit test set, the
//! cross-camera validation (`crate/tests/fixtures/cross_camera`, through
//! `classify::classify_file`, the command line's own photo path), the synthetic hands'
//! test split, and the 12 shared photos (same photo path); then the confusion matrix and
//! the warning's rates on the cross-camera validation.
//! `views`: test-time averaging compared (photo alone, mirror, zooms) on the test set, a
//! strongly augmented copy of it and the 12 photos, with the warning's rates.
//!
//! `cargo run --release --example hand_eval -- eval WEIGHTS.json [DATA_DIR]`
//! `cargo run --release --example hand_eval -- views WEIGHTS.json [DATA_DIR]`
//! `cargo run --release --example hand_eval -- ensemble A.json B.json ...` (several models'
//! probabilities averaged, on the plain test, the 12 photos and the cross-camera set)
//! `cargo run --release --example hand_eval -- temperature WEIGHTS.json` (temperature
//! scaling on the cross-camera validation: its likelihood and the warning's rates)
//! `cargo run --release --example hand_eval -- round IN.json OUT.json [DIGITS]`
//! `cargo run --release --example hand_eval -- augment-sheet all|photo JSON|- OUT.png`
//! (64 augmented sign-digit training pictures at full strength, 8x8, to look at)
//! `cargo run --release --example hand_eval -- compact IN.json OUT.json` (version 1 to
//! version 2 of the weights format, checking that every value keeps its exact f32 bits)

use convlab::data::augment::Augment;
use convlab::classify::{classify_file, prediction, Calibration, UNCALIBRATED};
use convlab::data::synthetic;
use convlab::classify::hand_model::{predict_views, to_json_rounded, views_for, View};
use convlab::nn::model::Model;
use convlab::train::weights;
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
        Some("average") => average(&args[1..]),
        Some("ensemble") => ensemble(&args[1..]),
        Some("temperature") => temperature(Path::new(&args[1])),
        Some("compact") => compact(Path::new(&args[1]), Path::new(&args[2])),
        Some("augment-sheet") => augment_sheet(&args[1], args.get(2).map(String::as_str), Path::new(&args[3])),
        Some(cmd @ ("eval" | "views")) => {
            let dir = args
                .get(2)
                .map(PathBuf::from)
                .or_else(convlab::testdata::sign_digits_dir)
                .expect("data dir");
            if cmd == "eval" {
                eval(Path::new(&args[1]), dir)
            } else {
                compare_views(Path::new(&args[1]), dir)
            }
        }
        _ => eprintln!("usage: hand_eval eval|views WEIGHTS [DIR] | ensemble WEIGHTS... | temperature WEIGHTS | round IN OUT [DIGITS] | compact IN OUT"),
    }
}

/// 64 training pictures through an augmentation preset (with JSON fields over it), on a
/// 8x8 sheet.
fn augment_sheet(preset: &str, json: Option<&str>, out: &Path) {
    let mut a = if preset == "photo" { Augment::photo() } else { Augment::robust() };
    if let Some(j) = json.filter(|j| *j != "-") {
        let mut v = serde_json::to_value(&a).expect("settings");
        let over: serde_json::Value = serde_json::from_str(j).expect("JSON");
        for (k, x) in over.as_object().expect("object") {
            v[k] = x.clone();
        }
        a = serde_json::from_value(v).expect("settings");
    }
    let dir = convlab::testdata::sign_digits_dir().expect("data dir");
    let train = convlab::data::h5::load_h5(&std::fs::read(dir.join("train_sign_digits.h5")).expect("train"))
        .expect("train set");
    let idx: Vec<usize> = (0..64).map(|i| i * 17 % train.len()).collect();
    let mut batch = Array4::from_shape_fn((64, 64, 64, 3), |(i, y, x, c)| {
        f32::from(train.images[[idx[i], y, x, c]]) / 255.0
    });
    a.apply(&mut batch, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1)).expect("augment");
    let side = 8 * 66;
    let mut sheet = vec![0u8; side * side * 3];
    for i in 0..64 {
        let (r, c) = (i / 8, i % 8);
        for y in 0..64 {
            for x in 0..64 {
                for ch in 0..3 {
                    sheet[((r * 66 + y) * side + c * 66 + x) * 3 + ch] =
                        (batch[[i, y, x, ch]] * 255.0).round() as u8;
                }
            }
        }
    }
    let file = std::io::BufWriter::new(std::fs::File::create(out).expect("create"));
    let mut encoder = png::Encoder::new(file, side as u32, side as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("png header");
    writer.write_image_data(&sheet).expect("png data");
    println!("{}", serde_json::to_string(&a).expect("json"));
}

/// `average A.json B.json ... OUT.json`: the element-wise mean of models of the same
/// network (every tensor, batch norm running statistics included): a weight average of
/// fine-tunes from one starting point.
fn average(args: &[String]) {
    let (out, inputs) = args.split_last().expect("average IN.json... OUT.json");
    let saved: Vec<weights::SavedModel> = inputs
        .iter()
        .map(|p| {
            let (m, c) = load(Path::new(p));
            weights::to_saved(&m, &c)
        })
        .collect();
    let mut mean = saved[0].clone();
    for (i, t) in mean.tensors.iter_mut().enumerate() {
        for (j, v) in t.values.iter_mut().enumerate() {
            let sum: f32 = saved.iter().map(|s| s.tensors[i].values[j].expect("a number")).sum();
            *v = Some(sum / saved.len() as f32);
        }
    }
    weights::compact(&mut mean);
    let text = serde_json::to_string(&mean).expect("json");
    weights::from_json(&text).expect("the mean loads");
    std::fs::write(out, &text).expect("write");
    println!("the mean of {} models written to {out}", inputs.len());
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

/// The four sets of the candidates table in `docs/models.md`, with the shipped views.
fn eval(weights_path: &Path, dir: PathBuf) {
    let text = std::fs::read_to_string(weights_path).expect("read weights");
    let (mut model, classes, calibration) = weights::from_json_calibrated(&text).expect("valid weights");
    // HAND_EVAL_VIEWS='["Identity", {"Zoom": 1.1}]' measures other views than the shipped ones.
    let views: Vec<View> = match std::env::var("HAND_EVAL_VIEWS") {
        Ok(json) => serde_json::from_str(&json).expect("HAND_EVAL_VIEWS: a JSON list of views"),
        Err(_) => views_for(&model).to_vec(),
    };
    println!("{}: views {views:?}", weights_path.display());
    let test = convlab::data::h5::load_h5(
        &std::fs::read(dir.join("test_sign_digits.h5")).expect("test file"),
    )
    .expect("test set");
    let x = test.images.mapv(|v| f32::from(v) / 255.0);
    let p = predict_views(&mut model, x.view(), &views).expect("predict");
    let (test_right, test_n) = accuracy(&p, &test.labels);
    let syn = synthetic::generate(synthetic::DEFAULT_TEST_COUNT, synthetic::DEFAULT_TEST_SEED);
    let x = syn.images.mapv(|v| f32::from(v) / 255.0);
    let p = predict_views(&mut model, x.view(), &views).expect("predict");
    let (syn_right, syn_n) = accuracy(&p, &syn.labels);
    // Photo files go through the command line's own path: decode, preprocess, views.
    let mut photo = |path: &Path| {
        classify_file(&mut model, &classes, &calibration, path, &views)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .0
    };
    let shared: Vec<(PathBuf, u8)> = (0..6u8)
        .flat_map(|k| (1..=2).map(move |n| (k, n)))
        .map(|(k, n)| (dir.join("photos").join(format!("sign{k}_{n}.jpg")), k))
        .collect();
    let photos_right = shared
        .iter()
        .filter(|(path, k)| photo(path).index == *k as usize)
        .count();
    let cross = convlab::testdata::cross_camera_photos().expect("cross-camera photos");
    let answers: Vec<(u8, convlab::classify::Prediction)> =
        cross.iter().map(|(path, k)| (*k, photo(path))).collect();
    let cross_right = answers.iter().filter(|(k, p)| p.index == *k as usize).count();
    let pct = |r: usize, n: usize| 100.0 * r as f32 / n as f32;
    println!(
        "| plain test {test_right}/{test_n} ({:.1}%) | cross-camera {cross_right}/{} ({:.1}%) | synthetic {syn_right}/{syn_n} ({:.1}%) | 12 photos {photos_right}/12 |",
        pct(test_right, test_n),
        cross.len(),
        pct(cross_right, cross.len()),
        pct(syn_right, syn_n)
    );
    println!("cross-camera confusion (rows: true digit, columns: answer):");
    println!("| true \\ answered | 0 | 1 | 2 | 3 | 4 | 5 | right |");
    for k in 0..6 {
        let mut row = [0usize; 6];
        for (_, p) in answers.iter().filter(|(t, _)| *t as usize == k) {
            row[p.index.min(5)] += 1;
        }
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(j, &c)| match (c, j == k) {
                (0, _) => String::new(),
                (c, true) => format!("**{c}**"),
                (c, false) => c.to_string(),
            })
            .collect();
        println!("| {k} | {} | {}/{} |", cells.join(" | "), row[k], row.iter().sum::<usize>());
    }
    let flagged = |right: bool| {
        let kind: Vec<_> = answers.iter().filter(|(k, p)| (p.index == *k as usize) == right).collect();
        (kind.iter().filter(|(_, p)| p.warning.is_some()).count(), kind.len())
    };
    let ((wf, wn), (rf, rn)) = (flagged(false), flagged(true));
    println!(
        "the page's warning on the cross-camera validation (this model's calibration, warn below {:.3}): errors flagged {wf}/{wn} ({:.0}%), right answers flagged {rf}/{rn} ({:.1}%)",
        calibration.warn_below,
        pct(wf, wn),
        pct(rf, rn)
    );
    println!("warning on the cross-camera validation: threshold, wrong answers flagged, right answers flagged");
    for t in [0.5f32, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95] {
        let (mut rf, mut rn, mut wf, mut wn) = (0, 0, 0, 0);
        for (k, p) in &answers {
            let flagged = p.confidence < t;
            if p.index == *k as usize {
                rn += 1;
                rf += usize::from(flagged);
            } else {
                wn += 1;
                wf += usize::from(flagged);
            }
        }
        println!("  t={t:.2}: wrong {wf}/{wn}, right {rf}/{rn}");
    }
}

/// Test-time averaging compared: the views table of `docs/models.md`.
fn compare_views(weights_path: &Path, dir: PathBuf) {
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
        ("shipped (6)", convlab::classify::hand_model::DEFAULT_VIEWS.to_vec()),
    ];
    let mut plain_probs = Vec::new();
    for (vname, vs) in &view_sets {
        let mut line = format!("{vname:<22}");
        for s in &sets {
            let p = predict_views(&mut model, s.x.view(), vs).expect("predict");
            let (r, n) = accuracy(&p, &s.y);
            line += &format!(" {}: {r}/{n} ({:.2}%)", s.name, 100.0 * r as f32 / n as f32);
            if *vname == "plain" || *vname == "+flip" {
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
                    let a = prediction(&probs, &[], &Calibration { warn_below: t, ..UNCALIBRATED }).expect("probabilities");
                    if a.index == l as usize {
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

/// Several models' probabilities averaged (each with its own views): the plain test, the
/// cross-camera validation and the 12 photos, and the warning a threshold on the averaged
/// top probability would give there (fitted to flag at most 5% of the right answers), beside
/// flagging every photo on which the models' own answers differ.
fn ensemble(paths: &[String]) {
    let dir = convlab::testdata::sign_digits_dir().expect("data dir");
    let mut members: Vec<(Model, Vec<i64>, Calibration)> = paths
        .iter()
        .map(|p| weights::from_json_calibrated(&std::fs::read_to_string(p).expect("read")).expect("weights"))
        .collect();
    let test = convlab::data::h5::load_h5(&std::fs::read(dir.join("test_sign_digits.h5")).expect("test file")).expect("test set");
    let x = test.images.mapv(|v| f32::from(v) / 255.0);
    let mut mean: Option<Array2<f32>> = None;
    for (model, _, _) in members.iter_mut() {
        let views = views_for(model).to_vec();
        let p = predict_views(model, x.view(), &views).expect("predict");
        println!("member plain test {:?}", accuracy(&p, &test.labels));
        mean = Some(mean.map_or(p.clone(), |m| m + &p));
    }
    println!("ensemble plain test {:?}", accuracy(&mean.unwrap(), &test.labels));
    let photo = |members: &mut Vec<(Model, Vec<i64>, Calibration)>, path: &Path| -> Vec<Vec<f32>> {
        members
            .iter_mut()
            .map(|(m, c, cal)| {
                let views = views_for(m).to_vec();
                classify_file(m, c, cal, path, &views).expect("classify").0.probabilities
            })
            .collect()
    };
    let shared: Vec<(PathBuf, u8)> = (0..6u8)
        .flat_map(|k| (1..=2).map(move |n| (k, n)))
        .map(|(k, n)| (dir.join("photos").join(format!("sign{k}_{n}.jpg")), k))
        .collect();
    let cross = convlab::testdata::cross_camera_photos().expect("cross-camera photos");
    let top = |p: &[f32]| p.iter().enumerate().fold((0, 0.0f32), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
    for (name, set) in [("12 photos", &shared), ("cross-camera", &cross)] {
        let mut answers = Vec::new();
        let mut member_right = vec![0; members.len()];
        let (mut disagree_wrong, mut disagree_right) = (0, 0);
        for (path, k) in set.iter() {
            let ps = photo(&mut members, path);
            let tops: Vec<usize> = ps.iter().map(|p| top(p).0).collect();
            for (i, t) in tops.iter().enumerate() {
                member_right[i] += usize::from(*t == *k as usize);
            }
            let avg: Vec<f32> = (0..ps[0].len()).map(|j| ps.iter().map(|p| p[j]).sum::<f32>() / ps.len() as f32).collect();
            let (i, c) = top(&avg);
            let right = i == *k as usize;
            let disagree = tops.iter().any(|&t| t != tops[0]);
            if disagree {
                if right { disagree_right += 1 } else { disagree_wrong += 1 }
            }
            if !right {
                println!("  {name}: {} true {k} answered {i} at {c:.3}, members {tops:?}", path.display());
            }
            answers.push((c, right));
        }
        let right = answers.iter().filter(|a| a.1).count();
        let (t, wf, rf) = convlab::classify::fit_warning(&answers, 0.05);
        println!(
            "{name}: members {member_right:?} of {}, ensemble {right}/{}; warn below {t:.3}: errors flagged {:.0}%, right answers {:.1}%; members disagree on {disagree_wrong} errors and {disagree_right} right answers",
            set.len(), set.len(), 100.0 * wf, 100.0 * rf
        );
    }
}

/// Temperature scaling fitted on the cross-camera validation: for each temperature T, every
/// view's probabilities re-scaled as softmax(ln p / T) before the views are averaged, the
/// negative log-likelihood of the true digits (what temperature scaling minimises) and the
/// warning a threshold fitted as `calibrate` fits it would give.
fn temperature(weights_path: &Path) {
    let text = std::fs::read_to_string(weights_path).expect("read weights");
    let (mut model, classes, calibration) = weights::from_json_calibrated(&text).expect("valid weights");
    let views = views_for(&model).to_vec();
    let cross = convlab::testdata::cross_camera_photos().expect("cross-camera photos");
    // Each photo's per-view probabilities.
    let per_view: Vec<(u8, Vec<Vec<f32>>)> = cross
        .iter()
        .map(|(path, k)| {
            let ps = views
                .iter()
                .map(|v| classify_file(&mut model, &classes, &calibration, path, std::slice::from_ref(v)).expect("classify").0.probabilities)
                .collect();
            (*k, ps)
        })
        .collect();
    for t in [0.15f32, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0] {
        let mut answers = Vec::new();
        let mut nll = 0.0f64;
        for (k, ps) in &per_view {
            let mut avg = vec![0f32; ps[0].len()];
            for p in ps {
                let z: Vec<f32> = p.iter().map(|&q| (q.max(1e-30).ln()) / t).collect();
                let m = z.iter().cloned().fold(f32::MIN, f32::max);
                let e: Vec<f32> = z.iter().map(|v| (v - m).exp()).collect();
                let s: f32 = e.iter().sum();
                for (a, v) in avg.iter_mut().zip(&e) {
                    *a += v / s / ps.len() as f32;
                }
            }
            let (i, c) = avg.iter().enumerate().fold((0, 0.0f32), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
            nll -= f64::from(avg[*k as usize].max(1e-30).ln());
            answers.push((c, i == *k as usize));
        }
        let (th, wf, rf) = convlab::classify::fit_warning(&answers, 0.05);
        let right = answers.iter().filter(|a| a.1).count();
        println!("T {t:.2}: nll {:.4}, right {right}, warn below {th:.3}: errors {:.0}%, right {:.1}%", nll / per_view.len() as f64, 100.0 * wf, 100.0 * rf);
    }
}
