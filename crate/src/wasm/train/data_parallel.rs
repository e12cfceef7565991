//! Section 6's data-parallel training (www/workers/data-parallel.js): how many workers
//! the page uses and how a minibatch's slices are shared, the trainer's side of a split
//! step, and a helper worker's copy of the network.

use super::Training;
use crate::wasm::{js_err, to_js};
use crate::train::data_parallel::{page_worker_count, share_sizes, GradientWorker as CoreGradientWorker, NetworkDescription, PAGE_MAX_WORKERS};
use crate::train::SplitStep;
use wasm_bindgen::prelude::*;

/// Most workers the page splits a minibatch between (the trainer's included).
#[wasm_bindgen(js_name = pageMaxWorkers)]
pub fn page_max_workers() -> usize {
    PAGE_MAX_WORKERS
}

/// How many workers the page trains with on `cores` logical cores (0: unknown).
#[wasm_bindgen(js_name = workerCount)]
pub fn worker_count(cores: usize) -> usize {
    page_worker_count(cores)
}

/// Runs of slices for `parts` workers of `m` slices, as equal as possible (the number of
/// slices each), as the core assigns them.
#[wasm_bindgen(js_name = shareSizes)]
pub fn share_sizes_js(m: usize, parts: usize) -> Vec<u32> {
    share_sizes(m, parts).into_iter().map(|n| n as u32).collect()
}

/// The split step under way, or the error that none is.
fn under_way(split: &mut Option<SplitStep>) -> Result<&mut SplitStep, JsError> {
    split.as_mut().ok_or_else(no_step)
}

fn no_step() -> JsError {
    js_err(crate::param_err!("no minibatch is being split between workers: begin a step first"))
}

#[wasm_bindgen]
impl Training {
    // The data-parallel steps: this trainer prepares each minibatch, computes the first
    // run of its fixed slices, gathers the helpers' runs, sums them in slice order,
    // updates once.

    /// Throws, with the reason, when this network cannot be split between workers.
    #[wasm_bindgen(js_name = checkDataParallel)]
    pub fn check_data_parallel(&self) -> Result<(), JsError> {
        self.trainer.check_data_parallel().map_err(js_err)
    }

    /// The network (input shape and layers) as JSON, for `new GradientWorker(json)`.
    #[wasm_bindgen(js_name = networkJson)]
    pub fn network_json(&self) -> Result<String, JsError> {
        serde_json::to_string(&NetworkDescription::of(self.trainer.model()))
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// Prepares the next minibatch for a split step; returns its number of images.
    #[wasm_bindgen(js_name = beginStep)]
    pub fn begin_step(&mut self) -> Result<usize, JsError> {
        self.split = None;
        let step = self.trainer.begin_step().map_err(js_err)?;
        let m = step.images();
        self.split = Some(step);
        Ok(m)
    }

    /// Images `start..end` of the minibatch under way, as the floats the network reads.
    #[wasm_bindgen(js_name = batchInputs)]
    pub fn batch_inputs(&mut self, start: usize, end: usize) -> Result<Vec<f32>, JsError> {
        Ok(under_way(&mut self.split)?.batch_inputs(&self.trainer, start, end).map_err(js_err)?.to_vec())
    }

    /// Labels of images `start..end` of the minibatch under way.
    #[wasm_bindgen(js_name = batchLabels)]
    pub fn batch_labels(&mut self, start: usize, end: usize) -> Result<Vec<u8>, JsError> {
        Ok(under_way(&mut self.split)?.batch_labels(&self.trainer, start, end).map_err(js_err)?.to_vec())
    }

    /// The current parameters, flat.
    pub fn params(&self) -> Result<Vec<f32>, JsError> {
        let mut out = vec![0.0; self.trainer.model().param_count()];
        self.trainer.copy_params_to(&mut out).map_err(js_err)?;
        Ok(out)
    }

    /// Images in each fixed slice of the minibatch under way (the same slices whatever
    /// the number of workers).
    #[wasm_bindgen(js_name = stepSlices)]
    pub fn step_slices(&mut self) -> Result<Vec<u32>, JsError> {
        Ok(under_way(&mut self.split)?.split().sizes().iter().map(|&n| n as u32).collect())
    }

    /// The gradients of the minibatch's first `count` slices, here.
    #[wasm_bindgen(js_name = ownSlicesGradient)]
    pub fn own_slices_gradient(&mut self, count: usize) -> Result<(), JsError> {
        under_way(&mut self.split)?.own_slices_gradient(&mut self.trainer, count).map_err(js_err)
    }

    /// A helper's run of slices from `first`, as `GradientWorker.gradient` returned it.
    #[wasm_bindgen(js_name = addSliceGradients)]
    pub fn add_slice_gradients(&mut self, first: usize, answer: &[f32]) -> Result<(), JsError> {
        let n = self.trainer.model().param_count();
        let count = answer.len() / (n + 2);
        if count == 0 || answer.len() != count * (n + 2) {
            return Err(JsError::new(&format!(
                "a helper's answer of {} values is not a whole number of slices of {n} gradient values, a cost and a count",
                answer.len()
            )));
        }
        let (grads, rest) = answer.split_at(count * n);
        let (costs, correct) = rest.split_at(count);
        let correct: Vec<usize> = correct.iter().map(|&c| c as usize).collect();
        under_way(&mut self.split)?.add_slice_gradients(&mut self.trainer, first, costs, &correct, grads).map_err(js_err)
    }

    /// One minibatch computed slice by slice here: the numbers of a step split between
    /// any number of workers (what the page runs when it trains in one worker).
    #[wasm_bindgen(js_name = slicedStep)]
    pub fn sliced_step(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.trainer.step_in_slices().map_err(js_err)?)
    }

