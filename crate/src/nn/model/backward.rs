//! The backward pass: the cost of the last forward pass and every parameter's
//! gradient, and the gradient of one class score for Grad-CAM.

use super::*;

impl Model {
    /// Cost of the last forward pass against `labels` (softmax cross-entropy, mean over
    /// the batch) and the backward pass: afterwards every parameter's gradient is set.
    pub fn backward(&mut self, labels: &[u8]) -> Result<f32> {
        self.run_backward(labels, 0.0, true)
    }

    /// [`Model::backward`] against targets smoothed by `smoothing`
    /// ([`crate::nn::loss::smoothed_cross_entropy`]).
    pub fn backward_smoothed(&mut self, labels: &[u8], smoothing: f32) -> Result<f32> {
        self.run_backward(labels, smoothing, true)
    }

    pub(super) fn run_backward(&mut self, labels: &[u8], smoothing: f32, fuse: bool) -> Result<f32> {
        if self.last_mode != Mode::Train || self.batch == 0 {
            return Err(param_err!(
                "backward needs a training-mode forward pass first"
            ));
        }
        let m = self.batch;
        let last = self.layers.len();
        let k = self.num_classes();
        let t0 = self.profile.as_ref().map_or(0.0, PhaseTimes::now);
        let cost = smoothed_cross_entropy(
            view2(&self.acts[last], m, k)?,
            labels,
            smoothing,
            Some(view2_mut(&mut self.grads[last], m, k)?),
        )?;
        if let Some(p) = self.profile.as_mut() {
            p.add(Phase::Softmax, t0, 0);
        }
        let mut relu_done = false; // the ReLU at `i` got its gradient from the max pool after it
        for i in (0..self.layers.len()).rev() {
            let (sx, sy) = (self.shapes[i], self.shapes[i + 1]);
            let skip_relu = std::mem::take(&mut relu_done);
            // A max pool right after a ReLU (that needs its input gradient) does both.
            let relu_before = fuse && i >= 2 && matches!(self.layers[i - 1], Layer::Relu);
            let x = &self.acts[i][..m * size(sx)];
            let (gb, ga) = self.grads.split_at_mut(i + 1);
            let dy = &ga[0][..m * size(sy)];
            let need_dx = i > 0;
            let dx = &mut gb[i][..if need_dx { m * size(sx) } else { 0 }];
            let mut t0 = self.profile.as_ref().map_or(0.0, PhaseTimes::now);
            let macs = self.rows[i].macs as u64 * m as u64;
            match &mut self.layers[i] {
                Layer::Conv(cl) => {
                    let geo = cl.geometry(m, sx, sy)?;
                    let (dw, db) = (slice_mut(&mut cl.dw)?, slice_mut(&mut cl.db)?);
                    match self.profile.as_mut() {
                        None => geo.backward_into(x, slice(&cl.w)?, dy, dw, db, if need_dx { Some(dx) } else { None })?,
                        // The two halves timed apart (the same numbers: the same kernels).
                        Some(p) => {
                            let t = p.now();
                            let live = geo.filter_grad_macs(dy);
                            p.add(Phase::Profiling, t, 0);
                            let t = p.now();
                            geo.backward_into(x, slice(&cl.w)?, dy, dw, db, None)?;
                            p.add(Phase::FilterGradient, t, live);
                            if need_dx {
                                let t = p.now();
                                geo.input_grad_into(slice(&cl.w)?, dy, dx)?;
                                p.add(Phase::InputGradient, t, macs);
                            }
                            t0 = f64::NAN; // recorded
                        }
                    }
                }
                Layer::Relu => {
                    if need_dx && !skip_relu {
                        // From the output: the input is not kept when a convolution fused it.
                        relu_backward(&self.acts[i + 1][..m * size(sy)], dy, dx)?
                    }
                }
                Layer::Pool {
                    kind,
                    f,
                    stride,
                    padding,
                    argmax,
                } => {
                    if need_dx {
                        let geo = PoolGeometry::new(m, sx, *kind, *f, *stride, *padding)?;
                        match kind {
                            PoolKind::Max if relu_before => {
                                let relu_dx = &mut gb[i - 1][..m * size(self.shapes[i - 1])];
                                geo.backward_argmax_relu_into(&argmax[..dy.len()], dy, x, relu_dx)?;
                                relu_done = true;
                            }
                            PoolKind::Max => {
                                geo.backward_argmax_into(&argmax[..dy.len()], dy, dx)?
                            }
                            PoolKind::Avg => geo.backward_into(x, dy, dx)?,
                        }
                    }
                }
                Layer::GlobalAvgPool => {
                    if need_dx {
                        global_avg_pool_backward(view2(dy, m, sy.2)?, view4_mut(dx, m, sx)?)?
                    }
                }
                Layer::BatchNorm(bn) => {
                    let rows = m * sx.0 * sx.1;
                    let mut scratch;
                    // The first layer's input gradient is not needed but the formula
                    // computes it alongside dgamma; give it somewhere to go.
                    let dxv = if need_dx {
                        view2_mut(dx, rows, sx.2)?
                    } else {
                        scratch = Array2::zeros((rows, sx.2));
                        scratch.view_mut()
                    };
                    batchnorm_backward(
                        view2(dy, rows, sx.2)?,
                        view2(&bn.x_hat, rows, sx.2)?,
                        bn.gamma.view(),
                        bn.inv_std.view(),
                        dxv,
                        bn.dgamma.view_mut(),
                        bn.dbeta.view_mut(),
                    )?
                }
                Layer::Dropout { mask, .. } => {
                    if need_dx {
                        dropout_backward(dy, &mask[..dy.len()], dx)?
                    }
                }
                Layer::Flatten => {
                    if need_dx {
                        dx.copy_from_slice(dy)
                    }
                }
                Layer::Dense(d) => {
                    let dxv = if need_dx {
                        Some(view2_mut(dx, m, size(sx))?)
                    } else {
                        None
                    };
                    dense_backward(
                        view2(x, m, size(sx))?,
                        d.w.view(),
                        view2(dy, m, sy.2)?,
                        d.dw.view_mut(),
                        d.db.view_mut(),
                        dxv,
                    )?
                }
            }
            if let Some(p) = self.profile.as_mut().filter(|_| !t0.is_nan()) {
                let phase = self.layers[i].phase();
                // The dense backward pass: the weight gradient, and the input's when needed.
                let work = if phase == Phase::Dense { macs * (1 + u64::from(need_dx)) } else { 0 };
                p.add(phase, t0, work);
            }
        }
        Ok(cost)
    }

