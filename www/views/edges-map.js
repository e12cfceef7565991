// Section 2's output: the filter's response (or the gradient magnitude) computed and
// coloured by the core, drawn with its range, and a value read under the pointer or a
// keyboard cursor.
import { drawRgba, pixelAt } from '../draw/canvas.js';
import { t, setText } from '../i18n.js';
import { fmt } from '../format.js';

export function outputMap(core, q, { state, filterErrors }) {
  // Legend and range numbers: two decimals, or two significant digits when smaller
  // (a map of 0.004s read "0 ... 0").
  const short = (v) => (v === 0 || Math.abs(v) >= 0.01 ? fmt(round(v)) : String(Number(v.toPrecision(2))));

  function drawMap(k) {
    if (!state.grey) return;
    const g = state.grey;
    let map;
    try {
      map = state.mode === 'magnitude'
        ? core.edgeMagnitude(g.values, g.rows, g.cols, Float32Array.from(k))
        : core.edgeResponse(g.values, g.rows, g.cols, Float32Array.from(k));
      filterErrors.clear();
    } catch (e) {
      filterErrors.show(e);
      return;
    }
    state.map?.free();
    state.map = map;
    state.mapValues = map.values;
    const out = q('edges-output');
    drawRgba(out, map.rgba, map.cols, map.rows);
    const what = t(state.mode === 'magnitude' ? 'edges.magnitude' : 'edges.response');
    out.setAttribute('aria-label', t('edges.output-aria', { what, rows: map.rows, cols: map.cols, min: fmt(map.dataMin), max: fmt(map.dataMax) }));
    q('edges-output-size').textContent = `${map.rows}×${map.cols}`;
    q('edges-low').textContent = short(map.low);
    q('edges-high').textContent = short(map.high);
    setText(q('edges-range'), state.mode === 'magnitude' ? 'edges.range-magnitude' : 'edges.range-response', { min: short(map.dataMin), max: short(map.dataMax) });
    // A value being read is read again from the new map (same pixel, new filter).
    if (state.cursor) readout(state.cursor.x, state.cursor.y);
  }
  const round = (v) => Math.round(v * 100) / 100;

  // Hover any output pixel (or move a cursor with the arrow keys): its value, read
  // from the core's response.
  function readout(x, y) {
    if (!state.map) return;
    const { rows, cols } = state.map;
    state.cursor = { x: Math.max(0, Math.min(cols - 1, x)), y: Math.max(0, Math.min(rows - 1, y)) };
    const v = state.mapValues[state.cursor.y * cols + state.cursor.x];
    setText(q('edges-readout'), 'edges.readout', { row: state.cursor.y + 1, col: state.cursor.x + 1, value: short(v) });
  }
  const outCanvas = q('edges-output');
  outCanvas.tabIndex = 0;
  // Pointer events: a mouse hovering, a finger or a pen touching the map reads a value.
  const readAt = (e) => { const p = pixelAt(outCanvas, e); if (p) readout(p.x, p.y); };
  outCanvas.addEventListener('pointermove', readAt);
  outCanvas.addEventListener('pointerdown', readAt);
  outCanvas.addEventListener('focus', () => readout(state.cursor?.x ?? 0, state.cursor?.y ?? 0));
  outCanvas.addEventListener('keydown', (e) => {
    const c = state.cursor ?? { x: 0, y: 0 };
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (moves[e.key]) readout(c.x + moves[e.key][0], c.y + moves[e.key][1]);
    else if (e.key === 'Home') readout(0, c.y);
    else if (e.key === 'End') readout(Infinity, c.y);
    else return;
    e.preventDefault();
  });
  return { drawMap };
}
