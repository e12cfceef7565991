// The lecture sections 2-5 in headless Chromium: every number read here was computed by
// the Rust core through wasm. Each test also fails on any console error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launch, openPage, byTestId, signDigitsDir, OUT } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); mkdirSync(OUT, { recursive: true }); });
after(async () => { await browser?.close(); server?.close(); });

async function open(hash) {
  const opened = await openPage(browser, `${server.url}#${hash}`);
  return opened;
}
const shot = (page, name) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
const clean = (problems) => {
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.failed, []);
  assert.deepEqual(problems.foreign, []);
};

test('shapes: changing n, f, p, s evaluates the formula; impossible settings show the error', async () => {
  const { page, context, problems } = await open('shapes&n=7&f=3&p=0&s=2');
  const formula = byTestId(page, 'shape-formula');
  assert.equal(await formula.textContent(), 'floor((7 + 2·0 − 3)/2) + 1 = 3');
  await byTestId(page, 'shape-p').fill('1');
  assert.equal(await formula.textContent(), 'floor((7 + 2·1 − 3)/2) + 1 = 4');
  await byTestId(page, 'shape-s').fill('1');
  assert.equal(await formula.textContent(), 'floor((7 + 2·1 − 3)/1) + 1 = 7');
  await byTestId(page, 'shape-n').fill('6');
  await byTestId(page, 'shape-f').fill('4');
  await byTestId(page, 'shape-padmode').selectOption('same');
  assert.equal(await formula.textContent(), 'floor((6 + 1 + 2 − 4)/1) + 1 = 6');
  assert.match(await byTestId(page, 'shape-same').textContent(), /1 before and 2 after/);
  assert.match(page.url(), /#shapes&n=6&f=4&p=same&s=1/);
  await byTestId(page, 'shape-padmode').selectOption('p');
  await byTestId(page, 'shape-p').fill('0');
  await byTestId(page, 'shape-f').fill('9');
  // The message is written once (issue 18: it was in the formula line and the error box).
  const error = page.locator('#shapes [data-testid="error"]:visible');
  assert.match(await error.first().textContent(), /f = 9 is larger than the input n = 6: .*does not fit anywhere/);
  assert.equal(await error.count(), 1);
  assert.equal(await formula.textContent(), 'floor((n + 2p − f)/s) + 1 = ?');
  await byTestId(page, 'shape-s').fill('0');
  assert.match(await error.first().textContent(), /stride s must be at least 1/);
  // Sizes that overflow are the core's error too, not a wrapped number.
  await byTestId(page, 'shape-s').fill('1');
  await byTestId(page, 'shape-n').fill('2147483647');
  await byTestId(page, 'shape-p').fill('2147483647');
  assert.match(await error.first().textContent(), /too large/);
  await byTestId(page, 'shape-n').fill('6');
  await byTestId(page, 'shape-p').fill('0');
  // Back to a good setting: the grids return.
  await byTestId(page, 'shape-f').fill('3');
  await byTestId(page, 'shape-s').fill('2');
  assert.equal(await formula.textContent(), 'floor((6 + 2·0 − 3)/2) + 1 = 2');
  assert.equal(await error.count(), 0);
  await byTestId(page, 'shape-n').fill('7');
  await shot(page, 'shapes');
  clean(problems);
  await context.close();
});

test('edges: the light-to-dark step gives positive values; sobel via the hash', async () => {
  const { page, context, problems } = await open('edges&filter=vertical&image=step');
  const out = byTestId(page, 'edges-output');
  assert.equal(await byTestId(page, 'edges-output-size').textContent(), '4×4');
  const box = await out.boundingBox();
  // Column 2 of the 4x4 output is on the edge: +30.
  await out.hover({ position: { x: box.width * 0.3, y: box.height * 0.5 } });
  assert.match(await byTestId(page, 'edges-readout').textContent(), /column 2: 30$/);
  assert.equal(await byTestId(page, 'edges-high').textContent(), '30');
  // The keyboard reaches every pixel too: arrows move a cursor over the map.
  await out.focus();
  await page.keyboard.press('Home');
  assert.match(await byTestId(page, 'edges-readout').textContent(), /column 1: 0$/);
  await page.keyboard.press('ArrowRight');
  assert.match(await byTestId(page, 'edges-readout').textContent(), /column 2: 30$/);
  await page.keyboard.press('End');
  assert.match(await byTestId(page, 'edges-readout').textContent(), /column 4: 0$/);
  assert.match(await byTestId(page, 'edges-range').textContent(), /from 0 to 30/);
  await page.goto(`${server.url}#edges&filter=sobel_v`);
  await page.waitForFunction(() => document.querySelector('[data-testid="edges-filter"]').value === 'sobel_v');
  const kernel = await byTestId(page, 'edges-kernel').locator('tr').evaluateAll(
    (trs) => trs.map((tr) => Array.from(tr.cells, (c) => Number(c.textContent))));
  assert.deepEqual(kernel, [[1, 0, -1], [2, 0, -2], [1, 0, -1]]);
  assert.match(await byTestId(page, 'edges-range').textContent(), /from 0 to 40/);
  // The dark-to-light step is a negative edge.
  await byTestId(page, 'edges-image').selectOption('step_dark');
  assert.match(await byTestId(page, 'edges-range').textContent(), /from -40 to 0/);
  await byTestId(page, 'edges-image').selectOption('disc');
  await byTestId(page, 'edges-mode').selectOption('magnitude');
  assert.match(page.url(), /mode=magnitude/);
  await shot(page, 'edges');
  clean(problems);
  await context.close();
});

test('edges: a learned filter lowers its loss', async () => {
  const { page, context, problems } = await open('edges&filter=learned&image=disc');
  await byTestId(page, 'edges-learn').click();
  await page.waitForFunction(() => /^400 steps/.test(document.querySelector('[data-testid="edges-loss"]').textContent), null, { timeout: 60000 });
  const losses = await page.evaluate(() => document.querySelector('[data-testid="edges-loss-chart"]').getAttribute('aria-label'));
  const [, first, last] = losses.match(/from (\S+) to (\S+)/);
  assert.ok(Number(last) < Number(first) / 10, losses);
  await shot(page, 'edges-learned');
  clean(problems);
  await context.close();
});

test('edges: a non-image file is refused, a photo is drawn', async (t) => {
  const dir = signDigitsDir(t);
  if (!dir) return;
  const { page, context, problems } = await open('edges&filter=sobel_v');
  const bad = path.join(os.tmpdir(), 'convlab-not-an-image.txt');
  writeFileSync(bad, 'this is not a picture');
  await byTestId(page, 'edges-file').setInputFiles(bad);
  const error = page.locator('#edges [data-testid="error"]:visible');
  await error.first().waitFor();
  assert.match(await error.first().textContent(), /not an image/);
  // The page still works: another image still filters.
  await byTestId(page, 'edges-image').selectOption('step');
  assert.equal(await byTestId(page, 'edges-output-size').textContent(), '4×4');
  await byTestId(page, 'edges-file').setInputFiles(path.join(dir, 'photos/sign3_1.jpg'));
  await page.waitForFunction(() => document.querySelector('[data-testid="edges-image"]').value === 'photo');
  assert.equal(await error.count(), 0);
  const size = await byTestId(page, 'edges-output-size').textContent();
  const [h, w] = size.split('×').map(Number);
  assert.ok(Math.max(h, w) <= 510 && Math.min(h, w) > 20, size);
  // The map has colours (not all neutral): read some pixels back.
  const distinct = await page.evaluate(() => {
    const c = document.querySelector('[data-testid="edges-output"]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4 * 97) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    return seen.size;
  });
  assert.ok(distinct > 20, `only ${distinct} colours`);
  await shot(page, 'edges-photo');
  clean(problems);
  await context.close();
});

test('edges: a webcam that cannot start is an error message', async () => {
  const { page, context, problems } = await open('edges');
  await byTestId(page, 'edges-webcam').click();
  const error = page.locator('#edges [data-testid="error"]:visible');
  await error.first().waitFor();
  assert.match(await error.first().textContent(), /webcam could not start/);
  clean(problems);
  await context.close();
});

test('volumes: channel contributions, layer table presets and the 456 vs 14,450,688 comparison', async () => {
  const { page, context, problems } = await open('volumes');
  const sum = await byTestId(page, 'volumes-sum').locator('tr').first().evaluate(
    (tr) => Array.from(tr.cells, (c) => Number(c.textContent)));
  // Red step [0, 30, 30, 0] + the lecture's first row [-5, -4, 0, 8] + flat blue 0.
  assert.deepEqual(sum, [-5, 26, 30, 8]);
  const compare = await byTestId(page, 'volumes-compare').textContent();
  assert.match(compare, /456 parameters/);
  assert.match(compare, /says 156/);
  assert.match(compare, /14,450,688 weights/);
  const table = byTestId(page, 'volumes-table');
  const cells = () => table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.cells, (c) => c.textContent)));
  let rows = await cells();
  assert.deepEqual(rows.slice(1).map((r) => r[7]), ['456', '0', '2,416', '0', '0', '48,120', '10,164', '850']);
  await byTestId(page, 'volumes-preset').selectOption('lecture_39');
  rows = await cells();
  assert.deepEqual(rows.slice(1).map((r) => r[6]), ['37×37×10', '17×17×20', '7×7×40', '1×1×1960']);
  await byTestId(page, 'volumes-add-fc').click();
  rows = await cells();
  assert.equal(rows[5][6], '1×1×10');
  assert.equal(rows[5][7], '19,610');
  await byTestId(page, 'volumes-preset').selectOption('signs');
  rows = await cells();
  assert.equal(rows[rows.length - 1][6], '1×1×6');
  await shot(page, 'volumes');
  clean(problems);
  await context.close();
});

