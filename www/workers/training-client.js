// The page's one link to the worker (www/workers/worker.js): the training and classify views
// share it, so a photo can be classified with the model just trained. Listeners get
// every message the worker posts.
import { codedError } from '../errors.js';
import { fromWorker } from './protocol.js';

let worker = null;
const listeners = new Set();

export function trainingWorker() {
  if (!worker) {
    worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }) => listeners.forEach((f) => f(data));
    worker.onerror = (e) => {
      const error = e.message ? codedError('worker.failed-because', { detail: e.message }) : codedError('worker.failed');
      listeners.forEach((f) => f(fromWorker.error('worker', error)));
    };
  }
  return {
    send: (msg, transfer = []) => worker.postMessage(msg, transfer),
    listen: (f) => { listeners.add(f); return () => listeners.delete(f); },
  };
}
