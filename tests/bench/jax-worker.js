// A module worker that trains the SIGNS network with jax-js (tests/bench/jax-peer.js) for
// bench.js, one request at a time: {type: 'init', seed, batch, learningRate, threads,
// train, test} -> {version, threads}; {type: 'epoch'} -> {cost}; {type: 'accuracy'} ->
// {train, test}. A failure answers {error, stack}, so the benchmark can say why jax-js could
// not train the network.
//
// In its own worker so that its Wasm backend's settings do not touch the page's ConvLab
// and TF.js runs: with `threads` false it runs in this thread alone. jax-js decides at
// import whether to use its thread pool (SharedArrayBuffer and Worker both present: the
// benchmark page is cross-origin isolated); the pool's workers start from blob: URLs, which
// the page's Content-Security-Policy (worker-src 'self') refuses, so by default the import
// sees no Worker.
import { JaxSigns } from './jax-peer.js';

const JAX_URL = '/node_modules/@jax-js/jax/dist/index.js';
let jax;
let model;
let train;
let test;

async function handle(msg) {
  if (msg.type === 'init') {
    if (!msg.threads) self.Worker = undefined;
    jax = await import(JAX_URL);
    const { version } = await (await fetch('/node_modules/@jax-js/jax/package.json')).json();
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) throw new Error(`jax-js found no wasm device (devices: ${devices.join(', ')})`);
    jax.defaultDevice('wasm');
    model = new JaxSigns(jax, { batch: msg.batch, learningRate: msg.learningRate, seed: msg.seed });
    train = model.data(msg.train.pixels, msg.train.labels);
    test = model.data(msg.test.pixels, msg.test.labels);
    const pooled = typeof SharedArrayBuffer !== 'undefined' && typeof self.Worker !== 'undefined';
    return { version, threads: pooled ? navigator.hardwareConcurrency : 1 };
  }
  if (msg.type === 'epoch') return { cost: await model.epoch(train) };
  if (msg.type === 'accuracy') return { train: await model.accuracy(train), test: await model.accuracy(test) };
  throw new Error(`unknown request ${msg.type}`);
}

self.onmessage = async ({ data }) => {
  try {
    postMessage(await handle(data));
  } catch (e) {
    postMessage({ error: String(e?.message || e), stack: String(e?.stack || '') });
  }
};
