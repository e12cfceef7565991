// The page's words, in English or Simplified Chinese. Every text the page shows comes from
// one catalogue per language (www/i18n/en.js, www/i18n/zh.js) through t(key, params):
// "{name}" in a text is replaced by params.name; a text given as {one, other} is chosen by
// Intl.PluralRules with params.count. The language comes from the URL hash (lang=zh), else
// what this device chose before (localStorage), else the browser's own languages.
import en from './i18n/en.js';
import zh from './i18n/zh.js';

export const CATALOGUES = { en, zh };
export const LANGUAGES = { en: 'English', zh: '中文' };
const STORE = 'convlab-lang';
const HTML_LANG = { en: 'en', zh: 'zh-Hans' };

let current = 'en';
const listeners = new Set();

/** The language in use: 'en' or 'zh'. */
export const lang = () => current;

/** The text of `key` in the current language, with `{name}` filled from `params`. */
export function t(key, params = {}) {
  let text = CATALOGUES[current][key] ?? en[key];
  if (text === undefined) return key; // a missing key shows itself (and a test fails)
  if (typeof text === 'object') text = text[new Intl.PluralRules(current).select(params.count ?? 0)] ?? text.other;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Whether the catalogue has `key` (an error code the page can word, say). */
export const hasKey = (key) => key in en;

/** A number written for the current language (grouping, decimals): Intl.NumberFormat. */
export const num = (v, options) => new Intl.NumberFormat(HTML_LANG[current], options).format(v);

/** Set `node`'s text to t(key, params) and remember them, so a language switch rewords it. */
export function setText(node, key, params) {
  node.dataset.i18n = key;
  if (params) node.dataset.i18nParams = JSON.stringify(params);
  else delete node.dataset.i18nParams;
  node.textContent = t(key, params);
  return node;
}

// Word every marked element under `root`: data-i18n (text), data-i18n-html (text with the
// catalogue's own <em>/<strong>/<kbd> markup) and data-i18n-attr ("aria-label:key;title:key").
export function translate(root = document) {
  const params = (n) => (n.dataset.i18nParams ? JSON.parse(n.dataset.i18nParams) : undefined);
  for (const n of root.querySelectorAll('[data-i18n]')) n.textContent = t(n.dataset.i18n, params(n));
  for (const n of root.querySelectorAll('[data-i18n-html]')) n.innerHTML = t(n.dataset.i18nHtml, params(n));
  for (const n of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of n.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      n.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

/** Choose the language at start: the hash's lang=, then this device's last choice, then the browser's. */
export function pickLanguage(hashLang) {
  const stored = (() => { try { return localStorage.getItem(STORE); } catch { return null; } })();
  const browser = (navigator.languages || [navigator.language]).find((l) => /^(en|zh)\b/i.test(l || ''))?.slice(0, 2).toLowerCase();
  return [hashLang, stored, browser].find((l) => l in CATALOGUES) || 'en';
}

/** Switch to `code`, remember it on this device, reword the page and tell the listeners. */
export function setLanguage(code) {
  if (!(code in CATALOGUES)) return;
  const changed = code !== current;
  current = code;
  try { localStorage.setItem(STORE, code); } catch { /* private mode: the hash still holds it */ }
  document.documentElement.lang = HTML_LANG[code];
  document.title = t('page.title');
  translate(document);
  if (changed) for (const f of listeners) f(code);
}

/** Call `f(code)` after each language switch (views reword what they draw themselves). */
export const onLanguage = (f) => listeners.add(f);
