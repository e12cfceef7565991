// Section 4's whole network, layer by layer: the core's shapes, parameters and MACs per
// layer (up to the first bad layer, which is marked with the core's message), the conv
// bias as a per-layer choice, and the receptive field of any cell of any layer (layer-field.js).
import { receptiveField, deepestGrid } from './layer-field.js';
import { errorText } from '../errors.js';
import { t, num, setText, onLanguage } from '../i18n.js';

// The presets' names are the catalogue's layers.preset.<name>, the layer types' layers.type.<type>.
const TYPES = ['conv', 'max_pool', 'avg_pool', 'relu', 'flatten', 'dense'];
const HEADINGS = ['#', 'layers.head.layer', 'f', 'layers.head.units', 's', 'layers.head.padding', 'layers.head.output', 'layers.head.params', 'layers.head.macs', ''];
const group = (n) => num(n);

function spec(layer) {
  const l = { ...layer };
  if ('padding' in l && typeof l.padding === 'string' && /^\d+$/.test(l.padding.trim())) l.padding = { pad: Number(l.padding) };
  return l;
}
const padText = (p) => (typeof p === 'object' && p !== null ? String(p.pad ?? 'explicit') : p);

function blank(type) {
  switch (type) {
    case 'conv': return { type, f: 3, filters: 8, stride: 1, padding: 'valid' };
    case 'max_pool': case 'avg_pool': return { type, f: 2, stride: 2, padding: 'valid' };
    case 'dense': return { type, units: 10 };
    default: return { type };
  }
}

