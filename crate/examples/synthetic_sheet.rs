//! Writes a sample sheet of the synthetic hands: 6 rows (digits 0-5) x 5 columns (`COLS`),
//! each picture scaled up 2x, to `docs/synthetic-hands.png` (kept under 300 KB: the
//! pictures are noisy, so PNG cannot shrink them much; hence only 5 columns).
//!
//! Run: `cargo run -p convlab --release --example synthetic_sheet [seed] [out.png]`

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use convlab::data::synthetic::{generate, DEFAULT_TRAIN_SEED, IMAGE_SIZE, NUM_CLASSES};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seed = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_TRAIN_SEED);
    let out = args.get(2).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/synthetic-hands.png")
    });

    let cols: usize = std::env::var("COLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let (zoom, gap) = (2usize, 2usize);
    let started = std::time::Instant::now();
    let data = generate(cols * NUM_CLASSES * 2, seed);
    eprintln!(
        "generated {} pictures in {:?}",
        data.len(),
        started.elapsed()
    );

    let cell = IMAGE_SIZE * zoom + gap;
    let (width, height) = (cols * cell + gap, NUM_CLASSES * cell + gap);
    let mut sheet = vec![255u8; width * height * 3];
    let mut filled = [0usize; NUM_CLASSES];
    for (m, &label) in data.labels.iter().enumerate() {
        let row = label as usize;
        if filled[row] == cols {
            continue;
        }
        let (ox, oy) = (gap + filled[row] * cell, gap + row * cell);
        filled[row] += 1;
        for y in 0..IMAGE_SIZE * zoom {
            for x in 0..IMAGE_SIZE * zoom {
                for c in 0..3 {
                    sheet[((oy + y) * width + ox + x) * 3 + c] =
                        data.images[[m, y / zoom, x / zoom, c]];
                }
            }
        }
    }

    let file = File::create(&out).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    let mut encoder = png::Encoder::new(BufWriter::new(file), width as u32, height as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().expect("png header");
    writer.write_image_data(&sheet).expect("png data");
    eprintln!("wrote {} ({}x{})", out.display(), width, height);
}
