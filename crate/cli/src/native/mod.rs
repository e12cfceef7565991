//! The native command line: its arguments, and one module per command.

mod classify;
mod out_file;
mod shapes;
mod train;

use classify::run_classify;
use clap::{Parser, Subcommand};
use convlab::train::optim::LrSchedule;
use convlab::train::TrainSettings;
use convlab::Result;
use out_file::OutFile;
use shapes::run_shapes;
use std::path::{Path, PathBuf};
use train::{augmentation, run_train};

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
