// Section 5b: backprop through one conv layer and one pooling layer, a window at a time.
// The core runs its own backward passes (the running sums after k windows, one window's
// share) and the numeric gradient check; this view lays the numbers out and steps.
import { fillGrid, editableGrid, gridCell, toRows } from '../draw/grid.js';
import { errorBox, errorText } from '../errors.js';
import { t, onLanguage } from '../i18n.js';
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
      } catch (e) { convErrors.show(e); return; }
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
        ? t('backprop.conv-window', {
          done: s.done, windows: s.windows, row: c.row + 1, col: c.col + 1, dz: fmt(c.dz),
          top: c.row + 1, bottom: c.row + f, left: c.col + 1, right: c.col + f, factor: factor(c.dz), db: fmt(s.db),
        })
        : t('backprop.conv-press-step');
      return s;
    }

    function renderPool(pos) {
      let max, avg;
      try {
        const args = [flat(lesson.pool_x), ph, pw, flat(state.dy), state.dy.length, state.dy[0].length];
        max = core.poolBackpropStep(...args, 'max', lesson.f, lesson.stride, pos);
        avg = core.poolBackpropStep(...args, 'avg', lesson.f, lesson.stride, pos);
      } catch (e) { poolErrors.show(e); return; }
      const c = max.current;
      const at = c ? { top: c.top, left: c.left, f: lesson.f } : {};
      show(q('backprop-x'), lesson.pool_x, { ...at, winner: c?.winner });
      markCurrent(q('backprop-dy'), state.dy, c && [c.row, c.col]);
      show(q('backprop-dx-max'), toRows(max.dx, pw), { ...at, winner: c?.winner });
      show(q('backprop-dx-avg'), toRows(avg.dx, pw), at);
      const cells = lesson.f * lesson.f;
      q('backprop-pool-arith').textContent = c
        ? t('backprop.pool-window', {
          done: max.done, windows: max.windows, dy: fmt(c.dy), winner: fmt(lesson.pool_x[c.winner[0]][c.winner[1]]),
          row: c.winner[0] + 1, col: c.winner[1] + 1, cells, share: fmt(avg.current.share[0]),
        })
        : t('backprop.pool-press-step');
      return max;
    }

    function renderCheck() {
      try {
        const g = core.backpropGradientCheck(flat(lesson.a_prev), h, w, flat(lesson.w), f, flat(state.dz),
          flat(lesson.pool_x), ph, pw, flat(state.dy), state.dy.length, state.dy[0].length, lesson.f, lesson.stride);
        const worst = Math.max(g.conv, g.max_pool, g.avg_pool);
        q('backprop-gradcheck').textContent = [
          t('backprop.check', { h: +g.h.toPrecision(3), conv: sci(g.conv), max: sci(g.max_pool), avg: sci(g.avg_pool) }),
          t(worst < 1e-5 ? 'backprop.check-ok' : 'backprop.check-bad'),
        ].join(t('list.sentences'));
      } catch (e) {
        q('backprop-gradcheck').textContent = errorText(e);
      }
    }
    onLanguage(renderCheck);

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
      label: 'backprop.windows-done',
      count: () => state.dz.length * state.dz[0].length,
      onChange: (p) => { renderConv(p); hash(); },
      describe: (p, n) => t('backprop.windows-sent', { pos: p, count: n }),
    });
    poolSteps = stepper(q('backprop-pool-controls'), 'backprop-pool', {
      label: 'backprop.windows-done',
      count: () => state.dy.length * state.dy[0].length,
      onChange: (p) => { renderPool(p); hash(); },
      describe: (p, n) => t('backprop.windows-sent', { pos: p, count: n }),

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
