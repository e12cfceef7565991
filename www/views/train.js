// Section 6: train the assignment's SIGNS ConvNet in a Web Worker (www/workers/worker.js) and
// watch it learn. The worker runs the Rust core; this view only builds controls and draws.
import { el } from '../dom.js';
import { errorBox, errorText, codedError } from '../errors.js';
import { t, num, setText, translate } from '../i18n.js';

import { drawTiles, putTile } from '../draw/tiles.js';
import { drawCostCurve } from '../draw/curve.js';
import { drawClassMap, classMapLegend } from '../draw/cam.js';
import { trainingWorker } from '../workers/training-client.js';
import { toWorker, OUT } from '../workers/protocol.js';

// Each augmentation's name is the catalogue's train.aug.<key>, each map's train.map.<name>
// (its counts and size from the maps' own description: the core's signsMaps() until the
// first maps arrive, then each tile set's).
const AUGMENTS = ['flip', 'shift', 'rotation', 'scale', 'brightness', 'contrast', 'colour_cast'];
const MAPS = ['conv1', 'pool1', 'conv2', 'pool2'];
// A text of the catalogue in a span of its own, reworded when the language changes.
const tx = (key, params) => setText(el('span'), key, params);

// Tenths under 10 s: a one-epoch run of the built-in hands takes well under a second,
// which "0 s" would hide.
const fmtTime = (ms) => {
  if (ms < 9950) return t('time.s', { s: (ms / 1000).toFixed(1) });
  const s = Math.round(ms / 1000);
  return s < 60 ? t('time.s', { s }) : t('time.min-s', { min: Math.floor(s / 60), s: String(s % 60).padStart(2, '0') });
};
const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);

function layerLabel(row) {
  const s = row.spec;
  const pad = (p) => (typeof p === 'string' ? p.toUpperCase() : JSON.stringify(p));
  switch (s.type) {
    case 'conv': return t(s.bias === false ? 'train.layer.conv-no-bias' : 'train.layer.conv', { f: s.f, filters: s.filters, stride: s.stride, padding: pad(s.padding) });
    case 'relu': return 'ReLU';
    case 'max_pool': return `MAXPOOL ${s.f}×${s.f}, s=${s.stride}, ${pad(s.padding)}`;
    case 'avg_pool': return `AVGPOOL ${s.f}×${s.f}, s=${s.stride}`;
    case 'flatten': return 'FLATTEN';
    case 'dense': return `FC ${s.units}`;
    default: return s.type;
  }
}

