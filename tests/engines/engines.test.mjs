// The cross-browser subset: every section once in Firefox ESR and in WebKit (WebKitGTK,
// Safari's engine), through WebDriver. Neither has relaxed SIMD today, so this is where
// the plain build (www/pkg) runs the page. Chromium runs the whole e2e suite (tests/e2e).
// One session per engine walks the sections in order; every number read here was
// computed by the Rust core in that engine.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { engines, launchEngine, pageOf, setViewport, startServer, signDigitsDir, Key, ROOT, OUT } from './webdriver.mjs';
import input from 'selenium-webdriver/lib/input.js';

const H5 = path.join(ROOT, 'crate/tests/fixtures/h5');
const scratch = (name, text) => { const f = path.join(tmpdir(), name); writeFileSync(f, text); return f; };

for (const { name, available } of engines()) {
  // On CI a missing engine fails (in before) instead of being skipped.
  describe(name, { skip: available || process.env.CI === 'true' ? false : `${name} or its WebDriver is not installed here` }, () => {
    let server, session, driver, p;
    // A screenshot of the viewport, scrolled to `id` first (WebDriver shoots what is in view).
    const shot = async (what, id) => {
      if (id) await p.js('document.querySelector(`[data-testid="${arguments[0]}"]`).scrollIntoView({ block: "center" })', id);
      await p.screenshot(path.join(OUT, `${name}-${what}.png`));
    };
    before(async () => {
      if (process.env.CI === 'true' && !available) throw new Error(`CI=true but ${name} is missing`);
      mkdirSync(OUT, { recursive: true });
      server = await startServer();
      session = await launchEngine(name);
      driver = session.driver;
      p = pageOf(driver);
      await setViewport(driver, 1280, 900);
    });
    after(async () => { await session?.quit(); server?.close(); });

    test('section 1: the lecture convolution, scrubbed to the end by keys; the build this engine validates', async () => {
      await p.open(server.url, '#conv');
      assert.equal((await p.grid('conv-output'))[0][0], '-5');
      await (await p.byTestId('conv-scrub')).sendKeys(Key.END);
      await p.until('return document.querySelector("[data-testid=conv-output]").rows[3].cells[3].textContent !== ""');
      const rows = (await p.grid('conv-output')).map((r) => r.map(Number));
      assert.deepEqual(rows[0], [-5, -4, 0, 8]);
      assert.deepEqual(rows[3], [-3, -2, -3, -16]);
      // The core's build follows the engine's own answer to the relaxed-SIMD probe, and
      // only that build's wasm was fetched.
      const { build, wasm } = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
        import(new URL('core.js', location.href).href).then((m) => done({ build: m.build,
          wasm: performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((u) => u.endsWith('.wasm')) }));`);
      assert.deepEqual(wasm, [build === 'relaxed-simd' ? '/pkg-relaxed/convlab_bg.wasm' : '/pkg/convlab_bg.wasm']);
      console.log(`# ${name} runs the ${build} build`);
      // Offline use: the service worker takes the page and keeps that build (and only it).
      const wasmFile = wasm[0].slice(1);
      const kept = await driver.executeAsyncScript(`const [file, done] = arguments;
        const until = Date.now() + 30000;
        (async function poll() {
          const keys = await caches.keys();
          const cache = keys.length === 1 && await caches.open(keys[0]);
          const has = async (f) => !!(cache && await cache.match(new URL(f, location.href)));
          if (navigator.serviceWorker.controller && await has(file)) {
            done({ keys: keys.length, page: await has('./'), other: await has(file.startsWith('pkg/') ? 'pkg-relaxed/convlab_bg.wasm' : 'pkg/convlab_bg.wasm') });
          } else if (Date.now() > until) done(null); else setTimeout(poll, 200);
        })();`, wasmFile);
      assert.deepEqual(kept, { keys: 1, page: true, other: false }, `the service worker keeps ${wasmFile}`);
    });

    test('section 2: an edge filter on the step image; a photo is filtered; a text file is refused', async (t) => {
      await p.open(server.url, '#edges&filter=sobel_v&image=step');
      assert.deepEqual((await p.grid('edges-kernel')).map((r) => r.map(Number)), [[1, 0, -1], [2, 0, -2], [1, 0, -1]]);
      assert.match(await p.text('edges-range'), /from 0 to 40/);
      await (await p.byTestId('edges-file')).sendKeys(scratch('convlab-not-an-image.txt', 'this is not a picture'));
      await p.until('return [...document.querySelectorAll("#edges [data-testid=error]")].some((e) => !e.hidden && e.textContent)', [], 30000, 'the edges error');
      assert.match((await p.errors('edges')).join(' '), /not an image/);
      const dir = signDigitsDir(t);
      if (!dir) return;
      await (await p.byTestId('edges-file')).sendKeys(path.join(dir, 'photos/sign3_1.jpg'));
      await p.until('return document.querySelector("[data-testid=edges-image]").value === "photo"', [], 30000, 'the photo is used');
      const [h, w] = (await p.text('edges-output-size')).split('×').map(Number);
      assert.ok(Math.max(h, w) <= 510 && Math.min(h, w) > 20, `${h}×${w}`);
      assert.deepEqual(await p.errors('edges'), []);
      await shot('edges', 'edges-output');
    });

    test('section 3: a shape and its error', async () => {
      await p.open(server.url, '#shapes&n=7&f=3&p=0&s=2');
      assert.equal(await p.text('shape-formula'), 'floor((7 + 2·0 − 3)/2) + 1 = 3');
      await p.type('shape-f', '9');
      await p.waitText('shape-formula', /= \?$/); // the message is in the error box, once
      assert.match((await p.errors('shapes')).join(' '), /f = 9 is larger than the input n = 7: .*does not fit anywhere/);
      await p.type('shape-f', '3');
      await p.waitText('shape-formula', /= 3$/);
    });

    test('section 5: pooling, max and average of the lecture grid', async () => {
      await p.open(server.url, '#pooling');
      assert.deepEqual(await p.grid('pool-max'), [['9', '2'], ['6', '3']]);
      assert.deepEqual(await p.grid('pool-avg'), [['3.75', '1.25'], ['3.75', '2']]);
    });

    test('section 6: 3 epochs on the built-in hands, the curve and the maps drawn', async () => {
      await p.open(server.url, '#train');
      await p.waitText('train-data-status', /built-in synthetic hands/, 60000);
      await p.type('train-epochs', '3');
      await (await p.byTestId('train-start')).click();
      await p.until(`return /^Done/.test(document.querySelector('[data-testid="train-progress-text"]').textContent)
        || [...document.querySelectorAll('#train [data-testid="error"]')].some((e) => !e.hidden && e.textContent)`, [], 600000, 'training done');
      assert.deepEqual(await p.errors('train'), []);
      assert.match(await p.text('train-cost'), /Cost after epoch 3: [\d.]+/);
      assert.match(await p.js('return document.querySelector("[data-testid=train-curve]").getAttribute("aria-label")'), /epoch costs from [\d.]+ \(epoch 1\) to [\d.]+ \(epoch 3\)/);
      // The curve's canvas has ink on it, and the maps of every layer are drawn.
      const inked = await p.js(`const c = document.querySelector('[data-testid="train-curve"] canvas') || document.querySelector('[data-testid="train-curve"]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n;`);
      assert.ok(inked > 100, `the curve is drawn (${inked} pixels)`);
      for (const [layer, n] of [['conv1', 8], ['pool1', 8], ['conv2', 16], ['pool2', 16]]) {
        assert.equal(await p.js('return document.querySelectorAll(`[data-testid="train-maps-${arguments[0]}"] canvas`).length', layer), n, layer);
      }
      await shot('train', 'train-curve');
    });

    test('section 6: the course .h5 pair loads; a bad .h5 and a bad weights file are refused', async (t) => {
      await p.open(server.url, '#train');
      await (await p.byTestId('train-data-input')).sendKeys(path.join(H5, 'not_hdf5.h5'));
      await p.until('return [...document.querySelectorAll("#train [data-testid=error]")].some((e) => !e.hidden && /not an HDF5 file/.test(e.textContent))', [], 30000, 'the .h5 error');
      await (await p.byTestId('train-load-input')).sendKeys(scratch('convlab-broken-weights.json', '{"format": "convlab-weights", "version": 99}'));
      await p.until('return [...document.querySelectorAll("#train [data-testid=error]")].some((e) => !e.hidden && /version|missing field/i.test(e.textContent))', [], 30000, 'the weights error');
      const dir = signDigitsDir(t);
      if (!dir) return;
      await (await p.byTestId('train-data-input')).sendKeys(`${path.join(dir, 'train_sign_digits.h5')}\n${path.join(dir, 'test_sign_digits.h5')}`);
      await p.waitText('train-data-status', /Course files\. Training: \d+ pictures.*test: \d+ pictures/, 60000);
      assert.ok(await p.js('return document.querySelectorAll("[data-testid=train-preview] canvas").length') > 0, 'a preview of labelled pictures');
    });

    test('section 7: a photo is classified; a text file named .jpg is refused', async (t) => {
      await p.open(server.url, '#classify');
      await (await p.byTestId('classify-input')).sendKeys(scratch('convlab-not-a-photo.jpg', 'hello, I am not a JPEG\n'));
      await p.until('return [...document.querySelectorAll("#classify [data-testid=error]")].some((e) => !e.hidden && /could not be read as an image/.test(e.textContent))', [], 30000, 'the photo error');
      const dir = signDigitsDir(t);
      if (!dir) return;
      await (await p.byTestId('classify-input')).sendKeys(path.join(dir, 'photos/sign3_1.jpg'));
      await p.waitText('classify-prediction', /^[0-5]\b/, 60000);
      assert.match(await p.text('classify-prediction'), /^3 /, 'sign3_1.jpg shows 3');
      const bars = await p.js('return [...document.querySelectorAll("[data-testid=classify-probabilities] .bar-value")].map((b) => Number(b.textContent.replace("%", "")))');
      assert.equal(bars.length, 6);
      assert.ok(Math.abs(bars.reduce((a, b) => a + b, 0) - 100) < 0.5, `${bars}`);
      assert.deepEqual(await p.errors('classify'), []);
      await shot('classify', 'classify-prediction');
    });

    // Tablets and phones: nothing wider than the screen, every control on it (or in a box
    // that scrolls sideways by itself), and training usable on the phone. Screenshots in
    // tests/out/<engine>-<device>-<section>.png.
    for (const [device, width, height] of [['tablet', 768, 1024], ['phone', 390, 844]]) {
      test(`a ${device} (${width}x${height}, or the narrowest window the engine opens): every section fits, every control is reachable`, async () => {
        const [w, h] = await setViewport(driver, width, height);
        console.log(`# ${name} ${device}: a ${w}x${h} viewport`);
        // The narrowest window each engine opens: 500 (Firefox) and 447 (WebKitGTK) for the
        // phone; touch is tested below (Firefox) and in tests/e2e/touch.test.mjs (Chromium).
        assert.ok(w <= Math.max(width, 500) && w >= width - 2, `${w}x${h}`);
        try {
          await p.open(server.url);
          const sections = await p.js('return [...document.querySelectorAll("main > section[id]")].map((s) => s.id)');
          assert.ok(sections.length >= 7, `${sections}`);
          for (const id of sections) {
            await p.open(server.url, `#${id}`);
            const layout = await p.js(`const w = document.documentElement.clientWidth;
              const scrolls = (e) => { for (let a = e.parentElement; a; a = a.parentElement) { const o = getComputedStyle(a).overflowX; if ((o === 'auto' || o === 'scroll') && a.clientWidth <= w) return true; } return false; };
              const off = [...document.querySelectorAll('#' + arguments[0] + ' :is(button, input, select, textarea, a[href], [tabindex="0"])')]
                .filter((e) => e.offsetParent)
                .filter((e) => { const r = e.getBoundingClientRect(); return (r.left < -1 || r.right > w + 1) && !scrolls(e); })
                .map((e) => e.dataset.testid || e.outerHTML.slice(0, 80));
              return { page: document.documentElement.scrollWidth, width: w, off };`, id);
            assert.ok(layout.page <= layout.width, `#${id} is ${layout.page} px wide on a ${layout.width} px screen`);
            assert.deepEqual(layout.off, [], `#${id}: controls off the screen`);
            await shot(`${device}-${id}`);
          }
          if (device === 'phone') {
            await p.open(server.url, '#train');
            await p.waitText('train-data-status', /built-in synthetic hands/, 60000);
            await p.type('train-epochs', '1');
            await p.js('document.querySelector("[data-testid=train-start]").scrollIntoView({ block: "center" })');
            await (await p.byTestId('train-start')).click();
            await p.waitText('train-progress-text', /^Done/, 300000);
            assert.match(await p.text('train-cost'), /Cost after epoch 1: [\d.]+/);
            await shot('phone-trained', 'train-curve');
          }
        } finally {
          await setViewport(driver, 1280, 900);
        }
      });
    }

    // Touch, as a phone's finger: WebDriver's touch pointer (W3C actions). Firefox turns it
    // into real touch and pointer events; WebKitGTK's driver sends mouse events instead
    // (measured: pointerdown with pointerType "mouse"), so there touch stays untested.
    const noTouch = name === 'webkit' && 'WebKitGTK\'s WebDriver delivers touch actions as mouse events';
    test('a phone by touch: a tap picks a cell, a finger drags the slider, a finger reads the edge map', { skip: noTouch }, async () => {
      const finger = new input.Pointer('finger', input.Pointer.Type.TOUCH);
      // The element's box in viewport pixels, scrolled into view first.
      const box = (id) => p.js('const e = document.querySelector(arguments[0]); e.scrollIntoView({ block: "center" }); const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height };', id);
      const at = (x, y) => finger.move({ origin: input.Origin.VIEWPORT, x: Math.round(x), y: Math.round(y) });
      const touches = () => p.js('return window.touched');
      await setViewport(driver, 390, 844);
      try {
        await p.open(server.url, '#conv');
        await p.js('window.touched = []; for (const t of ["touchstart", "pointerdown"]) document.addEventListener(t, (e) => touched.push(`${t}:${e.pointerType ?? ""}`), true);');
        // A tap on the last output cell of the first row shows its arithmetic.
        const cell = await box('[data-testid="conv-output"] tr:first-child td:nth-child(4)');
        await driver.actions().insert(finger, at(cell.x + cell.w / 2, cell.y + cell.h / 2), finger.press(), finger.release()).perform();
        await p.waitText('conv-arithmetic', /^8 = /, 10000);
        // The position slider dragged by a finger to its right end: the last window.
        const s = await box('[data-testid="conv-scrub"]');
        const y = s.y + s.h / 2;
        const steps = Array.from({ length: 8 }, (_, i) => at(s.x + 4 + ((s.w - 4) * (i + 1)) / 8, y));
        await driver.actions().insert(finger, at(s.x + 4, y), finger.press(), ...steps, finger.release()).perform();
        assert.equal(await p.js('const e = document.querySelector("[data-testid=conv-scrub]"); return e.value === e.max'), true);
        assert.match(await p.text('conv-arithmetic'), /^-16 = /);
        assert.deepEqual([...new Set(await touches())].sort(), ['pointerdown:touch', 'touchstart:'], 'touch events, not a mouse');
        // Section 2: a finger on the response map reads the value under it (+30 on the edge).
        await p.open(server.url, '#edges&filter=vertical&image=step');
        const map = await box('[data-testid="edges-output"]');
        await driver.actions().insert(finger, at(map.x + map.w * 0.3, map.y + map.h / 2), finger.press(), finger.release()).perform();
        await p.waitText('edges-readout', /column 2: 30$/, 10000);
        await shot('touch-edges');
      } finally {
        await setViewport(driver, 1280, 900);
      }
    });

    // Last, as it stops the server: the page keeps working from the service worker's cache.
    test('offline: with the server stopped, the page reloads, trains one epoch and classifies a photo', async (t) => {
      const dir = signDigitsDir(t);
      if (!dir) return;
      server.close();
      await new Promise((r) => setTimeout(r, 500));
      await p.open(server.url, '#train');
      await p.waitText('train-data-status', /built-in synthetic hands/, 60000);
      await p.type('train-epochs', '1');
      await (await p.byTestId('train-start')).click();
      await p.waitText('train-progress-text', /^Done/, 300000);
      assert.match(await p.text('train-cost'), /Cost after epoch 1: [\d.]+/);
      await p.open(server.url, '#classify');
      await (await p.byTestId('classify-input')).sendKeys(path.join(dir, 'photos/sign3_1.jpg'));
      await p.waitText('classify-prediction', /^3 /, 60000);
    });
  });
}
