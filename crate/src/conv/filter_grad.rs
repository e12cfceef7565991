//! The filter and bias gradients: tiles of dw kept in registers while they sweep the
//! list of output pixels whose gradient is nonzero.

use crate::conv::geometry::{interior_range, tap_range};
use crate::conv::kernels::{block_width, Isa, KB, TAPS, WIDE};
use crate::conv::ConvGeometry;

impl ConvGeometry {
    /// Multiply-accumulates the filter gradient does for this `dy`: it visits only output
    /// pixels whose gradient is nonzero in a block of filters (see `filter_grad`),
    /// each for every tap (padded ones counted, as [`Self::macs`] counts them).
    pub fn filter_grad_macs(&self, dy: &[f32]) -> u64 {
        let k = self.c_out;
        let taps = (self.f_h * self.f_w * self.c_in) as u64;
        let mut live = 0u64;
        for px in dy.chunks_exact(k) {
            let mut k0 = 0;
            while k0 < k {
                let kb = block_width(k - k0);
                if px[k0..k0 + kb].iter().any(|&g| g != 0.0) {
                    live += kb as u64;
                }
                k0 += kb;
            }
        }
        live * taps
    }

    /// dw += sum over pixels of x-patch (outer) dy, db += sum over pixels of dy. Lengths
    /// already checked.
    ///
    /// Each entry sums its terms in the order (image, output row, interior columns left
    /// to right, then the border columns), whatever the tiling. A tile of TAPS taps x B
    /// filters stays in registers over a chunk of images (CHUNK_PIXELS output pixels),
    /// so it is loaded and stored once per chunk, not once per row.
    ///
    /// Only pixels with a nonzero gradient are visited: behind ReLU and max pooling most of
    /// dy is exactly zero (for SIGNS conv1, 8x8 pooling leaves 1 pixel in 64), so the
    /// kernels sweep one list of the chunk's live pixels (see [`DwSweep`]) instead of all
    /// of them (a zero gradient adds exactly nothing, so skipping it changes no number),
    /// the tile in registers over the whole list, not reloaded row by row; the bias
    /// gradient is summed from the same list.
    #[inline(always)]
    pub(super) fn filter_grad<K: Isa>(&self, x: &[f32], dy: &[f32], dw: &mut [f32], db: &mut [f32]) {
        let (h, c, k, s) = (self.h, self.c_in, self.c_out, self.stride);
        let (fh, fw) = (self.f_h, self.f_w);
        let (oh, ow) = (self.out_h, self.out_w);
        let pt = self.pads.top;
        let row_taps = fw * c;
        let mut blocks = Vec::new();
        let mut k0 = 0;
        while k0 < k {
            let kb = block_width(k - k0);
            blocks.push((k0, kb));
            k0 += kb;
        }
        // Output rows [i_lo, i_hi) that filter row di reads inside the input.
        let rows_of = |di: usize| {
            let valid = |i: usize| i * s + di >= pt && i * s + di - pt < h;
            let lo = (0..oh).find(|&i| valid(i)).unwrap_or(oh);
            let hi = (lo..oh).find(|&i| !valid(i)).unwrap_or(oh);
            (lo, hi)
        };
        let chunk = (CHUNK_PIXELS / (oh * ow).max(1)).clamp(1, self.batch);
        let mut sweep = DwSweep { geo: self, x, dy, entries: Vec::new(), row_start: Vec::new(), borders: Vec::new(), n0: 0, n1: 0 };
        while sweep.n0 < self.batch {
            sweep.n1 = (sweep.n0 + chunk).min(self.batch);
            sweep.list_live(&blocks);
            // The bias gradient from the same list: each pixel's gradient in listed order
            // (a zero one adds exactly nothing, so the pixels left out change no bit).
            for (bi, &(k0, kb)) in blocks.iter().enumerate() {
                let rows = (sweep.n1 - sweep.n0) * oh;
                let (a, b) = (sweep.row_start[bi * rows], sweep.row_start[(bi + 1) * rows]);
                for &[_, gi] in &sweep.entries[a..b] {
                    let gi = gi & !BORDER;
                    for (d, &g) in db[k0..k0 + kb].iter_mut().zip(&dy[gi..gi + kb]) {
                        *d += g;
                    }
                }
            }
            for (bi, &(k0, kb)) in blocks.iter().enumerate() {
                for di in 0..fh {
                    let rows = rows_of(di);
                    if rows.0 >= rows.1 {
                        continue;
                    }
                    let dwrow = &mut dw[di * row_taps * k..(di + 1) * row_taps * k];
                    let mut t0 = 0;
                    while t0 < row_taps {
                        let tall = K::TALL && kb == WIDE && row_taps - t0 >= 2 * TAPS;
                        let tb = if tall { 2 * TAPS } else if row_taps - t0 >= TAPS { TAPS } else { 1 };
                        let at = DwTile { di, t0, bi, k0, rows };
                        // (On wasm WIDE is KB: the second branch never runs there.)
                        if tall {
                            sweep.tile::<K, { 2 * TAPS }, WIDE>(dwrow, at)
                        } else if tb == TAPS {
                            if kb == WIDE {
                                sweep.tile::<K, TAPS, WIDE>(dwrow, at)
                            } else if kb == KB {
                                sweep.tile::<K, TAPS, KB>(dwrow, at)
                            } else {
                                sweep.tile::<K, TAPS, 1>(dwrow, at)
                            }
                        } else if kb == WIDE {
                            sweep.tile::<K, 1, WIDE>(dwrow, at)
                        } else if kb == KB {
                            sweep.tile::<K, 1, KB>(dwrow, at)
                        } else {
                            sweep.tile::<K, 1, 1>(dwrow, at)
                        }
                        t0 += tb;
                    }
                }
            }
            sweep.n0 = sweep.n1;
        }
    }
}

