// Section 4: convolution over volumes, one layer in full (+ bias, ReLU), and a whole
// network's shapes, parameters and MACs. The core computes every number; this view lays
// out the example volumes and the tables.
import { fillGrid } from '../draw/grid.js';
import { errorBox } from '../errors.js';
import { fmt, signClass } from '../format.js';

const N = 6, C = 3, F = 3, K = 2;
const STEP = Array.from({ length: N }, () => [10, 10, 10, 0, 0, 0]);
const LECTURE = [
  [3, 0, 1, 2, 7, 4], [1, 5, 8, 9, 3, 1], [2, 7, 2, 5, 1, 3],
  [0, 1, 3, 1, 7, 8], [4, 2, 1, 6, 2, 8], [2, 4, 5, 2, 3, 9],
];
const FLAT = Array.from({ length: N }, () => Array(N).fill(5));
const CHANNELS = [['R', 'red', STEP], ['G', 'green', LECTURE], ['B', 'blue', FLAT]];
const VERTICAL = [[1, 0, -1], [1, 0, -1], [1, 0, -1]];
const HORIZONTAL = [[1, 1, 1], [0, 0, 0], [-1, -1, -1]];
const FILTERS = [VERTICAL, HORIZONTAL]; // the same slice on all three channels
const PRESET_LABELS = { lecture_39: 'Lecture: 39×39×3 ConvNet', lenet5: 'LeNet-5-like, 32×32×3', signs: 'The SIGNS ConvNet, 64×64×3' };
const TYPES = { conv: 'conv', max_pool: 'max pool', avg_pool: 'avg pool', relu: 'ReLU', flatten: 'flatten', dense: 'fully connected' };
const group = (n) => Number(n).toLocaleString('en-US');

