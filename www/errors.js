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
