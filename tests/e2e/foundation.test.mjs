// The first page proves the whole path: wasm loads, the Rust core computes the lecture's
// convolution, and the page shows it, with no console error and no failed request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage, byTestId, OUT } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

test('server sends wasm MIME type, isolation headers and a strict CSP', async () => {
  const wasm = await fetch(new URL('pkg/convlab_bg.wasm', server.url));
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  const html = await fetch(server.url);
  assert.equal(html.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(html.headers.get('cross-origin-embedder-policy'), 'require-corp');
  const csp = html.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  assert.match(csp, /'wasm-unsafe-eval'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|\*/);
});

test('page loads the core and shows the lecture convolution', async () => {
  const { page, context, problems } = await openPage(browser, server.url);
  assert.equal(await byTestId(page, 'title').textContent(), 'ConvLab');
  const grid = () => byTestId(page, 'conv-output').locator('tr').evaluateAll(
    (trs) => trs.map((tr) => Array.from(tr.cells, (c) => c.textContent)));
  // The first step is on screen: the top-left cell and its arithmetic.
  let rows = await grid();
  assert.equal(rows.length, 4);
  assert.equal(rows[0][0], '-5');
  assert.equal(rows[0][1], '', 'cells after the window are not filled yet');
  assert.equal(await byTestId(page, 'conv-arithmetic').textContent(),
    '-5 = 3x1 + 1x1 + 2x1 + 0x0 + 5x0 + 7x0 + 1x(-1) + 8x(-1) + 2x(-1)');
  // Scrub to the end: every cell is computed by the Rust core.
  await byTestId(page, 'conv-scrub').focus();
  await page.keyboard.press('End');
  rows = (await grid()).map((r) => r.map(Number));
  assert.deepEqual(rows[0], [-5, -4, 0, 8]);
  assert.deepEqual(rows[3], [-3, -2, -3, -16]);
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: path.join(OUT, 'foundation.png'), fullPage: true });
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.failed, []);
  assert.deepEqual(problems.foreign, []);
  await context.close();
});

test('Chromium runs the relaxed-SIMD build of the core, and only that one', async () => {
  const { page, context, problems } = await openPage(browser, server.url);
  await byTestId(page, 'conv-output').waitFor();
  assert.equal(await page.evaluate(async () => (await import(new URL('core.js', location.href).href)).build), 'relaxed-simd');
  const wasm = problems.requests.filter((u) => u.endsWith('.wasm')).map((u) => new URL(u).pathname);
  assert.deepEqual(wasm, ['/pkg-relaxed/convlab_bg.wasm']);
  await context.close();
});

test('a browser without relaxed SIMD gets the plain SIMD build, and the page works', async () => {
  // Make the engine refuse the relaxed-SIMD probe, as Safari and older browsers do.
  const init = () => {
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => !new Uint8Array(bytes.buffer || bytes).some((b, i, a) => b === 253 && a[i + 1] === 133 && a[i + 2] === 2) && validate(bytes);
  };
  const { page, context, problems } = await openPage(browser, server.url, { init });
  const first = byTestId(page, 'conv-output').locator('tr').first().locator('td').first();
  await first.waitFor();
  assert.equal(await first.textContent(), '-5');
  const wasm = problems.requests.filter((u) => u.endsWith('.wasm')).map((u) => new URL(u).pathname);
  assert.deepEqual(wasm, ['/pkg/convlab_bg.wasm']);
  assert.deepEqual(problems.console, []);
  await context.close();
});
