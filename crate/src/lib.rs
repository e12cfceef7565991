//! ConvLab's core: the maths of week 1 of "Convolutional Neural Networks", in plain Rust.
//!
//! Module map, in lecture order:
//! - [`shape`]: output sizes floor((n + 2p - f) / s) + 1, VALID / SAME / p padding.
//! - [`conv`]: convolution over volumes (cross-correlation and true convolution), forward
//!   and backward, with allocation-free SIMD-friendly slice kernels.
//! - [`stepper`]: one position of the sliding window, term by term, for the step-by-step view.
//! - [`volume_step`]: one conv layer over a volume, channel by channel, + bias and ReLU.
//! - [`layers`]: a network as a list of layer specs; shapes, parameters and MACs per layer.
//! - [`receptive_field`]: which input pixels one cell of a layer sees (r, jump, clipping).
//! - [`params`]: parameter counts (456, not the lecture's 156), the fully connected
//!   alternative, and how often the filter visits each input pixel.
//! - [`edges`]: vertical / horizontal / Sobel / Scharr filters, gradient magnitude, grey conversion.
//! - [`colormap`]: values to RGBA pixels (diverging for signed maps, sequential for magnitudes).
//! - [`test_pictures`]: grey pictures drawn by code for the edge lab (steps, checkerboard, disc...).
//! - [`learned_filter`]: gradient descent learns the nine weights of a 3x3 edge filter.
//! - [`pool`]: max and average pooling (TensorFlow's SAME semantics), forward and backward.
//! - [`backprop_step`]: backprop through one conv and one pooling layer, window by window,
//!   with a numeric gradient check (the course's optional part).
//! - [`data`]: datasets (course HDF5 files, synthetic hands), photo preprocessing,
//!   photo headers (the size before decoding), augmentation.
//! - [`activation`], [`loss`], [`dense`], [`batchnorm`], [`dropout`], [`global_pool`]: the other
//!   layers, forward and backward; softmax cross-entropy.
//! - [`model`]: a sequential model built from layer specs (init, forward, backward, feature maps).
//! - [`optim`]: Adam, L2 weight decay, cosine learning-rate schedule.
//! - [`train`]: the step-wise trainer (minibatches, epochs, accuracy, confusion matrix).
//! - [`data_parallel`]: a minibatch split between workers, gradients summed, one update.
//! - [`weights`]: saving and loading a model as versioned JSON.
//! - [`classify`]: one photo through THE preprocessing and a model: probabilities, unsure warning.
//! - [`tiles`]: feature maps, filters and pictures as RGBA tiles for drawing.
//! - [`hand_model`]: the shipped photo classifier: robust network, test-time views, confidence warning.
//! - [`bench`]: MAC-rate benchmark of the convolution kernels (native and browser).
//!
//! The core never touches the browser: `wasm` (built for wasm32 only) is the one thin
//! binding layer, and everything else is tested natively with `cargo test`.

pub mod error;
pub mod shape;
pub mod conv;
pub mod layers;
pub mod receptive_field;
pub mod stepper;
pub mod volume_step;
pub mod params;
pub mod edges;
pub mod colormap;
pub mod test_pictures;
pub mod learned_filter;
pub mod pool;
pub mod backprop_step;
pub mod data;
pub mod activation;
pub mod loss;
pub mod dense;
pub mod batchnorm;
pub mod dropout;
pub mod global_pool;
pub mod model;
pub mod optim;
pub mod train;
pub mod data_parallel;
pub mod weights;
pub mod classify;
pub mod grad_cam;
pub mod tiles;
pub mod hand_model;
pub mod gradcheck;
pub mod bench;

#[cfg(not(target_arch = "wasm32"))]
pub mod testdata;

#[cfg(all(target_arch = "wasm32", feature = "bindings"))]
pub mod wasm;

pub use error::{ConvLabError, Result};

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