export function layerTable(core, q, setHash, errors) {
  const presets = core.networkPresets();
  const state = { preset: 'lenet5', input: [32, 32, 3], layers: [], rows: [], field: { layer: 0, row: 0, col: 0 } };
  const table = q('volumes-table');

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
      render();
    });
    td.append(input);
  }

  function typeCell(tr, layer, i) {
    const td = tr.insertCell();
    const sel = document.createElement('select');
    sel.setAttribute('aria-label', t('layers.aria.type', { k: i + 1 }));
    for (const k of TYPES) sel.add(new Option(t(`layers.type.${k}`), k));
    sel.value = layer.type;
    sel.addEventListener('change', () => { state.layers[i] = blank(sel.value); render(); });
    td.append(sel);
    if (layer.type !== 'conv') return;
    // The assignment's tf.nn.conv2d layers have no bias; the lecture's have one per filter.
    const label = document.createElement('label');
    label.className = 'check bias';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = layer.bias !== false;
    box.dataset.testid = `layer-bias-${i + 1}`;
    box.addEventListener('change', () => { layer.bias = box.checked; render(); });
    label.append(box, ` ${t('layers.bias')}`);
    td.append(label);
  }

  function render() {
    let out;
    try {
      out = core.layerTablePartial(state.input, state.layers.map(spec));
      errors.clear();
    } catch (e) {
      // Not a layer's fault (an input shape that is not a number): nothing to tabulate.
      errors.show(e);
      out = { rows: [], error: null };
    }
    state.rows = out.rows;
    // The chosen layer removed, or now after a bad one: fall back to the last good layer.
    if (!state.rows[state.field.layer] && state.rows.length) state.field = { layer: state.rows.length - 1, row: 0, col: 0 };
    const failed = out.error;
    table.replaceChildren();
    const head = table.createTHead().insertRow();
    for (const h of HEADINGS) {
      const th = document.createElement('th');
      th.textContent = h.startsWith('layers.') ? t(h) : h;
      th.scope = 'col';
      head.append(th);
    }
    const body = table.createTBody();
    const input = body.insertRow();
    for (const text of ['0', t('layers.input'), '', '', '', '', state.input.join('×'), '0', '0', '']) input.insertCell().textContent = text;
    state.layers.forEach((layer, i) => {
      const tr = body.insertRow();
      const pick = document.createElement('button');
      pick.type = 'button';
      pick.className = 'link';
      pick.textContent = String(i + 1);
      pick.setAttribute('aria-label', t('layers.aria.pick', { k: i + 1 }));
      pick.setAttribute('aria-pressed', String(state.field.layer === i));
      pick.disabled = !out.rows[i];
      pick.addEventListener('click', () => { state.field = { layer: i, row: 0, col: 0 }; render(); });
      tr.insertCell().append(pick);
      typeCell(tr, layer, i);
      numberCell(tr, layer, 'f', t('layers.aria.f', { k: i + 1 }));
      if ('filters' in layer) numberCell(tr, layer, 'filters', t('layers.aria.filters', { k: i + 1 }));
      else numberCell(tr, layer, 'units', t('layers.aria.units', { k: i + 1 }));
      numberCell(tr, layer, 'stride', t('layers.aria.stride', { k: i + 1 }));
      numberCell(tr, layer, 'padding', t('layers.aria.padding', { k: i + 1 }));
      const r = out.rows[i];
      for (const text of r ? [r.output.join('×'), group(r.params), group(r.macs)] : ['—', '—', '—']) tr.insertCell().textContent = text;
      const del = document.createElement('button');
      del.type = 'button';
      del.textContent = '✕';
      del.setAttribute('aria-label', t('layers.aria.remove', { k: i + 1 }));
      del.addEventListener('click', () => { state.layers.splice(i, 1); render(); });
      tr.insertCell().append(del);
      if (state.field.layer === i) tr.classList.add('selected');
      if (failed?.layer === i) markFailure(body, tr, failed.error);
    });
    // Totals of the core's per-layer figures: the whole network's size and cost.
    const foot = table.createTFoot().insertRow();
    foot.dataset.testid = 'volumes-total';
    const totalHead = document.createElement('th');
    totalHead.scope = 'row';
    totalHead.colSpan = 6;
    // The lecture counts layers with weights: a conv and the pool after it are one layer.
    const counted = state.layers.filter((l) => l.type === 'conv' || l.type === 'dense').length;
    totalHead.textContent = t('layers.total', { rows: t('layers.rows', { count: state.layers.length }), layers: t('layers.counted', { count: counted }) });
    foot.append(totalHead);
    const ok = !failed;
    foot.insertCell().textContent = ok && out.rows.length ? out.rows.at(-1).output.join('×') : '—';
    foot.insertCell().textContent = ok ? group(out.rows.reduce((a, r) => a + r.params, 0)) : '—';
    foot.insertCell().textContent = ok ? group(out.rows.reduce((a, r) => a + r.macs, 0)) : '—';
    foot.insertCell();
    for (const [k, i] of [['volumes-in-h', 0], ['volumes-in-w', 1], ['volumes-in-c', 2]]) q(k).value = state.input[i];
    field.render();
  }

  // The preset and the chosen cell (layer.row.column, counted from 1) go in the URL, so a
  // teacher can link to "this cell of that layer".
  function writeHash() {
    const { layer, row, col } = state.field;
    setHash({ net: state.preset, cell: `${layer + 1}.${row + 1}.${col + 1}` });
  }

  // The faulty row in red, and the core's message in a row of its own right under it.
  function markFailure(body, tr, message) {
    tr.classList.add('faulty');
    tr.setAttribute('aria-invalid', 'true');
    const note = body.insertRow();
    note.className = 'faulty-note';
    const td = note.insertCell();
    td.colSpan = HEADINGS.length;
    td.textContent = errorText(message);
    td.dataset.testid = 'error';
    td.setAttribute('role', 'alert');
  }

  const field = receptiveField(core, q, state, () => state.layers.map(spec), writeHash);

  function loadPreset(name) {
    const p = presets.find((x) => x.name === name) || presets[0];
    state.preset = p.name;
    state.input = [...p.input];
    state.layers = p.layers.map((l) => ({ ...l }));
    q('volumes-preset').value = p.name;
    state.rows = core.layerTablePartial(state.input, state.layers.map(spec)).rows;
    state.field = { layer: deepestGrid(state.rows), row: 0, col: 0 };
    render();
  }
  for (const p of presets) q('volumes-preset').add(setText(new Option('', p.name), `layers.preset.${p.name}`));
  onLanguage(() => { if (state.layers.length) render(); });

  q('volumes-preset').addEventListener('change', (e) => loadPreset(e.target.value));
  for (const [k, i] of [['volumes-in-h', 0], ['volumes-in-w', 1], ['volumes-in-c', 2]]) {
    q(k).addEventListener('change', (e) => { state.input[i] = Number(e.target.value); render(); });
  }
  const add = (type) => () => { state.layers.push(blank(type)); render(); };
  q('volumes-add-conv').addEventListener('click', add('conv'));
  q('volumes-add-pool').addEventListener('click', add('max_pool'));
  q('volumes-add-flatten').addEventListener('click', add('flatten'));
  q('volumes-add-fc').addEventListener('click', add('dense'));

  return {
    apply(params) {
      if (params.net !== state.preset || state.layers.length === 0) loadPreset(params.net || 'lenet5');
      const cell = String(params.cell ?? '').split('.').map((v) => Number(v) - 1);
      if (cell.length === 3 && cell.every((v) => Number.isInteger(v) && v >= 0) && state.rows[cell[0]]) {
        state.field = { layer: cell[0], row: cell[1], col: cell[2] };
        render();
      }
    },
  };
}
