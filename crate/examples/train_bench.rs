//! Native timing of the SIGNS training run (the assignment's settings) for the speed
//! benchmark `tests/bench/run.sh`: one warm-up epoch, then `EPOCHS` timed epochs, wall
//! clock and this process's CPU time (which other load on a shared machine does not
//! inflate), printed as one JSON line.
//!
//! ```text
//! cargo run --release -p convlab --example train_bench -- TRAIN.h5 TEST.h5 [EPOCHS] [SEED] [robust]
//! ```
//!
//! With `robust`: the robust hand model (`hand_model::robust_network`) with the settings
//! it was trained with (`docs/models.md`: batch 32, Adam lr 0.003, L2 5e-4, cosine
//! schedule, every augmentation).

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    if let Err(e) = native::run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use convlab::data::h5::load_train_test;
    use convlab::data::augment::Augment;
    use convlab::classify::hand_model::robust_network;
    use convlab::nn::layers::signs_network;
    use convlab::nn::profile::native_clock;
    use convlab::train::optim::LrSchedule;
    use convlab::train::{TrainSettings, Trainer};
    use std::time::Instant;

    /// CPU time of this process (user + system), in seconds, from /proc (Linux); NaN elsewhere.
    fn cpu_seconds() -> f64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // Fields after the command name (which is in parentheses and may hold spaces).
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
        // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the ')'.
        (ticks(11) + ticks(12)) / 100.0
    }

    pub fn run() -> Result<(), String> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.len() < 2 {
            return Err("usage: train_bench TRAIN.h5 TEST.h5 [EPOCHS] [SEED] [robust]".into());
        }
        let read = |p: &str| std::fs::read(p).map_err(|e| format!("cannot read {p}: {e}"));
        let epochs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
        let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
        let (train, test) = load_train_test(&read(&args[0])?, &read(&args[1])?).map_err(|e| e.to_string())?;
        let n = train.len();
        let robust = args.get(4).is_some_and(|a| a == "robust");
        let mut settings = TrainSettings {
            epochs: epochs + 1,
            seed: Some(seed),
            evaluate_every_epoch: false,
            ..TrainSettings::default()
        };
        let network = if robust {
            settings = TrainSettings {
                learning_rate: 0.003,
                batch_size: 32,
                l2: 0.0005,
                schedule: LrSchedule::Cosine { min_lr: 0.0 },
                augment: Augment::robust(),
                ..settings
            };
            robust_network()
        } else {
            signs_network()
        };
        let label = if robust { "ConvLab native, robust hand model," } else { "ConvLab native" };
        let mut trainer = Trainer::new(&network, train, test, settings).map_err(|e| e.to_string())?;
        let (mut wall, mut cpu, mut costs) = (Vec::new(), Vec::new(), Vec::new());
        for e in 0..=epochs {
            let (t0, c0) = (Instant::now(), cpu_seconds());
            let cost = trainer.run_epoch().map_err(|e| e.to_string())?.cost;
            let (dt, dc) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
            eprintln!("{label} epoch {}: {dt:.3} s wall, {dc:.2} s CPU, cost {cost:.4}", e + 1);
            if e > 0 {
                wall.push(dt);
                cpu.push(dc);
                costs.push(cost);
            }
        }
        // Three more epochs from a fresh trainer of the same seed, every phase timed by the
        // core (the breakdown `tests/bench/summarise.py` prints, medians over the epochs).
        let mut profiled = Trainer::new(&network, trainer.train_set().clone(), trainer.test_set().clone(),
            TrainSettings { epochs: 3, ..trainer.settings().clone() }).map_err(|e| e.to_string())?;
        let mut profile = Vec::new();
        for _ in 0..3 {
            profiled.set_profile(Some(native_clock));
            let t0 = Instant::now();
            profiled.run_epoch().map_err(|e| e.to_string())?;
            profile.push(serde_json::json!({ "seconds": t0.elapsed().as_secs_f64(), "phases": profiled.profile() }));
        }
        let train_acc = trainer.accuracy(false).map_err(|e| e.to_string())?;
        let test_acc = trainer.accuracy(true).map_err(|e| e.to_string())?;
        let out = serde_json::json!({
            "name": if robust { "convlab_native_robust" } else { "convlab_native" }, "threads": 1, "train_size": n, "epochs": epochs + 1,
            "seconds": wall, "cpu_seconds": cpu, "costs": costs,
            "train_accuracy": train_acc, "test_accuracy": test_acc, "profile": profile,
        });
        println!("{out}");
        Ok(())
    }
}
