//! 2-D convolution over volumes, as the lecture defines it: an input (m, n_H, n_W, n_C)
//! and a bank of filters (f, f, n_C, n_C') plus one bias per filter give an output
//! (m, n_H', n_W', n_C'). Deep learning's "convolution" is cross-correlation; true
//! convolution first rotates each filter by 180 degrees.
//!
//! Two layers of API:
//! - [`conv2d`] / [`conv2d_backward`] on ndarray views, for teaching and tests;
//! - [`ConvGeometry`] with allocation-free slice kernels ([`ConvGeometry::forward_into`],
//!   [`ConvGeometry::backward_into`]) for the training engine. The ndarray functions call
//!   these kernels, so there is one implementation.
//!
//! Forward, for output pixel (n, i, j) and filter k (cross-correlation):
//! `y[n,i,j,k] = b[k] + sum_{di,dj,c} x[n, i*s+di-p_top, j*s+dj-p_left, c] * w[di,dj,c,k]`,
//! where reads outside the input are zeros (padding).
//! Backward: `dw[di,dj,c,k] = sum_{n,i,j} x[n, i*s+di-p_top, j*s+dj-p_left, c] * dy[n,i,j,k]`,
//! `db[k] = sum_{n,i,j} dy[n,i,j,k]`, and `dx[n,y,x,c] = sum dy[n,i,j,k] * w[di,dj,c,k]`
//! over all (i, j, di, dj) with i*s+di-p_top = y and j*s+dj-p_left = x.
//!
//! Speed: the kernels never read padding. For each output row the valid filter rows are
//! computed once; output columns whose window lies fully inside the input ("interior")
//! go through register-tiled micro-kernels (4 pixels x 8 filters for the forward pass,
//! 4 taps x 8 filters for the filter gradient) whose inner loops run over contiguous
//! channels and that LLVM turns into `f32x4` SIMD on wasm `simd128`; the few border
//! columns take a clipped path. Nothing allocates.

pub mod shape;
pub mod bench;
mod api;
mod dispatch;
mod filter_grad;
mod forward;
mod geometry;
mod input_grad;
mod kernels;
#[cfg(test)]
mod tests;

pub use api::{conv2d, conv2d_backward, flip_filter, ConvGrads, Correlation};
pub use geometry::ConvGeometry;
pub(crate) use geometry::tap_range;
