// The training and classifying worker: it owns the wasm core's Trainer and the loaded
// models, so the page's main thread only draws. Training runs in slices of minibatches
// (about 15 ms each), and the worker yields between slices, so pause, reset and a photo
// to classify are answered at once.
//
// Messages in:  use-synthetic | h5-files {files: [{name, bytes}]} | start {settings, workers?} | pause |
//               resume | reset | sample {index} | save | load-weights {text, settings} |
//               classify {id, file, model, maps, explain} | models | live-maps {on, maps}
// Messages out: data | started | progress | epoch | maps | done | weights | models |
//               classified | state | error {where, message}
//
// Training can use every core (www/workers/data-parallel.js): this worker keeps the Trainer and
// splits each minibatch with workerCount() - 1 helper workers (www/workers/gradient-worker.js),
// while split steps are at least 10% faster (timed throughout the run). The timing
// decides the speed only: split or not, the numbers are the same to the bit.
import { core, initCore, initH5Reader } from '../core.js';
import { decodePhoto } from '../photo.js';
import { codedError, errorCause } from '../errors.js';
import { GradientHelpers, HelperError, maxWorkers, parallelStep, workerCount } from './data-parallel.js';

const SLICE_MS = 15;       // work per slice before yielding to messages
const PROGRESS_MS = 100;   // at most this often a progress message
const MAPS_MS = 500;       // feature maps of the chosen sample at most this often

const ready = initCore();
const state = {
  source: 'synthetic', synthetic: null, h5: { train: null, test: null }, h5Names: { train: null, test: null },
  training: null, running: false, sample: 0, started: 0, elapsedBefore: 0,
  costs: [], lastProgress: 0, lastMaps: 0, liveMaps: true, mapNames: [], classifiers: {}, modelsLoading: null, settings: null, loadedWeights: false,
  // Data-parallel training: the helpers (null: one worker), whether this run's network
  // can be split (then every step is computed in the core's fixed slices, in one worker
  // or several alike, so the numbers never depend on the split), whether to split, a slice under way (steps await the helpers), and a counter bumped by
  // start, reset and load-weights so that a step begun before them is dropped.
  helpers: undefined, splittable: false, split: false, busy: false, generation: 0, deferred: null, judge: null,
  // Workers asked for by the page's address (?workers=N, for tests and benchmarks): that
  // many, splitting without timing; null: one per core, and the timing decides.
  workers: null,
};

// The helper workers, started once, on the first training run.
function helpers() {
  if (state.helpers === undefined) {
    const n = (state.workers ?? workerCount()) - 1;
    state.helpers = n > 0 ? new GradientHelpers(n) : null;
  }
  return state.helpers;
}

function dropHelpers(e) {
  console.warn(`training goes on in one worker: ${e.message}`);
  state.helpers?.terminate();
  state.helpers = null;
}

const post = (msg, transfer = []) => self.postMessage(msg, transfer);
// An error's code and numbers go with it, for the page to word (www/errors.js errorText).
const fail = (where, e) => post({ type: 'error', where, message: e?.message || String(e), code: e?.code, params: e?.params });

// Yield to the event loop without setTimeout's 4 ms clamp.
const channel = new MessageChannel();
channel.port1.onmessage = () => slice();
const schedule = () => channel.port2.postMessage(null);

function datasets() {
  if (state.source === 'h5') {
    const { train, test } = state.h5;
    if (!train || !test) throw train ? codedError('data.test-missing') : codedError('data.train-missing');
    return { train, test };
  }
  if (!state.synthetic) state.synthetic = { train: core.DataSet.synthetic(false), test: core.DataSet.synthetic(true) };
  return state.synthetic;
}

// The first `per` pictures of every class (course files are sorted by class).
function preview(set, per = 4) {
  const labels = set.labels();
  const classes = Array.from(set.classes());
  const taken = new Map();
  const indices = [];
  labels.forEach((l, i) => {
    const n = taken.get(l) || 0;
    if (n < per) { taken.set(l, n + 1); indices.push(i); }
  });
  indices.sort((a, b) => labels[a] - labels[b] || a - b);
  const tiles = set.picturesAt(Uint32Array.from(indices));
  return { tiles, labels: indices.map((i) => classes[labels[i]] ?? labels[i]) };
}

