//! The model's buffers: every layer's activations and gradients, allocated once for a
//! batch capacity and checked against a size limit first, and views into them.

use super::*;

pub(super) fn size(s: Shape3) -> usize {
    s.0 * s.1 * s.2
}

/// Most values one image's activations (all layers) or the parameters may take: 64 M
/// floats = 256 MB each. The SIGNS network needs about 100 K and 1.3 K.
pub const MAX_MODEL_VALUES: usize = 1 << 26;

/// Refuses, with a message, a network whose buffers could not be allocated: a weights
/// file or a layer stack with a huge input would otherwise abort (out of memory, or an
/// overflowing size) instead of returning an error.
pub(super) fn check_allocation(input: Shape3, rows: &[LayerRow]) -> Result<()> {
    let too_large = || {
        crate::message::Message::ModelTooLarge { millions: MAX_MODEL_VALUES >> 20 }.param()
    };
    let mut activations = 0usize;
    for s in std::iter::once(input).chain(rows.iter().map(|r| r.output)) {
        let n = s.0.checked_mul(s.1).and_then(|v| v.checked_mul(s.2)).ok_or_else(too_large)?;
        activations = activations.checked_add(n).ok_or_else(too_large)?;
    }
    let params = rows.iter().try_fold(0usize, |acc, r| acc.checked_add(r.params)).ok_or_else(too_large)?;
    if activations > MAX_MODEL_VALUES || params > MAX_MODEL_VALUES {
        return Err(too_large());
    }
    Ok(())
}

pub(super) fn view4(buf: &[f32], m: usize, s: Shape3) -> Result<ArrayView4<'_, f32>> {
    ArrayView4::from_shape((m, s.0, s.1, s.2), &buf[..m * size(s)])
        .map_err(|e| shape_err!("internal buffer: {e}"))
}
pub(super) fn view4_mut(buf: &mut [f32], m: usize, s: Shape3) -> Result<ArrayViewMut4<'_, f32>> {
    ArrayViewMut4::from_shape((m, s.0, s.1, s.2), &mut buf[..m * size(s)])
        .map_err(|e| shape_err!("internal buffer: {e}"))
}
pub(super) fn view2(buf: &[f32], rows: usize, cols: usize) -> Result<ArrayView2<'_, f32>> {
    ArrayView2::from_shape((rows, cols), &buf[..rows * cols])
        .map_err(|e| shape_err!("internal buffer: {e}"))
}
pub(super) fn view2_mut(buf: &mut [f32], rows: usize, cols: usize) -> Result<ArrayViewMut2<'_, f32>> {
    ArrayViewMut2::from_shape((rows, cols), &mut buf[..rows * cols])
        .map_err(|e| shape_err!("internal buffer: {e}"))
}

pub(super) fn slice<D: ndarray::Dimension>(a: &ndarray::Array<f32, D>) -> Result<&[f32]> {
    a.as_slice()
        .ok_or_else(|| shape_err!("internal: parameters are not contiguous"))
}
pub(super) fn slice_mut<D: ndarray::Dimension>(a: &mut ndarray::Array<f32, D>) -> Result<&mut [f32]> {
    a.as_slice_mut()
        .ok_or_else(|| shape_err!("internal: parameters are not contiguous"))
}

impl Model {
    /// Makes the buffers hold batches of up to `m` images (allocates only when growing).
    pub fn ensure_capacity(&mut self, m: usize) {
        if m <= self.capacity {
            return;
        }
        self.capacity = m;
        self.acts = self
            .shapes
            .iter()
            .map(|&s| vec![0.0; m * size(s)])
            .collect();
        // No gradient is needed for the input images themselves.
        self.grads = self
            .shapes
            .iter()
            .enumerate()
            .map(|(i, &s)| vec![0.0; if i == 0 { 0 } else { m * size(s) }])
            .collect();
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let s = self.shapes[i];
            match layer {
                Layer::Pool {
                    kind: PoolKind::Max,
                    argmax,
                    ..
                } => *argmax = vec![0; m * size(self.shapes[i + 1])],
                Layer::BatchNorm(bn) => bn.x_hat = vec![0.0; m * size(s)],
                Layer::Dropout { mask, .. } => *mask = vec![0.0; m * size(s)],
                _ => {}
            }
        }
    }

    /// The input buffer for a batch of `m` images (m * h * w * c values, NHWC), to be
    /// filled before [`Model::forward_filled`]; grows the buffers if needed.
    pub fn input_buffer(&mut self, m: usize) -> &mut [f32] {
        self.ensure_capacity(m);
        let n = m * size(self.shapes[0]);
        &mut self.acts[0][..n]
    }

    /// Images `start..end` of the input buffer as NHWC floats: what [`Model::input_buffer`]
    /// received for the next forward pass.
    pub fn input_rows(&self, start: usize, end: usize) -> Result<&[f32]> {
        if start > end || end > self.capacity {
            return Err(shape_err!(
                "images {start}..{end} are outside the model's input buffer ({} images)",
                self.capacity
            ));
        }
        let per = size(self.shapes[0]);
        Ok(&self.acts[0][start * per..end * per])
    }
}
