// Issue 18: a student's and a teacher's first hour, without a snag. Each test walks one
// path a new user takes (mouse or keyboard, 1280 wide or a phone) and checks what snagged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launch, openPage, openTrain, byTestId, textOf, waitText, OUT } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

const SHOTS = path.join(OUT, 'firsthour');
const shot = async (page, name, fullPage = true) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
};
const clean = (problems) => {
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.failed, []);
  assert.deepEqual(problems.foreign, []);
};
const modelOptions = (page) => byTestId(page, 'classify-model').locator('option').evaluateAll((os) => os.map((o) => o.value));
const waitModels = (page) => page.waitForFunction(
  () => !/Looking for/.test(document.querySelector('[data-testid="classify-model-note"]')?.textContent || 'Looking for'), null, { timeout: 30000 });

test('train in section 6, then open section 7 for the first time: the trained model is offered', async () => {
  const { page, context, problems } = await openTrain(browser, server.url, '#train&epochs=1');
  await byTestId(page, 'train-start').click();
  await waitText(page, 'train-progress-text', '^Done: 1 epochs? in', 300000);
  // Save the weights (for the second half), then open section 7: never opened before.
  const download = page.waitForEvent('download');
  await byTestId(page, 'train-save').click();
  const weights = path.join(tmpdir(), 'convlab-firsthour-weights.json');
  await (await download).saveAs(weights);
  await page.click('nav a[href="#classify"]');
  await waitModels(page);
  assert.ok((await modelOptions(page)).includes('trained'), `options: ${await modelOptions(page)}`);
  // The note names the models, not their files.
  assert.doesNotMatch(await textOf(page, 'classify-model-note'), /models\/|\.json/);
  await context.close();

  // A new visitor loads those weights in section 6, then opens section 7.
  const second = await openTrain(browser, server.url);
  await byTestId(second.page, 'train-load-input').setInputFiles(weights);
  await waitText(second.page, 'train-progress-text', 'Weights loaded');
  await second.page.waitForFunction(() => document.querySelector('[data-testid="train-confusion"]')?.rows.length > 1);
  // No "Done: 0 epochs in 0 s" after loading weights.
  assert.match(await textOf(second.page, 'train-progress-text'), /^Weights loaded and checked/);
  await second.page.click('nav a[href="#classify"]');
  await waitModels(second.page);
  assert.ok((await modelOptions(second.page)).includes('trained'));
  clean(problems);
  clean(second.problems);
  await second.context.close();
});

test('stale state: Reset, the test picture number, presets, section 1 positions, messages once', async () => {
  // Enough epochs to be still running when paused: 3 epochs of the built-in hands can end
  // before the page is looked at on an idle machine, and then there is nothing to pause.
  const { page, context, problems } = await openTrain(browser, server.url, '#train&epochs=200');
  await byTestId(page, 'train-start').click();
  await page.waitForFunction(() => /Cost/.test(document.querySelector('[data-testid="train-cost"]').textContent)
    && document.querySelector('[data-testid="train-pause"]').disabled === false, null, { timeout: 120000 });
  await byTestId(page, 'train-pause').click();
  await waitText(page, 'train-pause', '^Resume$');
  // While paused, Start says it starts again (from epoch 1), and Resume resumes.
  assert.equal(await textOf(page, 'train-start'), 'Start again');
  await byTestId(page, 'train-reset').click();
  await waitText(page, 'train-progress-text', '^Reset');
  // After Reset there is nothing to resume: the disabled button reads Pause.
  assert.equal(await textOf(page, 'train-pause'), 'Pause');
  assert.equal(await byTestId(page, 'train-pause').isDisabled(), true);
  assert.equal(await textOf(page, 'train-start'), 'Start');
  // Test picture 500 of 120: the last picture, in the box and in the URL.
  await byTestId(page, 'train-sample').fill('500');
  await byTestId(page, 'train-sample').press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid="train-sample"]').value !== '500');
  const last = Number(await byTestId(page, 'train-sample').getAttribute('max'));
  assert.ok(last > 0 && last < 500, `max ${last}`);
  assert.equal(await byTestId(page, 'train-sample').inputValue(), String(last));
  assert.match(page.url(), new RegExp(`sample=${last}(&|$)`));

  // Section 1: the True convolution box does not carry over to the next example.
  await page.click('nav a[href="#conv"]');
  await byTestId(page, 'conv-true').check();
  await byTestId(page, 'conv-preset').selectOption('light_dark');
  assert.equal(await byTestId(page, 'conv-true').isChecked(), false);
  await byTestId(page, 'conv-step').click(); // position 2: the window on the edge
  assert.match(await textOf(page, 'conv-arithmetic'), /^30 = /);
  // Reset goes back where the page opens: position 1, the lecture's first sum.
  await byTestId(page, 'conv-preset').selectOption('lecture');
  await byTestId(page, 'conv-step').click();
  await byTestId(page, 'conv-reset').click();
  assert.equal(await byTestId(page, 'conv-scrub').inputValue(), '1');
  assert.match(await textOf(page, 'conv-arithmetic'), /^-5 = 3x1 \+ 1x1/);

  // Section 3: f > n is said once.
  await page.click('nav a[href="#shapes"]');
  await byTestId(page, 'shape-f').fill('9');
  const said = await page.locator('#shapes').evaluate((s) => s.innerText.split('larger than the input').length - 1);
  assert.equal(said, 1);
  clean(problems);
  await context.close();
});

