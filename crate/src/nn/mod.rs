//! A network's layers and the sequential model made of them.
//!
//! - [`layers`]: a network as a list of layer specs; shapes, parameters and MACs per layer.
//! - [`params`]: parameter counts (456, not the lecture's 156), the fully connected
//!   alternative, and how often the filter visits each input pixel.
//! - [`pool`]: max and average pooling (TensorFlow's SAME semantics), forward and backward.
//! - [`activation`], [`dense`], [`batchnorm`], [`dropout`], [`global_pool`]: the other
//!   layers, forward and backward; [`loss`]: softmax cross-entropy.
//! - [`model`]: a sequential model built from layer specs (init, forward, backward, feature maps).
//! - [`profile`]: where a training step's time goes, phase by phase (for the speed benchmark).
//! - [`gradcheck`]: numerical gradients and the relative error that checks a backward pass.
//!
//! The convolution itself lives in [`crate::conv`].

pub mod layers;
pub mod params;
pub mod pool;
pub mod activation;
pub mod dense;
pub mod batchnorm;
pub mod dropout;
pub mod global_pool;
pub mod loss;
pub mod model;
pub mod profile;

pub mod gradcheck;
