// Inside the layers: the layer table that keeps its good rows past a bad layer, the conv
// bias per layer (the SIGNS net's 1,286 parameters), receptive fields, backprop through a
// conv and a pooling layer against the NumPy reference, and the layer drawn as volumes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage, byTestId, textOf, ROOT, OUT } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); mkdirSync(OUT, { recursive: true }); });
after(async () => { await browser?.close(); server?.close(); });

const clean = (problems) => {
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.failed, []);
  assert.deepEqual(problems.foreign, []);
};
const tableRows = (page) => byTestId(page, 'volumes-table').locator('tbody tr').evaluateAll(
  (trs) => trs.map((tr) => ({ cells: Array.from(tr.cells, (c) => c.textContent), faulty: tr.classList.contains('faulty') })));
const totals = (page) => byTestId(page, 'volumes-total').locator('th, td').allTextContents();
const numbers = (page, id) => byTestId(page, id).locator('tr').evaluateAll(
  (trs) => trs.map((tr) => Array.from(tr.cells, (c) => Number(c.querySelector('input')?.value ?? c.textContent))));
const LENET_SHAPES = ['28×28×6', '14×14×6', '10×10×16', '5×5×16', '1×1×400', '1×1×120', '1×1×84', '1×1×10'];

test('one bad layer keeps the shapes before it and marks its own row with the message', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#volumes&net=lenet5`);
  // "+ conv" after the fully connected layers: a 3x3 filter cannot fit a 1x1 input.
  await byTestId(page, 'volumes-add-conv').click();
  let rows = await tableRows(page);
  assert.deepEqual(rows.slice(1, 9).map((r) => r.cells[6]), LENET_SHAPES);
  assert.deepEqual(rows.slice(1, 9).map((r) => r.faulty), Array(8).fill(false));
  assert.equal(rows[9].faulty, true);
  assert.equal(rows[9].cells[6], '—');
  assert.match(rows[10].cells[0], /^layer 9 \(conv\): f = 3 is larger than the input n = 1: /);
  assert.equal((await totals(page))[2], '—');
  await byTestId(page, 'volumes-table').screenshot({ path: path.join(OUT, 'anatomy-bad-layer.png') });
  // f = 50 on the first layer: that row is marked, the others wait for it.
  await byTestId(page, 'volumes-preset').selectOption('lenet5');
  const f1 = byTestId(page, 'volumes-table').locator('tbody tr').nth(1).locator('input[type="number"]').first();
  await f1.fill('50');
  await f1.dispatchEvent('change');
  rows = await tableRows(page);
  assert.equal(rows[1].faulty, true);
  assert.match(rows[2].cells[0], /^layer 1 \(conv\): f = 50 is larger than the input n = 32: /);
  assert.equal(await page.locator('#volumes [data-testid="error"]:visible').count(), 1);
  await f1.fill('5');
  await f1.dispatchEvent('change');
  assert.deepEqual((await tableRows(page)).slice(1).map((r) => r.cells[6]), LENET_SHAPES);
  clean(problems);
  await context.close();
});

test('the SIGNS preset is the trained network: 1,286 parameters, 1,310 with conv biases ticked', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#volumes&net=signs`);
  const rows = await tableRows(page);
  assert.deepEqual(rows.slice(1).map((r) => r.cells[7]), ['384', '0', '0', '512', '0', '0', '0', '390']);
  assert.equal((await totals(page))[2], '1,286');
  for (const i of [1, 4]) assert.equal(await byTestId(page, `layer-bias-${i}`).isChecked(), false);
  await byTestId(page, 'layer-bias-1').check();
  assert.equal((await totals(page))[2], (1286 + 8).toLocaleString('en-US'));
  await byTestId(page, 'layer-bias-4').check();
  assert.equal((await totals(page))[2], '1,310');
  // Section 6 trains the same network and says so.
  await page.evaluate(() => { location.hash = '#train'; });
  await page.locator('#train .lead').waitFor();
  assert.match(await page.locator('#train .lead').textContent(), /It has 1,286 parameters/);
  clean(problems);
  await context.close();
});