function describeData() {
  const { train, test } = state.source === 'h5' ? state.h5 : datasets();
  const info = (s) => (s ? { count: s.length, classes: Array.from(s.classes()) } : null);
  const shown = train || test;
  const p = shown ? preview(shown) : null;
  post({ type: 'data', source: state.source, train: info(train), test: info(test), names: state.h5Names, preview: p && { labels: p.labels, tiles: p.tiles, from: train ? 'training' : 'test' } },
    p ? [p.tiles.rgba.buffer] : []);
}

function elapsed() {
  return state.elapsedBefore + (state.running ? performance.now() - state.started : 0);
}

function sendMaps() {
  const t = state.training;
  if (!t) return;
  try {
    const { test } = datasets();
    const index = Math.min(state.sample, test.length - 1);
    const maps = t.layerMaps(index, true, state.mapNames);
    const filters = t.filters();
    const picture = test.picturesAt(Uint32Array.of(index));
    const classes = Array.from(test.classes());
    const label = classes[test.labels()[index]];
    const classMap = t.classMap(index, true); // where it looks for its answer (Grad-CAM)
    classMap.answer = classes[classMap.class] ?? classMap.class;
    post({ type: 'maps', index, label, picture, maps, filters, classMap },
      [picture.rgba.buffer, filters.rgba.buffer, classMap.rgba.buffer, ...maps.map((m) => m.rgba.buffer)]);
  } catch (e) {
    fail('maps', e);
  }
  state.lastMaps = performance.now();
}

function flushProgress(report) {
  if (!state.costs.length && !report) return;
  const t = state.training;
  post({ type: 'progress', costs: state.costs, epoch: t.epochsDone(), stepsPerEpoch: t.stepsPerEpoch(),
    step: report?.step, elapsed: elapsed(), epochs: state.settings.epochs });
  state.costs = [];
  state.lastProgress = performance.now();
}

function finish(loaded = false) {
  const t = state.training;
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
    post({ type: 'done', loaded, evaluation: { ...evaluation, predictions: undefined }, trainAccuracy, classes, mistakes, pictures, elapsed: elapsed() }, [pictures.rgba.buffer]);
  } catch (e) {
    fail('train', e);
  }
}

function stopRunning() {
  if (state.running) state.elapsedBefore += performance.now() - state.started;
  state.running = false;
}

// Splitting pays only where the cores really run in parallel (measured on a 2-vCPU VM:
// two SIMD-bound threads each ran at half speed, so 2 workers were 15% slower than 1),
// and on a busy machine that changes from minute to minute, while a few steps' times
// are noisy (a one-off 8-step trial chose one worker in 4 of 9 runs of the page
// benchmark on a loaded 2-core machine where two workers were faster on the whole).
// So the run keeps the last RECENT times of each way, splits while the split steps'
// median is at least 10% below the single ones', and times the other way once every
// PROBE_EVERY steps to notice a change. The first steps alternate until each way has
// MIN_TIMED times (the first split step, which also builds the helpers' networks, is
// not counted).
const RECENT = 7;
const MIN_TIMED = 3;
const PROBE_EVERY = 12;
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function splitThisStep() {
  const j = state.judge;
  if (!j) return true;
  if (j.split.length < MIN_TIMED || j.single.length < MIN_TIMED) return j.split.length <= j.single.length;
  j.steps += 1;
  return j.steps % PROBE_EVERY === 0 ? !j.splitting : j.splitting;
}
function judgeSplit(h, ms) {
  const j = state.judge;
  if (!j) return;
  if (h && !j.warm) { j.warm = true; return; }
  const times = h ? j.split : j.single;
  times.push(ms);
  if (times.length > RECENT) times.shift();
  if (j.split.length < MIN_TIMED || j.single.length < MIN_TIMED) return;
  const [split, single] = [median(j.split), median(j.single)];
  const splitting = split < 0.9 * single;
  if (splitting !== j.splitting || !j.told) {
    j.told = true;
    console.info(`data-parallel timing: ${split.toFixed(1)} ms per split step, ${single.toFixed(1)} ms in one worker: ${splitting ? 'splitting' : 'one worker'}`);
  }
  j.splitting = splitting;
}

