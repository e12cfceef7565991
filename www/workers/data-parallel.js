// Data-parallel training on every core: the training worker (www/workers/worker.js, or the
// benchmark page) keeps the one Trainer and spawns N-1 helper workers
// (www/workers/gradient-worker.js), each with its own wasm instance; no shared memory.
//
// One step: the trainer prepares the minibatch (order, augmentation: as one worker
// would) and cuts it into the core's fixed slices (the same whatever the number of
// workers), sends each helper the parameters and a run of slices, computes the first run
// itself meanwhile, and the core sums every slice's gradient in slice order and makes
// the one Adam update. So the numbers are the same to the bit with 1, 2, 3 or 4 workers
// (one worker runs Training.slicedStep()): see crate/src/train/data_parallel.rs.

import { core } from '../core.js';
import { HELPER, toHelper } from './protocol.js';

// The counts are the core's (crate/src/train/data_parallel.rs), read once it is loaded.

/// Most workers (the trainer's included) a minibatch is split between.
export const maxWorkers = () => core.pageMaxWorkers();

/// How many workers to train with: one per core, at most maxWorkers(), 1 on one core.
export function workerCount(cores = globalThis.navigator?.hardwareConcurrency) {
  return core.workerCount(Number.isFinite(cores) && cores > 0 ? Math.floor(cores) : 0);
}

/// How long a helper may take for its share of one step (its first includes starting the
/// worker and compiling the core) before training goes on without helpers.
const HELPER_TIMEOUT_MS = 20000;

/// A helper worker failed (could not load, threw, or did not answer): training goes on without helpers.
export class HelperError extends Error {}

export class GradientHelpers {
  constructor(count, url = new URL('./gradient-worker.js', import.meta.url)) {
    this.pending = new Map(); // id -> { resolve, reject }
    this.nextId = 1;
    this.network = null;
    this.workers = Array.from({ length: count }, () => {
      const w = new Worker(url, { type: 'module' });
      w.onmessage = ({ data }) => this.answer(data);
      w.onerror = (e) => this.failAll(new HelperError(`a helper worker failed: ${e.message || 'it could not start'}`));
      return w;
    });
  }

  get size() { return this.workers.length; }

  answer(data) {
    const p = this.pending.get(data.id);
    if (!p) return;
    this.pending.delete(data.id);
    if (data.type === HELPER.error) p.reject(new HelperError(`a helper worker failed: ${data.message}`));
    else p.resolve(data);
  }

  failAll(e) {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /// Every helper builds its copy of the network (sent again only when it changes).
  setNetwork(json) {
    if (json === this.network) return;
    this.network = json;
    for (const w of this.workers) w.postMessage(toHelper.network(json));
  }

  /// Helper i's gradients of the slices `sizes` of `inputs`/`labels` at `params`:
  /// { first, answer } (answer as Training.addSliceGradients takes it).
  share(i, first, params, inputs, labels, sizes) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // A helper that never answers (seen once in WebKit, offline: the run hung at its first
      // split step) must not stall training: after a while the step goes on in one worker.
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new HelperError(`a helper worker did not answer in ${HELPER_TIMEOUT_MS / 1000} s`));
      }, HELPER_TIMEOUT_MS);
      const done = (f) => (v) => { clearTimeout(timer); f(v); };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject) });
      this.workers[i].postMessage(toHelper.share(id, first, params, inputs, labels, sizes), [inputs.buffer, labels.buffer]);
    });
  }

  terminate() {
    this.failAll(new HelperError('the helpers were stopped'));
    for (const w of this.workers) w.terminate();
    this.workers = [];
  }
}

/// One minibatch split between `training` (a core.Training) and `helpers`; returns the
/// step report, as training.step() does, or null when `isCurrent()` turned false while
/// the helpers worked (the run was reset or restarted: the step is dropped).
export async function parallelStep(training, helpers, isCurrent = () => true) {
  helpers.setNetwork(training.networkJson());
  training.beginStep();
  let results;
  try {
    const slices = Array.from(training.stepSlices());
    const runs = Array.from(core.shareSizes(slices.length, 1 + helpers.size));
    const params = training.params();
    const replies = [];
    // The helpers' images are read before the first run uses the model.
    let first = runs[0];
    let start = slices.slice(0, first).reduce((a, b) => a + b, 0);
    for (let i = 1; i < runs.length; first += runs[i], i++) {
      const sizes = Uint32Array.from(slices.slice(first, first + runs[i]));
      const end = start + sizes.reduce((a, b) => a + b, 0);
      replies.push(helpers.share(i - 1, first, params, training.batchInputs(start, end), training.batchLabels(start, end), sizes));
      start = end;
    }
    training.ownSlicesGradient(runs[0]);
    results = await Promise.all(replies);
  } catch (e) {
    if (isCurrent()) training.cancelStep();
    throw e;
  }
  if (!isCurrent()) {
    try { training.cancelStep(); } catch { /* freed meanwhile */ }
    return null;
  }
  try {
    for (const r of results) training.addSliceGradients(r.first, r.answer);
    return training.finishStep();
  } catch (e) {
    training.cancelStep();
    throw e;
  }
}
