// Every message between the page and its workers, built in one place so both sides agree
// on the fields: the page <-> training worker (www/workers/worker.js, through
// training-client.js) and the training worker <-> its helpers (data-parallel.js,
// gradient-worker.js). A message is a plain object with a `type`; large arrays travel as
// transferable buffers. Senders use the constructors, receivers compare `type` with the
// names in IN, OUT and HELPER; no other file spells a type.

/** Page -> training worker: the message types. */
export const IN = {
  useSynthetic: 'use-synthetic', h5Files: 'h5-files', start: 'start', pause: 'pause', resume: 'resume',
  reset: 'reset', sample: 'sample', save: 'save', loadWeights: 'load-weights', classify: 'classify',
  models: 'models', liveMaps: 'live-maps', memory: 'memory',
};

/** Training worker -> page: the message types. */
export const OUT = {
  data: 'data', started: 'started', progress: 'progress', epoch: 'epoch', maps: 'maps', done: 'done',
  weights: 'weights', models: 'models', classified: 'classified', state: 'state', memory: 'memory', error: 'error',
};

/** Training worker <-> helper worker: the message types. */
export const HELPER = { network: 'network', share: 'share', error: 'error' };

/**
 * @typedef {{name: string, bytes: ArrayBuffer}} NamedFile  a course file as the page read it
 * @typedef {object} TrainSettings  as core.defaultTrainSettings() gives them (learning_rate,
 *   epochs, batch_size, seed, l2, evaluate_every_epoch, augment)
 * @typedef {{name: string, height: number, width: number, count: number, low: number,
 *   high: number, non_finite: number, rgba: Uint8Array}} Tiles  maps or pictures as RGBA tiles
 * @typedef {{count: number, classes: number[]}} SetInfo  one half of the data
 * @typedef {{running: boolean, finished?: boolean, paused?: boolean, reset?: boolean,
 *   loaded?: boolean}} RunState
 */

/** Page -> training worker. */
export const toWorker = {
  /** Train on the built-in hands. Answer: data. */
  useSynthetic: () => ({ type: IN.useSynthetic }),
  /** One or two course files (transfer their bytes), each filed as the training or the
   *  test set by its datasets, not its name. Answer: data, or error {where: 'data'}. */
  h5Files: (/** @type {NamedFile[]} */ files) => ({ type: IN.h5Files, files }),
  /** A new run; `workers`: exactly that many (tests, benchmarks), else one per core.
   *  Answers: started, state, then progress, epoch, maps, done. */
  start: (/** @type {TrainSettings} */ settings, /** @type {number=} */ workers) => ({ type: IN.start, settings, workers }),
  pause: () => ({ type: IN.pause }),
  resume: () => ({ type: IN.resume }),
  reset: () => ({ type: IN.reset }),
  /** Show test picture `index` inside the network. Answer: maps. */
  sample: (/** @type {number} */ index) => ({ type: IN.sample, index }),
  /** The weights as JSON. Answer: weights. */
  save: () => ({ type: IN.save }),
  /** Weights saved before, with the settings to build a trainer if there is none. Answers: state, maps, done. */
  loadWeights: (/** @type {string} */ text, /** @type {TrainSettings} */ settings) => ({ type: IN.loadWeights, text, settings }),
  /** A photo through `model` ('hand', 'signs', 'trained'), with the layers `maps` and,
   *  when `explain`, where it looks (Grad-CAM). Answer: classified or error {where: 'classify', id}. */
  classify: (/** @type {number} */ id, /** @type {File} */ file, /** @type {string} */ model, /** @type {string[]} */ maps, /** @type {boolean} */ explain) =>
    ({ type: IN.classify, id, file, model, maps, explain }),
  /** Load the installed models. Answer: models. */
  models: () => ({ type: IN.models }),
  /** Feature maps wanted (`on`) for the layers `maps` (all when empty). */
  liveMaps: (/** @type {boolean} */ on, /** @type {string[]} */ maps) => ({ type: IN.liveMaps, on, maps }),
  /** The worker's wasm memory (the load test watches it). Answer: memory. */
  memory: () => ({ type: IN.memory }),
};

/** Training worker -> page. */
export const fromWorker = {
  /** The data in use: each half's size and classes, the files' names, a preview (transfer preview.tiles.rgba). */
  data: (/** @type {string} */ source, /** @type {SetInfo?} */ train, /** @type {SetInfo?} */ test, names, preview) =>
    ({ type: OUT.data, source, train, test, names, preview }),
  started: (seed, stepsPerEpoch, epochs, workers) => ({ type: OUT.started, seed, stepsPerEpoch, epochs, workers }),
  /** The minibatch costs since the last progress, and where the run is. */
  progress: (costs, epoch, stepsPerEpoch, step, elapsed, epochs) => ({ type: OUT.progress, costs, epoch, stepsPerEpoch, step, elapsed, epochs }),
  /** An epoch's report (cost, accuracies, the notebook's cost). */
  epoch: (report, elapsed) => ({ type: OUT.epoch, report, elapsed }),
  /** Test picture `index` inside the network: its maps, the first layer's filters, Grad-CAM. */
  maps: (index, label, /** @type {Tiles} */ picture, /** @type {Tiles[]} */ maps, /** @type {Tiles} */ filters, classMap) =>
    ({ type: OUT.maps, index, label, picture, maps, filters, classMap }),
  /** The run's (or loaded weights') results on the test set. */
  done: (loaded, evaluation, trainAccuracy, classes, mistakes, /** @type {Tiles} */ pictures, elapsed) =>
    ({ type: OUT.done, loaded, evaluation, trainAccuracy, classes, mistakes, pictures, elapsed }),
  weights: (/** @type {string} */ json) => ({ type: OUT.weights, json }),
  /** The installed models ({key, file, info}) and whether section 6 has a model. */
  models: (available, /** @type {boolean} */ trained) => ({ type: OUT.models, available, trained }),
  /** A photo's answer (see classify.js), for the `id` it was sent with. */
  classified: (/** @type {number} */ id, answer) => ({ type: OUT.classified, id, ...answer }),
  state: (/** @type {RunState} */ state) => ({ type: OUT.state, ...state }),
  memory: (/** @type {number} */ wasmBytes) => ({ type: OUT.memory, wasmBytes }),
  /** A failure: `where` it happened (data, settings, train, maps, weights, classify,
   *  models, worker...), the message and, for a coded error, its code and numbers for the
   *  page to word (www/errors.js errorText); `id` for a photo's. */
  error: (/** @type {string} */ where, e, /** @type {number=} */ id) =>
    ({ type: OUT.error, where, ...(id !== undefined && { id }), message: e?.message || String(e), code: e?.code, params: e?.params }),
};

/** Training worker -> helper worker (data-parallel training). */
export const toHelper = {
  /** The network to build (its JSON); sent again only when it changes. */
  network: (json) => ({ type: HELPER.network, json }),
  /** A run of a minibatch's slices (`sizes` images each, from slice `first`): their
   *  gradients at `params` (transfer `inputs` and `labels`). */
  share: (id, first, params, inputs, labels, sizes) => ({ type: HELPER.share, id, first, params, inputs, labels, sizes }),
};

/** Helper worker -> training worker. */
export const fromHelper = {
  /** Each slice's gradient, cost and number right, as Training.addSliceGradients takes them. */
  share: (id, first, answer) => ({ type: HELPER.share, id, first, answer }),
  error: (id, message) => ({ type: HELPER.error, id, message }),
};
