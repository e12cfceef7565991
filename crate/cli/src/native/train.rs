//! `convlab train`: the data, the augmentation asked for, the run and its weights file.

use super::out_file::OutFile;
use super::read;
use convlab::data::augment::Augment;
use convlab::data::Dataset;
use convlab::nn::layers::{signs_network, LayerSpec};
use convlab::train::weights;
use convlab::train::{TrainSettings, Trainer};
use convlab::{ConvLabError, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn load_data(paths: Option<(PathBuf, PathBuf)>) -> Result<(Dataset, Dataset)> {
    match paths {
        Some((train, test)) => {
            convlab::data::h5::load_train_test(&read(&train)?, &read(&test)?)
        }
        None => {
            println!("No --train/--test given: using the embedded synthetic hands");
            Ok(convlab::data::synthetic::default_split())
        }
    }
}

pub(super) fn run_train(
    paths: Option<(PathBuf, PathBuf)>,
    mix_synthetic: usize,
    init: Option<&Path>,
    network: Option<&Path>,
    settings: TrainSettings,
    out: OutFile,
) -> Result<()> {
    // Refuse before training, not after a long run.
    out.check()?;
    let specs: Vec<LayerSpec> = match network {
        Some(p) => serde_json::from_slice(&read(p)?).map_err(|e| {
            convlab::param_err!("{} is not a list of layer specs: {e}", p.display())
        })?,
        None => signs_network(),
    };
    let (mut train, test) = load_data(paths)?;
    if mix_synthetic > 0 {
        // A seed of their own, apart from the embedded split's training and test seeds.
        let extra = convlab::data::synthetic::generate(mix_synthetic, 0x5167_0013);
        train = train.concat(&extra)?;
        println!("Added {mix_synthetic} synthetic hands to the training set");
    }
    println!(
        "Training on {} images, testing on {}",
        train.len(),
        test.len()
    );
    let epochs = settings.epochs;
    let mut trainer = Trainer::new(&specs, train, test, settings)?;
    if let Some(path) = init {
        let text = String::from_utf8(read(path)?).map_err(|_| {
            ConvLabError::Weights(format!("{} is not a text file", path.display()).into())
        })?;
        let (start, _) = weights::from_json(&text)?;
        if start.specs() != specs.as_slice() || start.input_shape() != trainer.model().input_shape() {
            return Err(convlab::param_err!(
                "{} holds another network than the one being trained",
                path.display()
            ));
        }
        *trainer.model_mut() = start;
        println!("Starting from the weights in {}", path.display());
    }
    println!(
        "Seed: {} (repeat this run with --seed {})",
        trainer.seed(),
        trainer.seed()
    );
    let bar = ProgressBar::new(epochs as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} epochs, {elapsed} ({eta} left) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    while !trainer.is_finished() {
        let r = trainer.run_epoch()?;
        // The notebook's line: epochs from 0, every fifth, its divisor (floor(m/64)
        // minibatches; the page's notebook mode prints the same), "%f".
        let i = r.epoch - 1;
        if i % 5 == 0 {
            let line = format!("Cost after epoch {i}: {:.6}", r.notebook_cost.unwrap_or(r.cost));
            // A hidden bar (output not a terminal) would swallow its println.
            if bar.is_hidden() {
                println!("{line}");
            } else {
                bar.println(line);
            }
        }
        bar.set_message(format!("cost {:.4}", r.cost));
        bar.inc(1);
    }
    let secs = start.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let train_eval = trainer.evaluate(false)?;
    let test_eval = trainer.evaluate(true)?;
    println!("Train Accuracy: {:.6}", train_eval.accuracy);
    println!("Test Accuracy: {:.6}", test_eval.accuracy);
    println!(
        "Training time: {secs:.1} s ({:.3} s per epoch)",
        secs / epochs as f64
    );
    println!("Test confusion matrix (rows: true label, columns: predicted):");
    for (label, row) in test_eval.confusion.iter().enumerate() {
        println!("  {label}: {row:?}");
    }
    if let Some(w) = train_eval.collapse_warning.or(test_eval.collapse_warning) {
        println!("Warning: {w}");
    }
    let json = weights::to_json(trainer.model(), &trainer.train_set().classes)?;
    let saved = out.write(json.as_bytes())?;
    let shown = std::fs::canonicalize(&saved).unwrap_or(saved);
    println!("Weights saved to {}", shown.display());
    Ok(())
}

/// The augmentation switches named on the command line, then the JSON settings.
pub(super) fn augmentation(names: &[String], json: Option<&str>) -> Result<Augment> {
    let mut a = Augment::default();
    for name in names.iter().map(|n| n.trim()) {
        match name {
            "all" => a = Augment::robust(),
            "photo" => a = Augment::photo(),
            "perspective" => a.perspective = true,
            "background" => a.background = true,
            "skin" => a.skin = true,
            "white-balance" => a.white_balance = true,
            "hue" => a.hue_saturation = true,
            "blur" => a.blur = true,
            "noise" => a.noise = true,
            "jpeg" => a.jpeg = true,
            "erase" => a.erase = true,
            "rotation" => a.rotation = true,
            "scale" => a.scale = true,
            "shift" => a.shift = true,
            "flip" => a.flip = true,
            "brightness" => a.brightness = true,
            "contrast" => a.contrast = true,
            "colour" | "color" => a.colour_cast = true,
            "" | "none" => {}
            other => {
                return Err(convlab::param_err!(
                    "unknown augmentation '{other}': use rotation, scale, shift, flip, brightness, contrast, colour, all, photo, perspective, background, skin, white-balance, hue, blur, noise, jpeg or erase"
                ))
            }
        }
    }
    if let Some(json) = json {
        // Fields given override; the others keep what the names chose.
        let mut value = serde_json::to_value(&a)
            .map_err(|e| convlab::param_err!("augmentation settings: {e}"))?;
        let over: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| convlab::param_err!("--augment-json is not JSON: {e}"))?;
        let (Some(fields), Some(over)) = (value.as_object_mut(), over.as_object()) else {
            return Err(convlab::param_err!("--augment-json must be a JSON object"));
        };
        for (k, v) in over {
            if !fields.contains_key(k) {
                return Err(convlab::param_err!("--augment-json: unknown setting '{k}'"));
            }
            fields.insert(k.clone(), v.clone());
        }
        a = serde_json::from_value(value)
            .map_err(|e| convlab::param_err!("--augment-json: {e}"))?;
    }
    a.validate()?;
    Ok(a)
}

