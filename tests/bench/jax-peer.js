// The SIGNS network trained by jax-js (@jax-js/jax from the npm registry) on its Wasm
// backend: a second browser peer beside TF.js (issue 14 item 4). The same network as
// bench.js's TF.js model (conv 4x4x3x8 SAME, ReLU, maxpool 8/8, conv 2x2x8x16 SAME, ReLU,
// maxpool 4/4, flatten 64, dense 6, softmax cross-entropy), the same data, minibatches of
// 64 reshuffled every epoch with the last partial one kept, Adam lr 0.009 (written here
// with jax-js's own array ops: its optimiser package, @jax-js/optax, is not on the npm
// registry), Glorot uniform weights and zero biases.
//
// jax-js works in NCHW with OIHW filters (lax.convGeneralDilated, as JAX's) and "SAME"
// padding puts the odd pixel after, as TF does. Every jax-js function takes ownership of
// its array arguments (reference counting): `.ref` keeps one for later use.
//
// `jax` is the module's namespace, given by the caller (tests/bench/jax-worker.js imports
// it from node_modules).
import { rng, shuffled } from './seeded.js';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

// Glorot (Xavier) uniform over a filter or matrix of `shape`, given its fan-in and fan-out.
function glorot(jax, random, shape, fanIn, fanOut) {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (2 * random() - 1) * limit;
  return jax.numpy.array(data).reshape(shape);
}

// Images (pixels 0-255, NHWC, as the course files hold them) as NCHW floats / 255.
function nchw(pixels, m) {
  const out = new Float32Array(m * 3 * 64 * 64);
  for (let n = 0; n < m; n++) {
    for (let p = 0; p < 64 * 64; p++) {
      for (let c = 0; c < 3; c++) out[((n * 3 + c) * 64 * 64) + p] = pixels[(n * 64 * 64 + p) * 3 + c] / 255;
    }
  }
  return out;
}

export class JaxSigns {
  // `seed` draws the weights, then each epoch's shuffle.
  constructor(jax, { batch, learningRate, seed }) {
    this.jax = jax;
    this.batch = batch;
    this.learningRate = learningRate;
    const random = rng(seed);
    this.random = random;
    const np = jax.numpy;
    this.params = {
      W1: glorot(jax, random, [8, 3, 4, 4], 3 * 16, 8 * 16),
      W2: glorot(jax, random, [16, 8, 2, 2], 8 * 4, 16 * 4),
      Wfc: glorot(jax, random, [64, 6], 64, 6),
      bfc: np.zeros([6]),
    };
    this.m = jax.tree.map((p) => np.zerosLike(p.ref), this.params);
    this.v = jax.tree.map((p) => np.zerosLike(p.ref), this.params);
    this.t = 0;
    const { lax, nn } = jax;
    // Logits of a batch of NCHW images.
    const forward = (p, x) => {
      let a = nn.relu(lax.convGeneralDilated(x, p.W1, [1, 1], 'SAME'));
      a = lax.reduceWindow(a, np.max, [8, 8], [8, 8]);
      a = nn.relu(lax.convGeneralDilated(a, p.W2, [1, 1], 'SAME'));
      a = lax.reduceWindow(a, np.max, [4, 4], [4, 4]);
      return np.dot(a.reshape([-1, 64]), p.Wfc).add(p.bfc);
    };
    // Mean softmax cross-entropy of a minibatch (labels as one-hot rows).
    const cost = (p, x, y) => {
      const n = x.shape[0];
      return nn.logSoftmax(forward(p, x)).mul(y).sum().mul(-1 / n);
    };
    // Eager, not jax.jit: jit fuses ReLU and the max pool into the convolutions' kernels,
    // which made a step ~10x slower in jax-js 0.1.25 (2.3 s against 0.24 s per minibatch
    // of 64 in node, one thread).
    this.forward = forward;
    this.costAndGrad = jax.valueAndGrad(cost);
  }

  // The data as jax-js arrays: NCHW images / 255 and one-hot labels.
  data(pixels, labels) {
    const np = this.jax.numpy;
    const m = labels.length;
    const oneHot = new Float32Array(m * 6);
    labels.forEach((l, i) => { oneHot[i * 6 + l] = 1; });
    return {
      x: np.array(nchw(pixels, m)).reshape([m, 3, 64, 64]),
      y: np.array(oneHot).reshape([m, 6]),
      m,
      labels,
    };
  }

  // One Adam step on every parameter (the bias-corrected form of Kingma and Ba).
  adam(grads) {
    const { tree, numpy: np } = this.jax;
    this.t += 1;
    const lr = this.learningRate * Math.sqrt(1 - BETA2 ** this.t) / (1 - BETA1 ** this.t);
    const m = tree.map((mi, g) => mi.mul(BETA1).add(g.ref.mul(1 - BETA1)), this.m, grads);
    const v = tree.map((vi, g) => vi.mul(BETA2).add(g.ref.mul(g).mul(1 - BETA2)), this.v, grads);
    this.params = tree.map(
      (p, mi, vi) => p.sub(mi.ref.mul(lr).div(np.sqrt(vi.ref).add(EPSILON))),
      this.params, m, v);
    this.m = m;
    this.v = v;
  }

  // One epoch over `data`; returns the mean of its minibatch costs.
  async epoch(data) {
    const np = this.jax.numpy;
    const order = shuffled(data.m, this.random);
    const costs = [];
    for (let s = 0; s < data.m; s += this.batch) {
      const idx = np.array(order.slice(s, s + this.batch), { dtype: np.int32 });
      const xb = np.take(data.x.ref, idx.ref, 0);
      const yb = np.take(data.y.ref, idx, 0);
      const [c, grads] = this.costAndGrad(this.jax.tree.ref(this.params), xb, yb);
      this.adam(grads);
      costs.push(c);
    }
    let sum = 0;
    for (const c of costs) sum += (await c.data())[0];
    await this.jax.blockUntilReady(this.params);
    return sum / costs.length;
  }

  async accuracy(data) {
    const np = this.jax.numpy;
    let right = 0;
    for (let s = 0; s < data.m; s += 256) {
      const n = Math.min(256, data.m - s);
      const x = data.x.ref.slice([s, s + n]);
      const pred = await np.argmax(this.forward(this.jax.tree.ref(this.params), x), 1).data();
      for (let i = 0; i < n; i++) if (pred[i] === data.labels[s + i]) right++;
    }
    return right / data.m;
  }

  dispose(...datas) {
    const { tree } = this.jax;
    tree.dispose([this.params, this.m, this.v]);
    for (const d of datas) tree.dispose([d.x, d.y]);
  }
}