    /// The gradient of class score `class` (its logit) of the last forward pass, which
    /// must be an inference-mode pass of one image (as [`Model::layer_outputs`] runs),
    /// with respect to the output of layer `layer` (an index into the specs; the input
    /// itself when `layer` is `None`). The backward pass of the layers above it, in
    /// inference mode: batch norm a fixed scale, dropout off, max pooling's winners taken
    /// from the stored input. No parameter gradient is written, so a training step under
    /// way is not disturbed. For Grad-CAM ([`crate::classify::grad_cam`]) and saliency.
    pub fn class_score_gradient(&mut self, class: usize, layer: Option<usize>) -> Result<Vec<f32>> {
        let last = self.layers.len();
        let k = self.num_classes();
        if self.batch != 1 || self.last_mode != Mode::Infer {
            return Err(param_err!("a class score's gradient needs an inference-mode forward pass of one image first"));
        }
        if class >= k {
            return Err(param_err!("there is no class {class}: the network has {k} outputs"));
        }
        let stop = match layer {
            Some(l) if l >= last => return Err(param_err!("there is no layer {l}: the network has {last}")),
            Some(l) => l + 1,
            None => 0,
        };
        let mut dy = vec![0.0f32; k];
        dy[class] = 1.0;
        for i in (stop..last).rev() {
            let (sx, sy) = (self.shapes[i], self.shapes[i + 1]);
            let x = &self.acts[i][..size(sx)];
            let mut dx = vec![0.0f32; size(sx)];
            match &self.layers[i] {
                Layer::Conv(cl) => {
                    let geo = cl.geometry(1, sx, sy)?;
                    // Scratch for the parameter gradients the kernel also computes.
                    let (mut dw, mut db) = (vec![0.0; cl.w.len()], vec![0.0; cl.b.len()]);
                    geo.backward_into(x, slice(&cl.w)?, &dy, &mut dw, &mut db, Some(&mut dx))?;
                }
                // From the output, as in training: a fused convolution leaves no input.
                Layer::Relu => relu_backward(&self.acts[i + 1][..size(sy)], &dy, &mut dx)?,
                Layer::Pool { kind, f, stride, padding, .. } => {
                    PoolGeometry::new(1, sx, *kind, *f, *stride, *padding)?.backward_into(x, &dy, &mut dx)?
                }
                Layer::GlobalAvgPool => global_avg_pool_backward(view2(&dy, 1, sy.2)?, view4_mut(&mut dx, 1, sx)?)?,
                Layer::BatchNorm(bn) => {
                    let rows = sx.0 * sx.1;
                    batchnorm_backward_infer(view2(&dy, rows, sx.2)?, bn.gamma.view(), bn.running_var.view(), view2_mut(&mut dx, rows, sx.2)?)?
                }
                Layer::Dropout { .. } | Layer::Flatten => dx.copy_from_slice(&dy),
                Layer::Dense(d) => {
                    let (mut dw, mut db) = (Array2::zeros(d.w.dim()), Array1::zeros(d.b.len()));
                    dense_backward(view2(x, 1, size(sx))?, d.w.view(), view2(&dy, 1, sy.2)?, dw.view_mut(), db.view_mut(), Some(view2_mut(&mut dx, 1, size(sx))?))?
                }
            }
            dy = dx;
        }
        Ok(dy)
    }
}
