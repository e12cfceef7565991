// Hardening (issue 8): every numeric control of the lecture sections gets the bad inputs
// a class of students produces (0, -1, NaN, empty, 1e12, "abc"), typed as a user types
// them and set directly as a script would. After each: an error message is visible in
// the section, or the control holds a valid value; no uncaught exception, no console
// error; and once the control is back to its default the section computes the lecture's
// numbers again. Then: fast section switching, presentation mode, a phone viewport, the
// CSP and a request log. A table of what was tried goes to tests/out/hardening.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage, byTestId, OUT, ROOT } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); mkdirSync(OUT, { recursive: true }); });
after(async () => { await browser?.close(); server?.close(); });

const BAD = ['0', '-1', 'NaN', '', '1e12', 'abc'];
const grid = (page, id) => byTestId(page, id).locator('tr').evaluateAll(
  (trs) => trs.map((tr) => Array.from(tr.cells, (c) => c.textContent)));

// The numeric controls of each lecture section, how to reveal them, and a check that
// the section computes the lecture's numbers (run at the start and after the bad inputs).
const SECTIONS = {
  conv: {
    controls: ['[data-testid="conv-input"] input >> nth=0', '[data-testid="conv-filter"] input >> nth=0',
      '[data-testid="conv-scrub"]'],
    async works(page) {
      await byTestId(page, 'conv-reset').click(); // back to position 1, as the page opens
      assert.equal(await byTestId(page, 'conv-arithmetic').textContent(),
        '-5 = 3x1 + 1x1 + 2x1 + 0x0 + 5x0 + 7x0 + 1x(-1) + 8x(-1) + 2x(-1)');
    },
  },
  edges: {
    async reveal(page) {
      await byTestId(page, 'edges-filter').selectOption('custom');
      await byTestId(page, 'edges-learn-panel').evaluate((el) => { el.hidden = false; });
    },
    controls: ['[data-testid="edges-custom"] input >> nth=0', '[data-testid="edges-custom"] input >> nth=4',
      '[data-testid="edges-angle"]'],
    async works(page) {
      await byTestId(page, 'edges-filter').selectOption('custom');
      assert.match(await byTestId(page, 'edges-output-size').textContent(), /\d+\D+\d+/);
      const hi = await byTestId(page, 'edges-high').textContent();
      assert.ok(hi.trim().length > 0, 'the legend shows a range');
    },
  },
  shapes: {
    controls: ['[data-testid="shape-n"]', '[data-testid="shape-f"]', '[data-testid="shape-p"]', '[data-testid="shape-s"]'],
    async works(page) {
      for (const [id, v] of [['shape-n', '7'], ['shape-f', '3'], ['shape-p', '0'], ['shape-s', '2']]) {
        await byTestId(page, id).fill(v);
      }
      assert.equal(await byTestId(page, 'shape-formula').textContent(), 'floor((7 + 2·0 − 3)/2) + 1 = 3');
    },
  },
  volumes: {
    controls: ['[data-testid="volumes-b1"]', '[data-testid="volumes-b2"]', '[data-testid="volumes-in-h"]',
      '[data-testid="volumes-in-w"]', '[data-testid="volumes-in-c"]', '[data-testid="volumes-table"] input[type="number"] >> nth=0'],
    async works(page) {
      await byTestId(page, 'volumes-preset').selectOption('lenet5');
      const rows = await byTestId(page, 'volumes-table').locator('tbody tr').evaluateAll(
        (trs) => trs.map((tr) => Array.from(tr.cells, (c) => c.textContent)));
      assert.equal(rows[1][7], '456');
      assert.match(await byTestId(page, 'volumes-compare').textContent(), /456 parameters/);
    },
  },
  pooling: {
    controls: ['[data-testid="pool-f"]', '[data-testid="pool-s"]', '[data-testid="pool-input"] input >> nth=0'],
    async works(page) {
      await byTestId(page, 'pool-lecture').click();
      assert.deepEqual(await grid(page, 'pool-max'), [['9', '2'], ['6', '3']]);
      assert.deepEqual(await grid(page, 'pool-avg'), [['3.75', '1.25'], ['3.75', '2']]);
    },
  },
};

// Types `text` like a user (select all, type, Tab: Chromium drops the letters a number
// field refuses), or sets it like a script (value + input + change events).
async function enter(page, control, text, how) {
  const el = page.locator(control);
  if (how === 'typed' && await el.getAttribute('type') !== 'range') {
    await el.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    if (text) await page.keyboard.type(text);
    await page.keyboard.press('Tab');
  } else {
    await el.evaluate((e, v) => {
      e.value = v;
      e.dispatchEvent(new Event('input', { bubbles: true }));
      e.dispatchEvent(new Event('change', { bubbles: true }));
    }, text);
  }
}

