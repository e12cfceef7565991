// The SIGNS network (conv 4x4x3x8 SAME, ReLU, maxpool 8/8, conv 2x2x8x16 SAME, ReLU,
// maxpool 4/4, flatten 64, dense 6, softmax cross-entropy) trained with the assignment's
// settings (Adam lr 0.009, minibatches of 64 reshuffled every epoch, last partial batch
// kept, Glorot uniform weights, zero biases) by ConvLab's wasm build and by TensorFlow.js
// ('wasm' and 'cpu' backends) on the same images, epochs alternating between the two so
// that both see the same load on the machine. Results go to the page and window.benchResult.
//
// ConvLab runs twice, side by side: in one worker (the page's trainer alone) and split
// between N workers (www/workers/data-parallel.js: this page's trainer plus N-1 helper workers,
// N = min(navigator.hardwareConcurrency, 4)), each a core.Training as the page uses, in
// the build the page picks (www/core.js: relaxed SIMD where the browser has it); where
// that is the relaxed-SIMD build, a third run uses the plain SIMD build, for comparison.
// jax-js's Wasm backend trains the same network in its own worker (jax-worker.js).
import { build, core, initCore, initH5Reader } from '/www/core.js';
import initPlain, * as plain from '/www/pkg/convlab.js';
import { GradientHelpers, parallelStep, workerCount } from '/www/workers/data-parallel.js';
import { rng, shuffled } from './seeded.js';

const params = new URLSearchParams(location.search);
const EPOCHS = Number(params.get('epochs') || 5);        // timed epochs, after one warm-up
const CPU_EPOCHS = Number(params.get('cpu_epochs') ?? 1); // TF.js 'cpu' is ~20x slower
const SEED = Number(params.get('seed') || 1);
let WORKERS; // ConvLab's split run: set once the core (which knows the page's count) is loaded
const BATCH = 64;
const LR = 0.009;
const GFLOP_PER_1117 = 7.25; // forward 1,606,016 MAC/image, backward without conv1's dx

const logEl = document.getElementById('log');
function log(line) {
  logEl.textContent += `${line}\n`;
  console.log(line);
}

async function bytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

// The filter gradient of a stride-1 SAME convolution, which tfjs-backend-wasm 4.22 lacks
// (no Conv2DBackpropFilter kernel), computed by a forward conv2d on transposed tensors:
// dW[a,b,c,o] = sum_{n,i,j} xpad[n,i+a,j+b,c] dy[n,i,j,o], i.e. the images' channels as the
// batch, the batch as the channels, and dy as a (H, W, N, O) filter.
function filterGradSame(x, dy, f) {
  const before = Math.floor((f - 1) / 2); // TF's SAME puts the odd pixel after
  const after = f - 1 - before;
  const xp = tf.pad(x, [[0, 0], [before, after], [before, after], [0, 0]]);
  const g = tf.conv2d(tf.transpose(xp, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), 1, 'valid');
  return tf.transpose(g, [1, 2, 0, 3]); // (C, f, f, O) -> (f, f, C, O)
}

// conv2d (stride 1, SAME) with a hand-written gradient; `inputGrad` false for conv1 (its
// input is the data: the zeros returned are never used, as in ConvLab, which skips it).
function convSame(f, inputGrad) {
  return tf.customGrad((x, w, save) => {
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'same'),
      gradFunc: (dy, [xs, ws]) => [
        inputGrad ? tf.conv2dTranspose(dy, ws, xs.shape, 1, 'same') : tf.zerosLike(xs),
        filterGradSame(xs, dy, f),
      ],
    };
  });
}

function makeTfModel(seed, handGrad) {
  const glorot = (shape, s) => tf.initializers.glorotUniform({ seed: s }).apply(shape);
  const m = {
    W1: tf.variable(glorot([4, 4, 3, 8], seed)),
    W2: tf.variable(glorot([2, 2, 8, 16], seed + 1)),
    Wfc: tf.variable(glorot([64, 6], seed + 2)),
    bfc: tf.variable(tf.zeros([6])),
  };
  m.vars = [m.W1, m.W2, m.Wfc, m.bfc];
  m.conv1 = handGrad ? convSame(4, false) : (x, w) => tf.conv2d(x, w, 1, 'same');
  m.conv2 = handGrad ? convSame(2, true) : (x, w) => tf.conv2d(x, w, 1, 'same');
  m.opt = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  return m;
}

