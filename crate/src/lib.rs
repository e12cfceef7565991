//! ConvLab's core: the maths of week 1 of "Convolutional Neural Networks", in plain Rust.
//!
//! Rooms, each a folder; arrows point down the list only (a room may use the ones below it):
//! - `wasm` (wasm32 only): the one thin binding layer to the page, one file per area.
//! - [`classify`]: one photo through THE preprocessing and a model: probabilities, unsure
//!   warning; [`classify::hand_model`], the shipped photo classifier; [`classify::grad_cam`],
//!   where the network looks.
//! - [`train`]: the step-wise trainer (minibatches, epochs, accuracy, confusion matrix),
//!   the data-parallel split, Adam, saving and loading weights.
//! - [`lesson`]: the lecture's demonstrations: the sliding window step by step, a volume
//!   channel by channel, edge filters, test pictures, the learned filter, receptive fields,
//!   backprop step by step, colour maps, tiles.
//! - [`nn`]: layer specs and tables, parameter counts, the layers (pool, dense, activation,
//!   batch norm, dropout, global pooling, loss), the sequential model and gradient checks.
//! - [`conv`]: convolution over volumes, forward and backward, with SIMD kernels;
//!   [`conv::shape`], output sizes floor((n + 2p - f) / s) + 1 and padding.
//! - [`data`]: datasets (course HDF5 files, synthetic hands), photo preprocessing,
//!   photo headers (the size before decoding), augmentation.
//! - [`error`]: [`ConvLabError`], the errors every room returns.
//!
//! The core never touches the browser: `wasm` (built for wasm32 only) is the one thin
//! binding layer, and everything else is tested natively with `cargo test`.

pub mod error;
pub mod message;
pub mod data;
pub mod conv;
pub mod nn;
pub mod lesson;
pub mod train;
pub mod classify;

#[cfg(not(target_arch = "wasm32"))]
pub mod testdata;

#[cfg(all(target_arch = "wasm32", feature = "bindings"))]
pub mod wasm;

pub use error::{ConvLabError, Result};

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