// What the page did with it: a visible error in the section, or a valid value kept.
async function outcome(page, section, control) {
  const errors = await page.locator(`#${section} [data-testid="error"]:visible`).allTextContents();
  const state = await page.locator(control).evaluate((e) => ({
    value: e.value, valid: e.checkValidity(),
    inRange: (e.min === '' || Number(e.value) >= Number(e.min)) && (e.max === '' || Number(e.value) <= Number(e.max)),
  }));
  const validValue = state.value.trim() !== '' && Number.isFinite(Number(state.value)) && state.valid && state.inRange;
  return { errors, value: state.value, ok: errors.length > 0 || validValue };
}

const table = [];

for (const [section, spec] of Object.entries(SECTIONS)) {
  test(`bad numbers in every control of #${section}: a message or a valid value, then the lecture numbers again`, async () => {
    const { page, context, problems } = await openPage(browser, `${server.url}#${section}`);
    await spec.reveal?.(page);
    await spec.works(page);
    await spec.reveal?.(page);
    const failures = [];
    for (const control of spec.controls) {
      const original = await page.locator(control).inputValue();
      for (const how of ['typed', 'set']) {
        for (const text of BAD) {
          const before = problems.console.length;
          await enter(page, control, text, how);
          const out = await outcome(page, section, control);
          const consoleErrors = problems.console.slice(before);
          const row = { section, control, how, input: text, shown: out.errors[0]?.slice(0, 90) ?? '', kept: out.value, ok: out.ok && consoleErrors.length === 0, console: consoleErrors };
          table.push(row);
          if (!row.ok) failures.push(row);
        }
        // Back to the default value: any error about this control goes away.
        await enter(page, control, original, 'set');
      }
    }
    // Nothing stuck: the section computes the lecture's numbers again.
    await spec.works(page);
    const left = await page.locator(`#${section} [data-testid="error"]:visible`).allTextContents();
    assert.deepEqual(left, [], 'an error message stayed after every control was put back');
    assert.deepEqual(failures, [], 'inputs with neither a message nor a valid value');
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.failed, []);
    await context.close();
  });
}

test('switching sections fast (every nav link, 20 rounds) raises no error', async () => {
  const { page, context, problems } = await openPage(browser, server.url);
  const links = await page.locator('nav[data-testid="nav"] a').all();
  for (let round = 0; round < 20; round++) {
    for (const link of links) await link.click({ noWaitAfter: true });
  }
  // The last link's section (or the first one, for a section not on this page yet) shows.
  await page.waitForTimeout(300);
  const shown = await page.locator('main > section:not([hidden])').count();
  assert.equal(shown, 1, 'exactly one section visible');
  await page.goto(`${server.url}#shapes&n=7&f=3&p=0&s=2`);
  assert.equal(await byTestId(page, 'shape-formula').textContent(), 'floor((7 + 2·0 − 3)/2) + 1 = 3');
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.failed, []);
  await context.close();
});