// x (h, w, c) and filters (f, f, c, k), row-major, as the core expects.
function volumes() {
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
    const tableErrors = errorBox(q('volumes-table'));
    const presets = core.networkPresets();
    const state = { preset: 'lenet5', input: [32, 32, 3], layers: [] };

    // An empty field is not 0: Number('') would silently use a bias of 0.
    function biases() {
      return ['volumes-b1', 'volumes-b2'].map((id) => {
        const text = q(id).value.trim();
        return text === '' ? NaN : Number(text);
      });
    }

    function explain() {
      const { x, w } = volumes();
      const b = biases();
      if (!b.every(Number.isFinite)) throw new Error('the biases must be numbers');
      return core.explainConvLayer(x, N, N, C, w, F, K, Float32Array.from(b), 1, 'valid');
    }

    function drawChannels(e) {
      const box = q('volumes-channels');
      box.replaceChildren();
      CHANNELS.forEach(([short, name, data], c) => {
        const row = document.createElement('div');
        row.className = `vol-row ch-${name}`;
        figure(row, `Input, ${name} channel`, data);
        op(row, '∗');
        figure(row, `Filter slice ${short}`, FILTERS[0]);
        op(row, '=');
        figure(row, `${short} contributes`, rows(e.contributions[0][c], e.cols));
        box.append(row);
      });
      const total = document.createElement('div');
      total.className = 'vol-row';
      const t = figure(total, `Sum of the three: one ${e.rows}×${e.cols} output channel`, rows(e.sums[0], e.cols));
      t.dataset.testid = 'volumes-sum';
      box.append(total);
    }

    function drawLayer(e, b) {
      const box = q('volumes-layer');
      box.replaceChildren();
      for (let k = 0; k < K; k++) {
        const row = document.createElement('div');
        row.className = 'vol-row';
        figure(row, `Filter ${k + 1}: ${k ? 'horizontal' : 'vertical'}, 3×3×3`, FILTERS[k]);
        op(row, '→');
        figure(row, `Sum over channels`, rows(e.sums[k], e.cols));
        op(row, `+ ${fmt(b[k])} →`);
        figure(row, `z = sum + b${k ? '₂' : '₁'}`, rows(e.z[k], e.cols));
        op(row, 'ReLU →');
        figure(row, `a = max(0, z), channel ${k + 1}`, rows(e.a[k], e.cols));
        box.append(row);
      }
    }

    function renderLayer() {
      let e;
      try {
        e = explain();
        layerErrors.clear();
      } catch (err) {
        layerErrors.show(err.message);
        return;
      }
      const b = biases();
      drawChannels(e);
      drawLayer(e, b);
      const p = core.convParams(F, C, K);
      q('volumes-notation').textContent =
        `Layer l takes n_H[l−1] × n_W[l−1] × n_C[l−1] = ${N}×${N}×${C} and uses n_C[l] = ${K} filters of f[l] × f[l] × n_C[l−1] = ${F}×${F}×${C}, `
        + `stride s[l] = 1, padding p[l] = 0: n_H[l] = n_W[l] = ⌊(${N} + 2·0 − ${F})/1⌋ + 1 = ${e.rows}, so a[l] is ${e.rows}×${e.cols}×${K}. `
        + `Parameters: each filter has 3×3×3 weights and 1 bias, ${K} filters: ${p.params} in all, whatever the image size.`;
    }

    // ---- the layer-stack table
    function spec(layer) {
      const l = { ...layer };
      if ('padding' in l && typeof l.padding === 'string' && /^\d+$/.test(l.padding.trim())) l.padding = { pad: Number(l.padding) };
      return l;
    }
    const padText = (p) => (typeof p === 'object' && p !== null ? String(p.pad ?? 'explicit') : p);

    function numberCell(tr, layer, key, label) {
      const td = tr.insertCell();
      if (!(key in layer)) return;
      const input = document.createElement('input');
      input.type = key === 'padding' ? 'text' : 'number';
      input.value = key === 'padding' ? padText(layer[key]) : layer[key];
      if (key !== 'padding') input.min = key === 'rate' ? 0 : 1;
      input.size = 5;
      input.setAttribute('aria-label', label);
      input.addEventListener('change', () => {
        layer[key] = key === 'padding' ? input.value.trim().toLowerCase() : Number(input.value);
        renderTable();
      });
      td.append(input);
    }

    function renderTable() {
      const table = q('volumes-table');
      let out = null;
      try {
        out = core.layerTable(state.input, state.layers.map(spec));
        tableErrors.clear();
      } catch (e) {
        tableErrors.show(e.message);
      }
      table.replaceChildren();
      const head = table.createTHead().insertRow();
      for (const h of ['#', 'Layer', 'f', 'Filters / units', 's', 'Padding', 'Output shape', 'Parameters', 'MACs', '']) {
        const th = document.createElement('th');
        th.textContent = h;
        th.scope = 'col';
        head.append(th);
      }
      const body = table.createTBody();
      const input = body.insertRow();
      input.insertCell().textContent = '0';
      input.insertCell().textContent = 'input';
      for (let i = 0; i < 4; i++) input.insertCell();
      input.insertCell().textContent = state.input.join('×');
      input.insertCell().textContent = '0';
      input.insertCell().textContent = '0';
      input.insertCell();
      state.layers.forEach((layer, i) => {
        const tr = body.insertRow();
        tr.insertCell().textContent = String(i + 1);
        const sel = document.createElement('select');
        sel.setAttribute('aria-label', `layer ${i + 1} type`);
        for (const [k, label] of Object.entries(TYPES)) sel.add(new Option(label, k));
        sel.value = layer.type;
        sel.addEventListener('change', () => { state.layers[i] = blank(sel.value); renderTable(); });
        tr.insertCell().append(sel);
        numberCell(tr, layer, 'f', `layer ${i + 1} filter size f`);
        if ('filters' in layer) numberCell(tr, layer, 'filters', `layer ${i + 1} number of filters`);
        else numberCell(tr, layer, 'units', `layer ${i + 1} units`);
        numberCell(tr, layer, 'stride', `layer ${i + 1} stride`);
        numberCell(tr, layer, 'padding', `layer ${i + 1} padding (valid, same or a number)`);
        const r = out?.[i];
        tr.insertCell().textContent = r ? r.output.join('×') : '—';
        tr.insertCell().textContent = r ? group(r.params) : '—';
        tr.insertCell().textContent = r ? group(r.macs) : '—';
        const del = document.createElement('button');
        del.type = 'button';
        del.textContent = '✕';
        del.setAttribute('aria-label', `remove layer ${i + 1}`);
        del.addEventListener('click', () => { state.layers.splice(i, 1); renderTable(); });
        tr.insertCell().append(del);
      });
      // Totals of the core's per-layer figures: the whole network's size and cost.
      const foot = table.createTFoot().insertRow();
      foot.dataset.testid = 'volumes-total';
      const totalHead = document.createElement('th');
      totalHead.scope = 'row';
      totalHead.colSpan = 6;
      totalHead.textContent = `Total (${state.layers.length} layer${state.layers.length === 1 ? '' : 's'})`;
      foot.append(totalHead);
      const ok = out && out.length === state.layers.length;
      foot.insertCell().textContent = ok && out.length ? out.at(-1).output.join('×') : '—';
      foot.insertCell().textContent = ok ? group(out.reduce((a, r) => a + r.params, 0)) : '—';
      foot.insertCell().textContent = ok ? group(out.reduce((a, r) => a + r.macs, 0)) : '—';
      foot.insertCell();
      for (const [k, i] of [['volumes-in-h', 0], ['volumes-in-w', 1], ['volumes-in-c', 2]]) q(k).value = state.input[i];
      setHash({ net: state.preset });
    }

    function blank(type) {
      switch (type) {
        case 'conv': return { type, f: 3, filters: 8, stride: 1, padding: 'valid' };
        case 'max_pool': case 'avg_pool': return { type, f: 2, stride: 2, padding: 'valid' };
        case 'dense': return { type, units: 10 };
        default: return { type };
      }
    }
    function loadPreset(name) {
      const p = presets.find((x) => x.name === name) || presets[0];
      state.preset = p.name;
      state.input = [...p.input];
      state.layers = p.layers.map((l) => ({ ...l }));
      q('volumes-preset').value = p.name;
      renderTable();
    }
    for (const p of presets) q('volumes-preset').add(new Option(PRESET_LABELS[p.name] || p.name, p.name));
    q('volumes-preset').addEventListener('change', (e) => loadPreset(e.target.value));
    for (const [k, i] of [['volumes-in-h', 0], ['volumes-in-w', 1], ['volumes-in-c', 2]]) {
      q(k).addEventListener('change', (e) => { state.input[i] = Number(e.target.value); renderTable(); });
    }
    const add = (type) => () => { state.layers.push(blank(type)); renderTable(); };
    q('volumes-add-conv').addEventListener('click', add('conv'));
    q('volumes-add-pool').addEventListener('click', add('max_pool'));
    q('volumes-add-flatten').addEventListener('click', add('flatten'));
    q('volumes-add-fc').addEventListener('click', add('dense'));
    q('volumes-b1').addEventListener('change', renderLayer);
    q('volumes-b2').addEventListener('change', renderLayer);

    function renderCompare() {
      const p = core.convParams(5, 3, 6);
      const [row] = core.layerTable([32, 32, 3], [{ type: 'conv', f: 5, filters: 6, stride: 1, padding: 'valid' }]);
      const fc = core.fullyConnectedWeights([32, 32, 3], row.output);
      q('volumes-compare').textContent =
        `The lecture's example: 6 filters of 5×5 on a 32×32×3 image give a ${row.output.join('×')} output with ${group(p.params)} parameters. `
        + `(The lecture says ${p.ignoringChannels}: that count forgets that each filter spans the 3 input channels; the true count is ${group(p.params)}.) `
        + `A fully connected layer producing the same ${row.output.join('×')} output from the 32×32×3 input would need ${group(fc)} weights. `
        + 'Convolution is small because one filter is shared by every position (parameter sharing) and each output depends only on the few inputs under the filter (sparse connections).';
    }

    this.apply = (params) => {
      renderLayer();
      renderCompare();
      if (params.net !== state.preset || state.layers.length === 0) loadPreset(params.net || 'lenet5');
    };
  },
  show(params) { this.apply(params); },
};
