// Section 7 end to end: a hand photo gives a digit, the six probabilities and the 64x64
// input; a text file named .jpg gives a clear message. Without a pretrained model in
// www/models/, the test first trains one epoch on the built-in hands in section 6.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
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