test('edge lab: a webcam that fails says "no camera was found", and the message goes with the next image', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#edges`);
  // No fake device: the browser finds no camera.
  await context.grantPermissions(['camera']);
  const before = await byTestId(page, 'edges-output').boundingBox();
  await byTestId(page, 'edges-webcam').click();
  const error = page.locator('#edges [data-testid="error"]:visible');
  await error.first().waitFor();
  assert.match(await error.first().textContent(), /^The webcam could not start: no camera was found\./);
  // The figures do not move: the message sits under the controls, above the row.
  const during = await byTestId(page, 'edges-output').boundingBox();
  assert.equal(Math.round(during.x), Math.round(before.x));
  await shot(page, 'edges-webcam-error', false);
  await byTestId(page, 'edges-image').selectOption('disc');
  assert.equal(await error.count(), 0, 'another image clears the message');

  // Section 7 says it the same way.
  await page.click('nav a[href="#classify"]');
  await byTestId(page, 'classify-camera').click();
  const error7 = page.locator('#classify [data-testid="error"]:visible');
  await error7.first().waitFor();
  assert.match(await error7.first().textContent(), /^The webcam could not start: no camera was found\./);
  assert.doesNotMatch(await error7.first().textContent(), /Requested device/);
  clean(problems);
  await context.close();
});

test('pooling: numbers as the page writes them, no stale note, no n + 2p, a real stripes map', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#pooling`);
  // A 3x3 window of the lecture grid: 1 3 2 / 2 9 1 / 1 3 2 averages 24/9.
  await byTestId(page, 'pool-f').fill('3');
  await byTestId(page, 'pool-s').fill('1');
  assert.match(await textOf(page, 'pool-note'), /max 9 .*average 2\.67\. /);
  assert.equal(await byTestId(page, 'pool-avg').locator('td').first().textContent(), '2.67');
  // f larger than the 4x4 input: the error speaks of n, and the old formula goes.
  await byTestId(page, 'pool-f').fill('5');
  const error = page.locator('#pooling [data-testid="error"]:visible');
  await error.first().waitFor();
  assert.match(await error.first().textContent(), /f = 5 is larger than the input n = 4/);
  assert.doesNotMatch(await error.first().textContent(), /2p/);
  assert.equal(await textOf(page, 'pool-note'), '');
  await byTestId(page, 'pool-f').fill('2');
  // Every feature map on offer has edges in it (the checkerboard's was all zeros).
  const sources = await byTestId(page, 'pool-source').locator('option').evaluateAll((os) => os.map((o) => o.value));
  for (const s of sources.filter((v) => v !== 'lecture')) {
    await byTestId(page, 'pool-source').selectOption(s);
    const values = await byTestId(page, 'pool-input').locator('input').evaluateAll((is) => is.map((i) => Number(i.value)));
    assert.ok(values.some((v) => v !== 0), `${s} is not all zeros`);
  }
  clean(problems);
  await context.close();
});