test('pooling: the lecture grid gives max 9 and average 3.75', async () => {
  const { page, context, problems } = await open('pooling');
  const grid = (id) => byTestId(page, id).locator('tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.cells, (c) => c.textContent)));
  assert.deepEqual(await grid('pool-max'), [['9', '2'], ['6', '3']]);
  assert.deepEqual(await grid('pool-avg'), [['3.75', '1.25'], ['3.75', '2']]);
  assert.match(await byTestId(page, 'pool-note').textContent(), /0 parameters/);
  // The winner of the first window is the 9.
  assert.equal(await page.locator('[data-testid="pool-input"] td.winner input').inputValue(), '9');
  await byTestId(page, 'pool-s').fill('1');
  assert.deepEqual(await grid('pool-max'), [['9', '9', '2'], ['9', '9', '3'], ['6', '6', '3']]);
  await byTestId(page, 'pool-f').fill('5');
  assert.equal(await page.locator('#pooling [data-testid="error"]:visible').count(), 1);
  await byTestId(page, 'pool-lecture').click();
  assert.deepEqual(await grid('pool-max'), [['9', '2'], ['6', '3']]);
  await shot(page, 'pooling');
  clean(problems);
  await context.close();
});

test('volumes: the layer-stack table totals the parameters and MACs (LeNet-5: 62,006 and 651,720)', async () => {
  const { page, context, problems } = await open('volumes');
  const total = byTestId(page, 'volumes-total');
  const cells = async () => total.locator('th, td').allTextContents();
  // The lecture's LeNet-5-like net: 456 + 2,416 + 48,120 + 10,164 + 850 parameters;
  // MACs 28·28·6·75 + 10·10·16·150 + 400·120 + 120·84 + 84·10.
  const lecture = 456 + 2416 + 48120 + 10164 + 850;
  const macs = 28 * 28 * 6 * 75 + 10 * 10 * 16 * 150 + 400 * 120 + 120 * 84 + 84 * 10;
  let t = await cells();
  // The lecture's count: CONV1+POOL1, CONV2+POOL2, FC3, FC4 and the softmax layer.
  assert.equal(t[0], 'Total: 8 rows, 5 layers as the lecture counts (a conv and its pool are one layer)');
  assert.deepEqual(t.slice(1, 4), ['1×1×10', lecture.toLocaleString('en-US'), macs.toLocaleString('en-US')]);
  // The totals follow an edit: one more FC 10 layer adds 10·10 + 10 parameters and 100 MACs.
  await byTestId(page, 'volumes-add-fc').click();
  t = await cells();
  assert.deepEqual(t.slice(0, 4), ['Total: 9 rows, 6 layers as the lecture counts (a conv and its pool are one layer)', '1×1×10', (lecture + 110).toLocaleString('en-US'), (macs + 100).toLocaleString('en-US')]);
  // An impossible layer: no totals, the core's message instead.
  await byTestId(page, 'volumes-table').locator('tbody tr').nth(1).locator('input[type="number"]').first().fill('99');
  await byTestId(page, 'volumes-table').locator('tbody tr').nth(1).locator('input[type="number"]').first().dispatchEvent('change');
  assert.equal((await cells())[2], '—');
  assert.equal(await page.locator('#volumes [data-testid="error"]:visible').count(), 1);
  await byTestId(page, 'volumes-preset').selectOption('lenet5');
  assert.equal((await cells())[2], lecture.toLocaleString('en-US'));
  await byTestId(page, 'volumes-table').screenshot({ path: path.join(OUT, 'volumes-totals.png') });
  clean(problems);
  await context.close();
});

test('pooling: a real feature map (the vertical edges of a disc, by the core) pooled', async () => {
  const { page, context, problems } = await open('pooling');
  const grid = (id) => byTestId(page, id).locator('tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.cells, (c) => Number(c.querySelector('input')?.value ?? c.textContent))));
  await byTestId(page, 'pool-source').selectOption('disc_v');
  const map = await grid('pool-input');
  assert.equal(map.length, 8, 'a 10x10 picture through a 3x3 filter (VALID) is 8x8');
  assert.ok(map.every((r) => r.length === 8));
  // A disc is mirror-symmetric, so its vertical-edge response is mirror-antisymmetric.
  for (const row of map) row.forEach((v, j) => assert.ok(Math.abs(v + row[7 - j]) < 0.11, `${v} vs ${row[7 - j]}`));
  assert.ok(Math.max(...map.flat()) > 0 && Math.min(...map.flat()) < 0, 'edges of both signs');
  // Each max-pooled cell is the largest of its 2x2 window, each average the mean.
  const max = await grid('pool-max');
  const avg = await grid('pool-avg');
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const w = [map[2 * i][2 * j], map[2 * i][2 * j + 1], map[2 * i + 1][2 * j], map[2 * i + 1][2 * j + 1]];
      assert.ok(Math.abs(max[i][j] - Math.max(...w)) < 1e-3, `max ${i},${j}`);
      assert.ok(Math.abs(avg[i][j] - w.reduce((a, b) => a + b) / 4) < 0.01, `avg ${i},${j}`);
    }
  }
  assert.match(await byTestId(page, 'pool-source-note').textContent(), /real feature map/);
  assert.match(page.url(), /map=disc_v/);
  await shot(page, 'pooling-feature-map');
  // Back to the lecture's grid.
  await byTestId(page, 'pool-lecture').click();
  assert.deepEqual(await grid('pool-max'), [[9, 2], [6, 3]]);
  assert.equal(await byTestId(page, 'pool-source').inputValue(), 'lecture');
  clean(problems);
  await context.close();
});
