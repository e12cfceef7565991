// Section 7 beyond an upload (issue 13 items 3, 5, 7 and issue 18 item 7): the example
// strip classifies on a click, a pasted photo is classified, a small hand is cropped to
// and the crop is what "What the network sees" shows, Grad-CAM is drawn over it with a
// legend and follows the digit clicked, section 6's test picture gets its own map, and a
// model that is not trained enough is blamed as such, not the photo. The example photos
// are in www/examples/, so none of this needs the shared data.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage, byTestId, waitText, ROOT } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

const answered = (page) => page.waitForFunction(() => /^[0-5] /.test(document.querySelector('[data-testid="classify-prediction"]')?.textContent || ''), null, { timeout: 60000 });
const reset = (page) => page.evaluate(() => { document.querySelector('[data-testid="classify-prediction"]').textContent = 'waiting'; });

// How much the canvas's pixels vary (0 for a blank or uniform canvas).
const spread = (page, testid) => page.locator(`[data-testid="${testid}"]`).evaluate((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let lo = 255, hi = 0;
  for (let i = 0; i < d.length; i += 4) { lo = Math.min(lo, d[i]); hi = Math.max(hi, d[i]); }
  return hi - lo;
});

test('examples classify on a click, a small hand is cropped to, Grad-CAM follows the digit, a paste is classified', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#classify`);
  const examples = byTestId(page, 'classify-example');
  await examples.first().waitFor({ timeout: 30000 });
  const index = JSON.parse(readFileSync(path.join(ROOT, 'www/examples/index.json'), 'utf8'));
  assert.equal(await examples.count(), index.photos.length);

  // A plain test photo: read right, the centre square (the hand fills the photo).
  await examples.nth(1).click();
  await answered(page);
  assert.match(await byTestId(page, 'classify-prediction').textContent(), new RegExp(`^${index.photos[1].digit} `));
  assert.equal(await byTestId(page, 'classify-crop').getAttribute('data-to-hand'), 'false');

  // The small hand: cropped to the hand, and the network sees the hand, not the wall.
  await reset(page);
  await page.locator('[data-testid="classify-example"][data-file="small_2.jpg"]').click();
  await answered(page);
  assert.equal(await byTestId(page, 'classify-crop').getAttribute('data-to-hand'), 'true');
  assert.match(await byTestId(page, 'classify-crop').textContent(), /Cropped to the hand/);
  assert.match(await byTestId(page, 'classify-prediction').textContent(), /^2 /, 'the small 2 is read as 2 once cropped');
  // The input shown is the crop: more hand than the plain centre square of the same photo
  // would give (the photo drawn here through a 64x64 centre square, measured alike).
  const skinShare = (d) => {
    let skin = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] - d[i + 2] > 25) skin++; // warmer than the grey wall
    return skin / (d.length / 4);
  };
  const handShare = skinShare(await page.locator('#classify canvas.seen').evaluate((c) => [...c.getContext('2d').getImageData(0, 0, 64, 64).data]));
  const centreShare = skinShare(await page.evaluate(async () => {
    const img = await createImageBitmap(await (await fetch('examples/small_2.jpg')).blob());
    const side = Math.min(img.width, img.height);
    const c = new OffscreenCanvas(64, 64);
    c.getContext('2d').drawImage(img, (img.width - side) / 2, (img.height - side) / 2, side, side, 0, 0, 64, 64);
    return [...c.getContext('2d').getImageData(0, 0, 64, 64).data];
  }));
  assert.ok(handShare > 1.5 * centreShare && handShare > 0.05,
    `the crop holds more hand than the centre square: ${handShare.toFixed(3)} vs ${centreShare.toFixed(3)}`);

  // Grad-CAM: drawn over the input, for its answer, with a legend; a click on another
  // digit's bar shows where it looks for that digit.
  const cam = byTestId(page, 'classify-cam-figure');
  assert.equal(await cam.isVisible(), true);
  assert.ok(await spread(page, 'classify-cam') > 40, 'the map is drawn');
  assert.match(await byTestId(page, 'classify-cam-note').textContent(), /^for 2 \(its answer\)/);
  assert.equal(await cam.locator('.legend canvas').count(), 1);
  await byTestId(page, 'classify-probabilities').locator('.bar').nth(5).click();
  assert.match(await byTestId(page, 'classify-cam-note').textContent(), /^for 5:/);
  // Unticked: no map is computed or shown.
  await reset(page);
  await byTestId(page, 'classify-explain').uncheck();
  await answered(page);
  assert.equal(await cam.isVisible(), false);
  await byTestId(page, 'classify-explain').check();
  await answered(page);

  // Paste: a photo on the clipboard is classified like an upload.
  await reset(page);
  const bytes = [...readFileSync(path.join(ROOT, 'www/examples/sign3_2.jpg'))];
  await page.evaluate((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'pasted.jpg', { type: 'image/jpeg' }));
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }));
  }, bytes);
  await answered(page);
  assert.match(await byTestId(page, 'classify-prediction').textContent(), /^3 /);
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.failed, []);
  assert.deepEqual(problems.foreign, []);
  await context.close();
});

test('a model not trained enough is named as the reason to doubt, not the photo; section 6 shows where it looks', async () => {
  // Section 7 first (it then lists the section-6 model once one is trained), then one
  // epoch at a tiny learning rate: a model that barely learned (chance-level test accuracy).
  const { page, context, problems } = await openPage(browser, `${server.url}#classify`);
  await byTestId(page, 'classify-example').first().waitFor({ timeout: 30000 });
  await page.goto(`${server.url}#train&epochs=1&lr=0.00001`);
  await waitText(page, 'train-data-status', 'built-in synthetic hands', 60000);
  await byTestId(page, 'train-start').click();
  await waitText(page, 'train-progress-text', 'Done', 300000);
  // Section 6's test picture has its Grad-CAM map, with the answer it explains.
  await waitText(page, 'train-sample-cam-note', 'where it looks for its answer, [0-5]', 30000);
  assert.ok(await spread(page, 'train-sample-cam') > 0);
  await page.goto(`${server.url}#classify`);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="classify-model"] option')].some((o) => o.value === 'trained'), null, { timeout: 30000 });
  await byTestId(page, 'classify-model').selectOption('trained');
  await byTestId(page, 'classify-example').first().waitFor({ timeout: 30000 });
  await byTestId(page, 'classify-example').first().click();
  await answered(page);
  const warning = byTestId(page, 'classify-warning');
  assert.equal(await warning.isVisible(), true, 'a barely trained model is always doubted');
  assert.equal(await warning.getAttribute('data-doubt'), 'model');
  const text = await warning.textContent();
  assert.match(text, /not trained enough/);
  assert.doesNotMatch(text, /unlike/, 'the photo is a training-like photo: it is not blamed');
  assert.deepEqual(problems.console, []);
  await context.close();
});