test('learned filter: learned on a picture that pins it down, kept when the image changes, no stale readout', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#edges&filter=learned`);
  const kernel = () => byTestId(page, 'edges-kernel').locator('td').allTextContents();
  const target = () => byTestId(page, 'edges-target').locator('td').allTextContents();
  // The default image is the 6x6 step; at 45 and at 90 degrees the filter becomes the target.
  for (const angle of ['45', '90']) {
    await byTestId(page, 'edges-angle').fill(angle);
    await byTestId(page, 'edges-learn').click();
    await waitText(page, 'edges-loss', '^400 steps', 60000);
    const [k, t] = [(await kernel()).map(Number), (await target()).map(Number)];
    assert.ok(k.every((v, i) => Math.abs(v - t[i]) < 0.01), `angle ${angle}: learned ${k}, target ${t}`);
  }
  // Read a value of the 4x4 map, then change the image: the readout does not keep the old
  // pixel, and the learned filter stays.
  const learned = await kernel();
  await byTestId(page, 'edges-output').focus();
  await page.keyboard.press('ArrowRight');
  assert.match(await textOf(page, 'edges-readout'), /^row 1, column 2: /);
  await byTestId(page, 'edges-image').selectOption('disc');
  assert.deepEqual(await kernel(), learned);
  assert.doesNotMatch(await textOf(page, 'edges-readout'), /^row/);
  assert.match(await textOf(page, 'edges-filter-note'), /after 400 steps/);
  // The legend and the range say the map's real values (not "0 ... 0").
  assert.notEqual(await textOf(page, 'edges-low'), await textOf(page, 'edges-high'));
  await shot(page, 'edges-learned-disc');
  clean(problems);
  await context.close();
});

test('presentation mode at 1280 and 1920: no overlap in the edge lab, text grows, the page uses the width', async () => {
  for (const width of [1280, 1920]) {
    const { page, context, problems } = await openPage(browser, `${server.url}#edges`, { viewport: { width, height: 1000 } });
    const size = (sel) => page.locator(sel).first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    const body0 = await size('body');
    const arith0 = await size('#conv [data-testid="conv-arithmetic"]');
    const caption0 = await size('#edges figcaption');
    await page.click('#present-toggle');
    assert.ok(await size('body') > body0 * 1.3);
    // The arithmetic line and the captions grow with the body text.
    assert.ok(await size('#conv [data-testid="conv-arithmetic"]') > arith0 * 1.3);
    assert.ok(await size('#edges figcaption') > caption0 * 1.3);
    // The edge lab's three figures do not overlap: each map stays inside its figure.
    const boxes = await page.locator('#edges > .lab-row > figure').evaluateAll((figs) => figs.map((f) => {
      const r = f.getBoundingClientRect();
      const inner = Array.from(f.querySelectorAll('canvas, table')).filter((e) => e.offsetParent)
        .map((e) => e.getBoundingClientRect()).reduce((m, b) => Math.max(m, b.right), r.right);
      return { left: r.left, right: inner, top: r.top, bottom: r.bottom };
    }));
    for (let i = 1; i < boxes.length; i++) {
      const [a, b] = [boxes[i - 1], boxes[i]];
      const sameRow = a.top < b.bottom && b.top < a.bottom;
      if (sameRow) assert.ok(a.right <= b.left + 1, `${width}: figure ${i} (right ${a.right}) overlaps figure ${i + 1} (left ${b.left})`);
    }
    // At 1920 the section is not a narrow column: its text spans most of the window.
    const lead = await page.locator('#edges .lead').evaluate((e) => e.getBoundingClientRect().width);
    if (width === 1920) assert.ok(lead > 1200, `lead ${lead} px wide`);
    await shot(page, `present-${width}`, false);
    await page.click('#present-toggle'); // leave it off for the next test's context
    clean(problems);
    await context.close();
  }
});

test('notebook mode: the notebook\'s settings, and its lines printed its way', async () => {
  const { page, context, problems } = await openTrain(browser, server.url);
  await byTestId(page, 'train-notebook').check();
  assert.equal(await byTestId(page, 'train-lr').inputValue(), '0.001');
  assert.equal(await byTestId(page, 'train-epochs').inputValue(), '100');
  assert.equal(await byTestId(page, 'train-batch').inputValue(), '64');
  assert.match(page.url(), /notebook=1/);
  assert.match(await textOf(page, 'train-notebook-note'), /AdamOptimizer\(\).*0\.001.*0\.009/s);
  await byTestId(page, 'train-epochs').fill('1');
  await byTestId(page, 'train-start').click();
  await waitText(page, 'train-progress-text', '^Done: 1 epochs?', 300000);
  const printed = await textOf(page, 'train-notebook-output');
  const m = printed.match(/^Cost after epoch 0: (\d\.\d{6})\nTrain Accuracy: (\d\.\d{6})\nTest Accuracy: (\d\.\d{6})\n$/);
  assert.ok(m, printed);
  // The notebook's divisor: the page's mean cost of ceil(m/64) minibatches, times
  // ceil(m/64) / floor(m/64).
  const count = Number((await textOf(page, 'train-data-status')).match(/Training: (\d+) pictures/)[1]);
  const mean = Number((await textOf(page, 'train-cost')).match(/Cost after epoch 1: ([\d.]+)/)[1]);
  const expected = mean * Math.ceil(count / 64) / Math.floor(count / 64);
  assert.ok(Math.abs(Number(m[1]) - expected) < 1e-3, `${m[1]} vs ${expected} (m = ${count})`);
  assert.notEqual(Math.ceil(count / 64), Math.floor(count / 64), 'the built-in set shows the difference');
  clean(problems);
  await context.close();
});

