// The page itself, timed as a student uses it (headless Chromium, the e2e tests' flags):
//   1. Section 6 trains the SIGNS network on the course files in runs that alternate
//      between three ways of watching: the live feature maps and the cost curve drawn
//      (the default), only the cost curve, and the section hidden (nothing drawn, no maps
//      computed). Seconds per epoch come from the page's 'convlab:epoch' User Timing
//      marks (the worker's training clock); the first epoch of each run (the
//      data-parallel timing's first steps) is left out.
//   2. Section 7 classifies a 64x64 photo, again and again: from the file given to the
//      page to the probabilities and the feature maps drawn ('convlab:classify' measures).
//   Before both, a first visit in a fresh context (empty cache): the time from navigation
//   to the first section computed and drawn (the 'convlab:first-section' mark).
// Prints one JSON line prefixed "PAGE_RESULT ". Usage: node page_bench.mjs URL DATA_DIR
// (URL serves the repository's www/ at /www/, as tests/bench/run.sh sets it up).
import path from 'node:path';
import { launch } from '../e2e/harness.mjs';

const [url, dataDir] = process.argv.slice(2);
const EPOCHS = Number(process.env.PAGE_EPOCHS || 4);
const ROUNDS = Number(process.env.PAGE_ROUNDS || 3);
const PHOTOS = Number(process.env.PAGE_PHOTOS || 30);
const PHOTO = process.env.PAGE_PHOTO || path.join(dataDir, 'photos/sign3_1.jpg');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

const browser = await launch(); // the e2e tests' Chromium and flags
let code = 0;
const result = {};
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (e) => console.error(`  [page error] ${e.message}`));
  // The training worker says when its timing makes it split its steps or not.
  const trials = [];
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`  [page] ${m.text()}`);
    if (m.text().startsWith('data-parallel timing')) trials.push(m.text());
  });
  const byTestId = (id) => page.locator(`[data-testid="${id}"]`);
  const waitText = (id, re, timeout = 120000) => page.waitForFunction(
    ([sel, src]) => new RegExp(src).test(document.querySelector(sel)?.textContent || ''),
    [`[data-testid="${id}"]`, re.source], { timeout, polling: 50 });

  // ---- 0. the first visit: navigation to the first section computed and drawn ----
  {
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } }); // empty cache
    const first = await fresh.newPage();
    await first.goto(`${url}www/index.html`);
    await first.waitForFunction(() => performance.getEntriesByName('convlab:first-section').length > 0, null, { timeout: 60000 });
    result.first_section_ms = await first.evaluate(() => performance.getEntriesByName('convlab:first-section')[0].startTime);
    console.error(`  page first section computed ${result.first_section_ms.toFixed(0)} ms after navigation (empty cache)`);
    await fresh.close();
  }

  // ---- 1. training, watched three ways ----
  await page.goto(`${url}www/index.html#train&epochs=${EPOCHS}&seed=1`);
  await byTestId('train-data-input').setInputFiles([
    path.join(dataDir, 'train_sign_digits.h5'), path.join(dataDir, 'test_sign_digits.h5')]);
  await waitText('train-data-status', /Training: \d+ pictures.*test: \d+ pictures/);
  const modes = {
    maps: { hash: 'train', maps: true, label: 'feature maps and cost curve drawn (default)' },
    curve: { hash: 'train', maps: false, label: 'cost curve only' },
    hidden: { hash: 'conv', maps: true, label: 'section hidden: nothing drawn' },
  };
  const seconds = Object.fromEntries(Object.keys(modes).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, mode] of Object.entries(modes)) {
      await page.evaluate(() => { location.hash = '#train'; });
      await byTestId('train-live-maps').setChecked(mode.maps);
      if (await byTestId('train-reset').isEnabled()) {
        await byTestId('train-reset').click();
        await waitText('train-progress-text', /^Reset/);
      }
      await page.evaluate(() => performance.clearMarks('convlab:epoch'));
      await byTestId('train-start').click();
      await waitText('train-progress-text', /^Seed|^Epoch/);
      if (mode.hash !== 'train') await page.evaluate((h) => { location.hash = `#${h}`; }, mode.hash);
      await page.waitForFunction((n) => performance.getEntriesByName('convlab:epoch').length >= n, EPOCHS,
        { timeout: 300000, polling: 100 });
      const marks = await page.evaluate(() => performance.getEntriesByName('convlab:epoch').map((m) => m.detail));
      for (let i = 1; i < marks.length; i++) seconds[name].push((marks[i].elapsedMs - marks[i - 1].elapsedMs) / 1000);
      await page.evaluate(() => { location.hash = '#train'; });
      await waitText('train-progress-text', /^Done/);
    }
  }
  result.trials = trials;
  console.error(`  page data-parallel decisions: ${trials.length ? trials.join(' | ') : 'none reported'}`);
  result.training = Object.fromEntries(Object.entries(modes).map(([name, mode]) => [name,
    { label: mode.label, seconds: seconds[name], median: median(seconds[name]) }]));
  const hidden = result.training.hidden.median;
  result.drawing_overhead = {
    maps: result.training.maps.median / hidden - 1,
    curve: result.training.curve.median / hidden - 1,
  };
  console.error(`  page training s/epoch: ${Object.entries(result.training).map(([k, v]) => `${k} ${v.median?.toFixed(3)}`).join(', ')}`);

  // ---- 2. one 64x64 photo classified, photo to drawn maps ----
  await page.evaluate(() => { location.hash = '#classify'; });
  await waitText('classify-model-note', /Pretrained:/, 60000);
  // The 64x64 photo: the centre square of a real hand photo, made by the browser.
  const png = await page.evaluate(async (bytes) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)]), { imageOrientation: 'from-image' });
    const side = Math.min(bitmap.width, bitmap.height);
    const canvas = new OffscreenCanvas(64, 64);
    canvas.getContext('2d').drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, 64, 64);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  }, Array.from(await import('node:fs').then((fs) => fs.readFileSync(PHOTO))));
  const file = { name: 'hand-64x64.png', mimeType: 'image/png', buffer: Buffer.from(png) };
  await page.evaluate(() => performance.clearMeasures('convlab:classify'));
  for (let i = 0; i < PHOTOS; i++) {
    await byTestId('classify-input').setInputFiles(file);
    await page.waitForFunction((n) => performance.getEntriesByName('convlab:classify').length >= n, i + 1, { timeout: 30000, polling: 10 });
  }
  const runs = await page.evaluate(() => performance.getEntriesByName('convlab:classify').map((m) => ({ ms: m.duration, ...m.detail })));
  const later = runs.slice(1); // the first also compiles the model's code paths
  result.classify_64 = {
    photos: runs.length,
    answer: runs.at(-1)?.answer,
    model: runs.at(-1)?.model,
    total_ms: median(later.map((r) => r.ms)),
    core_ms: median(later.map((r) => r.coreMs)),
    draw_ms: median(later.map((r) => r.drawMs)),
    decode_ms: median(later.map((r) => r.decodeMs)),
    arrived_ms: median(later.map((r) => r.arrivedMs)),
  };
  console.error(`  page classify 64x64: ${JSON.stringify(result.classify_64)}`);
} catch (e) {
  result.error = String(e?.stack || e);
  code = 1;
} finally {
  await browser.close();
}
console.log(`PAGE_RESULT ${JSON.stringify(result)}`);
process.exit(code);
