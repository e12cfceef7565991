// Visit every section as a new user would and save the screenshots the README and docs/screenshots show
// (tests/out/readme/<section>.jpg); each section must render its heading with no error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startServer, launch, openPage, OUT } from './harness.mjs';

const SECTIONS = ['conv', 'edges', 'shapes', 'volumes', 'pooling', 'backprop', 'train', 'classify'];
let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

test('every section renders and is captured for the README', async () => {
  const dir = path.join(OUT, 'readme');
  mkdirSync(dir, { recursive: true });
  const { page, context, problems } = await openPage(browser, server.url);
  for (const id of SECTIONS) {
    await page.click(`nav a[href="#${id}"]`);
    const section = page.locator(`section#${id}`);
    await section.waitFor({ state: 'visible' });
    assert.ok((await section.locator('h2').first().textContent()).length > 3, `${id} has a heading`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(dir, `${id}.jpg`), type: 'jpeg', quality: 70, fullPage: true });
  }
  assert.deepEqual(problems.console, []);
  assert.deepEqual(problems.failed, []);
  assert.deepEqual(problems.foreign, []);
  await context.close();
});