test('keyboard: one tab stop per grid, arrows move, S and P step and play, focus stays on the run buttons', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#conv`);
  await byTestId(page, 'conv-preset').focus();
  let presses = 0;
  while (presses < 80 && !(await page.evaluate(() => document.activeElement?.dataset.testid === 'conv-step'))) {
    await page.keyboard.press('Tab');
    presses += 1;
  }
  assert.ok(presses <= 8, `${presses} Tab presses from the example to Step`);
  // Arrows move between the image's cells without changing them.
  const cell = byTestId(page, 'conv-input').locator('input').first();
  await cell.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Image row 2 column 2');
  assert.equal(await cell.inputValue(), '3');
  assert.equal(await page.evaluate(() => document.activeElement.value), '5');
  // S steps, P plays (from a button, not while typing in a cell).
  await byTestId(page, 'conv-reset').focus();
  await page.keyboard.press('s');
  assert.equal(await byTestId(page, 'conv-scrub').inputValue(), '2');
  await page.keyboard.press('p');
  assert.equal(await textOf(page, 'conv-play'), 'Pause');
  await page.keyboard.press('p');
  assert.equal(await textOf(page, 'conv-play'), 'Play');
  // An output cell picked with Enter keeps the focus (the grid is redrawn).
  await byTestId(page, 'conv-output').locator('td').first().focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  assert.equal(await byTestId(page, 'conv-scrub').inputValue(), '2');
  assert.match(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), /output row 1 column 2$/);
  await shot(page, 'keyboard-conv', false);
  await context.close();

  // Section 6 by keyboard: Enter on Start, the focus goes to Pause, then back to Start.
  const train = await openTrain(browser, server.url, '#train&epochs=1');
  await byTestId(train.page, 'train-start').focus();
  await train.page.keyboard.press('Enter');
  assert.equal(await train.page.evaluate(() => document.activeElement?.dataset.testid), 'train-pause');
  await waitText(train.page, 'train-progress-text', '^Done', 300000);
  assert.notEqual(await train.page.evaluate(() => document.activeElement?.tagName), 'BODY');
  // A misclassified picture is a tab stop; Enter shows it inside the network.
  const mistake = byTestId(train.page, 'train-mistakes').locator('figure[tabindex="0"]').first();
  if (await mistake.count()) {
    const index = await mistake.getAttribute('data-index');
    await mistake.focus();
    await train.page.keyboard.press('Enter');
    assert.equal(await byTestId(train.page, 'train-sample').inputValue(), index);
    await waitText(train.page, 'train-maps-conv1', '', 30000);
  }
  clean(problems);
  clean(train.problems);
  await train.context.close();
});

test('phones at 390x844: navigation in two lines, edge lab input beside its output, a scroll cue on the layer table', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#edges`, { viewport: { width: 390, height: 844 } });
  const lines = await page.locator('nav').evaluate((n) => {
    const tops = new Set(Array.from(n.querySelectorAll('a'), (a) => Math.round(a.getBoundingClientRect().top)));
    return tops.size;
  });
  assert.ok(lines <= 2, `navigation on ${lines} lines`);
  const input = await byTestId(page, 'edges-input').boundingBox();
  const output = await byTestId(page, 'edges-output').boundingBox();
  assert.ok(Math.abs(output.y - input.y) < 60, `input at y ${input.y}, output at y ${output.y}`);
  assert.ok(input.x + input.width <= output.x, 'side by side');
  assert.ok(output.x + output.width <= 390, 'the output fits the screen');
  await shot(page, 'phone-edges', false);
  await page.click('nav a[href="#volumes"]');
  const table = byTestId(page, 'volumes-table');
  await table.scrollIntoViewIfNeeded();
  const { scrolls, cue } = await table.evaluate((t) => ({ scrolls: t.scrollWidth > t.clientWidth, cue: getComputedStyle(t).backgroundImage }));
  if (scrolls) {
    assert.match(cue, /gradient/, 'a table wider than the screen shows a shadow at its edge');
    assert.ok(await byTestId(page, 'volumes-scroll-hint').isVisible(), 'and says so above it');
  }
  await shot(page, 'phone-volumes', false);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `the page itself does not scroll sideways (${wide} px)`);
  clean(problems);
  await context.close();
});
