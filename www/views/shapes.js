// Section 3: padding and stride. The core resolves the padding (p, VALID or TensorFlow's
// SAME), the output size, where the filter lands and how often each pixel is used; this
// view writes the formula with those numbers and draws the boards.
import { fillGrid } from '../draw/grid.js';
import { rgbaAt } from '../draw/canvas.js';
import { errorBox } from '../errors.js';

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
          throw new Error(`${k} must be a whole number of at least 0 (got "${el.value}")`);
        }
        // The core runs as 32-bit wasm: larger numbers would wrap before it sees them.
        if (v > MAX_INPUT) throw new Error(`${k} = ${el.value} is too large: at most ${MAX_INPUT.toLocaleString('en-US')}`);
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
        errors.show(e.message);
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
      const same = r.same
        ? `Here SAME (stride ${v.s}) would pad ${r.same.before} before and ${r.same.after} after, for an output of ${r.same.out}×${r.same.out}${r.same.before !== r.same.after ? ': an uneven split, as TensorFlow does' : ''}.`
        : '';
      q('shape-same').textContent = `SAME padding keeps the output at ⌈n/s⌉. At stride 1 it pads p = (f − 1)/2 on each side, which is a whole number only when f is odd; for an even f, TensorFlow puts the smaller half before and the larger half after (f = 4: 1 before, 2 after). ${same}`;
      state.pos = Math.min(state.pos, r.out * r.out - 1);
      const drawable = r.visits.length > 0;
      for (const id of ['shape-input', 'shape-output', 'shape-heat']) q(id).closest('figure').hidden = !drawable;
      if (!drawable) {
        q('shape-same').textContent += ` (n = ${v.n} is too large to draw, up to ${DRAW_LIMIT}; the formula above still holds.)`;
      } else {
        drawBoards(v, r);
      }
      setHash({ n: v.n, f: v.f, p: mode === 'p' ? v.p : mode, s: v.s });
    }

    function drawBoards(v, r) {
      const pos = q('shape-pos');
      pos.max = r.out * r.out - 1;
      pos.value = state.pos;
      const oi = Math.floor(state.pos / r.out), oj = state.pos % r.out;
      pos.setAttribute('aria-valuetext', `output row ${oi + 1}, column ${oj + 1}`);

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
      q('shape-input').setAttribute('aria-label', `A ${v.n}×${v.n} input padded to ${padded}×${padded} (${r.before} zeros before, ${r.after} after); the ${v.f}×${v.f} filter visits ${r.out}×${r.out} positions, stride ${v.s}; highlighted: position row ${oi + 1}, column ${oj + 1}.`);

      const out = board(q('shape-output'), r.out, 240);
      for (let i = 0; i < r.out; i++) {
        for (let j = 0; j < r.out; j++) {
          out.ctx.fillStyle = i === oi && j === oj ? '#f59e0b' : '#ffffff';
          out.ctx.fillRect(j * out.size, i * out.size, out.size, out.size);
          out.ctx.strokeStyle = '#8a857a';
          out.ctx.strokeRect(j * out.size + 0.5, i * out.size + 0.5, out.size, out.size);
        }
      }
      q('shape-output').setAttribute('aria-label', `Output grid ${r.out}×${r.out}; highlighted cell row ${oi + 1}, column ${oj + 1}.`);

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
          td.title = `used ${c} time${c === 1 ? '' : 's'}`;
        },
      });
      heat.setAttribute('aria-label', `Heat map: each input pixel is used between ${Math.min(...r.visits)} and ${r.maxVisits} times.`);
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
