// The training and classifying worker: it owns the wasm core's Trainer and the loaded
// models, so the page's main thread only draws. This file only dispatches the page's
// messages (protocol.js lists them) to their handlers:
//   datasets.js        use-synthetic, h5-files: the data in use
//   training.js        start, pause, resume, reset, sample, save, load-weights,
//                      live-maps: the run (its loop, its reports in training-report.js,
//                      data-parallel steps in data-parallel.js and split-timing.js)
//   classify.js        models, classify: a photo through a model
// and answers `memory` itself. Any failure is answered with an `error` message.
import { core, initCore } from '../core.js';
import { IN, fromWorker } from './protocol.js';
import { post, fail } from './post.js';
import { datasetHandlers } from './datasets.js';
import { trainingHandlers } from './training.js';
import { classifyHandlers } from './classify.js';

const ready = initCore();

const handlers = {
  ...datasetHandlers,
  ...trainingHandlers,
  ...classifyHandlers,
  // How much memory this worker's wasm instance holds (the hardening tests watch it).
  [IN.memory]() {
    post(fromWorker.memory(core.wasmMemoryBytes()));
  },
};

self.onmessage = async ({ data }) => {
  try {
    await ready;
  } catch (e) {
    fail('core', codedError('worker.core-failed', { detail: e.message }));
    return;
  }
  const handler = handlers[data?.type];
  if (!handler) { fail('worker', new Error(`unknown message ${data?.type}`)); return; }
  try {
    await handler(data);
  } catch (e) {
    fail(data.type, e);
  }
};
