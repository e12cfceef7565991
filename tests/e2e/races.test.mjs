// Hardening (issue 8): actions that race in sections 6 and 7, and the webcam. Start twice,
// reset during an epoch, load new data during training, classify a photo while training
// runs, switch sections fast while training, and Chromium's fake webcam opened, used and
// closed mid-stream in the edge lab and the classify section. After each: the message or
// state is right, nothing is thrown, and the page still trains or classifies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launch, openPage, openTrain as openTrainAt, byTestId, textOf as text, visibleErrors, waitText as waitTextAt, ROOT } from './harness.mjs';

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launch(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
});
after(async () => { await browser?.close(); server?.close(); });

const PHOTO = [path.join(process.env.CONVLAB_SIGN_DIGITS || path.join(ROOT, '../shared/data/sign-digits'), 'photos/sign3_1.jpg')]
  .find(existsSync) || path.join(ROOT, 'crate/tests/fixtures/photos/orient6.jpg');


// Every message the worker posts, counted by type (read with `counts`).
async function countWorkerMessages(page) {
  await page.evaluate(async () => {
    const { trainingWorker } = await import(new URL('workers/training-client.js', location.href).href);
    window.__messages = {};
    trainingWorker().listen((m) => { window.__messages[m.type] = (window.__messages[m.type] || 0) + 1; });
  });
}
const counts = (page) => page.evaluate(() => ({ ...window.__messages }));

async function openTrain() {
  const opened = await openTrainAt(browser, server.url);
  await countWorkerMessages(opened.page);
  return opened;
}
const waitText = (page, id, source, timeout = 300000) => waitTextAt(page, id, source, timeout);
const waitRunning = (page) => page.waitForFunction(() => document.querySelector('[data-testid="train-progress"]')?.value > 0, null, { timeout: 60000 });

