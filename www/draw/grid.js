// Matrices of numbers as HTML tables: readable by tests and screen readers, and editable.
import { fmt } from '../format.js';

// Draw rows of numbers; `decorate(td, v, i, j)` may add classes.
export function fillGrid(table, rows, { decorate, format = fmt, caption } = {}) {
  table.replaceChildren();
  if (caption) table.createCaption().textContent = caption;
  const body = table.createTBody();
  rows.forEach((row, i) => {
    const tr = body.insertRow();
    row.forEach((v, j) => {
      const td = tr.insertCell();
      td.textContent = v === null || v === undefined ? '' : format(v);
      td.dataset.i = i;
      td.dataset.j = j;
      decorate?.(td, v, i, j);
    });
  });
}

// An editable grid of number inputs. `onChange(i, j, value)` gets finite numbers only;
// anything else is refused with a message in `errorBox` and the old value restored.
export function editableGrid(table, rows, { label, onChange, errorBox }) {
  table.replaceChildren();
  const body = table.createTBody();
  rows.forEach((row, i) => {
    const tr = body.insertRow();
    row.forEach((v, j) => {
      const td = tr.insertCell();
      const input = document.createElement('input');
      input.type = 'number';
      input.step = 'any';
      input.value = fmt(v);
      input.setAttribute('aria-label', `${label} row ${i + 1} column ${j + 1}`);
      input.addEventListener('change', () => {
        const value = Number(input.value);
        if (input.value.trim() === '' || !Number.isFinite(value) || Math.abs(value) > 1e6) {
          errorBox?.show(`${label}: "${input.value}" is not a number between -1000000 and 1000000; kept ${fmt(rows[i][j])}.`);
          input.value = fmt(rows[i][j]);
          return;
        }
        errorBox?.clear();
        onChange(i, j, value);
      });
      td.append(input);
    });
  });
}

export function gridCell(table, i, j) {
  return table.tBodies[0]?.rows[i]?.cells[j] ?? null;
}

// Row-major flat array -> array of rows.
export function toRows(flat, width) {
  const rows = [];
  for (let i = 0; i < flat.length; i += width) rows.push(Array.from(flat.slice(i, i + width)));
  return rows;
}
