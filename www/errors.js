import { t, hasKey, onLanguage } from './i18n.js';

// An error message beside a control: shown with role=alert and data-testid="error",
// cleared when the input is fixed. The page keeps working either way. Given an error (not
// a text), the box words it with errorText and words it again after a language switch.
export function errorBox(anchor) {
  const box = document.createElement('p');
  box.className = 'error';
  box.dataset.testid = 'error';
  box.setAttribute('role', 'alert');
  box.hidden = true;
  anchor.after(box);
  let shown = null;
  const render = () => { box.textContent = typeof shown === 'string' ? shown : errorText(shown); };
  onLanguage(() => { if (shown !== null) render(); });
  return {
    show(error) { shown = error; render(); box.hidden = false; },
    clear() { shown = null; box.textContent = ''; box.hidden = true; },
    get visible() { return !box.hidden; },
  };
}

// The words of an error in the page's language: a core error carries a message code and
// its numbers (`code`, `params`, see crate/src/error.rs), worded by the catalogue's
// "error.<code>"; any other error shows its own message.
export function errorText(e) {
  if (e?.code && hasKey(`error.${e.code}`)) return t(`error.${e.code}`, worded(e.params));
  return e?.message || String(e);
}

// An error inside another's numbers ("train.h5: <why>"), carried as {code, params, message}
// so that it crosses postMessage and is worded in the page's language too.
export const errorCause = (e) => ({ code: e?.code, params: e?.params, message: e?.message || String(e) });
const worded = (params = {}) => Object.fromEntries(Object.entries(params)
  .map(([k, v]) => [k, v && typeof v === 'object' ? errorText(v) : v]));

// An error the page words from its catalogue ("error.<code>" with `params`); its message
// is the English text, for the console and for code that only reads messages.
export function codedError(code, params = {}) {
  return Object.assign(new Error(t(`error.${code}`, worded(params))), { code, params });
}
