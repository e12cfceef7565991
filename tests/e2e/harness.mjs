// Shared set-up for the end-to-end tests: serve www/ with the project's own server on a
// free loopback port, drive Debian's Chromium with playwright-core, and record every
// console error and every request so a test can fail on either.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = path.join(ROOT, 'tests/out');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// The shared sign-digit data (../shared beside the repository): skip without it, but
// never on CI, which always has it.
export function signDigitsDir(t) {
  const dir = process.env.CONVLAB_SIGN_DIGITS || path.join(ROOT, '../shared/data/sign-digits');
  if (existsSync(path.join(dir, 'train_sign_digits.h5'))) return dir;
  if (process.env.CI === 'true') throw new Error(`CI=true but no shared data at ${dir}`);
  t.skip(`no shared sign-digits data at ${dir}`);
  return null;
}

// `dir`: the folder served (default www/; the offline test serves a copy it can change).
export async function startServer(dir = 'www') {
  const proc = spawn('python3', ['scripts/serve.py', '--port', '0', '--dir', dir, '--quiet'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (m) resolve(m[0]);
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
    setTimeout(() => reject(new Error('server did not start')), 10000);
  });
  return { url, close: () => proc.kill() };
}

// `extraArgs`: more Chromium flags, e.g. --js-flags=--expose-gc for the memory figures or
// the fake webcam (--use-fake-ui-for-media-stream --use-fake-device-for-media-stream).
export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', ...extraArgs],
  });
}

// A page that records console errors, uncaught exceptions, failed requests and every
// request that leaves the page's own origin.
// `init`: a function run in the page before its own scripts (e.g. a PerformanceObserver).
export async function openPage(browser, url, { viewport = { width: 1280, height: 900 }, init = null } = {}) {
  const context = await browser.newContext({ viewport });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const origin = new URL(url).origin;
  const problems = { console: [], failed: [], foreign: [], requests: [] };
  page.on('console', (m) => { if (m.type() === 'error') problems.console.push(m.text()); });
  page.on('pageerror', (e) => problems.console.push(`uncaught: ${e.message}`));
  page.on('request', (r) => {
    problems.requests.push(r.url());
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:')) problems.foreign.push(u);
  });
  page.on('requestfailed', (r) => problems.failed.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.failed.push(`${r.url()} ${r.status()}`); });
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status')?.hidden === true
    || document.querySelector('[data-testid="error"]'), null, { timeout: 20000 });
  return { page, context, problems };
}

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);
export const textOf = (page, id) => byTestId(page, id).textContent();
export const visibleErrors = (page, section) => page.locator(`#${section} [data-testid="error"]:not([hidden])`).allTextContents();
// Waits until the element's text matches the regular expression source `source`.
export const waitText = (page, id, source, timeout = 120000) => page.waitForFunction(
  ([i, s]) => new RegExp(s).test(document.querySelector(`[data-testid="${i}"]`)?.textContent || ''), [id, source], { timeout });

// Section 6 opened (`hash`: '#train' and its parameters), ready with the built-in hands.
export async function openTrain(browser, url, hash = '#train') {
  const opened = await openPage(browser, `${url}${hash}`);
  await waitText(opened.page, 'train-data-status', 'built-in synthetic hands', 60000);
  return opened;
}

// axe over the header and section `id`; the serious and critical violations, one line each.
export async function axe(page, id) {
  const { violations } = await new AxeBuilder({ page }).include('header').include(`#${id}`).analyze();
  const other = violations.filter((v) => !['serious', 'critical'].includes(v.impact));
  if (other.length) console.log(`# ${id}: ${other.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`).join(', ')}`);
  return violations.filter((v) => ['serious', 'critical'].includes(v.impact))
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}
