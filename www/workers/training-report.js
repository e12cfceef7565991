// What the training worker tells the page about a run: progress (costs), the chosen
// test picture inside the network (maps), and the results at the end (done).
import { fromWorker } from './protocol.js';
import { post, fail } from './post.js';
import { datasets } from './datasets.js';
import { run, elapsed } from './training-state.js';

export function sendMaps() {
  const t = run.training;
  if (!t) return;
  try {
    const { test } = datasets();
    const index = Math.min(run.sample, test.length - 1);
    const maps = t.layerMaps(index, true, run.mapNames);
    const filters = t.filters();
    const picture = test.picturesAt(Uint32Array.of(index));
    const classes = Array.from(test.classes());
    const label = classes[test.labels()[index]];
    const classMap = t.classMap(index, true); // where it looks for its answer (Grad-CAM)
    classMap.answer = classes[classMap.class] ?? classMap.class;
    post(fromWorker.maps(index, label, picture, maps, filters, classMap),
      [picture.rgba.buffer, filters.rgba.buffer, classMap.rgba.buffer, ...maps.map((m) => m.rgba.buffer)]);
  } catch (e) {
    fail('maps', e);
  }
  run.lastMaps = performance.now();
}

export function flushProgress(report) {
  if (!run.costs.length && !report) return;
  const t = run.training;
  post(fromWorker.progress(run.costs, t.epochsDone(), t.stepsPerEpoch(), report?.step, elapsed(), run.settings.epochs));
  run.costs = [];
  run.lastProgress = performance.now();
}

export function finish(loaded = false) {
  const t = run.training;
  try {
    const evaluation = t.evaluate(true);
    // The epochs report the running training accuracy; the end measures it, as the course does.
    const trainAccuracy = t.evaluate(false).accuracy;
    const { test } = datasets();
    const wrong = evaluation.misclassified.slice(0, 30);
    const pictures = test.picturesAt(Uint32Array.from(wrong));
    const classes = Array.from(test.classes());
    const labels = Array.from(test.labels());
    const mistakes = wrong.map((i) => ({ index: i, truth: classes[labels[i]], predicted: classes[evaluation.predictions[i]] }));
    post(fromWorker.done(loaded, { ...evaluation, predictions: undefined }, trainAccuracy, classes, mistakes, pictures, elapsed()), [pictures.rgba.buffer]);
  } catch (e) {
    fail('train', e);
  }
}
