// Section 7 end to end: a hand photo gives a digit, the six probabilities and the 64x64
// input; a text file named .jpg gives a clear message. Without a pretrained model in
// www/models/, the test first trains one epoch on the built-in hands in section 6.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launch, openPage, byTestId, signDigitsDir, OUT, ROOT } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

async function ensureModel(page) {
  await page.waitForFunction(() => !/Looking for/.test(document.querySelector('[data-testid="classify-model-note"]')?.textContent || 'Looking for'), null, { timeout: 30000 });
  const note = await byTestId(page, 'classify-model-note').textContent();
  if (!/No pretrained model/.test(note)) return;
  await page.goto(`${new URL(page.url()).origin}/#train`);
  await byTestId(page, 'train-epochs').fill('1');
  await byTestId(page, 'train-start').click();
  await page.waitForFunction(() => /Done/.test(document.querySelector('[data-testid="train-progress-text"]')?.textContent || ''), null, { timeout: 300000 });
  await page.goto(`${new URL(page.url()).origin}/#classify`);
}

test('a hand photo is classified with probabilities and the input the network sees', async (t) => {
  const dir = signDigitsDir(t);
  if (!dir) return;
  const { page, context, problems } = await openPage(browser, `${server.url}#classify`);
  await ensureModel(page);
  await byTestId(page, 'classify-input').setInputFiles(path.join(dir, 'photos/sign3_1.jpg'));
  await page.waitForFunction(() => /^[0-5]\b/.test(document.querySelector('[data-testid="classify-prediction"]')?.textContent || ''), null, { timeout: 60000 });
  const prediction = await byTestId(page, 'classify-prediction').textContent();
  assert.match(prediction, /^[0-5] /);
  // The shipped robust model answers by default, and it reads this photo right (12/12).
  assert.match(prediction, /^3 /, `sign3_1.jpg shows 3: ${prediction}`);
  const bars = await byTestId(page, 'classify-probabilities').locator('.bar-value').allTextContents();
  assert.equal(bars.length, 6);
  const total = bars.map((b) => Number(b.replace('%', ''))).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 100) < 0.5, `probabilities add up to 100%: ${total}`);
  assert.match(await byTestId(page, 'classify-model-used').textContent(), /^Answered by the/);
  assert.equal(await page.locator('#classify canvas.seen').evaluate((c) => `${c.width}x${c.height}`), '64x64');
  // One map per filter of the first convolution: 16 in the robust model (8 in the assignment's).
  assert.equal(await byTestId(page, 'classify-maps-conv1').locator('canvas').count(), 16);
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: path.join(OUT, 'classify.png'), fullPage: true });

  // A text file named .jpg: a message beside the control, and the page still classifies.
  const bad = path.join(tmpdir(), 'convlab-not-a-photo.jpg');
  writeFileSync(bad, 'hello, I am not a JPEG\n');
  await byTestId(page, 'classify-input').setInputFiles(bad);
  const error = page.locator('#classify [data-testid="error"]:not([hidden])');
  await error.first().waitFor({ timeout: 30000 });
  assert.match(await error.first().textContent(), /could not be read as an image/);
  await byTestId(page, 'classify-input').setInputFiles(path.join(dir, 'photos/sign3_1.jpg'));
  await page.waitForFunction(() => /^[0-5]\b/.test(document.querySelector('[data-testid="classify-prediction"]')?.textContent || ''), null, { timeout: 60000 });
  assert.equal(await error.count(), 0, 'the message is cleared by the next good photo');

  // EXIF orientation 6 (stored 25x15, shown 15x25): applied once, and reported.
  const fixtures = path.join(ROOT, 'crate/tests/fixtures/photos');
  await byTestId(page, 'classify-input').setInputFiles(path.join(fixtures, 'orient6.jpg'));
  await page.waitForFunction(() => /EXIF orientation 6/.test(document.querySelector('#classify canvas.photo')?.getAttribute('aria-label') || ''), null, { timeout: 30000 });
  assert.match(await page.locator('#classify canvas.photo').getAttribute('aria-label'), /15×25 pixels/);
  // A PNG whose header claims a gigantic size: refused with a message, not decoded.
  await byTestId(page, 'classify-input').setInputFiles(path.join(fixtures, 'huge_header.png'));
  await error.first().waitFor({ timeout: 30000 });
  assert.match(await error.first().textContent(), /megapixels|could not be read as an image/);
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.failed, []);
  assert.deepEqual(problems.foreign, []);
  await context.close();
});

