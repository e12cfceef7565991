// A helper of data-parallel training (www/workers/data-parallel.js): its own wasm instance and
// copy of the network, and nothing else. For each minibatch the training worker sends the
// current parameters and a run of the minibatch's slices; it answers with each slice's
// mean gradient, mean cost and number right. It never updates a weight, so every worker
// starts each step from the same parameters.
//
// Messages: toHelper and fromHelper in ./protocol.js.
import { core, initCore } from '../core.js';
import { HELPER, fromHelper } from './protocol.js';

const ready = initCore();
let worker = null;

self.onmessage = async ({ data }) => {
  try {
    await ready;
    if (data.type === HELPER.network) {
      worker?.free();
      worker = new core.GradientWorker(data.json);
    } else if (data.type === HELPER.share) {
      if (!worker) throw new Error('no network yet');
      // The slices' gradients, costs and numbers right, for Training.addSliceGradients.
      const answer = worker.gradient(data.params, data.inputs, data.labels, data.sizes);
      self.postMessage(fromHelper.share(data.id, data.first, answer), [answer.buffer]);
    }
  } catch (e) {
    self.postMessage(fromHelper.error(data?.id, e?.message || String(e)));
  }
};
