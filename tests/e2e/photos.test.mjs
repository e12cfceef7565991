// Hardening (issues 6 and 8): a 10000x10000 photo is refused from its header, before the
// browser decodes it (400 MB of pixels), with a message that names the 50-megapixel limit;
// the page keeps working. The PNG is a real, valid file made here (1-bit grey, 12 KB).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { startServer, launch, openPage, byTestId } from './harness.mjs';

let server, browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); server?.close(); });

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xFFFFFFFF;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >>> 8);
  return (c ^ 0xFFFFFFFF) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
// A valid black-and-white PNG of `w` x `h` pixels (bit depth 1, no filtering).
export function bigPng(w, h) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([1, 0, 0, 0, 0], 8);
  const row = Math.ceil(w / 8) + 1;
  const raw = Buffer.alloc(row * h); // every row: filter 0, all pixels black
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

test('a 10000x10000 PNG is refused before decoding, naming the limit; the lab still works', async () => {
  const file = path.join(tmpdir(), 'convlab-10000x10000.png');
  writeFileSync(file, bigPng(10000, 10000));
  const { page, context, problems } = await openPage(browser, `${server.url}#edges`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const before = (await cdp.send('Runtime.getHeapUsage')).usedSize;
  await byTestId(page, 'edges-file').setInputFiles(file);
  const error = page.locator('#edges [data-testid="error"]:not([hidden])');
  await error.first().waitFor({ timeout: 20000 });
  const message = await error.first().textContent();
  assert.match(message, /10000x10000 pixels/);
  assert.match(message, /limit of 50 megapixels/);
  assert.match(message, /before decoding/);
  const heap = (await cdp.send('Runtime.getHeapUsage')).usedSize;
  assert.ok(heap - before < 64 << 20, `the JS heap did not take the pixels: +${((heap - before) / 1048576).toFixed(1)} MB`);
  // The lab still filters: a built-in picture, then a small PNG made the same way.
  await byTestId(page, 'edges-image').selectOption('disc');
  await page.waitForFunction(() => document.querySelector('[data-testid="edges-input-size"]')?.textContent === '128×128');
  const small = path.join(tmpdir(), 'convlab-640x480.png');
  writeFileSync(small, bigPng(640, 480));
  await byTestId(page, 'edges-file').setInputFiles(small);
  await page.waitForFunction(() => document.querySelector('[data-testid="edges-input-size"]')?.textContent === '384×512', null, { timeout: 20000 });
  assert.equal(await error.count(), 0, 'the message is gone once a good photo is in');
  assert.deepEqual(problems.console, []);
  await context.close();
});

test('classify refuses a 10000x10000 PNG before decoding and then classifies a photo', async () => {
  const file = path.join(tmpdir(), 'convlab-10000x10000.png');
  writeFileSync(file, bigPng(10000, 10000));
  const { page, context, problems } = await openPage(browser, `${server.url}#classify`);
  await byTestId(page, 'classify-input').setInputFiles(file);
  const error = page.locator('#classify [data-testid="error"]:not([hidden])');
  await error.first().waitFor({ timeout: 20000 });
  const message = await error.first().textContent();
  assert.match(message, /10000x10000 pixels/);
  assert.match(message, /limit of 50 megapixels/);
  assert.match(message, /before decoding/);
  // Still works: a small picture gets an answer (a digit 0-5) and the message goes.
  const small = path.join(tmpdir(), 'convlab-640x480.png');
  writeFileSync(small, bigPng(640, 480));
  await byTestId(page, 'classify-input').setInputFiles(small);
  await page.waitForFunction(() => /^[0-5]/.test(document.querySelector('[data-testid="classify-prediction"]')?.textContent || ''), null, { timeout: 30000 });
  assert.equal(await error.count(), 0, 'the message is gone once a good photo is in');
  assert.deepEqual(problems.console, []);
  await context.close();
});
