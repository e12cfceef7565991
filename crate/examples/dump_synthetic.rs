//! Writes the default synthetic split as raw bytes for outside checks:
//! `DIR/synth_train.bin` (1080*64*64*3 u8, NHWC), `DIR/synth_train_y.bin` (1080 u8) and
//! the `test` twins. Used by `crate/tests/reference/signs_convnet_numpy.py`.
//!
//! Run: `cargo run -p convlab --release --example dump_synthetic [DIR]` (default /tmp).

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "/tmp".into()));
    let started = std::time::Instant::now();
    let (train, test) = convlab::data::synthetic::default_split();
    eprintln!(
        "default_split: {} + {} pictures in {:?}",
        train.len(),
        test.len(),
        started.elapsed()
    );
    for (name, d) in [("train", train), ("test", test)] {
        let pixels: Vec<u8> = d.images.iter().copied().collect();
        std::fs::write(dir.join(format!("synth_{name}.bin")), pixels).expect("write pixels");
        std::fs::write(dir.join(format!("synth_{name}_y.bin")), &d.labels).expect("write labels");
    }
    eprintln!("wrote {}/synth_{{train,test}}{{,_y}}.bin", dir.display());
}
