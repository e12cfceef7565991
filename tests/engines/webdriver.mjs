// Firefox and WebKit through WebDriver (selenium-webdriver): Debian's firefox-esr driven
// by geckodriver (built from crates.io by scripts/setup.sh --test), and WebKitGTK's
// MiniBrowser driven by WebKitWebDriver (Debian's webkit2gtk-driver; it needs a display:
// scripts/test.sh runs this suite under xvfb-run). Chromium stays on playwright-core
// (tests/e2e/harness.mjs). Drivers are always given by path: selenium never downloads one.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { Builder, By, Key } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';

export { startServer, signDigitsDir, ROOT, OUT } from '../e2e/harness.mjs';
export { By, Key };

const which = (name) => {
  try { return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null; } catch { return null; }
};
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** The engines this machine can drive: names from ENGINES (default "firefox,webkit"). */
export function engines() {
  const wanted = (process.env.ENGINES || 'firefox,webkit').split(',').map((s) => s.trim()).filter(Boolean);
  const found = {
    firefox: which('firefox-esr') && (process.env.GECKODRIVER || which('geckodriver')),
    webkit: which('WebKitWebDriver') && existsSync(MINIBROWSER) && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY),
  };
  return wanted.map((name) => ({ name, available: Boolean(found[name]) }));
}

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

// WebKitWebDriver on a free port, ready when it accepts connections.
async function startWebKitDriver() {
  const port = await freePort();
  const proc = spawn('WebKitWebDriver', [`--port=${port}`], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => { c.end(); r(true); }).on('error', () => r(false)); });
    if (up) return { url: `http://127.0.0.1:${port}`, close: () => proc.kill() };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('WebKitWebDriver did not start');
}

/** A WebDriver session in `engine` ('firefox' | 'webkit'); `quit()` also stops its driver. */
export async function launchEngine(engine) {
  if (engine === 'firefox') {
    const options = new firefox.Options().setBinary(which('firefox-esr')).addArguments('-headless');
    const service = new firefox.ServiceBuilder(process.env.GECKODRIVER || which('geckodriver'));
    const driver = await new Builder().forBrowser('firefox').setFirefoxOptions(options).setFirefoxService(service).build();
    return { driver, quit: () => driver.quit() };
  }
  if (engine === 'webkit') {
    const server = await startWebKitDriver();
    const driver = await new Builder().usingServer(server.url).withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    }).build();
    return { driver, quit: async () => { try { await driver.quit(); } finally { server.close(); } } };
  }
  throw new Error(`unknown engine ${engine}`);
}

/** Sizes the window so that the page's viewport is width x height CSS pixels, or as
 *  close as the engine allows (a window at least 500 pixels wide in headless Firefox,
 *  about 450 in WebKitGTK's MiniBrowser); returns the viewport's [width, height]. */
export async function setViewport(driver, width, height) {
  // WebKitGTK resizes after setRect returns: a read right away can still show the old
  // window (a CI run read a stale width and "corrected" a tablet to 447 px). So after
  // each setRect wait until the viewport has left its old size (or 3 s pass), then until
  // it holds still, before reading or correcting it.
  const viewport = () => driver.executeScript('return [innerWidth, innerHeight]');
  const pause = () => new Promise((r) => setTimeout(r, 100));
  const resize = async (rect) => {
    const before = await viewport();
    await driver.manage().window().setRect(rect);
    let now = await viewport();
    for (let i = 0; i < 30 && now[0] === before[0] && now[1] === before[1]; i++) { await pause(); now = await viewport(); }
    for (let i = 0; i < 30; i++) {
      await pause();
      const next = await viewport();
      if (next[0] === now[0] && next[1] === now[1]) break;
      now = next;
    }
    return now;
  };
  let [iw, ih] = await resize({ width, height });
  if (iw !== width || ih !== height) [iw, ih] = await resize({ width: width + (width - iw), height: height + (height - ih) });
  return [iw, ih];
}

/** Page helpers over one session. */
export function pageOf(driver) {
  const sel = (id) => `[data-testid="${id}"]`;
  const p = {
    byTestId: (id) => driver.findElement(By.css(sel(id))),
    js: (body, ...args) => driver.executeScript(body, ...args),
    text: (id) => driver.executeScript('return document.querySelector(arguments[0])?.textContent ?? null', sel(id)),
    // Waits until `body` (a function body over `arguments`) returns a truthy value.
    until: async (body, args = [], timeout = 30000, what = body) => {
      const end = Date.now() + timeout;
      for (;;) {
        const v = await driver.executeScript(body, ...args);
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    waitText: (id, re, timeout) => p.until('return new RegExp(arguments[1]).test(document.querySelector(arguments[0])?.textContent || "")',
      [sel(id), re.source], timeout, `${id} ~ ${re}`),
    // The section's visible error messages.
    errors: (section) => driver.executeScript('return [...document.querySelectorAll(`#${arguments[0]} [data-testid="error"]`)].filter((e) => !e.hidden && e.offsetParent).map((e) => e.textContent)', section),
    // Opens the page afresh at `hash` (another hash on the same page would not reload it)
    // and waits until the core has loaded. A page that asks before leaving (after a
    // training run) is left.
    open: async (url, hash = '') => {
      try {
        await driver.get('about:blank');
      } catch {
        await driver.switchTo().alert().accept().catch(() => {});
      }
      await driver.get(`${url}${hash}`);
      await p.until('return document.getElementById("status")?.hidden === true || document.querySelector("[data-testid=error]")', [], 60000, 'the core loaded');
      const failed = await driver.executeScript('return document.getElementById("status")?.hidden === true ? null : document.getElementById("status").textContent');
      if (failed) throw new Error(`the page did not load: ${failed}`);
    },
    // Empties a field and types `value` into it, key by key.
    type: async (id, value) => {
      const e = await p.byTestId(id);
      await e.clear();
      await e.sendKeys(String(value));
    },
    grid: (id) => driver.executeScript('return [...document.querySelector(arguments[0]).rows].map((r) => [...r.cells].map((c) => c.querySelector("input")?.value ?? c.textContent))', sel(id)),
    screenshot: async (file) => {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(file, Buffer.from(await driver.takeScreenshot(), 'base64'));
    },
  };
  return p;
}
