// Draws the web app manifest's PNG icons (www/icons/) from www/favicon.svg with the
// test Chromium: `node scripts/icons.mjs`. The maskable one fills its square with the
// icon's background colour, so a launcher may cut any shape out of it.
import { readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { launch, ROOT } from '../tests/e2e/harness.mjs';

const svg = readFileSync(path.join(ROOT, 'www/favicon.svg'), 'utf8');
const background = svg.match(/<rect [^>]*fill="(#[0-9a-f]+)"/i)[1];
const out = path.join(ROOT, 'www/icons');
mkdirSync(out, { recursive: true });
const browser = await launch();
for (const [name, size, maskable] of [['icon-192', 192, false], ['icon-512', 512, false], ['icon-maskable-512', 512, true]]) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  const inner = maskable ? Math.round(size * 0.8) : size;
  await page.setContent(`<body style="margin:0;background:${maskable ? background : 'transparent'};display:grid;place-items:center;height:100vh">
    <img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}" width="${inner}" height="${inner}"></body>`);
  await page.screenshot({ path: path.join(out, `${name}.png`), omitBackground: !maskable });
  await page.close();
}
await browser.close();
console.log(`icons written to ${out}`);