test('presentation mode on and off: larger type, remembered, no error', async () => {
  const { page, context, problems } = await openPage(browser, `${server.url}#conv`);
  const size = () => page.locator('#conv h2').evaluate((h) => parseFloat(getComputedStyle(h).fontSize));
  const normal = await size();
  await page.locator('#present-toggle').click();
  assert.equal(await page.locator('#present-toggle').getAttribute('aria-pressed'), 'true');
  assert.ok(await size() > normal, 'presentation mode enlarges the headings');
  await page.screenshot({ path: path.join(OUT, 'hardening-present.png') });
  await page.reload();
  await page.waitForFunction(() => document.getElementById('status')?.hidden === true);
  assert.ok(await page.locator('body.present').count() === 1, 'the choice survives a reload');
  await page.locator('#present-toggle').click();
  assert.equal(await size(), normal);
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('phone viewport 375x700: no section overflows the body sideways', async () => {
  const { page, context, problems } = await openPage(browser, server.url, { viewport: { width: 375, height: 700 } });
  const sections = await page.locator('main > section[id]').evaluateAll((s) => s.map((x) => x.id));
  const report = {};
  for (const id of sections) {
    await page.goto(`${server.url}#${id}`);
    await page.waitForTimeout(200);
    report[id] = await page.evaluate(() => {
      const doc = document.documentElement;
      const width = doc.clientWidth;
      // The widest elements sticking out to the right, outermost first.
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.right > width + 1 && !out.some((o) => o.el.contains(el))) {
          out.push({ el, what: `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''}${el.className ? `.${String(el.className).split(' ')[0]}` : ''}`, right: Math.round(r.right) });
        }
      }
      return { scrollWidth: doc.scrollWidth, clientWidth: width, overflowing: out.slice(0, 5).map(({ what, right }) => ({ what, right })) };
    });
    if (id === 'shapes') await page.screenshot({ path: path.join(OUT, 'hardening-phone-shapes.png'), fullPage: true });
  }
  writeFileSync(path.join(OUT, 'hardening-phone.json'), JSON.stringify(report, null, 2));
  const bad = Object.entries(report).filter(([, r]) => r.scrollWidth > r.clientWidth);
  assert.deepEqual(bad, [], 'sections wider than a 375 px phone');
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('served CSP forbids other origins, eval and inline code; the HTML has no inline script or style', async () => {
  const res = await fetch(server.url);
  const csp = res.headers.get('content-security-policy') ?? '';
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives['default-src'], ["'self'"]);
  for (const key of ['script-src', 'style-src', 'connect-src', 'img-src', 'worker-src', 'media-src']) {
    const sources = directives[key] ?? directives['default-src'];
    for (const s of sources) {
      assert.ok(["'self'", "'wasm-unsafe-eval'", 'blob:', 'data:', 'mediastream:'].includes(s), `${key} allows ${s}`);
    }
  }
  assert.ok(!(directives['style-src'] ?? []).includes('data:'));
  assert.deepEqual(directives['object-src'], ["'none'"]);
  assert.deepEqual(directives['frame-ancestors'], ["'none'"]);
  const html = await res.text();
  for (const m of html.matchAll(/<script\b[^>]*>/gi)) assert.match(m[0], /\bsrc=/, `inline script: ${m[0]}`);
  assert.doesNotMatch(html, /<style\b/i, 'inline <style>');
  assert.doesNotMatch(html, /\sstyle\s*=/i, 'inline style attribute');
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'inline event handler');
  assert.doesNotMatch(html, /javascript:/i);
  // No eval-like code in the page's own scripts (the CSP would block it anyway).
  const scripts = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith('pkg')) walk(p); else if (e.name.endsWith('.js')) scripts.push(p);
    }
  };
  walk(path.join(ROOT, 'www'));
  for (const file of scripts) {
    const src = readFileSync(file, 'utf8');
    assert.doesNotMatch(src, /\beval\s*\(|new Function\s*\(|setTimeout\(\s*['"`]/, `${file} evaluates code`);
    assert.doesNotMatch(src, /https?:\/\/(?!127\.0\.0\.1|localhost)[a-z]/i, `${file} names another origin`);
  }
});

test('a session through every section requests only the page\'s own files', async () => {
  const { page, context, problems } = await openPage(browser, server.url);
  const origin = new URL(server.url).origin;
  const sections = await page.locator('main > section[id]').evaluateAll((s) => s.map((x) => x.id));
  for (const id of sections) {
    await page.locator(`nav a[href="#${id}"]`).click();
    await page.waitForTimeout(150);
  }
  // A little use of each: step, a filter, a shape, a preset, pooling.
  await page.locator('nav a[href="#conv"]').click();
  await byTestId(page, 'conv-step').click();
  await page.locator('nav a[href="#edges"]').click();
  await byTestId(page, 'edges-filter').selectOption({ index: 2 });
  await page.locator('nav a[href="#shapes"]').click();
  await byTestId(page, 'shape-p').fill('1');
  await page.locator('nav a[href="#volumes"]').click();
  await byTestId(page, 'volumes-preset').selectOption('signs');
  await page.locator('nav a[href="#pooling"]').click();
  await byTestId(page, 'pool-s').fill('1');
  await page.waitForTimeout(300);
  writeFileSync(path.join(OUT, 'hardening-requests.txt'), `${problems.requests.join('\n')}\n`);
  // blob: and data: URLs of this origin never reach the network.
  const foreign = problems.requests.filter((u) => !(u.startsWith(`${origin}/`) || u.startsWith(`blob:${origin}/`) || u.startsWith('data:')));
  assert.deepEqual(foreign, [], 'requests that leave the page\'s origin');
  assert.ok(problems.requests.some((u) => u.endsWith('.wasm')), 'the log saw the wasm module');
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.failed, []);
  await context.close();
});

after(() => {
  writeFileSync(path.join(OUT, 'hardening.json'), JSON.stringify(table, null, 1));
  const bad = table.filter((r) => !r.ok);
  console.log(`hardening: ${table.length} bad inputs tried on ${new Set(table.map((r) => r.control)).size} controls, ${bad.length} without a message or a valid value`);
});
