//! `convlab classify` answers like the library (and so like the page, which goes through
//! the same `classify::classify_input_views`): the built-in robust model by default,
//! averaged over the photo and its mirror, the warning on its own line and in `--json`;
//! `--weights` still takes the assignment's network's file.

#![cfg(not(target_arch = "wasm32"))]

use convlab::classify::{classify_file, Prediction};
use convlab::data::hand_crop::Crop;
use convlab::classify::hand_model::views_for;
use convlab::train::weights::from_json_calibrated;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Photos kept in the repository: one the robust model is unsure of (a tiny plain test
/// picture), one it reads with confidence.
fn photos() -> Vec<PathBuf> {
    let dir = root().join("crate/tests/fixtures/photos");
    vec![dir.join("orient3.jpg"), dir.join("sign3_1_area64.png")]
}

/// What the library answers for each photo, with the square it cropped.
fn expected(weights: &str) -> Vec<(Prediction, Crop)> {
    let text = std::fs::read_to_string(root().join("www/models").join(weights)).unwrap();
    let (mut model, classes, calibration) = from_json_calibrated(&text).unwrap();
    let views = views_for(&model);
    photos()
        .iter()
        .map(|p| classify_file(&mut model, &classes, &calibration, p, views).unwrap())
        .collect()
}

fn convlab(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_convlab"))
        .args(args)
        .args(photos())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn classify_uses_the_robust_model_with_mirror_averaging_and_prints_the_warning() {
    let want = expected("hand.json");
    let text = convlab(&["classify"]);
    let mut lines = text.lines();
    for (photo, (p, crop)) in photos().iter().zip(&want) {
        let line = lines.next().unwrap();
        assert!(
            line.starts_with(&format!("{}: {}  (", photo.display(), p.label)),
            "{line}"
        );
        if crop.to_hand {
            assert!(lines.next().unwrap().starts_with("  cropped to the hand"));
        }
        if let Some(w) = &p.warning {
            assert_eq!(lines.next().unwrap(), format!("  warning: {w}"));
        }
    }
    assert_eq!(lines.next(), None);

    let json = convlab(&["classify", "--json"]);
    for (line, (p, crop)) in json.lines().zip(&want) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["prediction"], p.label);
        assert_eq!(v["views"], 6);
        assert_eq!(
            v["averaging"],
            "averaged over 6 views: the photo and its mirror image, each also turned 15° either way"
        );
        assert_eq!(v["warning"].as_str(), p.warning.as_ref().map(|w| w.english()).as_deref());
        let probs: Vec<f32> = serde_json::from_value(v["probabilities"].clone()).unwrap();
        assert_eq!(probs, p.probabilities);
        assert_eq!(v["crop"]["side"], crop.side);
        assert_eq!(v["crop"]["to_hand"], crop.to_hand);
    }
}

#[test]
fn the_warning_threshold_comes_from_the_weights_file() {
    // The robust model with a stricter calibration in its file, between the two fixtures'
    // top probabilities: the unsure fixture is now warned about, on its own line,
    // blaming the photo; the sure one is not.
    let sure: Vec<f64> = convlab(&["classify", "--json"])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["confidence"].as_f64().unwrap())
        .collect();
    assert!(sure[0] + 0.05 < sure[1], "{sure:?}");
    let strict = (sure[0] + sure[1]) / 2.0;
    let text = std::fs::read_to_string(root().join("www/models/hand.json")).unwrap();
    let mut saved: convlab::train::weights::SavedModel = serde_json::from_str(&text).unwrap();
    let calibration = saved.calibration.get_or_insert(convlab::classify::UNCALIBRATED);
    calibration.warn_below = strict as f32;
    let path = std::env::temp_dir().join("convlab-cli-strict-hand.json");
    std::fs::write(&path, serde_json::to_string(&saved).unwrap()).unwrap();
    let json = convlab(&["classify", "--json", "--weights", path.to_str().unwrap()]);
    let lines: Vec<serde_json::Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines[0]["confidence"].as_f64().unwrap() < strict, "{}", lines[0]);
    assert!(lines[0]["warning"].as_str().unwrap().contains("unsure"), "{}", lines[0]);
    assert_eq!(lines[0]["doubt"], "photo");
    assert!(lines[1]["warning"].is_null(), "{}", lines[1]);
    let text = convlab(&["classify", "--weights", path.to_str().unwrap()]);
    assert!(text.lines().nth(1).unwrap().starts_with("  warning: The model is unsure"), "{text}");
}

#[test]
fn classify_with_weights_takes_the_assignment_network_alone() {
    let want = expected("signs.json");
    let signs = root().join("www/models/signs.json");
    let json = convlab(&["classify", "--json", "--weights", signs.to_str().unwrap()]);
    for (line, (p, _)) in json.lines().zip(&want) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["prediction"], p.label);
        assert_eq!(v["views"], 1);
        assert!(v["averaging"].is_null());
        assert_eq!(v["warning"].as_str(), p.warning.as_ref().map(|w| w.english()).as_deref());
    }
    assert_eq!(json.lines().count(), 2);
}