// One slice of training; a step split between workers awaits the helpers, during which
// messages (pause, reset, sample...) are handled: `busy` keeps one slice at a time.
async function slice() {
  if (state.busy) return;
  state.busy = true;
  try {
    await trainSlice();
  } finally {
    state.busy = false;
  }
  if (state.running && state.training) schedule();
}

// What a finished step shows: its cost, and at an epoch's end the epoch, the maps, and
// the results when the run is done. Returns true when the slice should end.
function report(t, r) {
  state.costs.push(r.cost);
  if (!r.epoch_report) return false;
  flushProgress(r);
  post({ type: 'epoch', report: r.epoch_report, elapsed: elapsed() });
  if (state.liveMaps || t.isFinished()) sendMaps();
  if (t.isFinished()) {
    stopRunning();
    finish();
    post({ type: 'state', running: false, finished: true });
  }
  return true;
}

async function trainSlice() {
  const t = state.training;
  if (!state.running || !t) return;
  const generation = state.generation;
  const current = () => state.generation === generation && state.training === t;
  const end = performance.now() + SLICE_MS;
  try {
    // A step that finished after a pause is shown now, not while paused.
    const deferred = state.deferred;
    state.deferred = null;
    if (deferred?.generation === generation && report(t, deferred.r)) return;
    while (performance.now() < end) {
      const h = state.split && splitThisStep() ? helpers() : null;
      let r;
      const t0 = performance.now();
      try {
        r = h ? await parallelStep(t, h, current) : state.splittable ? t.slicedStep() : t.step();
        if (r && !r.epoch_report) judgeSplit(h, performance.now() - t0);
      } catch (e) {
        if (!(e instanceof HelperError)) throw e;
        dropHelpers(e); // the step was cancelled: the next one runs in this worker
        continue;
      }
      if (!r || !current()) return; // reset or restarted while the helpers worked
      if (!state.running) {
        state.deferred = { r, generation }; // paused while the helpers worked
        return;
      }
      if (report(t, r)) return;
    }
  } catch (e) {
    if (!current()) return;
    stopRunning();
    flushProgress();
    post({ type: 'state', running: false, finished: false });
    fail('train', e);
    return;
  }
  const now = performance.now();
  if (now - state.lastProgress >= PROGRESS_MS) flushProgress();
  if (state.liveMaps && now - state.lastMaps >= MAPS_MS) sendMaps();
}

function newTraining(settings) {
  const { train, test } = datasets();
  core.validateTrainSettings(settings);
  state.generation++;
  state.training?.free();
  state.training = null;
  state.training = new core.Training(settings, train, test);
  try {
    state.training.checkDataParallel();
    state.splittable = true;
  } catch {
    state.splittable = false; // batch norm or dropout: one worker (the page's network has neither)
  }
  state.split = state.splittable && (helpers()?.size || 0) > 0;
  state.judge = state.split && state.workers === null
    ? { split: [], single: [], steps: 0, splitting: true, warm: false, told: false } : null;
  state.settings = settings;
  state.elapsedBefore = 0;
  state.costs = [];
  state.sample = Math.min(state.sample, test.length - 1);
}

