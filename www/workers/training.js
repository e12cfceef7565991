// The training worker's run: start, pause, resume, reset, weights, and the loop that
// trains in slices of minibatches (about 15 ms each), yielding between slices so pause,
// reset and a photo to classify are answered at once. Steps can be split between
// workers (data-parallel.js) while that is faster (split-timing.js).
import { core } from '../core.js';
import { codedError } from '../errors.js';
import { IN, fromWorker } from './protocol.js';
import { post, fail } from './post.js';
import { datasets } from './datasets.js';
import { GradientHelpers, HelperError, maxWorkers, parallelStep, workerCount } from './data-parallel.js';
import { newJudge, splitThisStep, judgeSplit } from './split-timing.js';
import { run, elapsed, stopRunning } from './training-state.js';
import { sendMaps, flushProgress, finish } from './training-report.js';

const SLICE_MS = 15;       // work per slice before yielding to messages
const PROGRESS_MS = 100;   // at most this often a progress message
const MAPS_MS = 500;       // feature maps of the chosen sample at most this often

// The helper workers, started once, on the first training run.
function helpers() {
  if (run.helpers === undefined) {
    const n = (run.workers ?? workerCount()) - 1;
    run.helpers = n > 0 ? new GradientHelpers(n) : null;
  }
  return run.helpers;
}

function dropHelpers(e) {
  console.warn(`training goes on in one worker: ${e.message}`);
  run.helpers?.terminate();
  run.helpers = null;
}

// Yield to the event loop without setTimeout's 4 ms clamp.
const channel = new MessageChannel();
channel.port1.onmessage = () => slice();
const schedule = () => channel.port2.postMessage(null);

// One slice of training; a step split between workers awaits the helpers, during which
// messages (pause, reset, sample...) are handled: `busy` keeps one slice at a time.
async function slice() {
  if (run.busy) return;
  run.busy = true;
  try {
    await trainSlice();
  } finally {
    run.busy = false;
  }
  if (run.running && run.training) schedule();
}

// What a finished step shows: its cost, and at an epoch's end the epoch, the maps, and
// the results when the run is done. Returns true when the slice should end.
function report(t, r) {
  run.costs.push(r.cost);
  if (!r.epoch_report) return false;
  flushProgress(r);
  post(fromWorker.epoch(r.epoch_report, elapsed()));
  if (run.liveMaps || t.isFinished()) sendMaps();
  if (t.isFinished()) {
    stopRunning();
    finish();
    post(fromWorker.state({ running: false, finished: true }));
  }
  return true;
}

async function trainSlice() {
  const t = run.training;
  if (!run.running || !t) return;
  const generation = run.generation;
  const current = () => run.generation === generation && run.training === t;
  const end = performance.now() + SLICE_MS;
  try {
    // A step that finished after a pause is shown now, not while paused.
    const deferred = run.deferred;
    run.deferred = null;
    if (deferred?.generation === generation && report(t, deferred.r)) return;
    while (performance.now() < end) {
      const h = run.split && splitThisStep(run.judge) ? helpers() : null;
      let r;
      const t0 = performance.now();
      try {
        r = h ? await parallelStep(t, h, current) : run.splittable ? t.slicedStep() : t.step();
        if (r && !r.epoch_report) judgeSplit(run.judge, Boolean(h), performance.now() - t0);
      } catch (e) {
        if (!(e instanceof HelperError)) throw e;
        dropHelpers(e); // the step was cancelled: the next one runs in this worker
        continue;
      }
      if (!r || !current()) return; // reset or restarted while the helpers worked
      if (!run.running) {
        run.deferred = { r, generation }; // paused while the helpers worked
        return;
      }
      if (report(t, r)) return;
    }
  } catch (e) {
    if (!current()) return;
    stopRunning();
    flushProgress();
    post(fromWorker.state({ running: false, finished: false }));
    fail('train', e);
    return;
  }
  const now = performance.now();
  if (now - run.lastProgress >= PROGRESS_MS) flushProgress();
  if (run.liveMaps && now - run.lastMaps >= MAPS_MS) sendMaps();
}

function newTraining(settings) {
  const { train, test } = datasets();
  core.validateTrainSettings(settings);
  run.generation++;
  run.training?.free();
  run.training = null;
  run.training = new core.Training(settings, train, test);
  try {
    run.training.checkDataParallel();
    run.splittable = true;
  } catch {
    run.splittable = false; // batch norm or dropout: one worker (the page's network has neither)
  }
  run.split = run.splittable && (helpers()?.size || 0) > 0;
  run.judge = run.split && run.workers === null ? newJudge() : null;
  run.settings = settings;
  run.elapsedBefore = 0;
  run.costs = [];
  run.sample = Math.min(run.sample, test.length - 1);
}

export const trainingHandlers = {
  [IN.start]({ settings, workers: asked }) {
    if (run.running) return; // a second Start while running changes nothing
    if (Number.isInteger(asked) && run.helpers === undefined) run.workers = Math.max(1, Math.min(asked, maxWorkers()));
    try {
      newTraining(settings);
    } catch (e) {
      fail('settings', e);
      post(fromWorker.state({ running: false, finished: false }));
      return;
    }
    const workers = run.split ? 1 + (helpers()?.size || 0) : 1;
    post(fromWorker.started(run.training.seed(), run.training.stepsPerEpoch(), settings.epochs, workers));
    sendMaps();
    run.running = true;
    run.started = performance.now();
    run.lastProgress = run.started;
    post(fromWorker.state({ running: true }));
    schedule();
  },
  [IN.pause]() {
    if (!run.training || !run.running) return;
    stopRunning();
    flushProgress();
    post(fromWorker.state({ running: false, paused: true }));
  },
  [IN.resume]() {
    if (!run.training || run.running || (run.training.isFinished() && !run.deferred)) return;
    run.running = true;
    run.started = performance.now();
    post(fromWorker.state({ running: true }));
    schedule();
  },
  [IN.reset]() {
    run.generation++;
    stopRunning();
    run.loadedWeights = false;
    run.training?.reset();
    run.elapsedBefore = 0;
    run.costs = [];
    post(fromWorker.state({ running: false, reset: true }));
    if (run.training) sendMaps();
  },
  // The page draws the maps only while section 6 is on screen with its box ticked; the
  // rest of the time none are computed (they are sent at once when wanted again).
  [IN.liveMaps]({ on, maps = [] }) {
    run.liveMaps = Boolean(on);
    run.mapNames = maps; // the layers the page draws (all when empty)
    if (run.liveMaps) sendMaps();
  },
  [IN.sample]({ index }) {
    run.sample = Math.max(0, index | 0);
    sendMaps();
  },
  [IN.save]() {
    try {
      if (!run.training) throw codedError('weights.nothing');
      post(fromWorker.weights(run.training.weightsJson()));
    } catch (e) {
      fail('weights', e);
    }
  },
  [IN.loadWeights]({ text, settings }) {
    try {
      if (!run.training) newTraining(settings);
      run.generation++;
      stopRunning();
      run.training.loadWeights(text);
      run.loadedWeights = true;
      post(fromWorker.state({ running: false, loaded: true }));
      sendMaps();
      finish(true);
    } catch (e) {
      fail('weights', e);
    }
  },
};
