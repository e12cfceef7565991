// Section 5b: backprop through one conv layer and one pooling layer, a window at a time.
// The core runs its own backward passes (the running sums after k windows, one window's
// share) and the numeric gradient check; this view lays the numbers out and steps.
import { fillGrid, editableGrid, gridCell, toRows } from '../draw/grid.js';
import { errorBox } from '../errors.js';
import { fmt, factor, signClass } from '../format.js';
import { stepper } from '../stepper.js';

const flat = (rows) => Float32Array.from(rows.flat());
const sci = (v) => (v === 0 ? '0' : v.toExponential(1));
const inWindow = (i, j, top, left, f) => i >= top && i < top + f && j >= left && j < left + f;

function show(table, rows, { top = -1, left = -1, f = 0, current = null, winner = null } = {}) {
  fillGrid(table, rows, {
    decorate: (td, v, i, j) => {
      td.classList.add(signClass(v));
      if (inWindow(i, j, top, left, f)) td.classList.add('window');
      if (current && current[0] === i && current[1] === j) td.classList.add('current');
      if (winner && winner[0] === i && winner[1] === j) td.classList.add('winner');
    },
  });
}

// Mark the current cell of an editable grid (dZ, dY) without rebuilding its inputs.
function markCurrent(table, rows, cell) {
  table.querySelectorAll('td').forEach((td) => td.classList.remove('current'));
  if (cell) gridCell(table, ...cell)?.classList.add('current');
}

