//! `convlab shapes`: the SIGNS network's layer table.

use convlab::nn::layers::{layer_table, signs_network};
use convlab::Result;

pub(super) fn run_shapes() -> Result<()> {
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