const handlers = {
  'use-synthetic'() {
    state.source = 'synthetic';
    describeData();
  },
  // The HDF5 module reads each file, the core gets its pictures, labels and classes. What
  // a file holds (train_set_x or test_set_x), not its name, says which half it is; a bad
  // file or two files of the same half replace nothing.
  async 'h5-files'({ files }) {
    const read = [];
    try {
      const reader = await initH5Reader();
      for (const { name, bytes } of files) {
        try {
          const file = reader.readCourseH5(new Uint8Array(bytes));
          try {
            read.push({ name, split: file.split(), set: core.DataSet.fromParts(file.pixels(), file.labels(), file.classes()) });
          } finally {
            file.free();
          }
        } catch (e) {
          throw codedError('data.file', { name, cause: errorCause(e) });
        }
      }
      const [a, b] = read;
      if (b && a.split === b.split) {
        const names = { a: a.name, b: b.name };
        throw a.split === 'train' ? codedError('data.both-train', names) : codedError('data.both-test', names);

      }
    } catch (e) {
      read.forEach((r) => r.set.free());
      fail('data', e);
      return;
    }
    for (const { name, split, set } of read) {
      state.h5[split]?.free();
      state.h5[split] = set;
      state.h5Names[split] = name;
    }
    state.source = 'h5';
    describeData();
  },
  start({ settings, workers: asked }) {
    if (state.running) return; // a second Start while running changes nothing
    if (Number.isInteger(asked) && state.helpers === undefined) state.workers = Math.max(1, Math.min(asked, maxWorkers()));
    try {
      newTraining(settings);
    } catch (e) {
      fail('settings', e);
      post({ type: 'state', running: false, finished: false });
      return;
    }
    const workers = state.split ? 1 + (helpers()?.size || 0) : 1;
    post({ type: 'started', seed: state.training.seed(), stepsPerEpoch: state.training.stepsPerEpoch(), epochs: settings.epochs, workers });
    sendMaps();
    state.running = true;
    state.started = performance.now();
    state.lastProgress = state.started;
    post({ type: 'state', running: true });
    schedule();
  },
  pause() {
    if (!state.training || !state.running) return;
    stopRunning();
    flushProgress();
    post({ type: 'state', running: false, paused: true });
  },
  resume() {
    if (!state.training || state.running || (state.training.isFinished() && !state.deferred)) return;
    state.running = true;
    state.started = performance.now();
    post({ type: 'state', running: true });
    schedule();
  },
  reset() {
    state.generation++;
    stopRunning();
    state.loadedWeights = false;
    state.training?.reset();
    state.elapsedBefore = 0;
    state.costs = [];
    post({ type: 'state', running: false, reset: true });
    if (state.training) sendMaps();
  },
  // The page draws the maps only while section 6 is on screen with its box ticked; the
  // rest of the time none are computed (they are sent at once when wanted again).
  'live-maps'({ on, maps = [] }) {
    state.liveMaps = Boolean(on);
    state.mapNames = maps; // the layers the page draws (all when empty)
    if (state.liveMaps) sendMaps();
  },
  sample({ index }) {
    state.sample = Math.max(0, index | 0);
    sendMaps();
  },
  save() {
    try {
      if (!state.training) throw codedError('weights.nothing');
      post({ type: 'weights', json: state.training.weightsJson() });
    } catch (e) {
      fail('weights', e);
    }
  },
  'load-weights'({ text, settings }) {
    try {
      if (!state.training) newTraining(settings);
      state.generation++;
      stopRunning();
      state.training.loadWeights(text);
      state.loadedWeights = true;
      post({ type: 'state', running: false, loaded: true });
      sendMaps();
      finish(true);
    } catch (e) {
      fail('weights', e);
    }
  },
  // How much memory this worker's wasm instance holds (the hardening tests watch it).
  memory() {
    post({ type: 'memory', wasmBytes: core.wasmMemoryBytes() });
  },
  models() {
    // A photo sent while the models load waits for them (classify awaits this).
    state.modelsLoading = loadModels();
    return state.modelsLoading;
  },
  async classify({ id, file, model, maps = [], explain = false }) {
    try {
      const answer = await classify(file, model, maps, explain);
      post({ type: 'classified', id, ...answer }, answer.transfer);
    } catch (e) {
      post({ type: 'error', where: 'classify', id, message: e?.message || String(e), code: e?.code, params: e?.params });
    }
  },
};

