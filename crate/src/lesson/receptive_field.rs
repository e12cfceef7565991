//! Receptive fields: which input pixels one cell of a layer depends on.
//!
//! Layer by layer, the field grows by (f - 1) times the distance between neighbouring
//! cells (the jump): r_l = r_(l-1) + (f_l - 1) * j_(l-1), j_l = j_(l-1) * s_l, from r_0 = 1,
//! j_0 = 1. A cell's window is followed back to the input; where padding put zeros, the
//! region is clipped at the image's border. Layers that see their whole input (flatten,
//! fully connected, global pooling) widen the field to everything below them.

use crate::error::Result;
use crate::nn::layers::{layer_table_partial, LayerSpec, Shape3};
use serde::Serialize;

/// The growth of the field after one layer, for the formula the page writes out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldGrowth {
    /// Window size along (rows, columns) in the previous layer's cells: f, 1 for
    /// element-wise layers, the whole input for layers that see all of it.
    pub window: (usize, usize),
    /// r_l along (rows, columns).
    pub size: (usize, usize),
    /// j_l: input pixels between neighbouring cells of this layer.
    pub jump: usize,
}

/// The input region seen by one cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceptiveField {
    /// r x r from the formula (rows, columns), padding included.
    pub size: (usize, usize),
    pub jump: usize,
    /// First and last input row / column of the window, before clipping (may lie in the
    /// padding: below 0 or past the image).
    pub rows: (i64, i64),
    pub cols: (i64, i64),
    /// The same, clipped to the image: the real pixels the cell sees (inclusive).
    pub clipped_rows: (usize, usize),
    pub clipped_cols: (usize, usize),
    /// One entry per layer up to and including the chosen one.
    pub growth: Vec<FieldGrowth>,
}

/// How one layer maps a cell interval of its output back onto its input.
struct Window {
    f: (usize, usize),
    stride: usize,
    /// Zeros before the first row / column.
    pad: (usize, usize),
}

fn window_of(spec: &LayerSpec, input: Shape3) -> Result<Window> {
    let (h, w, _) = input;
    Ok(match *spec {
        LayerSpec::Conv { f, stride, padding, .. }
        | LayerSpec::MaxPool { f, stride, padding }
        | LayerSpec::AvgPool { f, stride, padding } => {
            let (pads, _) = padding.resolve((h, w), (f, f), stride)?;
            Window { f: (f, f), stride, pad: (pads.top, pads.left) }
        }
        LayerSpec::Relu | LayerSpec::BatchNorm | LayerSpec::Dropout { .. } => Window { f: (1, 1), stride: 1, pad: (0, 0) },
        // Every output depends on every input cell: one window covering them all.
        LayerSpec::Flatten | LayerSpec::Dense { .. } | LayerSpec::GlobalAvgPool => {
            Window { f: (h, w), stride: 1, pad: (0, 0) }
        }
    })
}