function tfForward(m, x) {
  let a = tf.relu(m.conv1(x, m.W1));
  a = tf.maxPool(a, 8, 8, 'same');
  a = tf.relu(m.conv2(a, m.W2));
  a = tf.maxPool(a, 4, 4, 'same');
  a = tf.reshape(a, [a.shape[0], 64]);
  return tf.add(tf.matMul(a, m.Wfc), m.bfc);
}

// The data as tensors of the current backend: pixels / 255 and one-hot labels.
function tfData(pixels, labels) {
  const m = labels.length;
  const x = tf.tidy(() => tf.div(tf.tensor4d(pixels, [m, 64, 64, 3], 'int32').toFloat(), 255));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 6).toFloat());
  return { x, y, m, labels };
}

// One epoch (or its first `maxSteps` minibatches); returns the mean minibatch cost.
function tfEpoch(model, data, random, maxSteps = Infinity) {
  const order = shuffled(data.m, random);
  const costs = [];
  for (let s = 0, step = 0; s < data.m && step < maxSteps; s += BATCH, step++) {
    const idx = tf.tensor1d(order.slice(s, s + BATCH), 'int32');
    const xb = tf.gather(data.x, idx);
    const yb = tf.gather(data.y, idx);
    costs.push(model.opt.minimize(
      () => tf.losses.softmaxCrossEntropy(yb, tfForward(model, xb)), true, model.vars));
    tf.dispose([idx, xb, yb]);
  }
  const values = costs.map((c) => c.dataSync()[0]);
  tf.dispose(costs);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function tfAccuracy(model, data) {
  let right = 0;
  for (let s = 0; s < data.m; s += 256) {
    const n = Math.min(256, data.m - s);
    const pred = tf.tidy(() => tfForward(model, data.x.slice([s, 0, 0, 0], [n, 64, 64, 3])).argMax(1));
    const p = pred.dataSync();
    for (let i = 0; i < n; i++) if (p[i] === data.labels[s + i]) right++;
    pred.dispose();
  }
  return right / data.m;
}

// jax-js in its own worker (tests/bench/jax-worker.js), asked one thing at a time; a
// request it cannot answer rejects with its error message and first stack frames.
function startJax(init) {
  const worker = new Worker(new URL('./jax-worker.js', import.meta.url), { type: 'module' });
  const ask = (msg) => new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      if (data.error) reject(new Error(`${data.error}${data.stack ? ` (${data.stack.split('\n').slice(0, 3).join(' | ')})` : ''}`));
      else resolve(data);
    };
    worker.onerror = (e) => reject(new Error(`jax-js worker failed: ${e.message || 'the script did not load'}`));
    worker.postMessage(msg);
  });
  return { info: ask({ type: 'init', ...init }), ask, terminate: () => worker.terminate() };
}