// Which model answers: the one asked for when it exists, else the robust pretrained
// model, the assignment's pretrained model, then the one trained in section 6.
// A model trained in section 6 (at least one epoch) or weights loaded there.
const hasTrained = () => Boolean(state.training && (state.training.epochsDone() > 0 || state.loadedWeights));

function pickModel(wanted) {
  const trained = hasTrained();
  const options = {
    hand: state.classifiers.hand && { run: (...a) => state.classifiers.hand.classify(...a), name: 'the pretrained robust hand model' },
    signs: state.classifiers.signs && { run: (...a) => state.classifiers.signs.classify(...a), name: "the pretrained assignment's network" },
    trained: trained && { run: (...a) => state.training.classifyPhoto(...a), name: `the model trained in section 6 (${state.training.epochsDone()} epoch${state.training.epochsDone() === 1 ? '' : 's'}${state.loadedWeights ? ', or weights loaded there' : ''})` },
  };
  // `used`: which model answered, in numbers, for the page to word (classify.used.*).
  for (const [key, m] of Object.entries(options)) {
    if (m) m.used = { key: key === 'trained' && state.loadedWeights ? 'trained-loaded' : key, count: trained ? state.training.epochsDone() : 0 };
  }

  return options[wanted] || options.hand || options.signs || options.trained || null;
}

// The installed models (models/index.json lists them, so the page never requests a
// missing file), loaded into Classifiers; the page is told which are available.
async function loadModels() {
  const available = [];
  let list = [];
  try {
    const res = await fetch(new URL('../models/index.json', import.meta.url));
    if (res.ok) list = (await res.json()).models || [];
  } catch (e) {
    fail('models', codedError('models.file', { file: 'index.json', cause: errorCause(e) }));
  }
  for (const { key, file } of list) {
    try {
      const res = await fetch(new URL(`../models/${file}`, import.meta.url));
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      state.classifiers[key]?.free();
      state.classifiers[key] = core.Classifier.fromJson(await res.text());
      available.push({ key, file: `models/${file}`, info: state.classifiers[key].describe() });
    } catch (e) {
      fail('models', codedError('models.file', { file, cause: errorCause(e) }));
    }
  }
  // Whether section 6 has a model already: section 7 may open after the training ended.
  post({ type: 'models', available, trained: hasTrained() });
}

async function classify(file, wanted, maps, explain) {
  if (!file || !file.size) throw codedError('photo.empty');
  await state.modelsLoading; // a photo sent right after the page opened waits for the models
  const model = pickModel(wanted);
  if (!model) throw codedError('photo.no-model');
  // Upright pixels (orientation 1) for the core; the core still reads the file's
  // orientation, to say what was done.
  const { bitmap, orientation } = await decodePhoto(file);
  const { width, height } = bitmap;
  let result, ms;
  try {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    const pixels = ctx.getImageData(0, 0, width, height).data;
    const t0 = performance.now();
    result = model.run(pixels, width, height, 1, maps, explain);
    ms = performance.now() - t0;
  } catch (e) {
    bitmap.close();
    throw e;
  }
  // The upright photo for the page to show, shrunk when it is large (a small one is sent as it is).
  const scale = Math.min(1, 480 / Math.max(width, height));
  let display = bitmap;
  if (scale < 1) {
    display = await createImageBitmap(bitmap, { resizeWidth: Math.max(1, Math.round(width * scale)), resizeHeight: Math.max(1, Math.round(height * scale)), resizeQuality: 'medium' });
    bitmap.close();
  }
  const [dw, dh] = [width, height];
  return {
    result, model: model.name, used: model.used, orientation, size: [dw, dh], ms, display,
    transfer: [display, result.input.rgba.buffer, ...result.maps.map((m) => m.rgba.buffer), ...result.classMaps.map((m) => m.rgba.buffer)],
  };
}

self.onmessage = async ({ data }) => {
  try {
    await ready;
  } catch (e) {
    fail('core', new Error(`The WebAssembly core could not load in the worker: ${e.message}`));
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