    /// Ends the split step: one Adam update; returns what `step()` returns.
    #[wasm_bindgen(js_name = finishStep)]
    pub fn finish_step(&mut self) -> Result<JsValue, JsError> {
        let step = self.split.take().ok_or_else(no_step)?;
        to_js(&step.finish(&mut self.trainer).map_err(js_err)?)
    }

    /// Drops a split step under way (a helper failed, or the run was reset meanwhile).
    #[wasm_bindgen(js_name = cancelStep)]
    pub fn cancel_step(&mut self) {
        self.split = None;
    }
}

/// A helper worker's copy of the network: the gradient of a share of each minibatch
/// for the parameters the training worker sends (www/workers/gradient-worker.js).
#[wasm_bindgen]
pub struct GradientWorker {
    worker: CoreGradientWorker,
}

#[wasm_bindgen]
impl GradientWorker {
    /// From `Training.networkJson()`; a network with batch norm or dropout is refused.
    #[wasm_bindgen(constructor)]
    pub fn new(network_json: &str) -> Result<GradientWorker, JsError> {
        let network: NetworkDescription = serde_json::from_str(network_json)
            .map_err(|e| JsError::new(&format!("invalid network description: {e}")))?;
        Ok(GradientWorker { worker: CoreGradientWorker::new(&network).map_err(js_err)? })
    }

    /// The slices `sizes` (consecutive images of `inputs`, with `labels`) for `params`,
    /// each on its own: the slices' mean gradients one after the other, then each slice's
    /// mean cost, then each one's number predicted right (one typed array to transfer
    /// back; a count of images is exact in an f32).
    pub fn gradient(&mut self, params: &[f32], inputs: &[f32], labels: &[u8], sizes: &[u32]) -> Result<Vec<f32>, JsError> {
        let sizes: Vec<usize> = sizes.iter().map(|&n| n as usize).collect();
        let g = self.worker.gradients(params, inputs, labels, &sizes).map_err(js_err)?;
        let mut out = Vec::with_capacity(g.grads.len() + 2 * sizes.len());
        out.extend_from_slice(g.grads);
        out.extend_from_slice(&g.costs);
        out.extend(g.correct.iter().map(|&c| c as f32));
        Ok(out)
    }
}
