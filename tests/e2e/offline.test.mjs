// Offline after one visit (issue 16): the service worker (www/sw.js) keeps the page, the
// core build this browser runs and the models. Load, go offline, reload, train one epoch,
// classify a photo. Then a new build is published (another page and another wasm): a
// reload offers it, and once taken the page runs the new files only, wasm included, from
// a cache that holds that version alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, launch, openPage, byTestId, signDigitsDir, waitText, ROOT } from './harness.mjs';

let server, browser, www;
before(async () => {
  www = mkdtempSync(path.join(tmpdir(), 'convlab-www-'));
  cpSync(path.join(ROOT, 'www'), www, { recursive: true });
  server = await startServer(www);
  browser = await launch();
});
after(async () => { await browser?.close(); server?.close(); rmSync(www, { recursive: true, force: true }); });

const version = () => readFileSync(path.join(www, 'offline-files.js'), 'utf8').match(/"version": "(\w+)"/)[1];
// The service worker's caches, and whether the given files are in the page's one.
const cached = (page, files) => page.evaluate(async (files) => {
  const keys = await caches.keys();
  const cache = await caches.open(keys[0]);
  const bytes = {};
  for (const f of files) {
    const r = await cache.match(new URL(f, location.href));
    bytes[f] = r ? Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await r.arrayBuffer()))).map((b) => b.toString(16).padStart(2, '0')).join('') : null;
  }
  return { keys, bytes };
}, files);
const sha = (f) => createHash('sha256').update(readFileSync(path.join(www, f))).digest('hex');

test('offline after one visit; a new build replaces the old one whole', async (t) => {
  const dir = signDigitsDir(t);
  if (!dir) return;
  const { page, context, problems } = await openPage(browser, server.url);
  // The first visit installs the worker, which takes the page and keeps its core build.
  await page.waitForFunction(() => navigator.serviceWorker.controller, null, { timeout: 30000 });
  // A first visit is no update: no note about another tab.
  assert.equal(await byTestId(page, 'update-note').isHidden(), true, await byTestId(page, 'update-note').textContent());
  const wasm = 'pkg-relaxed/convlab_bg.wasm';
  await page.waitForFunction(async (f) => (await caches.keys()).length === 1
    && !!(await (await caches.open((await caches.keys())[0])).match(new URL(f, location.href))), wasm, { timeout: 30000 });
  const first = await cached(page, ['./', 'main.js', 'models/hand.json', wasm, 'pkg/convlab_bg.wasm']);
  assert.deepEqual(first.keys, [`convlab-${version()}`]);
  assert.equal(first.bytes[wasm], sha(wasm));
  assert.equal(first.bytes['pkg/convlab_bg.wasm'], null, 'the build this browser does not run is not downloaded');

  // Offline: reload, train one epoch, classify a photo.
  await context.setOffline(true);
  await page.goto(`${server.url}#train`);
  await waitText(page, 'train-data-status', 'built-in synthetic hands', 60000);
  await byTestId(page, 'train-epochs').fill('1');
  await byTestId(page, 'train-start').click();
  await waitText(page, 'train-progress-text', '^Done');
  assert.match(await byTestId(page, 'train-cost').textContent(), /Cost after epoch 1: [\d.]+/);
  await page.goto(`${server.url}#classify`);
  await byTestId(page, 'classify-input').setInputFiles(path.join(dir, 'photos/sign3_1.jpg'));
  await waitText(page, 'classify-prediction', '^3 ', 60000);
  assert.deepEqual(problems.console, []);

  // A new build: another page and another wasm (a custom section added), a new list.
  await context.setOffline(false);
  const old = version();
  const html = path.join(www, 'index.html');
  writeFileSync(html, readFileSync(html, 'utf8').replace('<p class="tagline"', '<p class="tagline" data-build="2"'));
  appendFileSync(path.join(www, wasm), Buffer.from([0, 3, 2, 0x76, 0x32])); // custom section "v2"
  execFileSync('python3', ['scripts/offline_files.py', '--dir', www], { cwd: ROOT });
  assert.notEqual(version(), old);
  // The page at work finds the new version (as a browser's own update check would) and
  // keeps running the old one, offering the new. (A reload instead races: a version that
  // finishes installing before the page starts is taken at once, as offline.js intends.)
  await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
  await byTestId(page, 'update-reload').waitFor({ timeout: 30000 });
  assert.equal(await page.locator('.tagline[data-build="2"]').count(), 0);
  await Promise.all([page.waitForEvent('load'), byTestId(page, 'update-reload').click()]);
  await page.waitForFunction(() => document.getElementById('status')?.hidden === true, null, { timeout: 30000 });
  assert.equal(await page.locator('.tagline[data-build="2"]').count(), 1, 'the new page runs');
  const now = await cached(page, ['./', wasm]);
  assert.deepEqual(now.keys, [`convlab-${version()}`], 'the old version\'s cache is gone');
  assert.equal(now.bytes[wasm], sha(wasm), 'the new wasm, not the old');
  assert.equal(await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).length), 1);
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.foreign, []);
  await context.close();
});

test('the manifest names the page and its icons, all of them served', async () => {
  const res = await fetch(new URL('manifest.webmanifest', server.url));
  assert.equal(res.headers.get('content-type'), 'application/manifest+json');
  const m = await res.json();
  assert.equal(m.short_name, 'ConvLab');
  assert.equal(m.start_url, './');
  assert.ok(m.icons.some((i) => i.sizes === '512x512' && i.type === 'image/png'));
  for (const icon of m.icons) {
    const r = await fetch(new URL(icon.src, server.url));
    assert.equal(r.status, 200, icon.src);
    if (icon.type === 'image/png') {
      const png = Buffer.from(await r.arrayBuffer());
      assert.equal(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.sizes, icon.src);
    }
  }
});
