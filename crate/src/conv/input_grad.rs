//! The input gradient: as a transposed convolution through the forward tiles where the
//! stride is 1, else one dot product per tap.

use crate::conv::geometry::tap_range;
use crate::conv::kernels::Isa;
use crate::conv::shape::Pads;
use crate::conv::ConvGeometry;

impl ConvGeometry {
    /// dx = sum over pixels and taps of w[tap] . dy (overwrites dx). Lengths checked.
    ///
    /// With stride 1 this is itself a convolution (the "transposed convolution"): of dy,
    /// padded by f - 1 - p on each side, with the filters rotated by 180 degrees and their
    /// two channel axes swapped; it runs through the forward kernel's register tiles.
    /// Other strides take a direct loop.
    #[inline(always)]
    pub(super) fn input_grad<K: Isa>(&self, w: &[f32], dy: &[f32], dx: &mut [f32]) {
        if let Some(t) = self.transposed() {
            let (fh, fw, c, k) = (self.f_h, self.f_w, self.c_in, self.c_out);
            let mut wt = vec![0f32; w.len()];
            for di in 0..fh {
                for dj in 0..fw {
                    let src = ((fh - 1 - di) * fw + (fw - 1 - dj)) * c * k;
                    let dst = (di * fw + dj) * k * c;
                    for ch in 0..c {
                        for kk in 0..k {
                            wt[dst + kk * c + ch] = w[src + ch * k + kk];
                        }
                    }
                }
            }
            let zeros = vec![0f32; c];
            t.forward_kernel::<K, false>(dy, &wt, &zeros, dx);
            return;
        }
        self.input_grad_direct(w, dy, dx);
    }

    /// The geometry of the convolution whose output is this one's input gradient (see
    /// [`Self::input_grad`]); `None` for a stride above 1 or padding of f or more.
    fn transposed(&self) -> Option<ConvGeometry> {
        let p = self.pads;
        let (fh, fw) = (self.f_h, self.f_w);
        if self.stride != 1 || p.top >= fh || p.bottom >= fh || p.left >= fw || p.right >= fw {
            return None;
        }
        let pads = Pads { top: fh - 1 - p.top, bottom: fh - 1 - p.bottom, left: fw - 1 - p.left, right: fw - 1 - p.right };
        let t = ConvGeometry {
            batch: self.batch,
            h: self.out_h,
            w: self.out_w,
            c_in: self.c_out,
            f_h: fh,
            f_w: fw,
            c_out: self.c_in,
            stride: 1,
            pads,
            out_h: self.out_h + pads.top + pads.bottom + 1 - fh,
            out_w: self.out_w + pads.left + pads.right + 1 - fw,
        };
        (t.out_h == self.h && t.out_w == self.w).then_some(t)
    }

    /// [`Self::input_grad`] for any stride: each output pixel's gradient spread over its
    /// window, one dot product per tap.
    #[inline(always)]
    fn input_grad_direct(&self, w: &[f32], dy: &[f32], dx: &mut [f32]) {
        let (h, wd, c, k, s) = (self.h, self.w, self.c_in, self.c_out, self.stride);
        let (fh, fw) = (self.f_h, self.f_w);
        let (oh, ow) = (self.out_h, self.out_w);
        let (pt, pl) = (self.pads.top, self.pads.left);
        let row_taps = fw * c;
        dx.fill(0.0);
        for n in 0..self.batch {
            let dximg = &mut dx[n * h * wd * c..(n + 1) * h * wd * c];
            for i in 0..oh {
                let (di_lo, di_hi) = tap_range(i, s, pt, h, fh);
                let dyrow = &dy[((n * oh + i) * ow) * k..((n * oh + i) * ow + ow) * k];
                for di in di_lo..di_hi {
                    let yi = i * s + di - pt;
                    let dxrow = &mut dximg[yi * wd * c..(yi + 1) * wd * c];
                    let wrow = &w[di * row_taps * k..(di + 1) * row_taps * k];
                    for (j, g) in dyrow.chunks_exact(k).enumerate() {
                        let (dj_lo, dj_hi) = tap_range(j, s, pl, wd, fw);
                        if dj_hi == dj_lo {
                            continue;
                        }
                        let dxseg = &mut dxrow[(j * s + dj_lo - pl) * c..(j * s + dj_hi - pl) * c];
                        let wseg = &wrow[dj_lo * c * k..dj_hi * c * k];
                        for (d, wt) in dxseg.iter_mut().zip(wseg.chunks_exact(k)) {
                            *d += dot(wt, g);
                        }
                    }
                }
            }
        }
    }
}

/// Dot product of two equally long slices, 8 lanes at a time.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for q in 0..8 {
            acc[q] += x[q] * y[q];
        }
    }
    let mut sum = acc.iter().sum::<f32>();
    for (x, y) in ar.iter().zip(br) {
        sum += x * y;
    }
    sum
}
