// Accessibility baseline (issue 16): axe-core over every section, in the state a student
// sees after using it (a run trained, a photo classified): no serious or critical
// violation. Plus: every control has a name, and keyboard focus is visible.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, launch, openPage, openTrain, byTestId, signDigitsDir, waitText, axe } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

// Controls of the section without an accessible name (axe checks most; this also covers
// canvases that take focus).
const unnamed = (page, id) => page.evaluate((id) => [...document.querySelectorAll(
  `#${id} :is(button, input, select, textarea, [tabindex]:not([tabindex="-1"]))`)]
  .filter((e) => e.offsetParent && !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
    || (e.tagName === 'BUTTON' && e.textContent.trim()) || e.title))
  .map((e) => e.outerHTML.slice(0, 120)), id);

for (const id of ['conv', 'edges', 'shapes', 'volumes', 'pooling', 'backprop']) {
  test(`axe: section ${id} has no serious or critical violation, every control is named`, async () => {
    const { page, context } = await openPage(browser, `${server.url}#${id}`);
    assert.deepEqual(await axe(page, id), []);
    assert.deepEqual(await unnamed(page, id), []);
    await context.close();
  });
}

test('axe: section 6 before and after a one-epoch run', async () => {
  const { page, context } = await openTrain(browser, server.url, '#train&epochs=1');
  assert.deepEqual(await axe(page, 'train'), []);
  await byTestId(page, 'train-start').click();
  await waitText(page, 'train-progress-text', '^Done');
  assert.deepEqual(await axe(page, 'train'), []);
  assert.deepEqual(await unnamed(page, 'train'), []);
  await context.close();
});

test('axe: section 7 with a photo classified', async (t) => {
  const dir = signDigitsDir(t);
  if (!dir) return;
  const { page, context } = await openPage(browser, `${server.url}#classify`);
  await byTestId(page, 'classify-input').setInputFiles(path.join(dir, 'photos/sign3_1.jpg'));
  await waitText(page, 'classify-prediction', '^[0-5]\\b', 60000);
  assert.deepEqual(await axe(page, 'classify'), []);
  assert.deepEqual(await unnamed(page, 'classify'), []);
  await context.close();
});

test('keyboard focus is visible on every control of every section', async () => {
  const { page, context } = await openPage(browser, server.url);
  const sections = await page.evaluate(() => [...document.querySelectorAll('main > section[id]')].map((s) => s.id));
  const kinds = new Set();
  for (const id of sections) {
    await page.goto(`${server.url}#${id}`);
    await page.waitForFunction((id) => !document.getElementById(id).hidden, id);
    await page.evaluate(() => document.activeElement?.blur());
    // Tab through the header and the section: each focused element draws an outline (or
    // a ring) of its own, at least 2 px wide.
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const e = document.activeElement;
        if (!e || e === document.body) return null;
        const s = getComputedStyle(e);
        return { what: e.dataset.testid || e.tagName + (e.type ? `:${e.type}` : ''), tag: e.tagName,
          visible: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none' };
      });
      if (!f) continue;
      assert.ok(f.visible, `#${id}: focus on ${f.what} is not visible`);
      kinds.add(f.tag);
    }
  }
  assert.ok(kinds.size >= 5, `several kinds of controls reached: ${[...kinds]}`);
  await context.close();
});
