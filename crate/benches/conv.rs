//! `cargo bench -p convlab --bench conv`: MAC rates of the convolution kernels natively,
//! for the SIGNS conv1 (the hot path) and the other layers ConvLab trains.

use convlab::conv::bench::{conv1_geometry, conv_mac_rates, naive_forward_ms};
use convlab::conv::ConvGeometry;
use convlab::conv::shape::Padding;
use std::time::Instant;

/// On-CPU time of this thread in ms (Linux), so that other processes sharing the
/// machine do not inflate the figures; wall-clock time elsewhere.
fn cpu_ms() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e6)
}

fn main() {
    let start = Instant::now();
    let wall = move || start.elapsed().as_secs_f64() * 1e3;
    let use_cpu = std::env::var("BENCH_WALL").is_err() && cpu_ms().is_some();
    let now = move || if use_cpu { cpu_ms().unwrap_or(0.0) } else { wall() };
    println!("clock: {}", if use_cpu { "thread CPU time (BENCH_WALL=1 for wall clock)" } else { "wall clock" });
    let reps: usize = std::env::var("BENCH_REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let shapes: Vec<(&str, ConvGeometry)> = vec![
        ("SIGNS conv1 64x64x3 -> 4x4x3x8 SAME, batch 64", conv1_geometry()),
        ("SIGNS conv2 8x8x8 -> 2x2x8x16 SAME, batch 64", geo(64, (8, 8, 8), (2, 2, 16))),
        ("robust c1 64x64x3 -> 3x3x3x16 SAME, batch 64", geo(64, (64, 64, 3), (3, 3, 16))),
        ("robust c2 32x32x16 -> 3x3x16x32 SAME, batch 64", geo(64, (32, 32, 16), (3, 3, 32))),
        ("robust c3 16x16x32 -> 3x3x32x64 SAME, batch 64", geo(64, (16, 16, 32), (3, 3, 64))),
        ("robust c4 8x8x64 -> 3x3x64x64 SAME, batch 64", geo(64, (8, 8, 64), (3, 3, 64))),
    ];
    println!("{:<48} {:>9} {:>9} {:>9} {:>9} {:>9}", "shape", "MMAC", "fwd GMAC/s", "dW GMAC/s", "dX GMAC/s", "dW, 8x8-pooled dy (MACs done)");
    for (name, g) in shapes.iter().filter(|(n, _)| only.as_deref().is_none_or(|o| n.contains(o))) {
        let r = conv_mac_rates(g, &now, reps);
        println!(
            "{:<48} {:>9.1} {:>10.2} {:>9.2} {:>9.2} {:>9.2}",
            name,
            r.macs as f64 / 1e6,
            r.forward_gmacs,
            r.filter_grad_gmacs,
            r.input_grad_gmacs,
            r.pooled_filter_grad_gmacs
        );
    }
    let g = conv1_geometry();
    let r = conv_mac_rates(&g, &now, reps);
    let naive = naive_forward_ms(&g, &now);
    println!(
        "conv1 forward: tiled {:.2} ms ({:.2} GMAC/s) vs naive loop {:.2} ms ({:.2} GMAC/s): {:.1}x",
        r.forward_ms,
        r.forward_gmacs,
        naive,
        g.macs() as f64 / (naive * 1e6),
        naive / r.forward_ms
    );
    println!("{}", serde_json::to_string(&r).unwrap_or_default());
}

fn geo(batch: usize, input: (usize, usize, usize), filter: (usize, usize, usize)) -> ConvGeometry {
    ConvGeometry::new(batch, input, filter, 1, Padding::Same).expect("valid benchmark shape")
}