// The page and the command line answer the same for the same photo: the 12 shared photos
// through the page (the browser decodes them) and through `convlab classify --json` (the
// native decoder), both with the robust model averaged over the photo and its mirror.
// As JPEG, the two decoders may differ by a grey level here and there, hence a tolerance.
// As PNG copies written by the browser from its own decoding, both sides see the very same
// pixels, so the probabilities must agree to float rounding (wasm vs native).
test('the page and `convlab classify` give the same answers on the 12 shared photos', async (t) => {
  const dir = signDigitsDir(t);
  if (!dir) return;
  const jpegs = [0, 1, 2, 3, 4, 5].flatMap((k) => [1, 2].map((n) => path.join(dir, 'photos', `sign${k}_${n}.jpg`)));
  const { page, context, problems } = await openPage(browser, `${server.url}#classify`);
  await ensureModel(page);
  if (!/robust hand model/.test(await byTestId(page, 'classify-model-note').textContent())) {
    t.skip('no pretrained robust model in www/models/');
    await context.close();
    return;
  }
  const pngDir = path.join(tmpdir(), 'convlab-photos-png');
  mkdirSync(pngDir, { recursive: true });
  const pngs = [];
  for (const file of jpegs) {
    const b64 = await page.evaluate(async (data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }), { imageOrientation: 'from-image' });
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      canvas.getContext('2d').drawImage(bitmap, 0, 0);
      const png = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let text = '';
      for (let i = 0; i < png.length; i += 0x8000) text += String.fromCharCode(...png.subarray(i, i + 0x8000));
      return btoa(text);
    }, readFileSync(file).toString('base64'));
    const out = path.join(pngDir, path.basename(file).replace('.jpg', '.png'));
    writeFileSync(out, Buffer.from(b64, 'base64'));
    pngs.push(out);
  }
  const files = [...jpegs, ...pngs];
  // The warning threshold the robust model's file carries (classify::Calibration).
  const warnBelow = JSON.parse(readFileSync(path.join(ROOT, 'www/models/hand.json'), 'utf8')).calibration.warn_below;
  const cli = execFileSync('cargo', ['run', '-q', '--bin', 'convlab', '--', 'classify', '--json', ...files], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 })
    .trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(cli.length, 24);
  const worst = { jpg: 0, png: 0 };
  for (const [i, file] of files.entries()) {
    await page.evaluate(() => { document.querySelector('[data-testid="classify-prediction"]').textContent = 'waiting'; });
    await byTestId(page, 'classify-input').setInputFiles(file);
    await page.waitForFunction(() => /^[0-5] /.test(document.querySelector('[data-testid="classify-prediction"]')?.textContent || ''), null, { timeout: 60000 });
    const label = Number((await byTestId(page, 'classify-prediction').textContent()).split(' ')[0]);
    const probs = (await byTestId(page, 'classify-probabilities').locator('.bar').evaluateAll((bars) => bars.map((b) => b.dataset.probability))).map(Number);
    const averaging = await byTestId(page, 'classify-averaging').textContent();
    const warning = await byTestId(page, 'classify-warning').evaluate((w) => (w.hidden ? null : w.textContent));
    const want = cli[i];
    const name = path.basename(file);
    const kind = name.endsWith('.png') ? 'png' : 'jpg';
    assert.equal(want.file, file);
    assert.equal(label, want.prediction, `${name}: page ${label}, CLI ${want.prediction}`);
    assert.equal(probs.length, 6);
    for (let k = 0; k < 6; k++) {
      const d = Math.abs(probs[k] - want.probabilities[k]);
      worst[kind] = Math.max(worst[kind], d);
      assert.ok(d < (kind === 'png' ? 1e-4 : 0.05), `${name}: probability of ${k} is ${probs[k]} on the page, ${want.probabilities[k]} from the CLI`);
    }
    assert.equal(want.views, 6); // the photo and its mirror, each also turned 15 degrees either way
    assert.match(averaging, new RegExp(want.averaging));
    if (kind === 'png') assert.equal(warning, want.warning, `${name}: the same warning`);
    // As JPEG, the same warning unless the confidence sits right at the threshold.
    else if (Math.abs(want.confidence - warnBelow) > 0.02) assert.equal(warning === null, want.warning === null, `${name}: warning on the page ${warning}, from the CLI ${want.warning}`);
  }
  console.log(`largest page/CLI probability difference: JPEG ${worst.jpg.toExponential(2)}, PNG ${worst.png.toExponential(2)}`);
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.failed, []);
  await context.close();
});