/// A fresh folder of this test's own under Cargo's scratch directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `convlab train` for one epoch in `dir`, with `args`; its exit success, stdout, stderr.
fn train_in(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_convlab"))
        .current_dir(dir)
        .args(["train", "--epochs", "1", "--seed", "3"])
        .args(args)
        .output()
        .unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn assert_weights(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    convlab::train::weights::from_json(&text).unwrap_or_else(|e| panic!("{} is not weights: {e}", path.display()));
}

const SOMEONE_ELSES: &str = "another program's file, not weights";

#[test]
fn train_without_out_never_replaces_weights_json_and_says_where_it_wrote() {
    let dir = scratch("train-default-out");
    std::fs::write(dir.join("weights.json"), SOMEONE_ELSES).unwrap();
    let (ok, stdout, stderr) = train_in(&dir, &[]);
    assert!(ok, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("weights.json")).unwrap(),
        SOMEONE_ELSES
    );
    let written = dir.join("weights-2.json").canonicalize().unwrap();
    assert_weights(&written);
    assert!(
        stdout.contains("weights.json already exists: left as it was"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("Weights saved to {}", written.display())),
        "{stdout}"
    );
    // A folder without weights.json gets that name.
    let fresh = scratch("train-default-out-fresh");
    let (ok, stdout, stderr) = train_in(&fresh, &[]);
    assert!(ok, "{stderr}");
    let written = fresh.join("weights.json").canonicalize().unwrap();
    assert_weights(&written);
    assert!(stdout.contains(&format!("Weights saved to {}", written.display())));
}

#[test]
fn train_refuses_an_existing_out_before_training_unless_forced() {
    let dir = scratch("train-given-out");
    let mine = dir.join("mine.json");
    std::fs::write(&mine, SOMEONE_ELSES).unwrap();
    let (ok, stdout, stderr) = train_in(&dir, &["--out", "mine.json"]);
    assert!(!ok);
    assert!(
        stderr
            .contains("mine.json already exists: give another --out, or add --force to replace it"),
        "{stderr}"
    );
    assert!(
        !stdout.contains("Training on"),
        "refused only after training: {stdout}"
    );
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), SOMEONE_ELSES);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "wrote another file"
    );

    let (ok, stdout, stderr) = train_in(&dir, &["--out", "mine.json", "--force"]);
    assert!(ok, "{stderr}");
    assert_weights(&mine);
    assert!(stdout.contains(&format!(
        "Weights saved to {}",
        mine.canonicalize().unwrap().display()
    )));

    // A folder that does not exist is said before training too.
    let (ok, stdout, stderr) = train_in(&dir, &["--out", "no/such/w.json"]);
    assert!(!ok);
    assert!(stderr.contains("no folder no/such"), "{stderr}");
    assert!(!stdout.contains("Training on"), "{stdout}");
}

/// The mean cost of the first epoch as the library trains it, and the notebook's divisor
/// applied to it by hand: ceil(m/64) minibatch costs over floor(m/64).
fn notebook_cost_by_hand(settings: convlab::train::TrainSettings) -> f32 {
    let (train, test) = convlab::data::synthetic::default_split();
    let m = train.len();
    let mut trainer = convlab::train::Trainer::new(&convlab::nn::layers::signs_network(), train, test, settings).unwrap();
    let mean = trainer.run_epoch().unwrap().cost;
    mean * m.div_ceil(64) as f32 / (m / 64) as f32
}

fn printed_cost(stdout: &str) -> f32 {
    let line = stdout.lines().find(|l| l.starts_with("Cost after epoch 0: ")).unwrap_or_else(|| panic!("{stdout}"));
    line["Cost after epoch 0: ".len()..].parse().unwrap()
}

#[test]
fn train_prints_the_notebooks_line_and_notebook_trains_at_its_learning_rate() {
    use convlab::train::TrainSettings;
    let settings = |base: TrainSettings| TrainSettings { epochs: 1, seed: Some(3), evaluate_every_epoch: false, ..base };
    for (args, base) in [(&[][..], TrainSettings::default()), (&["--notebook"][..], TrainSettings::notebook())] {
        let dir = scratch(&format!("train-notebook-line{}", args.len()));
        let (ok, stdout, stderr) = train_in(&dir, args);
        assert!(ok, "{stderr}");
        let expected = notebook_cost_by_hand(settings(base));
        assert!((printed_cost(&stdout) - expected).abs() < 2e-6, "{args:?}: {stdout} vs {expected}");
    }
    // The notebook's rate and another one at once: refused.
    let (ok, _, stderr) = train_in(&scratch("train-notebook-lr"), &["--notebook", "--lr", "0.1"]);
    assert!(!ok && stderr.contains("--lr"), "{stderr}");
}