const now = () => performance.now();
// CPU seconds of the whole browser, when the runner provides them (tests/bench/run_browser.mjs
// reads /proc): unlike the wall clock, not inflated by other processes on a busy machine.
const cpuNow = async () => (window.benchCpuSeconds ? window.benchCpuSeconds() : NaN);
async function timed(f) {
  const c0 = await cpuNow();
  const t0 = now();
  const value = await f();
  const seconds = (now() - t0) / 1000;
  return { value, seconds, cpu: (await cpuNow()) - c0 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  await initCore();
  WORKERS = Number(params.get('workers') || workerCount());
  const { Training, conv1MacRates, simdPeakGmacs } = core;
  const both = build === 'relaxed-simd';
  if (both) await initPlain({ module_or_path: '/www/pkg/convlab_bg.wasm' });
  // The course files read by the page's own HDF5 module: TF.js and ConvLab get the same
  // pictures and labels (pixels 0-255, NHWC, labels 0-5).
  const h5 = await initH5Reader();
  const read = async (url) => {
    const f = h5.readCourseH5(await bytes(url));
    const parts = { pixels: f.pixels(), labels: f.labels(), classes: f.classes() };
    f.free();
    return parts;
  };
  const [train, test] = await Promise.all([read('/data/train_sign_digits.h5'), read('/data/test_sign_digits.h5')]);
  const dataSet = (lib, d) => lib.DataSet.fromParts(d.pixels, d.labels, d.classes);
  const n = train.labels.length;
  const gflopPerEpoch = GFLOP_PER_1117 * n / 1117;
  log(`data: ${n} training images, ${test.labels.length} test images; ${gflopPerEpoch.toFixed(2)} GFLOP per epoch`);
  log(`settings: Adam lr ${LR}, batch ${BATCH}, Glorot uniform, seed ${SEED}; 1 warm-up + ${EPOCHS} timed epochs`);
  log(`navigator.hardwareConcurrency = ${navigator.hardwareConcurrency}, crossOriginIsolated = ${self.crossOriginIsolated}`);

  // ConvLab: the page's trainer (core.Training) with the assignment's settings and no
  // accuracy pass inside the epochs; one for the whole run in one worker (warm-up, the
  // wasm phase, the cpu phase), one split between WORKERS workers (warm-up, wasm phase).
  const trainSet = dataSet(core, train);
  const testSet = dataSet(core, test);
  const settings = (epochs) => ({ seed: SEED, epochs, evaluate_every_epoch: false });
  const convlab = new Training(settings(1 + EPOCHS + CPU_EPOCHS), trainSet, testSet);
  const convlabN = new Training(settings(1 + EPOCHS), trainSet, testSet);
  const convlabPlain = both
    ? new plain.Training(settings(1 + EPOCHS), dataSet(plain, train), dataSet(plain, test))
    : null;
  log(`ConvLab core build: ${build}${both ? ' (and the plain SIMD build, for comparison)' : ''}`);
  const helpers = WORKERS > 1 ? new GradientHelpers(WORKERS - 1, new URL('/www/workers/gradient-worker.js', location.href)) : null;
  const epochOne = () => {
    for (;;) {
      const r = convlab.slicedStep();
      if (r.epoch_report) return r.epoch_report.cost;
    }
  };
  const epochPlain = () => {
    for (;;) {
      const r = convlabPlain.slicedStep();
      if (r.epoch_report) return r.epoch_report.cost;
    }
  };
  const epochN = async () => {
    for (;;) {
      const r = helpers ? await parallelStep(convlabN, helpers) : convlabN.slicedStep();
      if (r.epoch_report) return r.epoch_report.cost;
    }
  };
  const accuracy = (t, test) => t.evaluate(test).accuracy;
  log(`ConvLab split run: ${WORKERS} worker${WORKERS > 1 ? 's' : ''} (this page + ${WORKERS - 1} helper${WORKERS === 2 ? '' : 's'})`);

  // TF.js 'wasm', single-threaded SIMD (the threaded build starts its workers from blob:
  // URLs, which the page's CSP refuses; ConvLab here is single-threaded too).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  await tf.setBackend('wasm');
  await tf.ready();
  log(`TF.js ${tf.version.tfjs}, backend ${tf.getBackend()}, SIMD ${await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')}, threads ${await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')}`);
  // jax-js 'wasm' (tests/bench/jax-peer.js), one thread as TF.js: started now so that
  // its data is ready when the epochs begin; if it cannot train this network, why.
  const JAX_THREADS = params.get('jax_threads') === '1';
  const jax = startJax({ seed: SEED, batch: BATCH, learningRate: LR, threads: JAX_THREADS, train, test });
  let jaxError = null;
  const jaxInfo = await jax.info.catch((e) => { jaxError = e.message; return null; });
  if (jaxInfo) log(`jax-js ${jaxInfo.version}, backend wasm, threads ${jaxInfo.threads}`);
  else log(`jax-js cannot train this network: ${jaxError}`);
  let tfTrain = tfData(train.pixels, train.labels);
  let tfTest = tfData(test.pixels, test.labels);
  const wasmModel = makeTfModel(SEED, true);
  const wasmRandom = rng(SEED);

  const series = () => ({ seconds: [], cpu_seconds: [], costs: [] });
  const result = { convlab: series(), convlab_parallel: series(), convlab_plain: series(), tfjs_wasm: series(), jax_wasm: series(), tfjs_cpu: series(), convlab_during_cpu: series() };
  if (jaxInfo) Object.assign(result.jax_wasm, { version: jaxInfo.version, threads: jaxInfo.threads });
  // A jax-js failure mid-run is recorded, and the other runs go on without it.
  const jaxEpoch = async () => (await jax.ask({ type: 'epoch' })).cost;
  const jaxFailed = (e) => {
    jaxError = `${e.message}`;
    log(`jax-js cannot train this network: ${jaxError}`);
  };
  result.workers = WORKERS;
  result.build = build;
  const nameN = `ConvLab x${WORKERS}`;
  const w1 = await timed(epochOne);
  log(`warm-up  ConvLab x1   ${w1.seconds.toFixed(3)} s  cost ${w1.value.toFixed(4)}`);
  const w1n = await timed(epochN);
  log(`warm-up  ${nameN}   ${w1n.seconds.toFixed(3)} s  cost ${w1n.value.toFixed(4)}`);
  if (both) {
    const wp = await timed(epochPlain);
    log(`warm-up  ConvLab x1 plain SIMD   ${wp.seconds.toFixed(3)} s  cost ${wp.value.toFixed(4)}`);
  }
  const w2 = await timed(() => tfEpoch(wasmModel, tfTrain, wasmRandom));
  log(`warm-up  TF.js wasm   ${w2.seconds.toFixed(3)} s  cost ${w2.value.toFixed(4)}`);
  if (!jaxError) {
    try {
      const wj = await timed(jaxEpoch); // compiles its kernels: the first epoch takes longest
      log(`warm-up  jax-js wasm   ${wj.seconds.toFixed(3)} s  cost ${wj.value.toFixed(4)}`);
    } catch (e) {
      jaxFailed(e);
    }
  }
  for (let e = 1; e <= EPOCHS; e++) {
    // Rotate which goes first, so none always follows another's garbage.
    const runs = [
      ['convlab', 'ConvLab x1', epochOne],
      ['convlab_parallel', nameN, epochN],
      ['tfjs_wasm', 'TF.js wasm', () => tfEpoch(wasmModel, tfTrain, wasmRandom)],
      ...(both ? [['convlab_plain', 'ConvLab x1 plain SIMD', epochPlain]] : []),
      ...(jaxError ? [] : [['jax_wasm', 'jax-js wasm', jaxEpoch]]),
    ];
    for (let k = 0; k < e % runs.length; k++) runs.push(runs.shift());
    for (const [key, name, f] of runs) {
      if (key === 'jax_wasm' && jaxError) continue;
      let r;
      try {
        r = await timed(f);
      } catch (e) {
        if (key !== 'jax_wasm') throw e;
        jaxFailed(e);
        continue;
      }
      result[key].seconds.push(r.seconds);
      result[key].cpu_seconds.push(r.cpu);
      result[key].costs.push(r.value);
      log(`epoch ${e + 1}  ${name}   ${r.seconds.toFixed(3)} s (${r.cpu.toFixed(2)} s CPU)  cost ${r.value.toFixed(4)}`);
    }
  }
  result.convlab.epochs = 1 + EPOCHS;
  result.convlab.train_accuracy = accuracy(convlab, false);
  result.convlab.test_accuracy = accuracy(convlab, true);
  result.convlab_parallel.epochs = 1 + EPOCHS;
  result.convlab_parallel.train_accuracy = accuracy(convlabN, false);
  result.convlab_parallel.test_accuracy = accuracy(convlabN, true);
  helpers?.terminate();
  if (both) {
    result.convlab_plain.epochs = 1 + EPOCHS;
    result.convlab_plain.train_accuracy = accuracy(convlabPlain, false);
    result.convlab_plain.test_accuracy = accuracy(convlabPlain, true);
  }
  result.tfjs_wasm.epochs = 1 + EPOCHS;
  result.tfjs_wasm.train_accuracy = tfAccuracy(wasmModel, tfTrain);
  result.tfjs_wasm.test_accuracy = tfAccuracy(wasmModel, tfTest);
  if (!jaxError) {
    try {
      const acc = await jax.ask({ type: 'accuracy' });
      Object.assign(result.jax_wasm, { epochs: 1 + EPOCHS, train_accuracy: acc.train, test_accuracy: acc.test });
      log(`after ${1 + EPOCHS} epochs: jax-js wasm train ${acc.train.toFixed(3)} test ${acc.test.toFixed(3)}`);
    } catch (e) {
      jaxFailed(e);
    }
  }
  if (jaxError) result.jax_wasm = { ...series(), error: jaxError }; // no figures from a run that failed
  jax.terminate();
  log(`after ${1 + EPOCHS} epochs: ConvLab x1 train ${result.convlab.train_accuracy.toFixed(3)} test ${result.convlab.test_accuracy.toFixed(3)}; ${nameN} train ${result.convlab_parallel.train_accuracy.toFixed(3)} test ${result.convlab_parallel.test_accuracy.toFixed(3)}; TF.js wasm train ${result.tfjs_wasm.train_accuracy.toFixed(3)} test ${result.tfjs_wasm.test_accuracy.toFixed(3)}`);
  tf.dispose([tfTrain.x, tfTrain.y, tfTest.x, tfTest.y, ...wasmModel.vars]);

  if (CPU_EPOCHS > 0) {
    await tf.setBackend('cpu');
    tfTrain = tfData(train.pixels, train.labels);
    tfTest = tfData(test.pixels, test.labels);
    const cpuModel = makeTfModel(SEED, false); // the cpu backend has every gradient kernel
    const cpuRandom = rng(SEED);
    const w3 = await timed(() => tfEpoch(cpuModel, tfTrain, cpuRandom, 2));
    log(`warm-up  TF.js cpu    ${w3.seconds.toFixed(3)} s for 2 minibatches`);
    for (let e = 1; e <= CPU_EPOCHS; e++) {
      const c = await timed(epochOne);
      result.convlab_during_cpu.seconds.push(c.seconds);
      result.convlab_during_cpu.cpu_seconds.push(c.cpu);
      log(`cpu phase ${e}  ConvLab      ${c.seconds.toFixed(3)} s (${c.cpu.toFixed(2)} s CPU)`);
      const r = await timed(() => tfEpoch(cpuModel, tfTrain, cpuRandom));
      result.tfjs_cpu.seconds.push(r.seconds);
      result.tfjs_cpu.cpu_seconds.push(r.cpu);
      result.tfjs_cpu.costs.push(r.value);
      log(`cpu phase ${e}  TF.js cpu    ${r.seconds.toFixed(3)} s (${r.cpu.toFixed(2)} s CPU)  cost ${r.value.toFixed(4)}`);
    }
    result.tfjs_cpu.epochs = CPU_EPOCHS; // after a 2-minibatch warm-up
    result.tfjs_cpu.train_accuracy = tfAccuracy(cpuModel, tfTrain);
    result.tfjs_cpu.test_accuracy = tfAccuracy(cpuModel, tfTest);
    tf.dispose([tfTrain.x, tfTrain.y, tfTest.x, tfTest.y, ...cpuModel.vars]);
  }

  // PROFILED_EPOCHS epochs of each ConvLab run again, from a fresh trainer of the same
  // seed, with the core timing every phase (Training.startProfile: the same numbers, a
  // clock read around each layer); for the split run, what the phases leave of the
  // epoch's wall time is the messages to and from the helpers and the wait for them.
  // The summary takes each phase's median over the epochs (a busy machine preempts some).
  const PROFILED_EPOCHS = 3;
  const profiled = async (key, epoch) => {
    const t = new Training(settings(PROFILED_EPOCHS), trainSet, testSet);
    result[key] = { epochs: [] };
    for (let e = 0; e < PROFILED_EPOCHS; e++) {
      t.startProfile();
      const r = await timed(() => epoch(t));
      result[key].epochs.push({ seconds: r.seconds, cpu_seconds: r.cpu, cost: r.value, phases: t.takeProfile() });
    }
    t.free();
  };
  await profiled('profile_x1', (t) => {
    for (;;) {
      const r = t.slicedStep();
      if (r.epoch_report) return r.epoch_report.cost;
    }
  });
  const profileHelpers = WORKERS > 1 ? new GradientHelpers(WORKERS - 1, new URL('/www/workers/gradient-worker.js', location.href)) : null;
  await profiled('profile_parallel', async (t) => {
    for (;;) {
      const r = profileHelpers ? await parallelStep(t, profileHelpers) : t.slicedStep();
      if (r.epoch_report) return r.epoch_report.cost;
    }
  });
  profileHelpers?.terminate();
  result.conv1_rates = conv1MacRates(3);
  result.simd_peak_gmacs = simdPeakGmacs(5);
  for (const key of ['profile_x1', 'profile_parallel']) {
    log(`profiled epochs (${key === 'profile_x1' ? 'ConvLab x1' : nameN}): ${result[key].epochs.map((e) => `${e.seconds.toFixed(3)} s, cost ${e.cost.toFixed(4)}`).join('; ')} (breakdown in the summary)`);
  }
  if (both) {
    result.conv1_rates_plain = plain.conv1MacRates(3);
    result.simd_peak_gmacs_plain = plain.simdPeakGmacs(5);
    log(`plain SIMD build: conv1 forward ${result.conv1_rates_plain.forward_gmacs.toFixed(2)}, filter gradient ${result.conv1_rates_plain.filter_grad_gmacs.toFixed(2)} GMAC/s; f32x4 mul + add peak ${result.simd_peak_gmacs_plain.toFixed(2)} GMAC/s per core`);
  }
  log(`conv1 in wasm: forward ${result.conv1_rates.forward_gmacs.toFixed(2)}, filter gradient ${result.conv1_rates.filter_grad_gmacs.toFixed(2)}, input gradient ${result.conv1_rates.input_grad_gmacs.toFixed(2)} GMAC/s; measured f32x4 multiply-add peak ${result.simd_peak_gmacs.toFixed(2)} GMAC/s per core`);
  // Classifying one photo (640x480 RGBA, as the page's worker gets it after decoding):
  // the core's preprocessing, the forward pass of each view and the maps the page draws
  // (conv1, pool1, conv2, pool2), as `Classifier.classify` returns them to be drawn.
  // Median of 20 after one warm-up.
  const photo = new Uint8Array(640 * 480 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37 + (i >> 11)) & 255));
  for (const name of ['hand', 'signs']) {
    const classifier = core.Classifier.fromJson(await (await fetch(`/www/models/${name}.json`)).text());
    const ms = [];
    for (let i = 0; i < 21; i++) {
      const t0 = now();
      classifier.classify(photo, 640, 480, 1, ['conv1', 'pool1', 'conv2', 'pool2']);
      ms.push(now() - t0);
    }
    classifier.free();
    result[`classify_${name}_ms`] = median(ms.slice(1));
    log(`classify one 640x480 photo with ${name}.json: ${result[`classify_${name}_ms`].toFixed(1)} ms (median of 20)`);
  }
  for (const k of ['convlab', 'convlab_parallel', 'convlab_plain', 'tfjs_wasm', 'jax_wasm', 'tfjs_cpu', 'convlab_during_cpu']) {
    const s = result[k].seconds;
    if (!s.length) continue;
    result[k].median_s = median(s);
    result[k].gflops = gflopPerEpoch / median(s);
    const c = result[k].cpu_seconds.filter(Number.isFinite);
    if (c.length) result[k].median_cpu_s = median(c);
  }
  result.ratio_tfjs_wasm = result.tfjs_wasm.median_s / result.convlab.median_s;
  if (result.convlab.median_cpu_s) result.cpu_ratio_tfjs_wasm = result.tfjs_wasm.median_cpu_s / result.convlab.median_cpu_s;
  result.ratio_tfjs_wasm_parallel = result.tfjs_wasm.median_s / result.convlab_parallel.median_s;
  if (result.jax_wasm.median_s) {
    result.ratio_jax_wasm = result.jax_wasm.median_s / result.convlab.median_s;
    result.ratio_jax_wasm_parallel = result.jax_wasm.median_s / result.convlab_parallel.median_s;
    result.ratio_jax_tfjs = result.jax_wasm.median_s / result.tfjs_wasm.median_s;
  }
  result.speedup_parallel = result.convlab.median_s / result.convlab_parallel.median_s;
  if (both) result.speedup_relaxed = result.convlab_plain.median_s / result.convlab.median_s;
  if (result.tfjs_cpu.median_s) result.ratio_tfjs_cpu = result.tfjs_cpu.median_s / result.convlab_during_cpu.median_s;
  result.gflop_per_epoch = gflopPerEpoch;
  result.train_size = n;
  log(JSON.stringify(result));
  window.benchResult = result;
}

main().catch((e) => {
  log(`error: ${e?.stack || e}`);
  window.benchResult = { error: String(e?.stack || e) };
});
