// The page's two catalogues (www/i18n/en.js, zh.js), checked without a browser: the same
// keys with the same {numbers} in both, every key the page words is there and every key
// there is worded somewhere in www/, and every message code the core can return (its
// samples, from the built wasm) has a key whose English is exactly the core's English
// (the CLI's words). Run by node alone, in well under a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.mjs';
import en from '../../www/i18n/en.js';
import zh from '../../www/i18n/zh.js';
import { errorText } from '../../www/errors.js';

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

test('every message the core can return has a key, worded in English exactly as the core words it', async () => {
  const { samples, filters, presets } = await coreSamples();
  assert.ok(samples.length >= 10, `the core's message samples (${samples.length})`);
  for (const m of samples) {
    assert.ok(`error.${m.code}` in en && `error.${m.code}` in zh, `error.${m.code} in both catalogues`);
    assert.equal(errorText(m), m.message, `${m.code}: the page's English is the core's`);
  }
  // The page's own error codes and the core's together are every "error." key there is.
  const codes = new Set([...samples.map((m) => `error.${m.code}`), ...coded]);
  assert.deepEqual(Object.keys(en).filter((k) => k.startsWith('error.') && !codes.has(k)), [], 'error keys nothing returns');
  // The core's named lists the page shows by name.
  for (const name of filters) assert.ok(`edges.filter.${name}` in en, `edge filter ${name}`);
  for (const name of presets) assert.ok(`layers.preset.${name}` in en, `network preset ${name}`);
});