/// Output pixels a filter-gradient tile is swept over before it is stored.
const CHUNK_PIXELS: usize = 1024;

/// Marks a border pixel's entry (its window reaches into the padding) in [`DwSweep`].
const BORDER: usize = 1 << (usize::BITS - 1);

/// One tile of a filter-gradient pass: filter row `di`, taps t0.., filters k0.. (block
/// `bi`), and the output rows [rows.0, rows.1) whose filter row `di` lies in the input.
#[derive(Clone, Copy)]
struct DwTile {
    di: usize,
    t0: usize,
    bi: usize,
    k0: usize,
    rows: (usize, usize),
}

/// One chunk of images (n0..n1) of a filter-gradient pass, with the list of its live
/// pixels: per filter block, the pixels whose gradient is nonzero in that block, row by
/// row (each row's interior columns left to right, then its border columns), each as
/// [x index of its window's first tap in filter row `pt` (the row at the output row's
/// own height), dy index of its block]. For a border pixel the first is the start of
/// that input row and the second carries [`BORDER`].
struct DwSweep<'a> {
    geo: &'a ConvGeometry,
    x: &'a [f32],
    dy: &'a [f32],
    entries: Vec<[usize; 2]>,
    /// Per block, per (image of the chunk, output row) and one more: where its entries start.
    row_start: Vec<usize>,
    /// Per block, the positions in `entries` of its border pixels, in order.
    borders: Vec<Vec<usize>>,
    n0: usize,
    n1: usize,
}

