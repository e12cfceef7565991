// Open tests/bench/bench.html in headless Chromium (playwright-core, the flags of the e2e
// tests) from a server rooted at SERVE_DIR, stream the page's log, and print its result
// as one JSON line prefixed "BROWSER_RESULT ". Usage: node run_browser.mjs URL
import { chromium } from 'playwright-core';

const url = process.argv[2];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage'],
});
let code = 0;
try {
  const page = await (await browser.newContext()).newPage();
  page.on('console', (m) => { if (!m.text().startsWith('{')) console.error(`  [page] ${m.text()}`); });
  page.on('pageerror', (e) => console.error(`  [page error] ${e.message}`));
  page.on('requestfailed', (r) => console.error(`  [request failed] ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) console.error(`  [HTTP ${r.status()}] ${r.url()}`); });
  await page.goto(url);
  await page.waitForFunction(() => window.benchResult !== undefined, null, { timeout: 0, polling: 1000 });
  const result = await page.evaluate(() => window.benchResult);
  console.log(`BROWSER_RESULT ${JSON.stringify(result)}`);
  if (result.error) code = 1;
} finally {
  await browser.close();
}
process.exit(code);
