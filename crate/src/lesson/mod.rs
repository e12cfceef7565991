//! The lecture's demonstrations, beyond the layers a network is made of: one position of
//! the sliding window, a conv layer over a volume channel by channel, edge filters and the
//! pictures they run on, a 3x3 filter learned by gradient descent, receptive fields,
//! backprop step by step, and values turned into RGBA pixels and tiles for drawing.
//!
//! - [`stepper`]: one position of the sliding window, term by term, for the step-by-step view.
//! - [`volume_step`]: one conv layer over a volume, channel by channel, + bias and ReLU.
//! - [`edges`]: vertical / horizontal / Sobel / Scharr filters, gradient magnitude, grey conversion.
//! - [`test_pictures`]: grey pictures drawn by code for the edge lab (steps, checkerboard, disc...).
//! - [`learned_filter`]: gradient descent learns the nine weights of a 3x3 edge filter.
//! - [`receptive_field`]: which input pixels one cell of a layer sees (r, jump, clipping).
//! - [`backprop_step`]: backprop through one conv and one pooling layer, window by window,
//!   with a numeric gradient check (the course's optional part).
//! - [`colormap`]: values to RGBA pixels (diverging for signed maps, sequential for magnitudes).
//! - [`tiles`]: feature maps, filters and pictures as RGBA tiles for drawing.

pub mod stepper;
pub mod volume_step;
pub mod edges;
pub mod test_pictures;
pub mod learned_filter;
pub mod receptive_field;
pub mod backprop_step;
pub mod colormap;
pub mod tiles;
