// Section 1: the sliding window, step by step, on the lecture's 6x6 example (editable).
// The Rust core computes the output and the term-by-term arithmetic of each position.
import { fillGrid, editableGrid, gridCell, toRows } from '../draw/grid.js';
import { errorBox } from '../errors.js';
import { fmt, factor, signClass } from '../format.js';
import { t, num, setText, onLanguage } from '../i18n.js';
import { lesson } from '../lesson.js';

// The examples, from the core's lecture image, step images and filters (www/lesson.js).
function presets(core) {
  const { lectureImage, lightToDark, darkToLight, topToBottom, filter } = lesson(core);
  return {
    lecture: { image: lectureImage, filter: filter('vertical') },
    light_dark: { image: lightToDark, filter: filter('vertical') },
    dark_light: { image: darkToLight, filter: filter('vertical') },
    horizontal: { image: topToBottom, filter: filter('horizontal') },
    // Not a preset of the core: a filter with no symmetry, where true convolution differs.
    asymmetric: { image: lectureImage, filter: [[1, 2, 0], [0, 0, 0], [0, 0, -1]] },
  };
}

export const convView = {
  id: 'conv',
  init(core, root, setHash) {
    const q = (id) => root.querySelector(`[data-testid="${id}"]`);
    const errors = errorBox(q('conv-arithmetic'));
    const PRESETS = presets(core);
    const state = { preset: 'lecture', image: null, filter: null, trueConv: false, pos: 0, timer: null };

    const preset = q('conv-preset');
    // Each example's name is the catalogue's conv.preset.<key>.
    for (const key of Object.keys(PRESETS)) preset.add(setText(new Option('', key), `conv.preset.${key}`));

    const size = () => ({ h: state.image.length, w: state.image[0].length, f: state.filter.length });
    const flat = (m) => Float32Array.from(m.flat());

    function output() {
      const { h, w, f } = size();
      return core.convolveGrey(flat(state.image), h, w, flat(state.filter), f, f, 1, 'valid', state.trueConv);
    }

    function loadPreset(key) {
      const p = PRESETS[key] || PRESETS.lecture;
      state.preset = PRESETS[key] ? key : 'lecture';
      state.image = p.image.map((r) => [...r]);
      state.filter = p.filter.map((r) => [...r]);
      preset.value = state.preset;
      drawInputs();
    }

    function drawInputs() {
      editableGrid(q('conv-input'), state.image, {
        label: t('common.image'), errorBox: errors,
        onChange: (i, j, v) => { state.image[i][j] = v; render(); },
      });
      editableGrid(q('conv-filter'), state.filter, {
        label: t('common.filter'), errorBox: errors,
        onChange: (i, j, v) => { state.filter[i][j] = v; render(); },
      });
      render();
    }
    onLanguage(() => { if (state.image) drawInputs(); }); // the cells' names

    function render() {
      let out;
      try {
        out = output();
      } catch (e) {
        errors.show(e);
        return;
      }
      const n = out.rows * out.cols;
      state.pos = Math.max(0, Math.min(state.pos, n));
      const scrub = q('conv-scrub');
      scrub.max = n;
      scrub.value = state.pos;
      scrub.setAttribute('aria-valuetext', t('conv.scrub-value', { pos: state.pos, count: n }));
      q('conv-input-size').textContent = `${size().h}×${size().w}`;
      q('conv-output-size').textContent = `${out.rows}×${out.cols} = floor((${size().h} − ${size().f})/1) + 1`;

      const current = state.pos - 1;
      fillGrid(q('conv-output'), toRows(out.values, out.cols), {
        decorate: (td, v, i, j) => {
          const k = i * out.cols + j;
          if (k >= state.pos) { td.textContent = ''; td.classList.add('pending'); }
          else td.classList.add(signClass(v));
          if (k === current) td.classList.add('current');
          td.tabIndex = 0;
          td.setAttribute('role', 'button');
          // The name starts with the cell's visible text (its value, or nothing yet).
          td.setAttribute('aria-label', `${td.textContent ? `${td.textContent}: ` : ''}${t('grid.output-cell', { row: i + 1, col: j + 1 })}`);
        },
      });

      // The flipped filter is what true convolution really slides.
      const flippedBox = q('conv-flipped-box');
      flippedBox.hidden = !state.trueConv;
      if (state.trueConv) fillGrid(q('conv-flipped'), state.filter.slice().reverse().map((r) => r.slice().reverse()), { decorate: (td, v) => td.classList.add(signClass(v)) });

      const inputTable = q('conv-input');
      inputTable.querySelectorAll('td').forEach((td) => td.classList.remove('window'));
      if (current < 0) {
        setText(q('conv-arithmetic'), 'conv.press-step');
      } else {
        const i = Math.floor(current / out.cols), j = current % out.cols;
        const { h, w, f } = size();
        const s = core.windowStep(flat(state.image), h, w, flat(state.filter), f, 1, 'valid', state.trueConv, i, j);
        for (const t of s.terms) if (t.input_pos) gridCell(inputTable, ...t.input_pos)?.classList.add('window');
        // Written column by column, as the lecture does: 3x1 + 1x1 + 2x1 + 0x0 + ...
        const byColumn = [];
        for (let c = 0; c < f; c++) for (let r = 0; r < f; r++) byColumn.push(s.terms[r * f + c]);
        const terms = byColumn.map((t) => `${factor(t.input)}x${factor(t.weight)}`).join(' + ');
        const arith = q('conv-arithmetic');
        delete arith.dataset.i18n; // numbers only: nothing to reword
        arith.textContent = `${fmt(s.sum)} = ${terms}`;
      }
      setText(q('conv-note'), state.trueConv ? 'conv.note-true' : 'conv.note-cross');
      setText(q('conv-play'), state.timer ? 'stepper.pause' : 'stepper.play');
      setHash({ example: state.preset === 'lecture' ? '' : state.preset, pos: state.pos === 1 ? '' : state.pos, mode: state.trueConv ? 'true' : '' });
    }

    const cells = () => Number(q('conv-scrub').max);
    const stop = () => { clearInterval(state.timer); state.timer = null; };
    q('conv-step').addEventListener('click', () => { state.pos = Math.min(state.pos + 1, cells()); render(); });
    q('conv-back').addEventListener('click', () => { state.pos = Math.max(state.pos - 1, 0); render(); });
    // Reset goes back to where the page opens: the filter on the top-left corner.
    q('conv-reset').addEventListener('click', () => { stop(); state.pos = 1; render(); });
    q('conv-scrub').addEventListener('input', (e) => { state.pos = Number(e.target.value); render(); });
    q('conv-play').addEventListener('click', () => {
      if (state.timer) { stop(); render(); return; }
      if (state.pos >= cells()) state.pos = 0;
      state.timer = setInterval(() => {
        if (state.pos >= cells()) stop(); else state.pos += 1;
        render();
      }, 700);
      render();
    });
    q('conv-true').addEventListener('change', (e) => { state.trueConv = e.target.checked; render(); });
    // Each example is read as cross-correlation first (its label describes that result:
    // "positive" edges), so a ticked True convolution box does not carry over.
    preset.addEventListener('change', () => {
      state.pos = 1;
      state.trueConv = false;
      q('conv-true').checked = false;
      loadPreset(preset.value);
    });
    const pick = (e) => {
      const td = e.target.closest('td');
      if (!td || !('i' in td.dataset)) return;
      stop();
      state.pos = Number(td.dataset.i) * (q('conv-output').tBodies[0].rows[0].cells.length) + Number(td.dataset.j) + 1;
      render();
    };
    // Keys for a teacher at the projector or a student without a mouse: S steps, B goes
    // back, P plays or pauses (not while typing in a number box).
    const KEYS = { s: 'conv-step', b: 'conv-back', p: 'conv-play' };
    document.addEventListener('keydown', (e) => {
      const id = KEYS[e.key?.toLowerCase()];
      if (!id || root.hidden || e.altKey || e.ctrlKey || e.metaKey || e.target.closest?.('input, select, textarea')) return;
      e.preventDefault();
      q(id).click();
    });
    q('conv-output').addEventListener('click', pick);
    q('conv-output').addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick(e); } });

    // The lecture's opening motivation, with the core's counts.
    const photo = [1000, 1000, 3];
    const inputs = core.fullyConnectedWeights(photo, [1, 1, 1]);
    const dense = core.fullyConnectedWeights(photo, [1, 1, 1000]);
    setText(q('conv-why'), 'conv.why', {
      photo: photo.join('×'), inputs: num(inputs), dense: num(dense), filter: num(core.fullyConnectedWeights([3, 3, 1], [1, 1, 1])),
    });

    this.apply = (params) => {
      state.trueConv = params.mode === 'true';
      q('conv-true').checked = state.trueConv;
      if ((params.example || 'lecture') !== state.preset || !state.image) loadPreset(params.example || 'lecture');
      state.pos = params.pos === undefined ? 1 : Number(params.pos) || 0;
      render();
    };
  },
  show(params) { this.apply(params); },
};
