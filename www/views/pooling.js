// Section 5: max and average pooling side by side on one editable grid. The core pools
// and says which cell won each max window; this view highlights windows and winners.
import { fillGrid, editableGrid, gridCell } from '../draw/grid.js';
import { errorBox, codedError } from '../errors.js';
import { t, setText } from '../i18n.js';
import { fmt } from '../format.js';
import { lesson } from '../lesson.js';

// Real feature maps: a built-in picture (10x10, drawn by the core) through an edge filter
// of the first layer (3x3, VALID), computed by the core: an 8x8 map, as conv1 would see it.
// Each map's name is the catalogue's pool.map.<key>, its picture's pool.picture.<picture>.
const MAPS = {
  lecture: {},
  disc_v: { picture: 'disc', filter: 'vertical' },
  disc_h: { picture: 'disc', filter: 'horizontal' },
  // Not the checkerboard: at 10x10 its squares are 1 pixel, and a 3x3 edge filter sees the
  // same colour on both sides of every pixel, so its map is all zeros.
  stripes_v: { picture: 'diagonal_stripes', filter: 'sobel_v' },
  step_v: { picture: 'step_light_to_dark', filter: 'vertical' },
};
const MAP_PICTURE_SIDE = 10;

export const poolingView = {
  id: 'pooling',
  init(core, root, setHash) {
    const q = (id) => root.querySelector(`[data-testid="${id}"]`);
    const LECTURE = lesson(core).poolingGrid; // the lecture's 4x4 grid, from the core
    const errors = errorBox(q('pool-lecture'));
    const state = { grid: LECTURE.map((r) => [...r]), pick: 0, max: null, source: 'lecture' };
    const source = q('pool-source');
    for (const key of Object.keys(MAPS)) source.add(setText(new Option('', key), `pool.map.${key}`));

    // The feature map as rows of numbers (one decimal, so the grid stays readable).
    function featureMap(key) {
      const m = MAPS[key];
      const kernel = lesson(core).filter(m.filter).flat();
      const picture = core.testPicture(m.picture, MAP_PICTURE_SIDE, MAP_PICTURE_SIDE);
      const map = core.edgeResponse(picture.values, picture.rows, picture.cols, Float32Array.from(kernel));
      const rows = Array.from({ length: map.rows }, (_, i) => Array.from(map.values.slice(i * map.cols, (i + 1) * map.cols), (v) => Math.round(v * 10) / 10));
      picture.free?.();
      map.free?.();
      return rows;
    }
    function useSource(key) {
      state.source = MAPS[key] ? key : 'lecture';
      source.value = state.source;
      try {
        state.grid = state.source === 'lecture' ? LECTURE.map((r) => [...r]) : featureMap(state.source);
      } catch (e) {
        errors.show(e);
        state.source = 'lecture';
        source.value = 'lecture';
        state.grid = LECTURE.map((r) => [...r]);
      }
      state.pick = 0;
      const note = q('pool-source-note');
      if (state.source === 'lecture') { note.textContent = ''; delete note.dataset.i18n; }
      else {
        const m = MAPS[state.source];
        setText(note, 'pool.map-note', { picture: t(`pool.picture.${m.picture}`), side: MAP_PICTURE_SIDE, filter: t(`pool.filter.${m.filter}`) });
      }
    }

    function readInt(id) {
      const el = q(id);
      const v = Number(el.value);
      const most = Number(el.max) || 8;
      // Checked before the core sees it: 1e12 is not a 32-bit size (an uncaught error before).
      if (el.value.trim() === '' || !Number.isInteger(v) || v < 1 || v > most) {
        throw codedError('pool.not-whole', { name: id.slice(5), most, value: el.value });
      }
      return v;
    }

    function pool(kind, f, s) {
      const h = state.grid.length, w = state.grid[0].length;
      return core.poolGrey(Float32Array.from(state.grid.flat()), h, w, kind, f, s, 'valid');
    }

    function windowCells(r, o) {
      const i = Math.floor(o / r.cols), j = o % r.cols;
      const f = Number(q('pool-f').value);
      const cells = [];
      for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) cells.push([r.rowStarts[i] + a - r.top, r.colStarts[j] + b - r.left]);
      return cells;
    }

    function render() {
      let f, s, max, avg;
      try {
        f = readInt('pool-f');
        s = readInt('pool-s');
        max = pool('max', f, s);
        avg = pool('avg', f, s);
        errors.clear();
      } catch (e) {
        errors.show(e);
        q('pool-max').replaceChildren();
        q('pool-avg').replaceChildren();
        q('pool-note').textContent = ''; // no output: the old window and formula no longer hold
        return;
      }
      state.max = max;
      const n = max.rows * max.cols;
      state.pick = Math.min(state.pick, n - 1);
      const toRows = (r) => Array.from({ length: r.rows }, (_, i) => r.values.slice(i * r.cols, (i + 1) * r.cols));
      const mark = (td, v, i, j) => {
        td.tabIndex = 0;
        td.setAttribute('role', 'button');
        td.setAttribute('aria-label', t('pool.cell-aria', { row: i + 1, col: j + 1, value: td.textContent }));
        if (i * max.cols + j === state.pick) td.classList.add('current');
      };
      fillGrid(q('pool-max'), toRows(max), { decorate: mark });
      fillGrid(q('pool-avg'), toRows(avg), { decorate: mark });

      // Input: every max winner marked; the chosen window shaded.
      const input = q('pool-input');
      input.querySelectorAll('td').forEach((td) => td.classList.remove('window', 'winner', 'won'));
      const w = state.grid[0].length;
      max.winners.forEach((k, o) => {
        if (k === null) return;
        const td = gridCell(input, Math.floor(k / w), k % w);
        td?.classList.add(o === state.pick ? 'winner' : 'won');
      });
      for (const [a, b] of windowCells(max, state.pick)) gridCell(input, a, b)?.classList.add('window');
      const win = max.winners[state.pick];
      const i = Math.floor(state.pick / max.cols), j = state.pick % max.cols;
      const [row] = core.layerTable([state.grid.length, w, 1], [{ type: 'max_pool', f, stride: s, padding: 'valid' }]);
      const numbers = { row: i + 1, col: j + 1, max: fmt(max.values[state.pick]), avg: fmt(avg.values[state.pick]) };
      q('pool-note').textContent = [
        win === null ? t('pool.window', numbers) : t('pool.window-winner', { ...numbers, winRow: Math.floor(win / w) + 1, winCol: (win % w) + 1 }),
        t('pool.output', { rows: max.rows, cols: max.cols, n: state.grid.length, f, s }),
        t('pool.no-params', { count: row.params }),
      ].join(t('list.sentences'));
      setHash({ f, s, map: state.source === 'lecture' ? '' : state.source });
    }

    function drawInput() {
      editableGrid(q('pool-input'), state.grid, {
        label: t('pool.input-label'), errorBox: errors,

        onChange: (i, j, v) => { state.grid[i][j] = v; render(); },
      });
      render();
    }

    const pick = (e) => {
      const td = e.target.closest('td');
      if (!td || !('i' in td.dataset) || !state.max) return;
      state.pick = Number(td.dataset.i) * state.max.cols + Number(td.dataset.j);
      render();
    };
    for (const id of ['pool-max', 'pool-avg']) {
      q(id).addEventListener('click', pick);
      q(id).addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick(e); } });
    }
    q('pool-f').addEventListener('input', render);
    q('pool-s').addEventListener('input', render);
    source.addEventListener('change', () => { useSource(source.value); drawInput(); });
    q('pool-lecture').addEventListener('click', () => {
      useSource('lecture');
      q('pool-f').value = 2;
      q('pool-s').value = 2;
      state.pick = 0;
      drawInput();
    });

    this.apply = (params) => {
      if (params.f) q('pool-f').value = params.f;
      if (params.s) q('pool-s').value = params.s;
      if ((params.map || 'lecture') !== state.source) useSource(params.map || 'lecture');
      drawInput();
    };
  },
  show(params) { this.apply(params); },
};
