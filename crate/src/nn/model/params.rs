//! The trainable parameters as one flat vector (what Adam, the weights file and the
//! data-parallel workers exchange), in one fixed order, and the filters for the page.

use super::*;

impl Model {
    /// Calls `f` on every trainable tensor with its gradient, always in the same order.
    pub fn visit_params(&mut self, mut f: impl FnMut(usize, ParamMut<'_>)) {
        let mut k = 0;
        self.for_each_tensor_mut(|value, grad, decay| {
            f(k, ParamMut { value, grad, decay });
            k += 1;
        });
    }

    /// Every trainable tensor as (values, gradient), in the order of [`Model::visit_params`].
    pub(super) fn for_each_tensor(&self, mut f: impl FnMut(&[f32], &[f32])) {
        for layer in &self.layers {
            let pairs: [TensorRef<'_>; 2] = match layer {
                Layer::Conv(c) if c.bias => [(c.w.as_slice(), c.dw.as_slice()), (c.b.as_slice(), c.db.as_slice())],
                Layer::Conv(c) => [(c.w.as_slice(), c.dw.as_slice()), (None, None)],
                Layer::Dense(d) => [(d.w.as_slice(), d.dw.as_slice()), (d.b.as_slice(), d.db.as_slice())],
                Layer::BatchNorm(bn) => [
                    (bn.gamma.as_slice(), bn.dgamma.as_slice()),
                    (bn.beta.as_slice(), bn.dbeta.as_slice()),
                ],
                _ => continue,
            };
            for (value, grad) in pairs {
                if let (Some(value), Some(grad)) = (value, grad) {
                    f(value, grad);
                }
            }
        }
    }

    /// Every trainable tensor as (values, gradient, gets weight decay), writable, same
    /// order. A convolution without bias has one tensor: its `b` stays zero.
    pub(super) fn for_each_tensor_mut(&mut self, mut f: impl FnMut(&mut [f32], &mut [f32], bool)) {
        for layer in &mut self.layers {
            let pairs: [TensorMut<'_>; 2] = match layer {
                Layer::Conv(c) => [
                    (c.w.as_slice_mut(), c.dw.as_slice_mut(), true),
                    if c.bias {
                        (c.b.as_slice_mut(), c.db.as_slice_mut(), false)
                    } else {
                        (None, None, false)
                    },
                ],
                Layer::Dense(d) => [
                    (d.w.as_slice_mut(), d.dw.as_slice_mut(), true),
                    (d.b.as_slice_mut(), d.db.as_slice_mut(), false),
                ],
                Layer::BatchNorm(bn) => [
                    (bn.gamma.as_slice_mut(), bn.dgamma.as_slice_mut(), false),
                    (bn.beta.as_slice_mut(), bn.dbeta.as_slice_mut(), false),
                ],
                _ => continue,
            };
            for (value, grad, decay) in pairs {
                if let (Some(value), Some(grad)) = (value, grad) {
                    f(value, grad, decay);
                }
            }
        }
    }

    /// Number of trainable values: the length of the flat vectors below.
    pub fn param_count(&self) -> usize {
        let mut n = 0;
        self.for_each_tensor(|v, _| n += v.len());
        n
    }

    pub(super) fn check_flat(&self, len: usize, what: &str) -> Result<()> {
        let n = self.param_count();
        if len != n {
            return Err(shape_err!(
                "{what}: expected {n} values (one per trainable parameter of this network), got {len}"
            ));
        }
        Ok(())
    }

    /// Writes every trainable value into `out` (length [`Model::param_count`]), tensors in
    /// the order of [`Model::visit_params`], each in its row-major order.
    pub fn copy_params_to(&self, out: &mut [f32]) -> Result<()> {
        self.gather(out, "parameters", |v, _| v)
    }

    /// Sets every trainable value from a flat vector written by [`Model::copy_params_to`].
    pub fn set_params(&mut self, flat: &[f32]) -> Result<()> {
        self.scatter(flat, "parameters", |v, _| v)
    }

    /// Writes the gradient of the last backward pass into `out`, in the parameters' order.
    pub fn copy_grads_to(&self, out: &mut [f32]) -> Result<()> {
        self.gather(out, "gradients", |_, g| g)
    }

    /// Replaces the gradient (what the optimiser reads) by a flat vector, e.g. gradients
    /// of parts of a minibatch summed by data-parallel training.
    pub fn set_grads(&mut self, flat: &[f32]) -> Result<()> {
        self.scatter(flat, "gradients", |_, g| g)
    }

    /// Copies the tensor `pick` chooses of each (values, gradient) pair into `out`, in order.
    pub(super) fn gather(&self, out: &mut [f32], what: &str, pick: for<'a> fn(&'a [f32], &'a [f32]) -> &'a [f32]) -> Result<()> {
        self.check_flat(out.len(), what)?;
        let mut at = 0;
        self.for_each_tensor(|v, g| {
            let t = pick(v, g);
            out[at..at + t.len()].copy_from_slice(t);
            at += t.len();
        });
        Ok(())
    }

    /// Fills the tensor `pick` chooses of each (values, gradient) pair from `flat`, in order.
    pub(super) fn scatter(
        &mut self,
        flat: &[f32],
        what: &str,
        pick: for<'a> fn(&'a mut [f32], &'a mut [f32]) -> &'a mut [f32],
    ) -> Result<()> {
        self.check_flat(flat.len(), what)?;
        let mut at = 0;
        self.for_each_tensor_mut(|v, g, _| {
            let t = pick(v, g);
            let n = t.len();
            t.copy_from_slice(&flat[at..at + n]);
            at += n;
        });
        Ok(())
    }

    /// Layers whose training-mode result for one image depends on the other images of the
    /// minibatch (batch norm) or on a random stream of the model (dropout); `None` when
    /// every image's gradient depends only on the image and the parameters.
    pub fn batch_coupled_layer(&self) -> Option<&'static str> {
        self.layers.iter().find_map(|l| match l {
            Layer::BatchNorm(_) => Some("batch norm"),
            Layer::Dropout { .. } => Some("dropout"),
            _ => None,
        })
    }

    /// The current filters (f, f, c_in, c_out) of every convolution, in order.
    pub fn conv_filters(&self) -> Vec<Array4<f32>> {
        self.layers
            .iter()
            .filter_map(|l| match l {
                Layer::Conv(c) => Some(c.w.clone()),
                _ => None,
            })
            .collect()
    }
}

/// One trainable tensor of a layer, if it has it: (values, gradient).
type TensorRef<'a> = (Option<&'a [f32]>, Option<&'a [f32]>);
/// The same, writable, and whether it gets weight decay.
type TensorMut<'a> = (Option<&'a mut [f32]>, Option<&'a mut [f32]>, bool);
