//! The `convlab` command line: train, classify and print shapes without a browser.
//!
//! - `convlab train [--train PATH --test PATH] [--epochs --lr or --notebook --batch --seed --l2 --out --force]`
//! - `convlab classify [--weights W] [--json] photo.jpg ...` (default: the shipped robust
//!   hand model, `www/models/hand.json`, built into the binary)
//! - `convlab shapes`

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    native::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use clap::{Parser, Subcommand};
    use convlab::data::augment::Augment;
    use convlab::data::Dataset;
    use convlab::nn::layers::{layer_table, signs_network, LayerSpec};
    use convlab::train::optim::LrSchedule;
    use convlab::train::{TrainSettings, Trainer};
    use convlab::train::weights;
    use convlab::{ConvLabError, Result};
    use indicatif::{ProgressBar, ProgressStyle};
    use std::path::{Path, PathBuf};
    use std::time::Instant;

    #[derive(Parser)]
    #[command(
        name = "convlab",
        version,
        about = "Train and use the SIGNS ConvNet of the CNN course's week 1"
    )]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        /// Train a network (the assignment's by default) and save its weights.
        Train {
            /// Training set, an HDF5 file in the layout of train_signs.h5 (default: the embedded synthetic hands).
            #[arg(long, requires = "test")]
            train: Option<PathBuf>,
            /// Test set, an HDF5 file in the layout of test_signs.h5.
            #[arg(long, requires = "train")]
            test: Option<PathBuf>,
            #[arg(long, default_value_t = 100)]
            epochs: usize,
            /// Learning rate (default: the assignment's model() default, 0.009).
            #[arg(long)]
            lr: Option<f32>,
            /// Train as the assignment's notebook really does: its AdamOptimizer() is called
            /// without the learning rate, so TensorFlow's default 0.001 runs.
            #[arg(long, conflicts_with = "lr")]
            notebook: bool,
            #[arg(long, default_value_t = 64)]
            batch: usize,
            /// Random seed; without it one is drawn and printed so the run can be repeated.
            #[arg(long)]
            seed: Option<u64>,
            /// L2 weight decay on the weights (0 = off).
            #[arg(long, default_value_t = 0.0)]
            l2: f32,
            /// Lower the learning rate along a cosine to 0 over the run.
            #[arg(long)]
            cosine: bool,
            /// Label smoothing of the cost: the target is (1 - e) for the right digit and
            /// e / classes spread over all (0 = off, 0.1 is usual).
            #[arg(long, default_value_t = 0.0)]
            label_smoothing: f32,
            /// Random changes to the training pictures, comma separated: rotation, scale,
            /// shift, flip, brightness, contrast, colour, or all (default: none); photo for
            /// other photographers' photos (all, stronger, plus perspective, background,
            /// skin, white-balance, hue, blur, noise, jpeg, erase, each also by name).
            #[arg(long, value_delimiter = ',')]
            augment: Vec<String>,
            /// Augmentation settings as JSON (fields of data::augment::Augment), applied
            /// over --augment: e.g. '{"rotation_deg": 40, "ramp_epochs": 10}'.
            #[arg(long)]
            augment_json: Option<String>,
            /// Start from these weights (same network) instead of random ones: fine-tuning.
            #[arg(long)]
            init: Option<PathBuf>,
            /// Add this many synthetic hands (the embedded generator, its own seed) to the
            /// training set.
            #[arg(long, default_value_t = 0)]
            mix_synthetic: usize,
            /// Layer stack as a JSON file (a list of layer specs); default: the assignment's network.
            #[arg(long)]
            network: Option<PathBuf>,
            /// Where to save the trained weights (default: weights.json in the current
            /// folder, or weights-2.json, ... if that name is taken). An existing file is
            /// never replaced without --force.
            #[arg(long)]
            out: Option<PathBuf>,
            /// Replace the --out file if it already exists.
            #[arg(long, requires = "out")]
            force: bool,
        },
        /// Classify photos: with the built-in robust hand model (averaged over the photo and
        /// its mirror image, each also turned 15 degrees either way), or with trained weights.
        Classify {
            /// A weights file (from `convlab train`, or www/models/signs.json); default: the
            /// built-in robust hand model (www/models/hand.json).
            #[arg(long)]
            weights: Option<PathBuf>,
            /// One JSON object per photo instead of text.
            #[arg(long)]
            json: bool,
            #[arg(required = true)]
            photos: Vec<PathBuf>,
        },
        /// Print the layer table of the SIGNS network: shapes, parameters, MACs.
        Shapes,
    }

    pub fn main() {
        let cli = Cli::parse();
        let result = match cli.command {
            Command::Train {
                train,
                test,
                epochs,
                lr,
                notebook,
                batch,
                seed,
                l2,
                cosine,
                label_smoothing,
                augment,
                augment_json,
                init,
                mix_synthetic,
                network,
                out,
                force,
            } => match augmentation(&augment, augment_json.as_deref()) {
                Err(e) => Err(e),
                Ok(augment) => {
                    let base = if notebook { TrainSettings::notebook() } else { TrainSettings::default() };
                    let settings = TrainSettings {
                        learning_rate: lr.unwrap_or(base.learning_rate),
                        epochs,
                        batch_size: batch,
                        seed,
                        l2,
                        schedule: if cosine {
                            LrSchedule::Cosine { min_lr: 0.0 }
                        } else {
                            LrSchedule::Constant
                        },
                        // Only the final accuracies are printed: keep the epochs pure training.
                        evaluate_every_epoch: false,
                        augment,
                        label_smoothing,
                    };
                    let out = match out {
                        Some(path) => OutFile::Given { path, force },
                        None => OutFile::Default,
                    };
                    run_train(train.zip(test), mix_synthetic, init.as_deref(), network.as_deref(), settings, out)
                }
            },
            Command::Classify {
                weights,
                json,
                photos,
            } => run_classify(weights.as_deref(), json, &photos),
            Command::Shapes => run_shapes(),
        };
        if let Err(e) = result {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }

    fn read(path: &Path) -> Result<Vec<u8>> {
        std::fs::read(path).map_err(|e| convlab::data_err!("cannot read {}: {e}", path.display()))
    }

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

    fn run_train(
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
                ConvLabError::Weights(format!("{} is not a text file", path.display()))
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

    /// Where `train` saves its weights. A file the command did not create is never replaced
    /// unless `--force` says so: the check runs before training and the write itself
    /// creates the file exclusively, so a file that appears during the run is kept too.
    enum OutFile {
        /// `--out PATH` (`force`: `--force` was given).
        Given { path: PathBuf, force: bool },
        /// No `--out`: weights.json, or the first free weights-N.json.
        Default,
    }

    impl OutFile {
        fn check(&self) -> Result<()> {
            match self {
                OutFile::Given { path, force: false } if path.exists() => Err(taken(path)),
                OutFile::Given { path, .. } => match path.parent() {
                    Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
                        Err(convlab::data_err!(
                            "cannot write {}: no folder {}",
                            path.display(),
                            dir.display()
                        ))
                    }
                    _ => Ok(()),
                },
                OutFile::Default => Ok(()),
            }
        }

        /// Writes `bytes` and returns the path written.
        fn write(&self, bytes: &[u8]) -> Result<PathBuf> {
            match self {
                OutFile::Given { path, force: true } => std::fs::write(path, bytes)
                    .map(|_| path.clone())
                    .map_err(|e| cannot_write(path, e)),
                OutFile::Given { path, force: false } => match create_new(path, bytes) {
                    Ok(()) => Ok(path.clone()),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        // Appeared during training: keep it, and keep the weights too.
                        println!(
                            "{} appeared during training: left as it was",
                            path.display()
                        );
                        write_free(path, bytes)
                    }
                    Err(e) => Err(cannot_write(path, e)),
                },
                OutFile::Default => {
                    let wanted = Path::new("weights.json");
                    let path = write_free(wanted, bytes)?;
                    if path != wanted {
                        println!("{} already exists: left as it was", wanted.display());
                    }
                    Ok(path)
                }
            }
        }
    }

    /// Creates `path` with `bytes`; fails with `AlreadyExists` rather than replace a file.
    fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        f.write_all(bytes)
    }

    /// Writes `bytes` to `path` if free, else to the first free `stem-2.ext`, `stem-3.ext`, ...
    fn write_free(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let ext = path
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        for n in 1..10_000 {
            let candidate = if n == 1 {
                path.to_path_buf()
            } else {
                path.with_file_name(format!("{stem}-{n}{ext}"))
            };
            match create_new(&candidate, bytes) {
                Ok(()) => return Ok(candidate),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(cannot_write(&candidate, e)),
            }
        }
        Err(taken(path))
    }

    fn taken(path: &Path) -> ConvLabError {
        convlab::data_err!(
            "{} already exists: give another --out, or add --force to replace it",
            path.display()
        )
    }

    fn cannot_write(path: &Path, e: std::io::Error) -> ConvLabError {
        convlab::data_err!("cannot write {}: {e}", path.display())
    }

    /// The robust hand model the page uses by default, built into the binary.
    const HAND_MODEL: &str = include_str!("../../../www/models/hand.json");

    fn run_classify(weights_path: Option<&Path>, json: bool, photos: &[PathBuf]) -> Result<()> {
        let (text, source) = match weights_path {
            Some(path) => (
                String::from_utf8(read(path)?).map_err(|_| {
                    ConvLabError::Weights(format!("{} is not a text file", path.display()))
                })?,
                path.display().to_string(),
            ),
            None => (
                HAND_MODEL.to_string(),
                "the built-in robust hand model (www/models/hand.json)".to_string(),
            ),
        };
        let (mut model, classes, calibration) = weights::from_json_calibrated(&text)?;
        if model.input_shape() != (64, 64, 3) {
            return Err(ConvLabError::Weights(format!(
                "these weights expect {:?} inputs; photos are prepared as 64x64x3",
                model.input_shape()
            )));
        }
        // The same views as the page (hand_model::views_for).
        let views = convlab::classify::hand_model::views_for(&model);
        if !json {
            let how = if views.len() > 1 {
                format!(
                    "; each answer is averaged over {} views: {}",
                    views.len(),
                    convlab::classify::hand_model::describe_views(views).map(|m| m.english()).unwrap_or_default()
                )
            } else {
                String::new()
            };
            eprintln!("Model: {source}{how}.");
        }
        for path in photos {
            // The same preprocessing and prediction as the page: orientation, the square
            // around the hand, resize, [0, 1], views, warning.
            let (p, crop) = convlab::classify::classify_file(&mut model, &classes, &calibration, path, views)?;
            if json {
                // The CLI's JSON keeps its words in English (the page words the codes).
                let mut crop_json = serde_json::json!(crop);
                crop_json["why"] = crop.why.english().into();
                let line = serde_json::json!({
                    "file": path.display().to_string(),
                    "prediction": p.label,
                    "confidence": p.confidence,
                    "probabilities": p.probabilities,
                    "warning": p.warning.as_ref().map(|w| w.english()),
                    "doubt": p.doubt,
                    "views": p.views,
                    "averaging": p.averaging.as_ref().map(|m| m.english()),
                    "crop": crop_json,

                });
                println!("{line}");
            } else {
                let ps: Vec<String> = p.probabilities.iter().map(|v| format!("{v:.3}")).collect();
                println!(
                    "{}: {}  ({:.0}% sure)  [{}]",
                    path.display(),
                    p.label,
                    p.confidence * 100.0,
                    ps.join(" ")
                );
                if crop.to_hand {
                    println!("  {} ({}x{} square at {}, {})", crop.why, crop.side, crop.side, crop.x, crop.y);
                }
                if let Some(w) = &p.warning {
                    println!("  warning: {w}");
                }
            }
        }
        Ok(())
    }

    /// The augmentation switches named on the command line, then the JSON settings.
    fn augmentation(names: &[String], json: Option<&str>) -> Result<Augment> {
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

    fn run_shapes() -> Result<()> {
        let input = (64, 64, 3);
        let rows = layer_table(input, &signs_network())?;
        println!(
            "{:<16} {:>12} {:>8} {:>12}",
            "layer", "output", "params", "MACs"
        );
        println!(
            "{:<16} {:>12} {:>8} {:>12}",
            "input",
            format!("{}x{}x{}", input.0, input.1, input.2),
            "",
            ""
        );
        for r in &rows {
            let (h, w, c) = r.output;
            let shape = if h == 1 && w == 1 {
                format!("{c}")
            } else {
                format!("{h}x{w}x{c}")
            };
            println!(
                "{:<16} {:>12} {:>8} {:>12}",
                r.spec.name(),
                shape,
                r.params,
                r.macs
            );
        }
        let params: usize = rows.iter().map(|r| r.params).sum();
        let macs: usize = rows.iter().map(|r| r.macs).sum();
        println!("{:<16} {:>12} {:>8} {:>12}", "total", "", params, macs);
        Ok(())
    }
}
