// Hardening (issue 8), sections 6 and 7: every training setting at 0, negative, NaN,
// empty, 1e12 and non-numeric; a minibatch larger than the data; learning rate 10 (the
// run diverges: detected, stopped, explained); the committed bad .h5 fixtures through the
// page; an empty file, a truncated JPEG, a GIF and a WebP in the classify section. After
// each: a message beside the control (or a valid run), and the page still works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launch, openPage, openTrain as openTrainAt, byTestId, textOf as text, visibleErrors, waitText, ROOT } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

const H5 = path.join(ROOT, 'crate/tests/fixtures/h5');
const PHOTOS = path.join(ROOT, 'crate/tests/fixtures/photos');
const openTrain = () => openTrainAt(browser, server.url);

// Sets a control as a script would (a number input takes "abc" only this way).
const setValue = (page, id, value) => byTestId(page, id).evaluate((el, v) => {
  el.value = v;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}, value);

const DEFAULTS = { 'train-lr': '0.009', 'train-epochs': '1', 'train-batch': '64', 'train-seed': '1', 'train-l2': '0' };
const BAD = ['0', '-1', 'NaN', '', '1e12', 'abc'];

test('every training setting at 0, -1, NaN, empty, 1e12 and "abc": a message or a valid run, then training works', async () => {
  const { page, context, problems } = await openTrain();
  let messages = 0, runs = 0;
  for (const id of Object.keys(DEFAULTS)) {
    for (const value of BAD) {
      for (const [k, v] of Object.entries(DEFAULTS)) await setValue(page, k, v);
      await setValue(page, id, value);
      await byTestId(page, 'train-start').click();
      // Either the settings are refused beside the buttons, or the run starts.
      await page.waitForFunction(() => document.querySelector('#train [data-testid="error"]:not([hidden])')
        || document.querySelector('[data-testid="train-start"]').disabled, null, { timeout: 20000 });
      const errors = await visibleErrors(page, 'train');
      if (errors.length) {
        messages++;
        assert.ok(errors.every((e) => e.length > 15 && !/undefined|\[object/.test(e)), `${id}=${JSON.stringify(value)}: ${errors}`);
        assert.equal(await byTestId(page, 'train-start').isEnabled(), true, `${id}=${value}: Start stays usable`);
      } else {
        runs++;
        await byTestId(page, 'train-reset').click();
        await waitText(page, 'train-progress-text', '^Reset', 20000);
      }
    }
  }
  // Refused: lr 0/-1/NaN/""/abc, epochs 0/-1/NaN/""/1e12/abc, batch 0/-1/NaN/""/1e12/abc,
  // seed -1/NaN/1e12/abc, l2 -1/NaN/""/abc (the rest are valid: seed 0, empty = random...).
  assert.ok(messages >= 20, `${messages} refused, ${runs} ran`);
  // The page still trains with good settings.
  for (const [k, v] of Object.entries(DEFAULTS)) await setValue(page, k, v);
  await byTestId(page, 'train-start').click();
  await waitText(page, 'train-progress-text', '^Done');
  assert.match(await text(page, 'train-cost'), /Cost after epoch 1: [\d.]+/);
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('a minibatch larger than the data trains one full batch per epoch', async () => {
  const { page, context, problems } = await openTrain();
  for (const [k, v] of Object.entries(DEFAULTS)) await setValue(page, k, v);
  await setValue(page, 'train-batch', '5000');
  await setValue(page, 'train-epochs', '2');
  await byTestId(page, 'train-start').click();
  await waitText(page, 'train-progress-text', '^Done');
  assert.match(await text(page, 'train-cost'), /Cost after epoch 2: [\d.]+/);
  assert.deepEqual(await visibleErrors(page, 'train'), []);
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('learning rate 10: the run diverges, is stopped and explained, and a sane run follows', async () => {
  const { page, context, problems } = await openTrain();
  for (const [k, v] of Object.entries(DEFAULTS)) await setValue(page, k, v);
  await setValue(page, 'train-lr', '10');
  await setValue(page, 'train-epochs', '20');
  await byTestId(page, 'train-start').click();
  const error = page.locator('#train [data-testid="error"]:not([hidden])');
  await error.first().waitFor({ timeout: 120000 });
  const message = (await error.allTextContents()).join(' ');
  assert.match(message, /diverged/);
  assert.match(message, /learning rate/i);
  assert.equal(await byTestId(page, 'train-start').isEnabled(), true, 'Start is usable again');
  assert.doesNotMatch(await text(page, 'train-progress-text'), /^Done/, 'the 20 epochs did not run to the end');
  // The curve and cost show no NaN.
  assert.doesNotMatch(await text(page, 'train-cost'), /NaN|Infinity/);
  await setValue(page, 'train-lr', '0.009');
  await setValue(page, 'train-epochs', '1');
  await byTestId(page, 'train-start').click();
  await waitText(page, 'train-progress-text', '^Done');
  assert.match(await text(page, 'train-cost'), /Cost after epoch 1: [\d.]+/);
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('the bad .h5 fixtures through the page: each named in a clear message, then good files load', async () => {
  const { page, context, problems } = await openTrain();
  const h5Reader = () => problems.requests.filter((u) => u.endsWith('.wasm') && new URL(u).pathname.startsWith('/pkg-h5/'));
  assert.deepEqual(h5Reader(), [], 'the HDF5 reader is not fetched before a course file is given');
  const cases = [
    ['not_hdf5.h5', /not an HDF5 file/i], ['truncated.h5', /truncated/],
    ['missing_x.h5', /Missing dataset.*(train|test)_set_x/], ['wrong_shape_x.h5', /shape \(2, 32, 32, 3\), expected \(m, 64, 64, 3\)/],
    ['wrong_dtype_x.h5', /float32.*uint8/], ['float_labels.h5', /float64.*integers/],
    ['label_out_of_range.h5', /Label 6 of picture 1.*0 to 5/], ['count_mismatch.h5', /3 pictures but `(train|test)_set_y` holds 2 labels/],
  ];
  for (const [name, pattern] of cases) {
    await byTestId(page, 'train-data-input').setInputFiles(path.join(H5, name));
    // Wait for this file's message (the previous one may still be shown).
    const seen = await page.waitForFunction((src) => [...document.querySelectorAll('#train [data-testid="error"]:not([hidden])')]
      .some((e) => new RegExp(src).test(e.textContent)), pattern.source, { timeout: 30000 }).then(() => true, () => false);
    assert.ok(seen, `${name}: expected ${pattern}, shown: ${await visibleErrors(page, 'train')}`);
  }
  // Good files after all of that: a small train/test pair made by h5py.
  await byTestId(page, 'train-data-input').setInputFiles([path.join(H5, 'ok_contiguous_train.h5'), path.join(H5, 'ok_gzip_test.h5')]);
  await waitText(page, 'train-data-status', 'Course files', 30000);
  assert.deepEqual(await visibleErrors(page, 'train'), []);
  assert.equal(h5Reader().length, 1, 'the HDF5 reader is fetched once, with the first course file');
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('course files are told apart by what they hold, not by their names; two of one kind are refused', async () => {
  const { page, context, problems } = await openTrain();
  const h5 = (file, name) => ({ name, mimeType: 'application/octet-stream', buffer: readFileSync(path.join(H5, file)) });
  // A student's renamed files, each name saying the opposite of what the file holds.
  await byTestId(page, 'train-data-input').setInputFiles([h5('ok_contiguous_train.h5', 'train_from_test_signs.h5'), h5('ok_gzip_test.h5', 'training_check.h5')]);
  await waitText(page, 'train-data-status', 'Course files', 30000);
  const status = await text(page, 'train-data-status');
  assert.match(status, /Training: 6 pictures[^;]*\(train_from_test_signs\.h5\); test: 12 pictures[^;]*\(training_check\.h5\)/, status);
  // Two training files: refused with a message, the loaded pair kept.
  await byTestId(page, 'train-data-input').setInputFiles([h5('ok_contiguous_train.h5', 'a.h5'), h5('ok_latest_int32_train.h5', 'b.h5')]);
  await page.waitForFunction(() => /both hold training pictures/.test(document.querySelector('#train [data-testid="error"]:not([hidden])')?.textContent || ''), null, { timeout: 30000 });
  assert.equal(await text(page, 'train-data-status'), status, 'the loaded files stay');
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('classify: an empty file, a truncated JPEG, a GIF and a WebP; then a photo is classified', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#classify`);
  await page.waitForFunction(() => /Pretrained:/.test(document.querySelector('[data-testid="classify-model-note"]')?.textContent || ''), null, { timeout: 30000 });
  const error = page.locator('#classify [data-testid="error"]:not([hidden])');
  const good = path.join(PHOTOS, 'orient6.jpg');
  const prediction = () => page.waitForFunction(() => /^[0-5] /.test(document.querySelector('[data-testid="classify-prediction"]')?.textContent || ''), null, { timeout: 30000 });

  const empty = path.join(tmpdir(), 'convlab-empty.jpg');
  writeFileSync(empty, Buffer.alloc(0));
  await byTestId(page, 'classify-input').setInputFiles(empty);
  await error.first().waitFor({ timeout: 30000 });
  assert.match(await error.first().textContent(), /empty/);
  // GIF and WebP: the message goes once they are classified.

  // A GIF (16x16, made by hand): classified.
  const shown = (size) => page.waitForFunction((sz) => new RegExp(`${sz} pixels`).test(document.querySelector('#classify canvas.photo')?.getAttribute('aria-label') || ''), size, { timeout: 30000 });
  const gif = Buffer.from('R0lGODlhEAAQAIAAAP///wAAACH5BAAAAAAALAAAAAAQABAAAAIOhI+py+0Po5y02ouzPgUAOw==', 'base64');
  const gifPath = path.join(tmpdir(), 'convlab-tiny.gif');
  writeFileSync(gifPath, gif);
  await byTestId(page, 'classify-input').setInputFiles(gifPath);
  await shown('16×16');
  await prediction();
  assert.equal(await error.count(), 0, 'a GIF is classified');

  // A truncated JPEG is either refused or decoded in part (browsers paint the missing
  // rows grey); either way the page answers and says something.
  const jpeg = readFileSync(good);
  const truncated = path.join(tmpdir(), 'convlab-truncated.jpg');
  writeFileSync(truncated, jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  await byTestId(page, 'classify-input').setInputFiles(truncated);
  await page.waitForFunction(() => document.querySelector('#classify [data-testid="error"]:not([hidden])')
    || /15×25 pixels/.test(document.querySelector('#classify canvas.photo')?.getAttribute('aria-label') || ''), null, { timeout: 30000 });

  // A WebP made by the browser from a canvas: classified.
  const webp = await page.evaluate(async () => {
    const c = new OffscreenCanvas(48, 40);
    const g = c.getContext('2d');
    g.fillStyle = '#d9b49a'; g.fillRect(0, 0, 48, 40);
    const blob = await c.convertToBlob({ type: 'image/webp', quality: 0.9 });
    return [...new Uint8Array(await blob.arrayBuffer())];
  });
  const webpPath = path.join(tmpdir(), 'convlab-made.webp');
  writeFileSync(webpPath, Buffer.from(webp));
  await byTestId(page, 'classify-input').setInputFiles(webpPath);
  await shown('48×40');
  assert.equal(await error.count(), 0, 'a WebP is classified');
  await byTestId(page, 'classify-input').setInputFiles(good);
  await shown('15×25');
  await prediction();
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('leaving the page after a run asks first; once the weights are saved it does not', async () => {
  const { page, context, problems } = await openTrain();
  await setValue(page, 'train-epochs', '1');
  await byTestId(page, 'train-start').click();
  await waitText(page, 'train-progress-text', '^Done');
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.type()); d.dismiss(); });
  await page.close({ runBeforeUnload: true });
  await page.waitForTimeout(1000);
  assert.deepEqual(dialogs, ['beforeunload'], 'the browser asks before throwing the run away');
  assert.equal(page.isClosed(), false, 'dismissed: the page and its run stay');
  const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'train-save').click()]);
  assert.match(download.suggestedFilename(), /\.json$/);
  await page.close({ runBeforeUnload: true });
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(dialogs, ['beforeunload'], 'no second question once saved');
  assert.equal(page.isClosed(), true);
  assert.deepEqual(problems.console, []);
  await context.close();
});