export const backpropView = {
  id: 'backprop',
  init(core, root, setHash) {
    const q = (id) => root.querySelector(`[data-testid="${id}"]`);
    const lesson = core.backpropLesson();
    const f = lesson.w.length;
    const [h, w] = [lesson.a_prev.length, lesson.a_prev[0].length];
    const [ph, pw] = [lesson.pool_x.length, lesson.pool_x[0].length];
    const state = { dz: lesson.dz.map((r) => [...r]), dy: lesson.pool_dy.map((r) => [...r]) };
    const convErrors = errorBox(q('backprop-conv-arith'));
    const poolErrors = errorBox(q('backprop-pool-arith'));
    let convSteps = null, poolSteps = null;

    function renderConv(pos) {
      let s;
      try {
        s = core.convBackpropStep(flat(lesson.a_prev), h, w, flat(lesson.w), f, flat(state.dz), pos);
      } catch (e) { convErrors.show(e.message); return; }
      const c = s.current;
      const at = c ? { top: c.row, left: c.col, f } : {};
      show(q('backprop-a'), lesson.a_prev, at);
      show(q('backprop-w'), lesson.w);
      markCurrent(q('backprop-dz'), state.dz, c && [c.row, c.col]);
      show(q('backprop-share-w'), c ? toRows(c.w_dz, f) : lesson.w.map((r) => r.map(() => null)));
      show(q('backprop-share-a'), c ? toRows(c.a_dz, f) : lesson.w.map((r) => r.map(() => null)));
      show(q('backprop-da'), toRows(s.da_prev, w), at);
      show(q('backprop-dw'), toRows(s.dw, f));
      q('backprop-db').textContent = fmt(s.db);
      q('backprop-conv-arith').textContent = c
        ? `Window ${s.done} of ${s.windows} (row ${c.row + 1}, column ${c.col + 1}): dZ = ${fmt(c.dz)}. `
          + `dA_prev[rows ${c.row + 1}–${c.row + f}, columns ${c.col + 1}–${c.col + f}] += W × ${factor(c.dz)}; `
          + `dW += a_slice × ${factor(c.dz)}; db += ${factor(c.dz)} = ${fmt(s.db)}.`
        : 'Press Step: the first window of the forward pass sends its dZ back.';
      return s;
    }

    function renderPool(pos) {
      let max, avg;
      try {
        const args = [flat(lesson.pool_x), ph, pw, flat(state.dy), state.dy.length, state.dy[0].length];
        max = core.poolBackpropStep(...args, 'max', lesson.f, lesson.stride, pos);
        avg = core.poolBackpropStep(...args, 'avg', lesson.f, lesson.stride, pos);
      } catch (e) { poolErrors.show(e.message); return; }
      const c = max.current;
      const at = c ? { top: c.top, left: c.left, f: lesson.f } : {};
      show(q('backprop-x'), lesson.pool_x, { ...at, winner: c?.winner });
      markCurrent(q('backprop-dy'), state.dy, c && [c.row, c.col]);
      show(q('backprop-dx-max'), toRows(max.dx, pw), { ...at, winner: c?.winner });
      show(q('backprop-dx-avg'), toRows(avg.dx, pw), at);
      const cells = lesson.f * lesson.f;
      q('backprop-pool-arith').textContent = c
        ? `Window ${max.done} of ${max.windows}: dY = ${fmt(c.dy)}. Max pooling: the mask is 1 only at the window's winner, `
          + `the ${fmt(lesson.pool_x[c.winner[0]][c.winner[1]])} at row ${c.winner[0] + 1}, column ${c.winner[1] + 1}, which gets all ${fmt(c.dy)}; the other cells did not change the output, so they get 0. `
          + `Average pooling: every cell counted 1/${cells} of the output, so each gets ${fmt(c.dy)}/${cells} = ${fmt(avg.current.share[0])}.`
        : 'Press Step: each window of the pooled output sends its dY back to the cells it came from.';
      return max;
    }

    function renderCheck() {
      try {
        const g = core.backpropGradientCheck(flat(lesson.a_prev), h, w, flat(lesson.w), f, flat(state.dz),
          flat(lesson.pool_x), ph, pw, flat(state.dy), state.dy.length, state.dy[0].length, lesson.f, lesson.stride);
        const worst = Math.max(g.conv, g.max_pool, g.avg_pool);
        q('backprop-gradcheck').textContent =
          `The course's check, ‖grad − approx‖ / (‖grad‖ + ‖approx‖), between the backward pass and central differences (h = ${+g.h.toPrecision(3)}), computed in float32: conv layer (dA_prev, dW, db) ${sci(g.conv)}, `
          + `max pooling ${sci(g.max_pool)}, average pooling ${sci(g.avg_pool)}. `
          + (worst < 1e-5 ? 'All below 1e-5: the gradients above are right.' : 'Above 1e-5: a gradient is wrong, or a max window has a tie (a kink, where the derivative does not exist).');
      } catch (e) {
        q('backprop-gradcheck').textContent = e.message;
      }
    }

    function editors() {
      editableGrid(q('backprop-dz'), state.dz, {
        label: 'dZ', errorBox: convErrors,
        onChange: (i, j, v) => { state.dz[i][j] = v; renderConv(convSteps.pos); renderCheck(); },
      });
      editableGrid(q('backprop-dy'), state.dy, {
        label: 'dY', errorBox: poolErrors,
        onChange: (i, j, v) => { state.dy[i][j] = v; renderPool(poolSteps.pos); renderCheck(); },
      });
    }

    const hash = () => setHash({ conv: convSteps.pos || '', pool: poolSteps.pos || '' });
    convSteps = stepper(q('backprop-conv-controls'), 'backprop-conv', {
      label: 'Windows done',
      count: () => state.dz.length * state.dz[0].length,
      onChange: (p) => { renderConv(p); hash(); },
      describe: (p, n) => `${p} of ${n} windows sent back`,
    });
    poolSteps = stepper(q('backprop-pool-controls'), 'backprop-pool', {
      label: 'Windows done',
      count: () => state.dy.length * state.dy[0].length,
      onChange: (p) => { renderPool(p); hash(); },
      describe: (p, n) => `${p} of ${n} windows sent back`,
    });
    q('backprop-restore').addEventListener('click', () => {
      state.dz = lesson.dz.map((r) => [...r]);
      state.dy = lesson.pool_dy.map((r) => [...r]);
      convErrors.clear();
      poolErrors.clear();
      editors();
      convSteps.go(convSteps.pos);
      poolSteps.go(poolSteps.pos);
      renderCheck();
    });
    editors();
    renderCheck();

    this.apply = (params) => {
      convSteps.go(Number(params.conv) || 0);
      poolSteps.go(Number(params.pool) || 0);
    };
    this.stop = () => { convSteps.stop(); poolSteps.stop(); };
  },
  show(params) { this.apply(params); },
  hide() { this.stop?.(); },
};
