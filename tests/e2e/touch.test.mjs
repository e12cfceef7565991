// Touch screens (issue 16): a phone-sized page with touch input (Chromium's touch
// emulation: real touch and pointer events, no mouse). A tap picks an output cell, a
// finger drags the position slider, a finger on the edge map reads a value, and a tap
// starts training. Firefox and WebKit check the layout at these sizes, and Firefox takes
// the same taps and drags from WebDriver's touch pointer (tests/engines).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startServer, launch, byTestId, waitText, OUT } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); mkdirSync(OUT, { recursive: true }); });
after(async () => { await browser?.close(); server?.close(); });

async function phone(hash) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}${hash}`);
  await page.waitForFunction(() => document.getElementById('status')?.hidden === true, null, { timeout: 20000 });
  return { page, context, errors, cdp: await context.newCDPSession(page) };
}

// A finger put down at (x0, y), moved to (x1, y) in steps, lifted.
async function drag(cdp, x0, x1, y, steps = 8) {
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: x0, y }] });
  for (let i = 1; i <= steps; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x0 + ((x1 - x0) * i) / steps, y }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

test('phone, by touch: tap a cell, drag the slider, touch the edge map, start training', async () => {
  const { page, context, errors, cdp } = await phone('#conv');
  // A tap on the last output cell of the first row shows its arithmetic.
  const cell = byTestId(page, 'conv-output').locator('tr').first().locator('td').nth(3);
  await cell.tap();
  await page.waitForFunction(() => /^8 = /.test(document.querySelector('[data-testid="conv-arithmetic"]').textContent));
  // The position slider dragged by a finger to its right end: the last window.
  const slider = byTestId(page, 'conv-scrub');
  await slider.scrollIntoViewIfNeeded();
  const box = await slider.boundingBox();
  await drag(cdp, box.x + 4, box.x + box.width + 20, box.y + box.height / 2);
  assert.equal(await slider.inputValue(), await slider.getAttribute('max'));
  assert.match(await byTestId(page, 'conv-arithmetic').textContent(), /^-16 = /);
  await page.screenshot({ path: path.join(OUT, 'touch-conv.png') });

  // Section 2: a finger on the response map reads the value under it (+30 on the edge).
  await page.goto(`${server.url}#edges&filter=vertical&image=step`);
  const map = byTestId(page, 'edges-output');
  await map.scrollIntoViewIfNeeded();
  const m = await map.boundingBox();
  await map.tap({ position: { x: m.width * 0.3, y: m.height * 0.5 } });
  assert.match(await byTestId(page, 'edges-readout').textContent(), /column 2: 30$/);

  // Section 6: a tap starts one epoch; it runs to the end.
  await page.goto(`${server.url}#train&epochs=1`);
  await waitText(page, 'train-data-status', 'built-in synthetic hands', 60000);
  await byTestId(page, 'train-start').tap();
  await waitText(page, 'train-progress-text', '^Done');
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), true, 'nothing wider than the phone');
  await page.screenshot({ path: path.join(OUT, 'touch-train.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});
