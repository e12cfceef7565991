// A helper of data-parallel training (www/data-parallel.js): its own wasm instance and
// copy of the network, and nothing else. For each minibatch the training worker sends the
// current parameters and this helper's share of the images; it answers with their mean
// gradient and mean cost. It never updates a weight, so every worker starts each step
// from the same parameters.
//
// Messages in:  network {json} | share {id, params, inputs, labels}
// Messages out: share {id, images, cost, correct, grads} | error {id, message}
import { core, initCore } from './core.js';

const ready = initCore();
let worker = null;

self.onmessage = async ({ data }) => {
  try {
    await ready;
    if (data.type === 'network') {
      worker?.free();
      worker = new core.GradientWorker(data.json);
    } else if (data.type === 'share') {
      if (!worker) throw new Error('no network yet');
      const out = worker.gradient(data.params, data.inputs, data.labels);
      // The gradient, then the mean cost and the number of images predicted right.
      const cost = out[out.length - 2];
      const correct = out[out.length - 1];
      const grads = out.subarray(0, out.length - 2);
      self.postMessage({ type: 'share', id: data.id, images: data.labels.length, cost, correct, grads }, [out.buffer]);
    }
  } catch (e) {
    self.postMessage({ type: 'error', id: data?.id, message: e?.message || String(e) });
  }
};
