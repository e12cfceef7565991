// Matrices of numbers as HTML tables: readable by tests and screen readers, and editable.
import { fmt } from '../format.js';
import { t } from '../i18n.js';

// Draw rows of numbers; `decorate(td, v, i, j)` may add classes. A grid whose cells the
// decoration makes focusable (tabIndex) is one tab stop, its cells reached with the arrows.
export function fillGrid(table, rows, { decorate, format = fmt, caption } = {}) {
  const hadFocus = table.contains(document.activeElement);
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
  if (table.querySelector('td[tabindex]')) roving(table, (td) => td, hadFocus);
}

// An editable grid of number inputs. `onChange(i, j, value)` gets finite numbers only;
// anything else is refused with a message in `errorBox` and the old value restored.
export function editableGrid(table, rows, { label, onChange, errorBox }) {
  const hadFocus = table.contains(document.activeElement);
  table.replaceChildren();
  const body = table.createTBody();
  rows.forEach((row, i) => {
    const tr = body.insertRow();
    row.forEach((v, j) => {
      const td = tr.insertCell();
      td.dataset.i = i;
      td.dataset.j = j;
      const input = document.createElement('input');
      input.type = 'number';
      input.step = 'any';
      input.value = fmt(v);
      input.setAttribute('aria-label', `${label} ${t('grid.cell', { row: i + 1, col: j + 1 })}`);
      input.addEventListener('change', () => {
        const value = Number(input.value);
        if (input.value.trim() === '' || !Number.isFinite(value) || Math.abs(value) > 1e6) {
          errorBox?.show(t('grid.not-number', { label, value: input.value, kept: fmt(rows[i][j]) }));
          input.value = fmt(rows[i][j]);
          return;
        }
        errorBox?.clear();
        onChange(i, j, value);
      });
      td.append(input);
    });
  });
  roving(table, (td) => td.querySelector('input'), hadFocus);
}

// One tab stop per grid (a 6x6 image was 36 Tab presses): the cell last used keeps
// tabIndex 0, the others -1; the arrow keys, Home and End move between cells (in an
// editable grid they no longer nudge the number). A grid redrawn while it had the focus
// gives it back to the same cell.
const MOVES = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
function roving(table, target, hadFocus) {
  const rows = Array.from(table.tBodies[0]?.rows || [], (tr) => Array.from(tr.cells, target));
  if (!rows.length || !rows[0].length) return;
  const [ai = 0, aj = 0] = (table.dataset.active || '0,0').split(',').map(Number);
  const at = [Math.min(ai, rows.length - 1), Math.min(aj, rows[0].length - 1)];
  rows.forEach((row, i) => row.forEach((node, j) => { node.tabIndex = i === at[0] && j === at[1] ? 0 : -1; }));
  if (hadFocus) rows[at[0]][at[1]].focus();
  table.roving = { rows, target };
  if (table.dataset.roving) return;
  table.dataset.roving = 'on';
  table.addEventListener('focusin', (e) => {
    const td = e.target.closest('td');
    if (td && 'i' in td.dataset) setActive(table, Number(td.dataset.i), Number(td.dataset.j));
  });
  table.addEventListener('keydown', (e) => {
    const td = e.target.closest('td');
    if (!td || !('i' in td.dataset) || e.altKey || e.ctrlKey || e.metaKey) return;
    const { rows: cells } = table.roving;
    let i = Number(td.dataset.i), j = Number(td.dataset.j);
    if (MOVES[e.key]) { i += MOVES[e.key][0]; j += MOVES[e.key][1]; }
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = cells[i].length - 1;
    else return;
    e.preventDefault();
    const node = cells[i]?.[j];
    if (!node) return;
    setActive(table, i, j);
    node.focus();
    node.select?.();
  });
}
function setActive(table, i, j) {
  table.dataset.active = `${i},${j}`;
  table.roving?.rows.forEach((row, a) => row.forEach((node, b) => { node.tabIndex = a === i && b === j ? 0 : -1; }));
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