test('receptive fields: 16×16 after LeNet-5\'s second pooling, 43×43 clipped in the SIGNS net, any cell of a student\'s stack', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#volumes&net=lenet5`);
  assert.equal(await textOf(page, 'rf-size'), '16×16');
  assert.match(await textOf(page, 'rf-explain'), /5 → 6 → 14 → 16/);
  await byTestId(page, 'volumes-table').getByRole('button', { name: 'layer 1: show what its cells see' }).click();
  assert.equal(await textOf(page, 'rf-size'), '5×5');
  // The bottom-right cell of conv1's 28x28 map: rows and columns 28-32.
  const cells = byTestId(page, 'rf-cells');
  const box = await cells.boundingBox();
  await cells.click({ position: { x: box.width - 3, y: box.height - 3 } });
  assert.match(await textOf(page, 'rf-cells-caption'), /row 28, column 28/);
  assert.match(await textOf(page, 'rf-explain'), /rows 28–32, columns 28–32\.$/);
  await cells.press('ArrowUp');
  assert.match(await textOf(page, 'rf-cells-caption'), /row 27, column 28/);
  assert.match(await page.evaluate(() => location.hash), /cell=1\.27\.28/);

  await byTestId(page, 'volumes-preset').selectOption('signs');
  assert.equal(await textOf(page, 'rf-size'), '43×43');
  assert.match(await textOf(page, 'rf-explain'), /rows 1–42, columns 1–42 \(1,764 real pixels/);
  // A teacher's link to the SIGNS net's bottom-right cell after the second pooling.
  await page.evaluate(() => { location.hash = '#volumes&net=signs&cell=6.2.2'; });
  await page.waitForFunction(() => /row 2, column 2/.test(document.querySelector('[data-testid="rf-cells-caption"]').textContent));
  assert.match(await textOf(page, 'rf-explain'), /rows 32–64, columns 32–64 \(1,089 real pixels/);
  await page.locator('#volumes .rf-row').screenshot({ path: path.join(OUT, 'anatomy-receptive-field.png') });

  // A student's own stack: the lecture's net without its flatten, plus a 3x3 conv:
  // r = 3 → 7 → 15 → 15 + 2·4 = 23.
  await byTestId(page, 'volumes-preset').selectOption('lecture_39');
  await byTestId(page, 'volumes-table').getByRole('button', { name: 'remove layer 4' }).click();
  await byTestId(page, 'volumes-add-conv').click();
  await byTestId(page, 'volumes-table').getByRole('button', { name: 'layer 4: show what its cells see' }).click();
  assert.equal(await textOf(page, 'rf-size'), '23×23');
  clean(problems);
  await context.close();
});

test('backprop: conv and pooling gradients step by step equal the NumPy reference; the gradient check is small', async () => {
  const reference = JSON.parse(readFileSync(path.join(ROOT, 'crate/tests/reference/backprop_step.json'), 'utf8'));
  const rows = (flat, w) => Array.from({ length: flat.length / w }, (_, i) => flat.slice(i * w, (i + 1) * w));
  const { page, context, problems } = await openPage(browser, `${server.url}#backprop`);
  assert.match(await textOf(page, 'backprop-conv-arith'), /Press Step/);
  for (let i = 0; i < 4; i++) await byTestId(page, 'backprop-conv-step').click();
  // Window 4: row 1, column 4, dZ = 2; the slice under it times 2.
  assert.match(await textOf(page, 'backprop-conv-arith'), /^Window 4 of 16 \(row 1, column 4\): dZ = 2\./);
  assert.deepEqual(await numbers(page, 'backprop-share-a'), [[4, 14, 8], [18, 6, 2], [10, 2, 6]]);
  assert.equal(await textOf(page, 'backprop-db'), '2');
  // All 16 windows: the assignment's loops in NumPy give the same sums.
  await byTestId(page, 'backprop-conv-scrub').fill('16');
  assert.deepEqual(await numbers(page, 'backprop-da'), rows(reference.conv.da_prev, 6));
  assert.deepEqual(await numbers(page, 'backprop-dw'), rows(reference.conv.dw, 3));
  assert.equal(Number(await textOf(page, 'backprop-db')), reference.conv.db);

  // Pooling: the first window routes its dY = 1 to the 9; all four windows as in NumPy.
  await byTestId(page, 'backprop-pool-step').click();
  assert.deepEqual(await numbers(page, 'backprop-dx-max'), rows(reference.max_pool_after_1, 4));
  assert.equal(await page.locator('[data-testid="backprop-x"] td.winner').textContent(), '9');
  await byTestId(page, 'backprop-pool-scrub').fill('4');
  assert.deepEqual(await numbers(page, 'backprop-dx-max'), rows(reference.max_pool, 4));
  assert.deepEqual(await numbers(page, 'backprop-dx-avg'), rows(reference.avg_pool, 4));
  assert.match(await textOf(page, 'backprop-pool-arith'), /each gets 4\/4 = 1\./);

  const errors = async () => {
    const text = await textOf(page, 'backprop-gradcheck');
    const m = text.match(/conv layer \(dA_prev, dW, db\) (\S+), max pooling (\S+), average pooling (\S+)\. All below/);
    assert.ok(m, text);
    return m.slice(1).map(Number);
  };
  let check = await errors();
  for (const e of check) assert.ok(e < 1e-5, `relative error ${e}`);
  // Editing dZ: db follows (the sum of dZ) and the check is run again.
  const dz = byTestId(page, 'backprop-dz').locator('input').first();
  await dz.fill('3.5');
  await dz.dispatchEvent('change');
  assert.equal(Number(await textOf(page, 'backprop-db')), reference.conv.db + 2.5);
  check = await errors();
  for (const e of check) assert.ok(e < 1e-5, `relative error after an edit ${e}`);
  await page.screenshot({ path: path.join(OUT, 'anatomy-backprop.png'), fullPage: true });
  clean(problems);
  await context.close();
});

test('one layer as volumes: the filter moves with the stepper, a drag turns the picture', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#volumes`);
  const canvas = byTestId(page, 'volumes-3d');
  await canvas.scrollIntoViewIfNeeded();
  const pixels = () => canvas.evaluate((c) => c.toDataURL());
  const start = await pixels();
  await byTestId(page, 'volumes-3d-step').click();
  // The core's sums at output (1, 1): -5 for the vertical filter (as in the table below).
  assert.match(await textOf(page, 'volumes-3d-note'), /output cell row 1, column 1: -5 in channel 1, -7 in channel 2\./);
  const stepped = await pixels();
  assert.notEqual(stepped, start);
  await canvas.screenshot({ path: path.join(OUT, 'anatomy-volumes-3d.png') });
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2 + 40, { steps: 5 });
  await page.mouse.up();
  assert.notEqual(await pixels(), stepped);
  assert.notEqual(await canvas.getAttribute('data-yaw'), null);
  await canvas.screenshot({ path: path.join(OUT, 'anatomy-volumes-3d-turned.png') });
  await byTestId(page, 'volumes-3d-front').click();
  await canvas.screenshot({ path: path.join(OUT, 'anatomy-volumes-3d-front.png') });
  clean(problems);
  await context.close();

  // A finger on a phone turns it too (touch pointer events, no page scroll stealing them).
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const touchPage = await phone.newPage();
  const thrown = [];
  touchPage.on('pageerror', (e) => thrown.push(e.message));
  await touchPage.goto(`${server.url}#volumes`);
  await touchPage.waitForFunction(() => document.getElementById('status')?.hidden === true);
  const solid = byTestId(touchPage, 'volumes-3d');
  await solid.scrollIntoViewIfNeeded();
  const yaw = () => solid.getAttribute('data-yaw');
  const at = await solid.boundingBox();
  const cdp = await phone.newCDPSession(touchPage);
  const touch = (type, x) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: at.x + x, y: at.y + at.height / 2 }] });
  await touch('touchStart', 250);
  for (const x of [220, 190, 160]) await touch('touchMove', x);
  await touch('touchEnd');
  assert.equal(await yaw(), '-0.30', 'a 90 px swipe to the left turns the yaw from 0.6 by -0.9');
  await solid.screenshot({ path: path.join(OUT, 'anatomy-volumes-3d-phone.png') });
  assert.deepEqual(thrown, []);
  await phone.close();
});