/// The receptive field of cell (`row`, `col`) of layer `layer` (0-based) of the stack.
pub fn receptive_field(input: Shape3, specs: &[LayerSpec], layer: usize, row: usize, col: usize) -> Result<ReceptiveField> {
    let table = layer_table_partial(input, specs);
    if let Some(failure) = table.error.filter(|f| f.layer <= layer) {
        return Err(failure.error);
    }
    let out = table
        .rows
        .get(layer)
        .ok_or_else(|| crate::message::Message::ReceptiveNoLayer { layer: layer + 1, count: specs.len() }.shape())?
        .output;
    if row >= out.0 || col >= out.1 {
        return Err(crate::message::Message::ReceptiveCellOutside { row, col, layer: layer + 1, h: out.0, w: out.1 }.shape());
    }
    let windows: Vec<Window> = (0..=layer)
        .map(|l| window_of(&specs[l], if l == 0 { input } else { table.rows[l - 1].output }))
        .collect::<Result<_>>()?;

    // Forward: the formula.
    let (mut r, mut j) = ((1usize, 1usize), 1usize);
    let mut growth = Vec::with_capacity(windows.len());
    for win in &windows {
        r = (r.0 + (win.f.0 - 1) * j, r.1 + (win.f.1 - 1) * j);
        j *= win.stride;
        growth.push(FieldGrowth { window: win.f, size: r, jump: j });
    }

    // Backward: the cell's window, layer by layer down to the input (unclipped, so the
    // interval's length is the formula's r).
    let (mut rows, mut cols) = ((row as i64, row as i64), (col as i64, col as i64));
    for win in windows.iter().rev() {
        let s = win.stride as i64;
        let back = |(a, b): (i64, i64), f: usize, pad: usize| (a * s - pad as i64, b * s - pad as i64 + f as i64 - 1);
        rows = back(rows, win.f.0, win.pad.0);
        cols = back(cols, win.f.1, win.pad.1);
    }
    // A window wholly inside a wide padding clamps to the nearest border pixel.
    let clip = |(a, b): (i64, i64), n: usize| {
        let last = n as i64 - 1;
        (a.clamp(0, last) as usize, b.clamp(0, last) as usize)
    };
    Ok(ReceptiveField {
        size: r,
        jump: j,
        rows,
        cols,
        clipped_rows: clip(rows, input.0),
        clipped_cols: clip(cols, input.1),
        growth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::layers::{lenet5_network, signs_network, LENET5_INPUT, SIGNS_INPUT};
    use crate::conv::shape::Padding;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn lenet5_after_second_pool_sees_16x16() {
        // By hand: conv5 r=5 j=1; pool2 r=6 j=2; conv5 r=6+4*2=14 j=2; pool2 r=14+1*2=16 j=4.
        let rf = receptive_field(LENET5_INPUT, &lenet5_network(), 3, 2, 1).unwrap();
        assert_eq!(rf.size, (16, 16));
        assert_eq!(rf.jump, 4);
        let sizes: Vec<usize> = rf.growth.iter().map(|g| g.size.0).collect();
        assert_eq!(sizes, vec![5, 6, 14, 16]);
        // No padding: cell (2, 1) starts at 2*4 = 8 and 1*4 = 4, nothing clipped.
        assert_eq!((rf.rows, rf.cols), ((8, 23), (4, 19)));
        assert_eq!((rf.clipped_rows, rf.clipped_cols), ((8, 23), (4, 19)));
        // The last cell of the 5x5 map ends at the image's last pixel, 31 = 4*4 + 15.
        let last = receptive_field(LENET5_INPUT, &lenet5_network(), 3, 4, 4).unwrap();
        assert_eq!(last.rows, (16, 31));
        // After the fully connected layers: the whole image.
        let fc = receptive_field(LENET5_INPUT, &lenet5_network(), 7, 0, 0).unwrap();
        assert_eq!((fc.clipped_rows, fc.clipped_cols), ((0, 31), (0, 31)));
    }

    #[test]
    fn signs_after_second_pool_sees_43x43_clipped() {
        // conv4 r=4 j=1; relu; pool8/8 r=4+7=11 j=8; conv2 r=11+1*8=19; relu; pool4/4
        // r=19+3*8=43 j=32.
        let rf = receptive_field(SIGNS_INPUT, &signs_network(), 5, 0, 0).unwrap();
        assert_eq!(rf.size, (43, 43));
        assert_eq!(rf.jump, 32);
        // SAME paddings before: conv4 1, pool8 0, conv2 0, pool4 0 (8 divides by 4 evenly:
        // total padding 0): cell (0, 0) starts at -1, ends at 41, clipped to 0..41.
        assert_eq!(rf.rows, (-1, 41));
        assert_eq!(rf.clipped_rows, (0, 41));
        // Cell (1, 1) starts at 32 - 1 = 31 and would end at 73: clipped at 63.
        let rf = receptive_field(SIGNS_INPUT, &signs_network(), 5, 1, 1).unwrap();
        assert_eq!((rf.rows, rf.clipped_rows), ((31, 73), (31, 63)));
    }

    #[test]
    fn one_conv_sees_its_window_and_padding_is_clipped() {
        let conv = LayerSpec::Conv { f: 3, filters: 1, stride: 2, padding: Padding::Pad(1), bias: true };
        let rf = receptive_field((7, 7, 1), &[conv], 0, 0, 3).unwrap();
        assert_eq!(rf.size, (3, 3));
        assert_eq!((rf.rows, rf.cols), ((-1, 1), (5, 7)));
        assert_eq!((rf.clipped_rows, rf.clipped_cols), ((0, 1), (5, 6)));
    }

    #[test]
    fn bad_requests_are_errors() {
        let net = lenet5_network();
        assert!(receptive_field(LENET5_INPUT, &net, 3, 5, 0).unwrap_err().to_string().contains("outside"));
        assert!(receptive_field(LENET5_INPUT, &net, 8, 0, 0).unwrap_err().to_string().contains("no layer 9"));
        let mut broken = net.clone();
        broken[2] = LayerSpec::Conv { f: 50, filters: 16, stride: 1, padding: Padding::Valid, bias: true };
        assert!(receptive_field(LENET5_INPUT, &broken, 3, 0, 0).unwrap_err().to_string().contains("layer 3"));
        // Layers before the broken one still answer.
        assert_eq!(receptive_field(LENET5_INPUT, &broken, 1, 0, 0).unwrap().size, (6, 6));
    }
}