export const trainView = {
  id: 'train',
  init(core, root, setHash) {
    const worker = trainingWorker();
    const defaults = core.defaultTrainSettings();
    // f32 settings arrive as doubles (0.008999999612569809): show them as typed.
    const short = (v) => Number(Number(v).toPrecision(6));
    const canAugment = 'augment' in defaults;
    const ui = {};
    const state = {
      steps: [], epochs: [], stepsPerEpoch: 1, totalEpochs: defaults.epochs, running: false, started: false,
      elapsed: 0, source: 'synthetic', lastCost: null, drawQueued: false,
    };

    // ---- the network ----
    const table = core.signsNetwork();
    const diagram = el('ol', { className: 'net-diagram', dataset: { i18nAttr: 'aria-label:train.diagram-aria' }, 'aria-label': t('train.diagram-aria') },
      el('li', { className: 'net-layer input' }, el('strong', {}, tx('layers.input')), el('span', { text: '64×64×3' })),
      table.map((row) => el('li', { className: `net-layer ${row.spec.type}` },
        el('strong', { text: layerLabel(row) }),
        el('span', { text: row.output.join('×') }),
        row.params ? el('small', {}, tx('train.parameters', { count: row.params, n: num(row.params) })) : null)),
      el('li', { className: 'net-layer output' }, el('strong', { text: 'softmax' }), el('span', {}, tx('train.probabilities'))));
    const total = table.reduce((s, r) => s + r.params, 0);

    // ---- data ----
    ui.fileInput = el('input', { type: 'file', accept: '.h5,.hdf5,application/x-hdf5', multiple: true, dataset: { testid: 'train-data-input' }, id: 'train-data-input' });
    ui.dataStatus = el('p', { className: 'note', dataset: { testid: 'train-data-status' }, 'aria-live': 'polite' });
    ui.synthetic = el('button', { type: 'button', dataset: { testid: 'train-use-synthetic' } }, tx('train.use-synthetic'));
    ui.drop = el('div', { className: 'dropzone', dataset: { testid: 'train-drop' } },
      el('label', { for: 'train-data-input', dataset: { i18nHtml: 'train.course-files' } }),
      ui.fileInput, el('span', { className: 'note' }, ' ', tx('train.drop-here')));
    ui.preview = el('div', { className: 'tiles preview', dataset: { testid: 'train-preview' } });
    ui.previewCaption = el('p', { className: 'note' });

    // ---- settings ----
    const number = (key, label, value, attrs = {}) => {
      const input = el('input', { type: 'number', value, dataset: { testid: `train-${key}` }, ...attrs });
      ui[key] = input;
      return el('label', {}, tx(label), input);
    };
    ui.augments = {};
    const augmentBoxes = AUGMENTS.map((key) => {
      const box = el('input', { type: 'checkbox', dataset: { testid: `train-aug-${key}` }, disabled: !canAugment });
      ui.augments[key] = box;
      return el('label', { className: 'check' }, box, tx(`train.aug.${key}`));
    });
    // Notebook mode: the assignment notebook's run as it really happens, printed its way.
    const notebook = core.notebookTrainSettings();
    ui.notebook = el('input', { type: 'checkbox', dataset: { testid: 'train-notebook' } });
    // The notebook's own output stays as it prints it (in English), to compare line by line.
    ui.notebookOut = el('pre', { className: 'notebook-out', dataset: { testid: 'train-notebook-output', i18nAttr: 'aria-label:train.notebook-out' }, hidden: true, 'aria-label': t('train.notebook-out'), lang: 'en' });
    const rates = { adam: short(notebook.learning_rate), model: short(defaults.learning_rate) };
    const notebookNote = el('details', { className: 'note', dataset: { testid: 'train-notebook-note' } },
      el('summary', {}, tx('train.nb.summary')),
      el('p', {}, tx('train.nb.close')),
      el('ul', {},
        el('li', {}, tx('train.nb.epochs')),
        el('li', {}, tx('train.nb.rate', rates)),
        el('li', {}, tx('train.nb.divisor'))),
      el('p', {}, tx('train.nb.mode')));
    ui.start = setText(el('button', { type: 'button', dataset: { testid: 'train-start' } }), 'train.start');
    ui.pause = setText(el('button', { type: 'button', dataset: { testid: 'train-pause' }, disabled: true }), 'stepper.pause');
    ui.reset = setText(el('button', { type: 'button', dataset: { testid: 'train-reset' }, disabled: true }), 'stepper.reset');
    const buttons = el('div', { className: 'controls', role: 'group', dataset: { i18nAttr: 'aria-label:train.run' }, 'aria-label': t('train.run') }, ui.start, ui.pause, ui.reset);

    // ---- live ----
    ui.progress = el('progress', { max: 1, value: 0, dataset: { testid: 'train-progress', i18nAttr: 'aria-label:train.progress' }, 'aria-label': t('train.progress') });
    ui.progressText = setText(el('span', { dataset: { testid: 'train-progress-text' } }), 'train.not-started');
    ui.curve = el('canvas', { className: 'curve', role: 'img', 'aria-label': t('train.curve-none'), dataset: { testid: 'train-curve' } });
    ui.cost = setText(el('p', { className: 'big', dataset: { testid: 'train-cost' }, 'aria-live': 'polite' }), 'train.cost-none');
    ui.accuracy = setText(el('p', { className: 'big', dataset: { testid: 'train-accuracy' }, 'aria-live': 'polite' }), 'train.accuracy-none');
    ui.history = el('table', { className: 'history', dataset: { testid: 'train-history' } });
    ui.sample = el('input', { type: 'number', min: 0, value: 0, dataset: { testid: 'train-sample' } });
    ui.liveMaps = el('input', { type: 'checkbox', checked: true, dataset: { testid: 'train-live-maps' } });
    ui.samplePicture = el('canvas', { className: 'pixelated sample', role: 'img', dataset: { i18nAttr: 'aria-label:train.sample-aria' }, 'aria-label': t('train.sample-aria') });
    ui.sampleLabel = el('span', { className: 'note' });
    ui.sampleCam = el('canvas', { className: 'pixelated sample', role: 'img', dataset: { testid: 'train-sample-cam', i18nAttr: 'aria-label:train.cam-aria' }, 'aria-label': t('train.cam-aria') });
    ui.sampleCamNote = el('span', { className: 'note', dataset: { testid: 'train-sample-cam-note' } });
    ui.maps = {};
    ui.mapTitles = {};
    const mapMeta = Object.fromEntries(core.signsMaps().map((m) => [m.name, m]));
    const mapTitle = (m) => [`train.map.${m.name}`, { name: m.name, count: m.count, h: m.height, w: m.width }];
    const mapBlocks = MAPS.map((name) => {
      ui.maps[name] = el('div', { className: 'tiles', dataset: { testid: `train-maps-${name}` } });
      ui.mapTitles[name] = tx(...mapTitle(mapMeta[name]));
      return el('div', { className: 'map-block' }, el('h4', {}, ui.mapTitles[name]), ui.maps[name]);
    });
    ui.filters = el('div', { className: 'tiles', dataset: { testid: 'train-filters' } });
    ui.confusion = el('table', { className: 'grid confusion', dataset: { testid: 'train-confusion' } });
    ui.mistakes = el('div', { className: 'tiles', dataset: { testid: 'train-mistakes' } });
    ui.collapse = el('p', { className: 'warning', dataset: { testid: 'train-collapse' }, role: 'alert', hidden: true });
    ui.results = el('div', { className: 'results', hidden: true },
      el('h3', {}, tx('train.results')), ui.collapse,
      el('div', { className: 'row' },
        el('figure', {}, el('figcaption', {}, tx('train.confusion')), ui.confusion),
        el('figure', {}, el('figcaption', {}, tx('train.mistakes')), ui.mistakes)));
    ui.save = el('button', { type: 'button', dataset: { testid: 'train-save' } }, tx('train.save'));
    ui.load = el('input', { type: 'file', accept: '.json,application/json', dataset: { testid: 'train-load-input' }, id: 'train-load-input' });
    const weightsRow = el('div', { className: 'controls', role: 'group', dataset: { i18nAttr: 'aria-label:train.weights' }, 'aria-label': t('train.weights') },
      ui.save, el('label', { for: 'train-load-input' }, tx('train.load')), ui.load);
    const group = (key, ...children) => el('div', { className: 'controls', role: 'group', dataset: { i18nAttr: `aria-label:${key}` }, 'aria-label': t(key) }, ...children);

    root.append(
      el('p', { className: 'lead' }, tx('train.lead', { n: num(total) })),
      el('h3', {}, tx('train.h-network')), diagram,
      el('h3', {}, tx('train.h-data')),
      el('div', { className: 'controls' }, ui.synthetic), ui.drop, ui.dataStatus, ui.previewCaption, ui.preview,
      el('h3', {}, tx('train.h-hyper')),
      group('train.h-hyper',
        number('lr', 'train.lr', short(defaults.learning_rate), { step: 'any', min: 0 }),
        number('epochs', 'train.epochs', defaults.epochs, { step: 1, min: 1 }),
        number('batch', 'train.batch', defaults.batch_size, { step: 1, min: 1 }),
        number('seed', 'train.seed', 1, { step: 1, min: 0, placeholder: t('train.seed-random') }),
        number('l2', 'train.l2', short(defaults.l2), { step: 'any', min: 0 })),
      el('div', { className: 'controls' }, el('label', { className: 'check' }, ui.notebook,
        tx('train.notebook', { rate: short(notebook.learning_rate), epochs: notebook.epochs, batch: notebook.batch_size }))),
      notebookNote,
      group('train.augmentation',
        tx('train.augmentation-label'), augmentBoxes,
        canAugment ? null : el('small', { className: 'note' }, tx('train.no-augment'))),
      buttons,
      el('div', { className: 'progress-row' }, ui.progress, ui.progressText),
      el('div', { className: 'row' },
        el('figure', { className: 'curve-box' }, el('figcaption', {}, tx('train.curve-caption')), ui.curve),
        el('div', {}, ui.cost, ui.accuracy, ui.history, ui.notebookOut)),
      el('h3', {}, tx('train.h-inside')),
      el('div', { className: 'controls' }, el('label', {}, tx('train.sample'), ui.sample), ui.samplePicture, ui.sampleLabel,
        ui.sampleCam, el('span', {}, ui.sampleCamNote, classMapLegend(core)),
        el('label', { className: 'check' }, ui.liveMaps, tx('train.live-maps'))),
      el('div', { className: 'maps' }, mapBlocks,
        el('div', { className: 'map-block' }, el('h4', {}, tx('train.w1')), ui.filters)),
      ui.results,
      el('h3', {}, tx('train.h-weights')), weightsRow);

    ui.seed.dataset.i18nAttr = 'placeholder:train.seed-random';
    translate(root); // the texts marked above for rewording (data-i18n-html, attributes)

    const errors = {
      data: errorBox(ui.dataStatus),
      settings: errorBox(buttons),
      train: errorBox(ui.progressText.parentElement),
      weights: errorBox(weightsRow),
    };
    const clearErrors = () => Object.values(errors).forEach((e) => e.clear());

    // ---- data handling ----
    async function readFiles(files) {
      errors.data.clear();
      const list = Array.from(files || []);
      if (!list.length) return;
      if (state.running) { errors.data.show(t('train.busy-data')); return; }
      // The worker files each one by what it holds (train_set_x or test_set_x), not by its name.
      const sent = [];
      for (const file of list.slice(0, 2)) sent.push({ name: file.name, bytes: await file.arrayBuffer() });
      worker.send(toWorker.h5Files(sent), sent.map((f) => f.bytes));
      if (list.length > 2) errors.data.show(t('train.two-files'));
    }
    ui.fileInput.addEventListener('change', () => { readFiles(ui.fileInput.files); ui.fileInput.value = ''; });
    ui.drop.addEventListener('dragover', (e) => { e.preventDefault(); ui.drop.classList.add('over'); });
    ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
    ui.drop.addEventListener('drop', (e) => { e.preventDefault(); ui.drop.classList.remove('over'); readFiles(e.dataTransfer.files); });
    ui.synthetic.addEventListener('click', () => {
      if (state.running) { errors.data.show(t('train.busy-change')); return; }
      errors.data.clear();
      worker.send(toWorker.useSynthetic());
    });

    // ---- settings ----
    function readSettings() {
      const read = (input, key, integer) => {
        const raw = input.value.trim();
        const v = Number(raw);
        const name = t(key);
        if (raw === '' || !Number.isFinite(v)) throw codedError('train.not-number', { name, value: input.value });
        if (integer && !Number.isInteger(v)) throw codedError('train.not-whole', { name, value: raw });
        if (integer && v < 0) throw codedError('train.negative', { name, value: raw });
        return v;
      };
      const seedRaw = ui.seed.value.trim();
      const settings = {
        learning_rate: read(ui.lr, 'train.lr'),
        epochs: read(ui.epochs, 'train.epochs', true),
        batch_size: read(ui.batch, 'train.batch', true),
        seed: seedRaw === '' ? null : read(ui.seed, 'train.seed', true),
        l2: read(ui.l2, 'train.l2'),
        evaluate_every_epoch: true,
      };
      if (settings.seed !== null && !Number.isSafeInteger(settings.seed)) throw codedError('train.seed-too-large');
      if (canAugment) {
        settings.augment = { ...defaults.augment };
        for (const key of AUGMENTS) settings.augment[key] = ui.augments[key].checked;
      }
      core.validateTrainSettings(settings); // the core's own messages
      return settings;
    }

    ui.start.addEventListener('click', () => {
      clearErrors();
      let settings;
      try { settings = readSettings(); } catch (e) { errors.settings.show(errorText(e)); return; }
      state.steps = []; state.epochs = []; state.totalEpochs = settings.epochs; state.lastCost = null;
      ui.history.replaceChildren(); ui.results.hidden = true;
      ui.notebookOut.textContent = '';
      setText(ui.cost, 'train.cost-none');
      setText(ui.accuracy, 'train.accuracy-none');
      setText(ui.progressText, 'train.starting');
      // Pause works at once (the worker takes messages in order), so the focus moves there.
      ui.start.disabled = true;
      ui.pause.disabled = false;
      keepFocus();
      // ?workers=N in the address: train in exactly N workers (tests, benchmarks).
      const workers = Number(new URLSearchParams(location.search).get('workers')) || undefined;
      worker.send(toWorker.start(settings, workers));
      scheduleDraw();
    });
    // The button does what it says: Pause right after Start, before the worker has said it
    // runs, is still a pause (the worker takes messages in order).
    ui.pause.addEventListener('click', () => worker.send(ui.pause.getAttribute('aria-pressed') === 'true' ? toWorker.resume() : toWorker.pause()));
    ui.reset.addEventListener('click', () => { clearErrors(); worker.send(toWorker.reset()); });
    const showMistake = (e) => {
      const fig = e.target.closest('figure[data-index]');
      if (!fig || (e.type === 'keydown' && e.key !== 'Enter' && e.key !== ' ')) return;
      e.preventDefault();
      ui.sample.value = fig.dataset.index;
      ui.sample.dispatchEvent(new Event('change'));
      ui.sample.scrollIntoView({ block: 'center' });
    };
    ui.mistakes.addEventListener('click', showMistake);
    ui.mistakes.addEventListener('keydown', showMistake);
    ui.sample.addEventListener('change', () => {
      const v = Number(ui.sample.value);
      const last = Number(ui.sample.max);
      // Out of range: the nearest picture that exists, shown in the box as well.
      const index = !Number.isInteger(v) || v < 0 ? 0 : ui.sample.max !== '' && v > last ? last : v;
      ui.sample.value = index; // the hash, written next, gets this value too
      worker.send(toWorker.sample(index));
    });
    ui.save.addEventListener('click', () => { errors.weights.clear(); worker.send(toWorker.save()); });
    ui.load.addEventListener('change', async () => {
      errors.weights.clear();
      const file = ui.load.files[0];
      ui.load.value = '';
      if (!file) return;
      if (state.running) { errors.weights.show(t('train.busy-weights')); return; }
      let settings;
      try { settings = readSettings(); } catch (e) { errors.settings.show(errorText(e)); return; }
      worker.send(toWorker.loadWeights(await file.text(), settings));
    });

    // ---- drawing ----
    function scheduleDraw() {
      if (state.drawQueued) return;
      state.drawQueued = true;
      requestAnimationFrame(() => {
        state.drawQueued = false;
        if (root.hidden) return;
        drawCostCurve(ui.curve, state);
        const last = state.epochs.at(-1);
        ui.curve.setAttribute('aria-label', last
          ? t('train.curve-aria', { count: state.steps.length, first: state.epochs[0].cost.toFixed(3), last: last.cost.toFixed(3), epoch: last.epoch })
          : t('train.curve-so-far', { count: state.steps.length }));
      });
    }
    function setRunning(running) {
      state.running = running;
      ui.start.disabled = running;
      ui.pause.disabled = !state.started;
      ui.reset.disabled = !state.started;
      const paused = !running && state.started && !state.finished;
      setText(ui.pause, paused ? 'train.resume' : 'stepper.pause');
      // Start always begins a new run (from epoch 1): said on the button once a run exists.
      setText(ui.start, state.started ? 'train.start-again' : 'train.start');
      ui.pause.setAttribute('aria-pressed', String(paused));
      keepFocus();
    }
    // A button disabled under the keyboard's focus would drop it to the page body: it moves
    // to the run button that is still enabled (Pause after Start, Start when done).
    function keepFocus() {
      const run = [ui.pause, ui.start, ui.reset];
      if (run.includes(document.activeElement) && document.activeElement.disabled) run.find((b) => !b.disabled)?.focus();
    }
    function showEpoch(r) {
      state.epochs.push(r);
      // The notebook's line: epochs from 0, every fifth, its divisor, "%f".
      const i = r.epoch - 1;
      if (i % 5 === 0) {
        ui.notebookOut.textContent += `Cost after epoch ${i}: ${r.notebook_cost == null ? 'inf (fewer pictures than a minibatch)' : r.notebook_cost.toFixed(6)}\n`;
      }
      setText(ui.cost, 'train.cost-epoch', { epoch: r.epoch, cost: r.cost.toFixed(4) });
      setText(ui.accuracy, 'train.accuracy-epoch', { epoch: r.epoch, train: pct(r.train_accuracy), test: pct(r.test_accuracy) });
      if (!ui.history.tHead) {
        const head = ui.history.createTHead().insertRow();
        for (const key of ['train.col.epoch', 'train.col.cost', 'train.col.train', 'train.col.test']) head.append(el('th', { scope: 'col' }, tx(key)));
        ui.history.createTBody();
      }
      const row = ui.history.tBodies[0].insertRow(0);
      for (const v of [r.epoch, r.cost.toFixed(4), pct(r.train_accuracy), pct(r.test_accuracy)]) row.insertCell().textContent = v;
      while (ui.history.tBodies[0].rows.length > 8) ui.history.tBodies[0].deleteRow(-1);
    }
    function showMaps(msg) {
      putTile(ui.samplePicture, msg.picture);
      setText(ui.sampleLabel, 'train.sample-label', { index: msg.index, label: msg.label });
      drawClassMap(ui.sampleCam, msg.picture, msg.classMap);
      setText(ui.sampleCamNote, 'train.cam-note', { answer: msg.classMap.answer, layer: msg.classMap.layer });
      for (const m of msg.maps) {
        const box = ui.maps[m.name];
        if (box) setText(ui.mapTitles[m.name], ...mapTitle(m));
        if (box) drawTiles(box, m, { size: m.width > 8 ? 72 : 48, alt: (i) => t('train.map-alt', { name: m.name, k: i + 1, count: m.count, h: m.height, w: m.width, high: m.high.toFixed(2) }) });
      }
      drawTiles(ui.filters, msg.filters, { size: 56, alt: (i) => t('train.filter-alt', { k: i + 1 }) });
    }
    function showResults(msg) {
      const { evaluation, trainAccuracy, classes, mistakes, pictures } = msg;
      ui.results.hidden = false;
      ui.collapse.hidden = !evaluation.collapse_warning;
      ui.collapse.textContent = evaluation.collapse_warning ? t('train.warning', { message: errorText(evaluation.collapse_warning) }) : '';
      ui.confusion.replaceChildren();
      const head = ui.confusion.createTHead().insertRow();
      head.append(el('th', { scope: 'col' }, tx('train.true-predicted')), ...classes.map((c) => el('th', { scope: 'col', text: String(c) })));
      const body = ui.confusion.createTBody();
      evaluation.confusion.forEach((row, i) => {
        const tr = body.insertRow();
        tr.append(el('th', { scope: 'row', text: String(classes[i]) }));
        row.forEach((n, j) => { const td = tr.insertCell(); td.textContent = n; if (n) td.classList.add(i === j ? 'hit' : 'miss'); });
      });
      const about = (m) => ({ index: m.index, truth: m.truth, predicted: m.predicted });
      drawTiles(ui.mistakes, pictures, { size: 56, captions: mistakes.map((m) => `${m.truth}→${m.predicted}`),
        alt: (i) => t('train.mistake-alt', about(mistakes[i])) });
      // Each one is a button (Tab, Enter) that shows it inside the network above.
      [...ui.mistakes.querySelectorAll('figure')].forEach((fig, i) => {
        Object.assign(fig, { tabIndex: 0, title: t('train.mistake-title', about(mistakes[i])) });
        fig.dataset.index = mistakes[i].index;
        fig.setAttribute('role', 'button');
        // The name starts with the visible caption ("2→3").
        fig.setAttribute('aria-label', t('train.mistake-aria', about(mistakes[i])));
      });
      if (!mistakes.length) ui.mistakes.append(el('p', { className: 'note' }, tx('train.no-mistakes')));
      // The last epoch's line (if any) and the final figures after it.
      const final = t('train.final', { train: pct(trainAccuracy), test: pct(evaluation.accuracy) });
      const epoch = state.epochs.at(-1);
      setText(ui.accuracy, epoch ? 'train.accuracy-epoch-final' : 'train.accuracy-final', {
        final, ...(epoch && { epoch: epoch.epoch, train: pct(epoch.train_accuracy), test: pct(epoch.test_accuracy) }),
      });
      if (!msg.loaded) ui.notebookOut.textContent += `Train Accuracy: ${trainAccuracy.toFixed(6)}\nTest Accuracy: ${evaluation.accuracy.toFixed(6)}\n`;
    }

    worker.listen((msg) => {
      switch (msg.type) {
        case OUT.data: {
          state.source = msg.source;
          if (msg.test) {
            ui.sample.max = msg.test.count - 1;
            if (Number(ui.sample.value) > msg.test.count - 1) ui.sample.dispatchEvent(new Event('change'));
          }
          // One sentence per half: "Training: 1080 pictures, classes 0, 1, ... (train_signs.h5)".
          const part = (half, s, name) => {
            if (!s) return t(`train.${half}-missing`);
            const text = t(`train.${half}-set`, { count: s.count, classes: s.classes.join(', ') });
            return name ? `${text} (${name})` : text;
          };
          setText(ui.dataStatus, msg.source === 'synthetic' ? 'train.data-synthetic' : 'train.data-course', {
            train: part('train', msg.train, msg.names?.train), test: part('test', msg.test, msg.names?.test),
          });
          if (msg.preview) {
            const from = t(`train.from.${msg.preview.from}`);
            drawTiles(ui.preview, msg.preview.tiles, { size: 56, captions: msg.preview.labels.map(String), alt: (i) => t('train.preview-alt', { from, k: i + 1, label: msg.preview.labels[i] }) });
            setText(ui.previewCaption, 'train.preview', { from });
          }
          break;
        }
        case OUT.started:
          state.started = true;
          state.stepsPerEpoch = msg.stepsPerEpoch;
          state.totalEpochs = msg.epochs;
          setText(ui.progressText, 'train.started', { seed: msg.seed, epochs: msg.epochs });
          ui.progress.dataset.workers = msg.workers; // how many workers this run may use
          break;
        case OUT.state:
          if (msg.reset) {
            state.started = false; // nothing to pause or resume until the next Start
            ui.notebookOut.textContent = '';
            state.steps = []; state.epochs = []; ui.history.replaceChildren(); ui.results.hidden = true;
            ui.progress.value = 0; setText(ui.progressText, 'train.reset-done');
            setText(ui.cost, 'train.cost-none'); setText(ui.accuracy, 'train.accuracy-none');
            scheduleDraw();
          }
          if (msg.loaded) { state.started = true; setText(ui.progressText, 'train.loaded'); }
          state.finished = Boolean(msg.finished);
          setRunning(msg.running);
          if (msg.finished || msg.reset) { ui.pause.disabled = true; keepFocus(); }
          break;
        case OUT.progress: {
          state.steps.push(...msg.costs);
          if (msg.costs.length) state.saved = false;
          state.stepsPerEpoch = msg.stepsPerEpoch;
          const done = state.steps.length / (msg.stepsPerEpoch * msg.epochs);
          ui.progress.value = Math.min(1, done);
          const left = done > 0 ? msg.elapsed * (1 / done - 1) : 0;
          setText(ui.progressText, 'train.progress-text', { epoch: Math.min(msg.epoch + 1, msg.epochs), epochs: msg.epochs, elapsed: fmtTime(msg.elapsed), left: fmtTime(left) });
          if (!state.epochs.length && msg.costs.length) setText(ui.cost, 'train.cost-minibatch', { cost: msg.costs.at(-1).toFixed(4) });
          scheduleDraw();
          break;
        }
        case OUT.epoch:
          // A User Timing mark per epoch (DevTools' performance panel shows them, and
          // tests/bench/page_bench.mjs reads them): the worker's training clock.
          performance.mark('convlab:epoch', { detail: { epoch: msg.report.epoch, elapsedMs: msg.elapsed } });
          showEpoch(msg.report);
          scheduleDraw();
          break;
        case OUT.maps:
          showMaps(msg);
          break;
        case OUT.done:
          ui.progress.value = 1;
          if (msg.loaded) setText(ui.progressText, 'train.loaded-test');
          else setText(ui.progressText, 'train.done', { count: state.epochs.length, time: fmtTime(msg.elapsed) });
          showResults(msg);
          break;
        case OUT.weights: {
          state.saved = true;
          const url = URL.createObjectURL(new Blob([msg.json], { type: 'application/json' }));
          const a = el('a', { href: url, download: 'convlab-signs-weights.json' });
          document.body.append(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(url), 10000);
          break;
        }
        case OUT.error: {
          const where = { data: 'data', settings: 'settings', train: 'train', weights: 'weights', maps: 'train', start: 'settings' }[msg.where];
          if (where) {
            errors[where].show(errorText(msg));
            if (where !== 'data') setRunning(false);
          } else if (msg.where !== 'classify' && msg.where !== 'models') {
            errors.train.show(errorText(msg));
          }
          break;
        }
        default:
      }
    });
    // The hyperparameters and the chosen picture live in the URL hash, so a teacher can
    // link a set-up: #train&lr=0.001&epochs=20&sample=5.
    const HASH = { lr: ui.lr, epochs: ui.epochs, batch: ui.batch, seed: ui.seed, l2: ui.l2, sample: ui.sample };
    const writeState = () => setHash({
      ...Object.fromEntries(Object.entries(HASH).map(([k, input]) => [k, input.value])),
      notebook: ui.notebook.checked ? 1 : '',
    });
    for (const input of Object.values(HASH)) input.addEventListener('change', writeState);
    const notebookMode = (on) => {
      ui.notebook.checked = on;
      ui.notebookOut.hidden = !on;
      notebookNote.open = on || notebookNote.open;
      const use = on ? notebook : defaults;
      ui.lr.value = short(use.learning_rate);
      ui.epochs.value = use.epochs;
      ui.batch.value = use.batch_size;
    };
    ui.notebook.addEventListener('change', () => { notebookMode(ui.notebook.checked); writeState(); });
    this.apply = (params) => {
      if ((params.notebook === '1') !== ui.notebook.checked) notebookMode(params.notebook === '1');
      for (const [k, input] of Object.entries(HASH)) if (params[k] !== undefined) input.value = params[k];
      if (params.sample !== undefined) ui.sample.dispatchEvent(new Event('change'));
    };

    // A reload would throw the run away: ask first, unless its weights were just saved.
    window.addEventListener('beforeunload', (e) => {
      if (state.steps.length && !state.saved) { e.preventDefault(); e.returnValue = ''; }
    });
    // Feature maps are computed and drawn only while they can be seen. Told to the worker
    // when that changes (which recomputes them), not on every hash change of the section.
    let mapsOn = null;
    const mapsWanted = () => {
      const on = ui.liveMaps.checked && !root.hidden;
      if (on === mapsOn) return;
      mapsOn = on;
      worker.send(toWorker.liveMaps(on, MAPS));

    };
    ui.liveMaps.addEventListener('change', mapsWanted);
    this.shown = () => { mapsWanted(); scheduleDraw(); };
    this.hidden = mapsWanted;
    worker.send(toWorker.useSynthetic());
  },
  show(params) { this.apply?.(params); this.shown?.(); },
  hide() { this.hidden?.(); },
};