impl DwSweep<'_> {
    /// Lists the chunk's live pixels (see [`DwSweep`]) for each block (k0, kb).
    fn list_live(&mut self, blocks: &[(usize, usize)]) {
        let g = self.geo;
        let (wd, c, k, s) = (g.w, g.c_in, g.c_out, g.stride);
        let (oh, ow) = (g.out_h, g.out_w);
        let pl = g.pads.left;
        let (j0, j1) = interior_range(ow, s, pl, wd, g.f_w);
        let rows = (self.n1 - self.n0) * oh;
        self.entries.clear();
        self.row_start.clear();
        self.borders.resize(blocks.len(), Vec::new());
        for (bi, &(k0, kb)) in blocks.iter().enumerate() {
            self.borders[bi].clear();
            for r in 0..rows {
                let (n, i) = (self.n0 + r / oh, r % oh);
                self.row_start.push(self.entries.len());
                let row = (n * oh + i) * ow * k;
                // The row of x at the output row's height (filter row pt), image n.
                let xrow = (n * g.h + i * s) * wd * c;
                // A zero gradient adds exactly nothing: only nonzero ones are listed.
                let live = |j: usize| any_nonzero(&self.dy[row + j * k + k0..row + j * k + k0 + kb]);
                for j in j0..j1 {
                    if live(j) {
                        self.entries.push([xrow + (j * s - pl) * c, row + j * k + k0]);
                    }
                }
                for j in (0..j0).chain(j1..ow) {
                    if live(j) {
                        self.borders[bi].push(self.entries.len());
                        self.entries.push([xrow, (row + j * k + k0) | BORDER]);
                    }
                }
            }
        }
        self.row_start.push(self.entries.len());
    }

    /// The tile dw[di, t0..t0+T, k0..k0+B] of the filter row `dwrow`, accumulated over
    /// the chunk's live pixels in their listed order: runs of interior pixels in the
    /// micro-kernel (the tile in registers throughout), border pixels one by one with
    /// only the taps that land inside the input.
    #[inline(always)]
    fn tile<K: Isa, const T: usize, const B: usize>(&self, dwrow: &mut [f32], at: DwTile) {
        let DwTile { di, t0, bi, k0, rows } = at;
        let g = self.geo;
        let (wd, c, k, s) = (g.w, g.c_in, g.c_out, g.stride);
        let (oh, ow, fw) = (g.out_h, g.out_w, g.f_w);
        let (pt, pl) = (g.pads.top, g.pads.left);
        // Filter row di reads the input row (di - pt) below the listed one.
        let shift = (di * wd * c).wrapping_sub(pt * wd * c);
        let mut acc: [[f32; B]; T] =
            core::array::from_fn(|q| dwrow[(t0 + q) * k + k0..(t0 + q) * k + k0 + B].try_into().expect("B-wide block"));
        let starts = &self.row_start[bi * (self.n1 - self.n0) * oh..];
        let borders = &self.borders[bi];
        for img in 0..self.n1 - self.n0 {
            let (first, end) = (starts[img * oh + rows.0], starts[img * oh + rows.1]);
            let mut at = first;
            let mut b = borders.partition_point(|&p| p < first);
            while at < end {
                let stop = borders.get(b).copied().filter(|&p| p < end).unwrap_or(end);
                if stop > at {
                    K::dw_pairs::<T, B>(&mut acc, self.x, self.dy, &self.entries[at..stop], shift.wrapping_add(t0));
                }
                if stop == end {
                    break;
                }
                // A border pixel: only the taps whose column lands inside the input.
                let [xr, gi] = self.entries[stop];
                let gi = gi & !BORDER;
                let j = (gi / k) % ow;
                let (dj_lo, dj_hi) = tap_range(j, s, pl, wd, fw);
                let xrow = &self.x[xr.wrapping_add(shift)..xr.wrapping_add(shift) + wd * c];
                let gv = &self.dy[gi..gi + B];
                for (q, aq) in acc.iter_mut().enumerate() {
                    let t = t0 + q;
                    let dj = t / c;
                    if dj < dj_lo || dj >= dj_hi {
                        continue;
                    }
                    let xv = xrow[(j * s + dj - pl) * c + t % c];
                    for (a, &gr) in aq.iter_mut().zip(gv) {
                        *a += xv * gr;
                    }
                }
                at = stop + 1;
                b += 1;
            }
        }
        for (q, aq) in acc.iter().enumerate() {
            dwrow[(t0 + q) * k + k0..(t0 + q) * k + k0 + B].copy_from_slice(aq);
        }
    }
}

/// Whether any value is nonzero (-0.0 counts as zero): eight at a time, so that the
/// compiler makes it a few SIMD compares for the usual 8- and 16-filter blocks.
#[inline(always)]
fn any_nonzero(v: &[f32]) -> bool {
    let mut chunks = v.chunks_exact(8);
    let mut any = [false; 8];
    for c in &mut chunks {
        let c: &[f32; 8] = c.try_into().expect("8 values");
        for l in 0..8 {
            any[l] |= c[l] != 0.0;
        }
    }
    any.iter().any(|&a| a) || chunks.remainder().iter().any(|&v| v != 0.0)
}
