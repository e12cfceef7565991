// The page's two catalogues (www/i18n/en.js, zh.js), checked without a browser: the same
// keys with the same {numbers} in both, every key the page words is there and every key
// there is worded somewhere in www/, and every message code the core can return (its
// samples, from the built wasm) has a key whose English is exactly the core's English
// (the CLI's words) and a Chinese one that reads Chinese, causes and layer names too (issue
// 16 item 5). Run by node alone, in well under a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.mjs';
import en from '../../www/i18n/en.js';
import zh from '../../www/i18n/zh.js';
import { errorText } from '../../www/errors.js';
import { setLanguage } from '../../www/i18n.js';

const WWW = path.join(ROOT, 'www');
// The page's own sources: its HTML and modules, not the catalogues, builds or data.
function sources(dir = WWW) {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return ['i18n', 'pkg', 'pkg-relaxed', 'pkg-h5', 'models', 'examples', 'icons'].includes(name) ? [] : sources(file);
    return /\.(js|html)$/.test(name) && name !== 'offline-files.js' ? [readFileSync(file, 'utf8')] : [];
  });
}
const SOURCE = sources().join('\n');

const placeholders = (text) => new Set([...(typeof text === 'object' ? Object.values(text).join(' ') : text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
const namespaces = new Set(Object.keys(en).map((k) => k.split('.')[0]));

// Keys written out in the sources: quoted, in data-i18n* attributes, or after "attr:" in
// data-i18n-attr; codedError('code') words "error.<code>". Keys built at run time are
// known by their written prefix (`edges.filter.${name}`).
const literal = new Set([...SOURCE.replace(/codedError\('/g, '(').matchAll(/['"`:;]([a-z0-9]+(?:\.[a-z0-9_-]+)+)(?=['"`;])/g)]
  .map((m) => m[1]).filter((k) => namespaces.has(k.split('.')[0]) && !/\.(png|jpe?g|json|h5|js)$/.test(k)));
const coded = new Set([...SOURCE.matchAll(/codedError\('([a-z0-9.-]+)'/g)].map((m) => `error.${m[1]}`));
const built = [...SOURCE.matchAll(/`([a-z0-9]+(?:\.[a-z0-9_-]+)*\.)\$\{[^}]+\}([a-z0-9_-]*)`/g)]
  .map(([, before, after]) => (k) => k.startsWith(before) && k.endsWith(after) && !k.slice(before.length).includes('.'));

// The core's messages, from the built wasm (scripts/build.sh makes www/pkg).
async function coreSamples() {
  const glue = await import('../../www/pkg/convlab.js');
  glue.initSync({ module: readFileSync(path.join(WWW, 'pkg/convlab_bg.wasm')) });
  return { samples: glue.messageSamples(), filters: glue.edgeFilters().map((f) => f.name), presets: glue.networkPresets().map((p) => p.name) };
}

test('the two catalogues have the same keys, each with the same {numbers}', () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const key of Object.keys(en)) {
    assert.deepEqual([...placeholders(zh[key])].sort(), [...placeholders(en[key])].sort(), `${key}: en and zh fill different numbers`);
    assert.ok(typeof en[key] === 'string' || typeof en[key].other === 'string', `${key}: a text, or {one, other}`);
  }
});

test('every key the page words is in the catalogues, and every key in them is worded', () => {
  const missing = [...literal, ...coded].filter((k) => !(k in en));
  assert.deepEqual(missing, [], 'keys the page asks for that the catalogues lack');
  const unused = Object.keys(en).filter((k) => !literal.has(k) && !coded.has(k)
    && !built.some((matches) => matches(k)) && !k.startsWith('error.'));
  assert.deepEqual(unused, [], 'keys no source words');
});

// The only code whose Chinese may read English: the core's uncoded messages (internal
// checks a student cannot cause, a library's own words), which show their text as it is.
const ENGLISH_ON_PURPOSE = ['plain'];
const CJK = /[\u4e00-\u9fff]/;

// The page's language without a page: i18n.js only needs these of the document.
function inLanguage(code, f) {
  globalThis.document ??= { documentElement: {}, querySelectorAll: () => [] };
  setLanguage(code);
  try { return f(); } finally { setLanguage('en'); }
}

test('every message the core can return has a key, worded in English exactly as the core words it, and in Chinese', async () => {
  const { samples, filters, presets } = await coreSamples();
  assert.ok(samples.length >= 150, `the core's message samples (${samples.length})`);
  for (const m of samples) {
    assert.ok(`error.${m.code}` in en && `error.${m.code}` in zh, `error.${m.code} in both catalogues`);
    assert.equal(errorText(m), m.message, `${m.code}: the page's English is the core's`);
    const chinese = inLanguage('zh', () => errorText(m));
    assert.doesNotMatch(chinese, /\{\w+\}/, `${m.code}: every number filled in Chinese`);
    if (!ENGLISH_ON_PURPOSE.includes(m.code)) assert.match(chinese, CJK, `${m.code}: worded in Chinese ("${chinese}")`);
  }
  // A cause inside a message is worded in the same language (a layer's name too).
  const nested = samples.find((m) => m.code === 'layers.in-layer');
  assert.match(inLanguage('zh', () => errorText(nested)), /^第 \d+ 层（[^a-z]+）：.*比.*还大/);
  assert.deepEqual(ENGLISH_ON_PURPOSE.filter((c) => !samples.some((m) => m.code === c)), [], 'codes left English that the core no longer has');
  // The page's own error codes and the core's together are every "error." key there is.
  const codes = new Set([...samples.map((m) => `error.${m.code}`), ...coded]);
  assert.deepEqual(Object.keys(en).filter((k) => k.startsWith('error.') && !codes.has(k)), [], 'error keys nothing returns');
  // The core's named lists the page shows by name.
  for (const name of filters) assert.ok(`edges.filter.${name}` in en, `edge filter ${name}`);
  for (const name of presets) assert.ok(`layers.preset.${name}` in en, `network preset ${name}`);
});

test('the HDF5 module\'s errors carry their code and numbers, worded in both languages', async () => {
  const glue = await import('../../www/pkg-h5/convlab_h5.js');
  glue.initSync({ module: readFileSync(path.join(WWW, 'pkg-h5/convlab_h5_bg.wasm')) });
  const fixture = (name) => readFileSync(path.join(ROOT, 'crate/tests/fixtures/h5', name));
  const refused = (bytes) => { try { glue.readCourseH5(bytes); } catch (e) { return e; } assert.fail('a bad file was read'); };
  const e = refused(fixture('not_hdf5.h5'));
  assert.equal(e.code, 'h5.not-hdf5');
  assert.equal(errorText(e), e.message, 'the English is the core\'s');
  assert.match(inLanguage('zh', () => errorText(e)), /这不是 HDF5 文件/);
  assert.equal(refused(new Uint8Array(0)).code, 'h5.empty');
  // Every damaged fixture is refused with a coded message that reads Chinese.
  const bad = readdirSync(path.join(ROOT, 'crate/tests/fixtures/h5')).filter((n) => n.endsWith('.h5') && !n.startsWith('ok_'));
  assert.ok(bad.length >= 10, `bad fixtures (${bad.length})`);
  for (const name of bad) {
    const err = refused(fixture(name));
    assert.ok(err.code && err.code !== 'plain', `${name}: coded (${err.code}: ${err.message})`);
    assert.match(inLanguage('zh', () => errorText(err)), CJK, `${name}: worded in Chinese`);
  }
});
