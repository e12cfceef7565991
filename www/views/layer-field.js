// Section 4's receptive field: which pixels of the input one cell of a layer in the
// table (layer-table.js) sees, drawn over a test picture, with how the field grew layer by
// layer; the cell is picked with the mouse or the arrow keys.
import { drawCells, cellAt, drawField } from '../draw/receptive.js';
import { t, num } from '../i18n.js';

const FIELD_PICTURE = 'disc';

// The last layer that still has a spatial grid: where the field is largest and most telling.
export function deepestGrid(rows) {
  const k = rows.findLastIndex((r) => r.output[0] > 1 || r.output[1] > 1);
  return Math.max(0, k);
}

// The panel for the table's `state` (input, layers, rows, field); `specs()` gives the
// layers as the core takes them, `writeHash()` puts the chosen cell in the URL.
export function receptiveField(core, q, state, specs, writeHash) {
  function renderField() {
    const { layer } = state.field;
    const row = state.rows[layer];
    const panel = q('rf-panel');
    panel.hidden = !row;
    writeHash();
    if (!row) return;
    const [h, w] = row.output;
    state.field.row = Math.min(state.field.row, h - 1);
    state.field.col = Math.min(state.field.col, w - 1);
    const { row: i, col: j } = state.field;
    let rf;
    try {
      rf = core.receptiveField(state.input, specs(), layer, i, j);
    } catch (e) {
      panel.hidden = true;
      return;
    }
    drawCells(q('rf-cells'), h, w, state.field);
    q('rf-cells').setAttribute('aria-label', t('rf.cells-aria', { k: layer + 1, h, w, row: i + 1, col: j + 1 }));
    q('rf-cells-caption').textContent = t('rf.caption', { k: layer + 1, type: t(`layers.type.${state.layers[layer].type}`), h, w, row: i + 1, col: j + 1 });
    const [ih, iw] = state.input;
    const picture = core.testPicture(FIELD_PICTURE, ih, iw);
    drawField(q('rf-input'), picture.rgba(), ih, iw, rf);
    picture.free?.();
    const [rh, rw] = rf.size;
    q('rf-size').textContent = `${rh}×${rw}`;
    const seen = (rf.clipped_rows[1] - rf.clipped_rows[0] + 1) * (rf.clipped_cols[1] - rf.clipped_cols[0] + 1);
    const clipped = seen < rh * rw;
    const steps = rf.growth.map((g) => (g.size[0] === g.size[1] ? g.size[0] : g.size.join('×'))).join(' → ');
    const sees = { top: rf.clipped_rows[0] + 1, bottom: rf.clipped_rows[1] + 1, left: rf.clipped_cols[0] + 1, right: rf.clipped_cols[1] + 1, seen: num(seen), rh, rw };
    q('rf-explain').textContent = [
      t('rf.growth', { steps }),
      t('rf.jump', { count: rf.jump }),
      t(clipped ? 'rf.sees-clipped' : 'rf.sees', sees),
    ].join(t('list.sentences'));
  }

  const moveTo = (cell) => { state.field = { ...state.field, ...cell }; renderField(); };
  q('rf-cells').addEventListener('click', (e) => {
    const [h, w] = state.rows[state.field.layer].output;
    const cell = cellAt(q('rf-cells'), e, h, w);
    if (cell) moveTo(cell);
  });
  q('rf-cells').addEventListener('keydown', (e) => {
    const d = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
    if (!d) return;
    e.preventDefault();
    const [h, w] = state.rows[state.field.layer].output;
    moveTo({ row: Math.max(0, Math.min(h - 1, state.field.row + d[0])), col: Math.max(0, Math.min(w - 1, state.field.col + d[1])) });
  });

  return { render: renderField };
}
