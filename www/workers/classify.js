// The training worker's classifier: the installed models (models/index.json) and the
// model trained in section 6, and a photo through one of them (decoded by photo.js's
// decodePhoto, as the edge lab decodes its photos).
import { core } from '../core.js';
import { codedError, errorCause } from '../errors.js';
import { decodePhoto } from '../photo.js';
import { IN, fromWorker } from './protocol.js';
import { post, fail } from './post.js';
import { run, hasTrained } from './training-state.js';

const classifiers = {};
let modelsLoading = null;

// Which model answers: the one asked for when it exists, else the robust pretrained
// model, the assignment's pretrained model, then the one trained in section 6.
function pickModel(wanted) {
  const trained = hasTrained();
  const epochs = trained ? run.training.epochsDone() : 0;
  const options = {
    hand: classifiers.hand && { run: (...a) => classifiers.hand.classify(...a), name: 'the pretrained robust hand model' },
    signs: classifiers.signs && { run: (...a) => classifiers.signs.classify(...a), name: "the pretrained assignment's network" },
    trained: trained && { run: (...a) => run.training.classifyPhoto(...a), name: `the model trained in section 6 (${epochs} epoch${epochs === 1 ? '' : 's'}${run.loadedWeights ? ', or weights loaded there' : ''})` },
  };
  // `used`: which model answered, in numbers, for the page to word (classify.used.*).
  for (const [key, m] of Object.entries(options)) {
    if (m) m.used = { key: key === 'trained' && run.loadedWeights ? 'trained-loaded' : key, count: epochs };
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
      classifiers[key]?.free();
      classifiers[key] = core.Classifier.fromJson(await res.text());
      available.push({ key, file: `models/${file}`, info: classifiers[key].describe() });
    } catch (e) {
      fail('models', codedError('models.file', { file, cause: errorCause(e) }));
    }
  }
  // Whether section 6 has a model already: section 7 may open after the training ended.
  post(fromWorker.models(available, hasTrained()));
}

// One canvas reads every photo's pixels: making a canvas and its context per photo cost
// more than the network's forward pass (tests/bench/page_bench.mjs).
let canvas2d;
function pixelCanvas(width, height) {
  if (!canvas2d) canvas2d = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  const { canvas } = canvas2d;
  if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
  return canvas2d;
}

async function classify(file, wanted, maps, explain) {
  if (!file || !file.size) throw codedError('photo.empty');
  await modelsLoading; // a photo sent right after the page opened waits for the models
  const model = pickModel(wanted);
  if (!model) throw codedError('photo.no-model');
  // Upright pixels (orientation 1) for the core; the core still reads the file's
  // orientation, to say what was done.
  const decodeStart = performance.now();
  const { bitmap, orientation } = await decodePhoto(file);
  const { width, height } = bitmap;
  let result, ms, decodeMs;
  try {
    const ctx = pixelCanvas(width, height);
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(bitmap, 0, 0);
    const pixels = ctx.getImageData(0, 0, width, height).data;
    // A large photo's canvas is not kept (a 12-megapixel photo holds 48 MB).
    if (width * height > 1 << 20) Object.assign(ctx.canvas, { width: 1, height: 1 });
    const t0 = performance.now();
    decodeMs = t0 - decodeStart;
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
  return {
    result, model: model.name, used: model.used, orientation, size: [width, height], ms, decodeMs, display,
    transfer: [display, result.input.rgba.buffer, ...result.maps.map((m) => m.rgba.buffer), ...result.classMaps.map((m) => m.rgba.buffer)],
  };
}

export const classifyHandlers = {
  [IN.models]() {
    // A photo sent while the models load waits for them (classify awaits this).
    modelsLoading = loadModels();
    return modelsLoading;
  },
  async [IN.classify]({ id, file, model, maps = [], explain = false }) {
    try {
      const { transfer, ...answer } = await classify(file, model, maps, explain);
      post(fromWorker.classified(id, answer), transfer);
    } catch (e) {
      fail('classify', e, id);
    }
  },
};
