import { t, hasKey } from './i18n.js';

// An error message beside a control: shown with role=alert and data-testid="error",
// cleared when the input is fixed. The page keeps working either way.
export function errorBox(anchor) {
  const box = document.createElement('p');
  box.className = 'error';
  box.dataset.testid = 'error';
  box.setAttribute('role', 'alert');
  box.hidden = true;
  anchor.after(box);
  return {
    show(message) { box.textContent = message; box.hidden = false; },
    clear() { box.textContent = ''; box.hidden = true; },
    get visible() { return !box.hidden; },
  };
}

// The words of an error in the page's language: a core error carries a message code and
// its numbers (`code`, `params`, see crate/src/error.rs), worded by the catalogue's
// "error.<code>"; any other error shows its own message.
export function errorText(e) {
  if (e?.code && hasKey(`error.${e.code}`)) return t(`error.${e.code}`, e.params || {});
  return e?.message || String(e);
}