test('Start clicked twice (and sent twice) trains one run, once', async () => {
  const { page, context, problems } = await openTrain();
  await byTestId(page, 'train-epochs').fill('1');
  await page.evaluate(async () => {
    const b = document.querySelector('[data-testid="train-start"]');
    b.click(); b.click();
    // A second start straight to the worker, as a double message would arrive.
    const { trainingWorker } = await import(new URL('workers/training-client.js', location.href).href);
    const { toWorker } = await import(new URL('workers/protocol.js', location.href).href);
    trainingWorker().send(toWorker.start({ learning_rate: 0.009, epochs: 1, batch_size: 64, seed: 1, l2: 0, evaluate_every_epoch: true }));
  });
  await waitText(page, 'train-progress-text', '^Done');
  const c = await counts(page);
  assert.equal(c.started, 1, `one run started: ${JSON.stringify(c)}`);
  assert.equal(c.epoch, 1, 'one epoch report');
  assert.equal(c.done, 1);
  assert.equal(await byTestId(page, 'train-history').locator('tbody tr').count(), 1);
  assert.deepEqual(await visibleErrors(page, 'train'), []);
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('Reset during an epoch stops the run at once and a new run trains', async () => {
  const { page, context, problems } = await openTrain();
  await byTestId(page, 'train-epochs').fill('3');
  await byTestId(page, 'train-start').click();
  await waitRunning(page);
  assert.match(await text(page, 'train-cost'), /^Cost of the last minibatch/, 'still inside epoch 1');
  await byTestId(page, 'train-reset').click();
  await waitText(page, 'train-progress-text', '^Reset', 10000);
  const after = await counts(page);
  await page.waitForTimeout(1500);
  const later = await counts(page);
  assert.equal(later.progress || 0, after.progress || 0, 'no progress after the reset');
  assert.equal(await byTestId(page, 'train-progress').evaluate((p) => p.value), 0);
  assert.equal(await text(page, 'train-cost'), 'Cost: –');
  assert.equal(await byTestId(page, 'train-start').isEnabled(), true);
  assert.equal(await byTestId(page, 'train-pause').isDisabled(), true);
  // The page still trains.
  await byTestId(page, 'train-epochs').fill('1');
  await byTestId(page, 'train-start').click();
  await waitText(page, 'train-progress-text', '^Done');
  assert.match(await text(page, 'train-cost'), /Cost after epoch 1: [\d.]+/);
  assert.deepEqual(await visibleErrors(page, 'train'), []);
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('Loading new data during training is refused with a message; the run goes on', async () => {
  const { page, context, problems } = await openTrain();
  await byTestId(page, 'train-epochs').fill('1');
  await byTestId(page, 'train-start').click();
  await waitRunning(page);
  const file = path.join(tmpdir(), 'convlab-train_signs.h5');
  writeFileSync(file, 'not even HDF5, but it must not be read during a run');
  await byTestId(page, 'train-data-input').setInputFiles(file);
  await waitText(page, 'train-data-status', 'synthetic', 1000);
  assert.deepEqual(await visibleErrors(page, 'train'), ['Pause or reset the run before loading new data.']);
  await byTestId(page, 'train-use-synthetic').click();
  assert.deepEqual(await visibleErrors(page, 'train'), ['Pause or reset the run before changing the data.']);
  await waitText(page, 'train-progress-text', '^Done');
  assert.match(await text(page, 'train-data-status'), /built-in synthetic hands/, 'the data did not change');
  assert.match(await text(page, 'train-accuracy'), /final: train accuracy [\d.]+%, test accuracy [\d.]+%/);
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('A photo classified while training runs is answered at once; training goes on', async () => {
  const { page, context, problems } = await openTrain();
  await byTestId(page, 'train-epochs').fill('2');
  await byTestId(page, 'train-start').click();
  await waitRunning(page);
  await page.evaluate(() => { location.hash = '#classify'; });
  await page.waitForFunction(() => /Pretrained:/.test(document.querySelector('[data-testid="classify-model-note"]')?.textContent || ''), null, { timeout: 30000 });
  const t0 = Date.now();
  await byTestId(page, 'classify-input').setInputFiles(PHOTO);
  await waitText(page, 'classify-prediction', '^[0-5] ', 30000);
  const ms = Date.now() - t0;
  console.log(`classified during training in ${ms} ms`);
  assert.ok((await counts(page)).done === undefined, 'training was still running when the answer came');
  await page.evaluate(() => { location.hash = '#train'; });
  await waitText(page, 'train-progress-text', '^Done');
  assert.match(await text(page, 'train-cost'), /Cost after epoch 2/);
  assert.deepEqual(await visibleErrors(page, 'classify'), []);
  assert.deepEqual(await visibleErrors(page, 'train'), []);
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('Switching sections fast while training runs: no error, the run finishes', async () => {
  const { page, context, problems } = await openTrain();
  await byTestId(page, 'train-epochs').fill('1');
  await byTestId(page, 'train-start').click();
  await waitRunning(page);
  const links = await page.locator('nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (let round = 0; round < 10; round++) {
    for (const href of links) await page.evaluate((h) => { location.hash = h; }, href);
  }
  await page.evaluate(() => { location.hash = '#train'; });
  await waitText(page, 'train-progress-text', '^Done');
  for (const id of ['conv', 'edges', 'shapes', 'volumes', 'pooling', 'train', 'classify']) {
    assert.deepEqual(await visibleErrors(page, id), [], `#${id}`);
  }
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('the fake webcam in the edge lab: frames are filtered, closing mid-stream stops them', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#edges`);
  await byTestId(page, 'edges-webcam').click();
  await waitText(page, 'edges-input-size', '^120×160$', 20000);
  const first = await byTestId(page, 'edges-output').evaluate((c) => c.toDataURL());
  await page.waitForTimeout(700);
  assert.notEqual(await byTestId(page, 'edges-output').evaluate((c) => c.toDataURL()), first, 'new frames are filtered');
  assert.equal(await text(page, 'edges-webcam'), 'Stop the webcam');
  await byTestId(page, 'edges-webcam').click(); // mid-stream
  await waitText(page, 'edges-input-size', '^6×6$', 5000);
  const stopped = await byTestId(page, 'edges-output').evaluate((c) => c.toDataURL());
  await page.waitForTimeout(700);
  assert.equal(await byTestId(page, 'edges-output').evaluate((c) => c.toDataURL()), stopped, 'no frame after closing');
  assert.equal(await text(page, 'edges-webcam'), 'Use the webcam');
  assert.equal(await byTestId(page, 'edges-image').inputValue(), 'step');
  // Webcam again, then a section switch closes nothing badly and the lab still works.
  await byTestId(page, 'edges-image').selectOption('webcam');
  await waitText(page, 'edges-input-size', '^120×160$', 20000);
  await byTestId(page, 'edges-image').selectOption('disc');
  await waitText(page, 'edges-input-size', '^128×128$', 5000);
  assert.deepEqual(await visibleErrors(page, 'edges'), []);
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('the fake webcam in the classify section: a frame is classified, then closed mid-stream', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#classify`);
  await page.waitForFunction(() => /Pretrained:/.test(document.querySelector('[data-testid="classify-model-note"]')?.textContent || ''), null, { timeout: 30000 });
  await byTestId(page, 'classify-camera').click();
  await page.waitForFunction(() => document.querySelector('#classify video')?.videoWidth > 0, null, { timeout: 20000 });
  await byTestId(page, 'classify-snap').click();
  await waitText(page, 'classify-prediction', '^[0-5] ', 30000);
  assert.match(await page.locator('#classify canvas.photo').getAttribute('aria-label'), /640×480/);
  await byTestId(page, 'classify-camera').click(); // close while streaming
  assert.equal(await page.locator('#classify video').isHidden(), true);
  assert.equal(await byTestId(page, 'classify-snap').isHidden(), true);
  assert.equal(await page.locator('#classify video').evaluate((v) => v.srcObject === null || v.srcObject.getTracks().every((t) => t.readyState === 'ended')), true, 'the camera is released');
  // Still classifies an uploaded photo.
  await byTestId(page, 'classify-input').setInputFiles(PHOTO);
  await page.waitForFunction(() => /^[0-5] /.test(document.querySelector('[data-testid="classify-prediction"]')?.textContent || '')
    && !/640×480/.test(document.querySelector('#classify canvas.photo')?.getAttribute('aria-label') || ''), null, { timeout: 30000 });
  assert.deepEqual(await visibleErrors(page, 'classify'), []);
  assert.deepEqual(problems.console, []);
  await context.close();
});
