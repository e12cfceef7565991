// Section 3: padding and stride. The core resolves the padding (p, VALID or TensorFlow's
// SAME), the output size, where the filter lands and how often each pixel is used; this
// view writes the formula with those numbers and draws the boards.
import { fillGrid } from '../draw/grid.js';
import { rgbaAt } from '../draw/canvas.js';
import { errorBox, codedError } from '../errors.js';
import { t, num } from '../i18n.js';

const DRAW_LIMIT = 64;
const MAX_INPUT = 2 ** 31 - 1;
const css = (name) => getComputedStyle(document.body).getPropertyValue(name).trim();

function board(canvas, cells, maxPx = 380) {
  const size = Math.max(4, Math.min(30, Math.floor(maxPx / cells)));
  canvas.width = canvas.height = size * cells + 1;
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  return { ctx, size };
}

export const shapesView = {
  id: 'shapes',
  init(core, root, setHash) {
    const q = (id) => root.querySelector(`[data-testid="${id}"]`);
    const errors = errorBox(q('shape-drawings'));
    const inputs = { n: q('shape-n'), f: q('shape-f'), p: q('shape-p'), s: q('shape-s') };
    const state = { report: null, pos: 0 };

    function read() {
      const values = {};
      for (const [k, el] of Object.entries(inputs)) {
        const v = Number(el.value);
        if (el.value.trim() === '' || !Number.isInteger(v) || v < 0) {
          throw codedError('shape.not-whole', { name: k, value: el.value });
        }
        // The core runs as 32-bit wasm: larger numbers would wrap before it sees them.
        if (v > MAX_INPUT) throw codedError('shape.too-large', { name: k, value: el.value, max: num(MAX_INPUT) });
        values[k] = v;
      }
      return values;
    }

    function render() {
      const mode = q('shape-padmode').value;
      inputs.p.disabled = mode !== 'p';
      let v, r;
      try {
        v = read();
        const padding = mode === 'p' ? { pad: v.p } : mode;
        r = core.shapeReport(v.n, v.f, padding, v.s);
      } catch (e) {
        // The message is shown once, in the error box; the formula line waits for valid sizes.
        q('shape-formula').textContent = 'floor((n + 2p − f)/s) + 1 = ?';
        errors.show(e);
        for (const id of ['shape-input', 'shape-output', 'shape-heat']) q(id).closest('figure').hidden = true;
        q('shape-same').textContent = '';
        const raw = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value]));
        setHash({ ...raw, p: mode === 'p' ? raw.p : mode });
        return;
      }
      errors.clear();
      state.report = r;
      const pad = mode === 'same' ? `${r.before} + ${r.after}` : `2·${r.before}`;
      if (mode !== 'p') inputs.p.value = r.before;
      q('shape-formula').textContent = `floor((${v.n} + ${pad} − ${v.f})/${v.s}) + 1 = ${r.out}`;
      q('shape-out-size').textContent = `${r.out}×${r.out}`;
      // What SAME would do here (an uneven split, as TensorFlow does), and whether the
      // boards can be drawn; rewritten by render() after a language switch.
      const drawable = r.visits.length > 0;
      const same = r.same && { s: v.s, before: r.same.before, after: r.same.after, out: r.same.out };
      q('shape-same').textContent = [
        t('shape.same'),
        same && t(same.before !== same.after ? 'shape.same-here-uneven' : 'shape.same-here', same),
        !drawable && t('shape.undrawable', { n: v.n, limit: DRAW_LIMIT }),
      ].filter(Boolean).join(t('list.sentences'));

      state.pos = Math.min(state.pos, r.out * r.out - 1);
      for (const id of ['shape-input', 'shape-output', 'shape-heat']) q(id).closest('figure').hidden = !drawable;
      if (drawable) {
        drawBoards(v, r);
      }
      setHash({ n: v.n, f: v.f, p: mode === 'p' ? v.p : mode, s: v.s });
    }

    function drawBoards(v, r) {
      const pos = q('shape-pos');
      pos.max = r.out * r.out - 1;
      pos.value = state.pos;
      const oi = Math.floor(state.pos / r.out), oj = state.pos % r.out;
      pos.setAttribute('aria-valuetext', t('grid.output-cell', { row: oi + 1, col: oj + 1 }));

      // Padded input: zeros hatched grey, the input white, every filter position faint,
      // the chosen one in orange.
      const padded = r.padded;
      const { ctx, size } = board(q('shape-input'), padded);
      for (let i = 0; i < padded; i++) {
        for (let j = 0; j < padded; j++) {
          const inside = i >= r.before && i < r.before + v.n && j >= r.before && j < r.before + v.n;
          ctx.fillStyle = inside ? '#ffffff' : '#d6d3cc';
          ctx.fillRect(j * size, i * size, size, size);
          ctx.strokeStyle = '#b8b3a8';
          ctx.strokeRect(j * size + 0.5, i * size + 0.5, size, size);
        }
      }
      ctx.strokeStyle = 'rgba(29, 78, 216, 0.35)';
      for (const a of r.positions) for (const b of r.positions) ctx.strokeRect(b * size + 2.5, a * size + 2.5, v.f * size - 4, v.f * size - 4);
      const top = r.positions[oi], left = r.positions[oj];
      ctx.fillStyle = 'rgba(245, 158, 11, 0.35)';
      ctx.fillRect(left * size, top * size, v.f * size, v.f * size);
      ctx.strokeStyle = css('--pos') || '#c2410c';
      ctx.lineWidth = 3;
      ctx.strokeRect(left * size + 1.5, top * size + 1.5, v.f * size - 2, v.f * size - 2);
      ctx.lineWidth = 1;
      q('shape-input').setAttribute('aria-label', t('shape.input-aria', { n: v.n, padded, before: r.before, after: r.after, f: v.f, out: r.out, s: v.s, row: oi + 1, col: oj + 1 }));

      const out = board(q('shape-output'), r.out, 240);
      for (let i = 0; i < r.out; i++) {
        for (let j = 0; j < r.out; j++) {
          out.ctx.fillStyle = i === oi && j === oj ? '#f59e0b' : '#ffffff';
          out.ctx.fillRect(j * out.size, i * out.size, out.size, out.size);
          out.ctx.strokeStyle = '#8a857a';
          out.ctx.strokeRect(j * out.size + 0.5, i * out.size + 0.5, out.size, out.size);
        }
      }
      q('shape-output').setAttribute('aria-label', t('shape.output-aria', { out: r.out, row: oi + 1, col: oj + 1 }));

      const heat = q('shape-heat');
      heat.classList.toggle('dense', v.n > 16);
      const rows = [];
      for (let i = 0; i < v.n; i++) rows.push(r.visits.slice(i * v.n, (i + 1) * v.n));
      fillGrid(heat, rows, {
        format: (c) => (v.n > 16 ? '' : String(c)),
        decorate: (td, c, i, j) => {
          const k = i * v.n + j;
          td.style.background = rgbaAt(r.visitColors, k);
          const [R, G, B] = [r.visitColors[4 * k], r.visitColors[4 * k + 1], r.visitColors[4 * k + 2]];
          td.style.color = 0.299 * R + 0.587 * G + 0.114 * B > 140 ? '#111' : '#fff';
          td.title = t('shape.used', { count: c });
        },
      });
      heat.setAttribute('aria-label', t('shape.heat-aria', { min: Math.min(...r.visits), max: r.maxVisits }));

    }

    for (const el of Object.values(inputs)) el.addEventListener('input', render);
    q('shape-padmode').addEventListener('change', render);
    q('shape-pos').addEventListener('input', (e) => { state.pos = Number(e.target.value); render(); });

    this.apply = (params) => {
      for (const k of ['n', 'f', 's']) if (params[k] !== undefined) inputs[k].value = params[k];
      const p = params.p ?? '0';
      if (p === 'same' || p === 'valid') q('shape-padmode').value = p;
      else { q('shape-padmode').value = 'p'; inputs.p.value = p; }
      render();
    };
  },
  show(params) { this.apply({ n: 7, f: 3, s: 2, ...params }); },
};
