// Section 4: convolution over volumes, one layer in full (+ bias, ReLU), and a whole
// network's shapes, parameters and MACs (layer-table.js). The core computes every number;
// this view lays out the example volumes and the tables.
import { fillGrid } from '../draw/grid.js';
import { errorBox, codedError } from '../errors.js';
import { t, num, setText } from '../i18n.js';
import { fmt, signClass } from '../format.js';
import { layerTable } from './layer-table.js';
import { volume3d } from './volume-3d.js';
import { lesson } from '../lesson.js';

const N = 6, C = 3, F = 3, K = 2;

// The example volume and filters, from the core's lecture numbers (www/lesson.js):
// CHANNELS [letter, colour (its CSS class and its name in the catalogue, volumes.<colour>),
// numbers]; FILTERS the vertical and horizontal slice, the same on all three channels.
function example(core) {
  const { lightToDark, lectureImage, filter } = lesson(core);
  const flat = Array.from({ length: N }, () => Array(N).fill(5));
  return {
    CHANNELS: [['R', 'red', lightToDark], ['G', 'green', lectureImage], ['B', 'blue', flat]],
    FILTERS: [filter('vertical'), filter('horizontal')],
  };
}

// x (h, w, c) and filters (f, f, c, k), row-major, as the core expects.
function volumes({ CHANNELS, FILTERS }) {
  const x = new Float32Array(N * N * C);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) for (let c = 0; c < C; c++) x[(i * N + j) * C + c] = CHANNELS[c][2][i][j];
  const w = new Float32Array(F * F * C * K);
  for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) w[((a * F + b) * C + c) * K + k] = FILTERS[k][a][b];
  return { x, w };
}

const rows = (flat, cols) => Array.from({ length: flat.length / cols }, (_, i) => Array.from(flat.slice(i * cols, (i + 1) * cols)));

function figure(parent, caption, data, cls = '') {
  const fig = document.createElement('figure');
  if (cls) fig.className = cls;
  const cap = document.createElement('figcaption');
  cap.textContent = caption;
  const table = document.createElement('table');
  table.className = 'grid small';
  fillGrid(table, data, { decorate: (td, v) => td.classList.add(signClass(v)) });
  fig.append(cap, table);
  parent.append(fig);
  return table;
}
function op(parent, text) {
  const d = document.createElement('div');
  d.className = 'op';
  d.setAttribute('aria-hidden', 'true');
  d.textContent = text;
  parent.append(d);
}

export const volumesView = {
  id: 'volumes',
  init(core, root, setHash) {
    const q = (id) => root.querySelector(`[data-testid="${id}"]`);
    const layerErrors = errorBox(q('volumes-b2').closest('.controls'));
    const ex = example(core);
    const { CHANNELS, FILTERS } = ex;
    const solid = volume3d(q, { input: CHANNELS.map((c) => c[2]), filters: FILTERS, channels: C });
    const table = layerTable(core, q, setHash, errorBox(q('volumes-add-fc').closest('.controls')));

    // An empty field is not 0: Number('') would silently use a bias of 0.
    function biases() {
      return ['volumes-b1', 'volumes-b2'].map((id) => {
        const text = q(id).value.trim();
        return text === '' ? NaN : Number(text);
      });
    }

    function explain() {
      const { x, w } = volumes(ex);
      const b = biases();
      if (!b.every(Number.isFinite)) throw codedError('volumes.biases');
      return core.explainConvLayer(x, N, N, C, w, F, K, Float32Array.from(b), 1, 'valid');
    }

    function drawChannels(e) {
      const box = q('volumes-channels');
      box.replaceChildren();
      CHANNELS.forEach(([short, name, data], c) => {
        const row = document.createElement('div');
        row.className = `vol-row ch-${name}`;
        figure(row, t('volumes.input-channel', { channel: t(`volumes.channel.${name}`) }), data);
        op(row, '∗');
        figure(row, t('volumes.filter-slice', { channel: short }), FILTERS[0]);
        op(row, '=');
        figure(row, t('volumes.contributes', { channel: short }), rows(e.contributions[0][c], e.cols));
        box.append(row);
      });
      const total = document.createElement('div');
      total.className = 'vol-row';
      const sum = figure(total, t('volumes.sum-three', { rows: e.rows, cols: e.cols }), rows(e.sums[0], e.cols));
      sum.dataset.testid = 'volumes-sum';
      box.append(total);
    }

    function drawLayer(e, b) {
      const box = q('volumes-layer');
      box.replaceChildren();
      for (let k = 0; k < K; k++) {
        const row = document.createElement('div');
        row.className = 'vol-row';
        figure(row, t(k ? 'volumes.filter-horizontal' : 'volumes.filter-vertical', { k: k + 1 }), FILTERS[k]);
        op(row, '→');
        figure(row, t('volumes.sum-channels'), rows(e.sums[k], e.cols));
        op(row, `+ ${fmt(b[k])} →`);
        figure(row, t('volumes.z', { b: k ? 'b₂' : 'b₁' }), rows(e.z[k], e.cols));
        op(row, 'ReLU →');
        figure(row, t('volumes.a', { k: k + 1 }), rows(e.a[k], e.cols));
        box.append(row);
      }
    }

    function renderLayer() {
      let e;
      try {
        e = explain();
        layerErrors.clear();
      } catch (err) {
        layerErrors.show(err);
        return;
      }
      const b = biases();
      drawChannels(e);
      drawLayer(e, b);
      solid.update(e.sums.map((s) => rows(s, e.cols)));
      const p = core.convParams(F, C, K);
      setText(q('volumes-notation'), 'volumes.notation', { N, C, K, F, rows: e.rows, cols: e.cols, params: p.params });
    }

    q('volumes-b1').addEventListener('change', renderLayer);
    q('volumes-b2').addEventListener('change', renderLayer);

    function renderCompare() {
      const p = core.convParams(5, 3, 6);
      const [row] = core.layerTable([32, 32, 3], [{ type: 'conv', f: 5, filters: 6, stride: 1, padding: 'valid' }]);
      const fc = core.fullyConnectedWeights([32, 32, 3], row.output);
      setText(q('volumes-compare'), 'volumes.compare', { output: row.output.join('×'), params: num(p.params), lecture: p.ignoringChannels, fc: num(fc) });
    }

    this.stopSolid = solid.stop;
    this.apply = (params) => {
      renderLayer(); // its figures' captions are in the language of the moment

      renderCompare();
      table.apply(params);
    };
  },
  show(params) { this.apply(params); },
  hide() { this.stopSolid?.(); },
};
