// Open tests/bench/bench.html in headless Chromium (playwright-core, the flags of the e2e
// tests) from a server rooted at SERVE_DIR, stream the page's log, and print its result
// as one JSON line prefixed "BROWSER_RESULT ". Usage: node run_browser.mjs URL
import { readFileSync, readdirSync } from 'node:fs';
import { launch } from '../e2e/harness.mjs';

// CPU seconds (user + system) used so far by every process below this one (Chromium's
// browser, zygote, renderer, GPU...), from /proc: a clock that other load on a shared
// machine does not inflate, read by the page around each timed epoch.
function chromiumCpuSeconds() {
  const procs = new Map(); // pid -> [ppid, ticks]
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(d), [Number(f[1]), Number(f[11]) + Number(f[12])]);
    } catch { /* the process ended meanwhile */ }
  }
  const isBelow = (pid) => {
    for (let p = procs.get(pid)?.[0], hops = 0; p && hops < 64; p = procs.get(p)?.[0], hops++) {
      if (p === process.pid) return true;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, [, t]] of procs) if (isBelow(pid)) ticks += t;
  return ticks / 100; // USER_HZ
}

const url = process.argv[2];
const browser = await launch(); // the e2e tests' Chromium and flags
let code = 0;
try {
  const page = await (await browser.newContext()).newPage();
  page.on('console', (m) => { if (!m.text().startsWith('{')) console.error(`  [page] ${m.text()}`); });
  page.on('pageerror', (e) => console.error(`  [page error] ${e.message}`));
  page.on('requestfailed', (r) => console.error(`  [request failed] ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) console.error(`  [HTTP ${r.status()}] ${r.url()}`); });
  await page.exposeFunction('benchCpuSeconds', chromiumCpuSeconds);
  await page.goto(url);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 0, polling: 1000 });
  const result = await page.evaluate(() => window.benchResult);
  console.log(`BROWSER_RESULT ${JSON.stringify(result)}`);
  if (result.error) code = 1;
} finally {
  await browser.close();
}
process.exit(code);
