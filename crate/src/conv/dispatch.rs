//! The slice kernels' public entry points: each checks the buffer lengths against the
//! geometry, then runs the loops compiled for the best instruction set this CPU has
//! (chosen at run time on x86-64; wasm has one build per feature set).

use crate::conv::geometry::check_len;
#[cfg(target_arch = "x86_64")]
use crate::conv::kernels::x86;
use crate::conv::kernels::Portable;
use crate::conv::ConvGeometry;
use crate::error::Result;

impl ConvGeometry {
    /// Forward pass into `out` (overwritten): out = conv(x, w) + b.
    /// Errors only when a buffer length does not match the geometry.
    pub fn forward_into(&self, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) -> Result<()> {
        self.forward_impl::<false>(x, w, b, out)
    }

    /// Forward pass and ReLU in one: out = max(0, conv(x, w) + b), with NaN kept (a
    /// diverged run must show). Saves a pass over the output, the largest activation.
    pub fn forward_relu_into(&self, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) -> Result<()> {
        self.forward_impl::<true>(x, w, b, out)
    }

    fn forward_impl<const RELU: bool>(&self, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) -> Result<()> {
        check_len(x.len(), self.x_len(), "input")?;
        check_len(w.len(), self.w_len(), "filter")?;
        check_len(b.len(), self.c_out, "bias")?;
        check_len(out.len(), self.out_len(), "output")?;
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx512() {
            // SAFETY: the CPU has AVX-512F (checked at run time).
            unsafe { x86::forward512::<RELU>(self, x, w, b, out) };
            return Ok(());
        } else if x86::has_avx2() {
            // SAFETY: the CPU has AVX2 (checked at run time).
            unsafe { x86::forward::<RELU>(self, x, w, b, out) };
            return Ok(());
        }
        self.forward_kernel::<Portable, RELU>(x, w, b, out);
        Ok(())
    }

    /// Backward pass. `dw` and `db` are overwritten with the gradients of the loss with
    /// respect to the filters and biases; `dx`, when given, is overwritten with the
    /// gradient with respect to the input (skip it for a first layer: it costs as much
    /// as the forward pass). Errors only when a buffer length does not match.
    pub fn backward_into(
        &self,
        x: &[f32],
        w: &[f32],
        dy: &[f32],
        dw: &mut [f32],
        db: &mut [f32],
        dx: Option<&mut [f32]>,
    ) -> Result<()> {
        check_len(x.len(), self.x_len(), "input")?;
        check_len(w.len(), self.w_len(), "filter")?;
        check_len(dy.len(), self.out_len(), "output gradient")?;
        check_len(dw.len(), self.w_len(), "filter gradient")?;
        check_len(db.len(), self.c_out, "bias gradient")?;
        if let Some(dx) = dx.as_deref() {
            check_len(dx.len(), self.x_len(), "input gradient")?;
        }
        dw.fill(0.0);
        db.fill(0.0);
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx512() {
            // SAFETY: the CPU has AVX-512F (checked at run time).
            unsafe { x86::backward512(self, x, w, dy, dw, db, dx) };
            return Ok(());
        } else if x86::has_avx2() {
            // SAFETY: the CPU has AVX2 (checked at run time).
            unsafe { x86::backward(self, x, w, dy, dw, db, dx) };
            return Ok(());
        }
        self.filter_grad::<Portable>(x, dy, dw, db);
        if let Some(dx) = dx {
            self.input_grad::<Portable>(w, dy, dx);
        }
        Ok(())
    }

    /// The input gradient alone (`dx` overwritten): what [`Self::backward_into`] computes
    /// for `dx`, to the bit. For timing the two halves of a backward pass apart.
    pub fn input_grad_into(&self, w: &[f32], dy: &[f32], dx: &mut [f32]) -> Result<()> {
        check_len(w.len(), self.w_len(), "filter")?;
        check_len(dy.len(), self.out_len(), "output gradient")?;
        check_len(dx.len(), self.x_len(), "input gradient")?;
        #[cfg(target_arch = "x86_64")]
        if x86::has_avx512() {
            // SAFETY: the CPU has AVX-512F (checked at run time).
            unsafe { x86::input_grad512(self, w, dy, dx) };
            return Ok(());
        } else if x86::has_avx2() {
            // SAFETY: the CPU has AVX2 (checked at run time).
            unsafe { x86::input_grad(self, w, dy, dx) };
            return Ok(());
        }
        self.input_grad::<Portable>(w, dy, dx);
        Ok(())
    }
}
