//! The forward pass: a minibatch to logits (fused where a ReLU follows), class
//! probabilities in chunks, and every layer's output for the page's feature maps.

use super::*;

impl Model {
    /// Forward pass of a batch x (m, h, w, c); returns the logits (m, classes).
    pub fn forward(&mut self, x: ArrayView4<f32>, mode: Mode) -> Result<ArrayView2<'_, f32>> {
        let m = self.fill_input(x)?;
        self.forward_filled(m, mode)
    }

    /// Check x (m, h, w, c) against the input shape and copy it into the input buffer.
    pub(super) fn fill_input(&mut self, x: ArrayView4<f32>) -> Result<usize> {
        let (m, h, w, c) = x.dim();
        if (h, w, c) != self.shapes[0] {
            let (eh, ew, ec) = self.shapes[0];
            return Err(crate::message::Message::ModelInputSize { want: format!("{eh}x{ew}x{ec}"), got: format!("{h}x{w}x{c}") }.shape());
        }
        let buf = self.input_buffer(m);
        for (d, &v) in buf.iter_mut().zip(x.iter()) {
            *d = v;
        }
        Ok(m)
    }

    /// Forward pass of the `m` images already written into [`Model::input_buffer`].
    ///
    /// A convolution or batch norm followed by a ReLU writes its rectified output straight
    /// into the ReLU's buffer (one pass over the largest activations instead of three);
    /// the layer's own buffer then holds nothing valid. [`Model::layer_outputs`], which
    /// shows every layer, runs unfused.
    pub fn forward_filled(&mut self, m: usize, mode: Mode) -> Result<ArrayView2<'_, f32>> {
        self.run_forward(m, mode, true)
    }

    pub(super) fn run_forward(&mut self, m: usize, mode: Mode, fuse: bool) -> Result<ArrayView2<'_, f32>> {
        if m == 0 || m > self.capacity {
            return Err(shape_err!(
                "a batch of {m} images does not fit the model's buffers ({})",
                self.capacity
            ));
        }
        let mut relu_done = false; // the ReLU at `i` was applied by the layer before it
        for i in 0..self.layers.len() {
            let (sx, sy) = (self.shapes[i], self.shapes[i + 1]);
            let skip_relu = std::mem::take(&mut relu_done);
            let fuse_relu = fuse
                && matches!(self.layers[i], Layer::Conv(_) | Layer::BatchNorm(_))
                && matches!(self.layers.get(i + 1), Some(Layer::Relu));
            relu_done = fuse_relu;
            let (before, after) = self.acts.split_at_mut(i + 1);
            let x = &before[i][..m * size(sx)];
            let y = &mut after[usize::from(fuse_relu)][..m * size(sy)];
            let t0 = self.profile.as_ref().map_or(0.0, PhaseTimes::now);
            let macs = self.rows[i].macs as u64 * m as u64;
            match &mut self.layers[i] {
                Layer::Conv(cl) => {
                    let geo = cl.geometry(m, sx, sy)?;
                    let (w, b) = (slice(&cl.w)?, slice(&cl.b)?);
                    if fuse_relu {
                        geo.forward_relu_into(x, w, b, y)?;
                    } else {
                        geo.forward_into(x, w, b, y)?;
                    }
                }
                Layer::Relu if skip_relu => {}
                Layer::Relu => relu_forward(x, y)?,
                Layer::Pool {
                    kind,
                    f,
                    stride,
                    padding,
                    argmax,
                } => {
                    let geo = PoolGeometry::new(m, sx, *kind, *f, *stride, *padding)?;
                    let record = *kind == PoolKind::Max && mode == Mode::Train;
                    geo.forward_into(
                        x,
                        y,
                        if record {
                            Some(&mut argmax[..y.len()])
                        } else {
                            None
                        },
                    )?;
                }
                Layer::GlobalAvgPool => {
                    global_avg_pool_forward(view4(x, m, sx)?, view2_mut(y, m, sy.2)?)?
                }
                Layer::BatchNorm(bn) => {
                    let rows = m * sx.0 * sx.1;
                    let xv = view2(x, rows, sx.2)?;
                    let yv = view2_mut(y, rows, sx.2)?;
                    match mode {
                        Mode::Train => batchnorm_forward_train(
                            xv,
                            bn.gamma.view(),
                            bn.beta.view(),
                            bn.running_mean.view_mut(),
                            bn.running_var.view_mut(),
                            yv,
                            BatchNormCache {
                                x_hat: view2_mut(&mut bn.x_hat, rows, sx.2)?,
                                inv_std: bn.inv_std.view_mut(),
                            },
                            fuse_relu,
                        )?,
                        Mode::Infer => batchnorm_forward_infer(
                            xv,
                            bn.gamma.view(),
                            bn.beta.view(),
                            bn.running_mean.view(),
                            bn.running_var.view(),
                            yv,
                            fuse_relu,
                        )?,
                    }
                }
                Layer::Dropout { rate, mask } => match mode {
                    Mode::Train => {
                        dropout_forward(x, *rate, &mut self.dropout_rng, &mut mask[..x.len()], y)?
                    }
                    Mode::Infer => y.copy_from_slice(x),
                },
                Layer::Flatten => y.copy_from_slice(x),
                Layer::Dense(d) => dense_forward(
                    view2(x, m, size(sx))?,
                    d.w.view(),
                    d.b.view(),
                    view2_mut(y, m, sy.2)?,
                )?,
            }
            if let Some(p) = self.profile.as_mut() {
                let phase = self.layers[i].phase();
                p.add(phase, t0, if matches!(phase, Phase::ConvForward | Phase::Dense) { macs } else { 0 });
            }
        }
        self.batch = m;
        self.last_mode = mode;
        self.logits()
    }

    /// Logits (m, classes) of the last forward pass.
    pub fn logits(&self) -> Result<ArrayView2<'_, f32>> {
        let k = self.num_classes();
        view2(&self.acts[self.layers.len()], self.batch, k)
    }

    /// Output shape (h, w, c) of layer `i` (an index into the specs).
    pub fn output_shape(&self, i: usize) -> Option<Shape3> {
        self.shapes.get(i + 1).copied()
    }

    /// Layer `i`'s output in the last forward pass, for its first image.
    pub fn output_of(&self, i: usize) -> Option<&[f32]> {
        let s = self.output_shape(i)?;
        self.acts.get(i + 1).map(|a| &a[..size(s)])
    }

    /// Class probabilities (m, classes) for a batch, in inference mode, computed in
    /// chunks of the buffers' capacity.
    pub fn predict(&mut self, x: ArrayView4<f32>) -> Result<Array2<f32>> {
        let m = x.dim().0;
        let k = self.num_classes();
        let chunk = self.capacity.max(1);
        let mut out = Array2::zeros((m, k));
        let mut start = 0;
        while start < m {
            let end = (start + chunk).min(m);
            let logits = self.forward(x.slice(ndarray::s![start..end, .., .., ..]), Mode::Infer)?;
            out.slice_mut(ndarray::s![start..end, ..])
                .assign(&softmax(logits));
            start = end;
        }
        Ok(out)
    }

    /// Every layer's output for one image (h, w, c), in inference mode, named "conv1",
    /// "relu1", "pool1", ...; the last layer's output is "logits", followed by
    /// "probabilities".
    pub fn layer_outputs(&mut self, image: ArrayView3<f32>) -> Result<Vec<LayerOutput>> {
        let x = image.insert_axis(ndarray::Axis(0));
        let m = self.fill_input(x)?;
        let probs = softmax(self.run_forward(m, Mode::Infer, false)?);
        let names = crate::nn::layers::output_names(&self.specs);
        let mut outputs = Vec::with_capacity(self.layers.len() + 1);
        for (i, name) in names.into_iter().enumerate() {
            let s = self.shapes[i + 1];
            outputs.push(LayerOutput {
                name,
                shape: s,
                values: self.acts[i + 1][..size(s)].to_vec(),
            });
        }
        let k = self.num_classes();
        outputs.push(LayerOutput {
            name: "probabilities".into(),
            shape: (1, 1, k),
            values: probs.iter().copied().collect(),
        });
        Ok(outputs)
    }
}
