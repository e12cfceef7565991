// Section 6: train the assignment's SIGNS ConvNet in a Web Worker (www/workers/worker.js) and
// watch it learn. The worker runs the Rust core; this view only builds controls and draws.
import { el } from '../dom.js';
import { errorBox } from '../errors.js';
import { drawTiles, putTile } from '../draw/tiles.js';
import { drawCostCurve } from '../draw/curve.js';
import { drawClassMap, classMapLegend } from '../draw/cam.js';
import { trainingWorker } from '../workers/training-client.js';

const AUGMENTS = [
  ['flip', 'flips'], ['shift', 'shifts'], ['rotation', 'rotation ±25°'], ['scale', 'scale 0.75–1.25'],
  ['brightness', 'brightness'], ['contrast', 'contrast'], ['colour_cast', 'colour cast'],
];
const MAP_TITLES = {
  conv1: 'conv1: 8 maps, 64×64 (before ReLU)', pool1: 'pool1: 8 maps, 8×8 (after ReLU and max pooling)',
  conv2: 'conv2: 16 maps, 8×8 (before ReLU)', pool2: 'pool2: 16 maps, 2×2',
};

const fmtTime = (ms) => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
};
const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);

function layerLabel(row) {
  const s = row.spec;
  const pad = (p) => (typeof p === 'string' ? p.toUpperCase() : JSON.stringify(p));
  switch (s.type) {
    case 'conv': return `CONV ${s.f}×${s.f}, ${s.filters} filters, s=${s.stride}, ${pad(s.padding)}${s.bias === false ? ', no bias' : ''}`;
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
    const diagram = el('ol', { className: 'net-diagram', 'aria-label': 'The SIGNS ConvNet, layer by layer, with output shapes' },
      el('li', { className: 'net-layer input' }, el('strong', { text: 'input' }), el('span', { text: '64×64×3' })),
      table.map((row) => el('li', { className: `net-layer ${row.spec.type}` },
        el('strong', { text: layerLabel(row) }),
        el('span', { text: row.output.join('×') }),
        row.params ? el('small', { text: `${row.params.toLocaleString('en')} parameters` }) : null)),
      el('li', { className: 'net-layer output' }, el('strong', { text: 'softmax' }), el('span', { text: '6 probabilities' })));
    const total = table.reduce((s, r) => s + r.params, 0);

    // ---- data ----
    ui.fileInput = el('input', { type: 'file', accept: '.h5,.hdf5,application/x-hdf5', multiple: true, dataset: { testid: 'train-data-input' }, id: 'train-data-input' });
    ui.dataStatus = el('p', { className: 'note', dataset: { testid: 'train-data-status' }, 'aria-live': 'polite' });
    ui.synthetic = el('button', { type: 'button', dataset: { testid: 'train-use-synthetic' } }, 'Use the built-in hands');
    ui.drop = el('div', { className: 'dropzone', dataset: { testid: 'train-drop' } },
      el('label', { for: 'train-data-input' }, 'Course files (', el('code', { text: 'train_signs.h5' }), ' and ', el('code', { text: 'test_signs.h5' }), ', both at once or one after the other): '),
      ui.fileInput, el('span', { className: 'note', text: ' or drop them here.' }));
    ui.preview = el('div', { className: 'tiles preview', dataset: { testid: 'train-preview' } });
    ui.previewCaption = el('p', { className: 'note' });

    // ---- settings ----
    const number = (key, label, value, attrs = {}) => {
      const input = el('input', { type: 'number', value, dataset: { testid: `train-${key}` }, ...attrs });
      ui[key] = input;
      return el('label', {}, label, input);
    };
    ui.augments = {};
    const augmentBoxes = AUGMENTS.map(([key, label]) => {
      const box = el('input', { type: 'checkbox', dataset: { testid: `train-aug-${key}` }, disabled: !canAugment });
      ui.augments[key] = box;
      return el('label', { className: 'check' }, box, label);
    });
    // Notebook mode: the assignment notebook's run as it really happens, printed its way.
    const notebook = core.notebookTrainSettings();
    ui.notebook = el('input', { type: 'checkbox', dataset: { testid: 'train-notebook' } });
    ui.notebookOut = el('pre', { className: 'notebook-out', dataset: { testid: 'train-notebook-output' }, hidden: true, 'aria-label': 'Printed as the notebook prints' });
    const notebookNote = el('details', { className: 'note', dataset: { testid: 'train-notebook-note' } },
      el('summary', { text: 'Comparing with the notebook\'s "Expected output"' }),
      el('p', {}, 'Your numbers will be close to the notebook\'s but never equal (TensorFlow draws other random weights and minibatches). Three things differ on purpose:'),
      el('ul', {},
        el('li', {}, 'The notebook counts epochs from 0 ("Cost after epoch 0" is the first epoch); this page counts from 1.'),
        el('li', {}, `The notebook calls AdamOptimizer() without its learning rate, so it trains at TensorFlow's default ${short(notebook.learning_rate)}, not the ${short(defaults.learning_rate)} of its model() signature; its printed run is at ${short(notebook.learning_rate)}, while the "Expected output" table matches ${short(defaults.learning_rate)}.`),
        el('li', {}, `The notebook adds up ⌈m/64⌉ minibatch costs (the last minibatch is smaller) but divides by ⌊m/64⌋: with 1080 pictures, 17 costs over 16, so its cost is about 6% above the mean this page shows.`)),
      el('p', {}, 'Notebook mode sets the notebook\'s real settings and prints its lines as it does (epochs from 0, every fifth, its divisor, six decimals).'));
    ui.start = el('button', { type: 'button', dataset: { testid: 'train-start' } }, 'Start');
    ui.pause = el('button', { type: 'button', dataset: { testid: 'train-pause' }, disabled: true }, 'Pause');
    ui.reset = el('button', { type: 'button', dataset: { testid: 'train-reset' }, disabled: true }, 'Reset');
    const buttons = el('div', { className: 'controls', role: 'group', 'aria-label': 'Run' }, ui.start, ui.pause, ui.reset);

    // ---- live ----
    ui.progress = el('progress', { max: 1, value: 0, dataset: { testid: 'train-progress' }, 'aria-label': 'Training progress' });
    ui.progressText = el('span', { dataset: { testid: 'train-progress-text' }, text: 'Not started.' });
    ui.curve = el('canvas', { className: 'curve', role: 'img', 'aria-label': 'Cost curve: no training yet.', dataset: { testid: 'train-curve' } });
    ui.cost = el('p', { className: 'big', dataset: { testid: 'train-cost' }, 'aria-live': 'polite', text: 'Cost: –' });
    ui.accuracy = el('p', { className: 'big', dataset: { testid: 'train-accuracy' }, 'aria-live': 'polite', text: 'Train accuracy: –, test accuracy: –' });
    ui.history = el('table', { className: 'history', dataset: { testid: 'train-history' } });
    ui.sample = el('input', { type: 'number', min: 0, value: 0, dataset: { testid: 'train-sample' } });
    ui.liveMaps = el('input', { type: 'checkbox', checked: true, dataset: { testid: 'train-live-maps' } });
    ui.samplePicture = el('canvas', { className: 'pixelated sample', role: 'img', 'aria-label': 'The chosen test picture' });
    ui.sampleLabel = el('span', { className: 'note' });
    ui.sampleCam = el('canvas', { className: 'pixelated sample', role: 'img', dataset: { testid: 'train-sample-cam' }, 'aria-label': 'Where the network looks in the chosen test picture' });
    ui.sampleCamNote = el('span', { className: 'note', dataset: { testid: 'train-sample-cam-note' } });
    ui.maps = {};
    const mapBlocks = Object.entries(MAP_TITLES).map(([name, title]) => {
      ui.maps[name] = el('div', { className: 'tiles', dataset: { testid: `train-maps-${name}` } });
      return el('div', { className: 'map-block' }, el('h4', { text: title }), ui.maps[name]);
    });
    ui.filters = el('div', { className: 'tiles', dataset: { testid: 'train-filters' } });
    ui.confusion = el('table', { className: 'grid confusion', dataset: { testid: 'train-confusion' } });
    ui.mistakes = el('div', { className: 'tiles', dataset: { testid: 'train-mistakes' } });
    ui.collapse = el('p', { className: 'warning', dataset: { testid: 'train-collapse' }, role: 'alert', hidden: true });
    ui.results = el('div', { className: 'results', hidden: true },
      el('h3', { text: 'Results on the test set' }), ui.collapse,
      el('div', { className: 'row' },
        el('figure', {}, el('figcaption', { text: 'Confusion matrix (rows: true digit, columns: predicted)' }), ui.confusion),
        el('figure', {}, el('figcaption', { text: 'Misclassified test pictures (true → predicted; click one to see it inside the network)' }), ui.mistakes)));
    ui.save = el('button', { type: 'button', dataset: { testid: 'train-save' } }, 'Save weights');
    ui.load = el('input', { type: 'file', accept: '.json,application/json', dataset: { testid: 'train-load-input' }, id: 'train-load-input' });
    const weightsRow = el('div', { className: 'controls', role: 'group', 'aria-label': 'Weights' },
      ui.save, el('label', { for: 'train-load-input' }, 'Load weights (.json): '), ui.load);

    root.append(
      el('p', { className: 'lead' }, 'The network of the course\'s assignment, trained here by the Rust core in a Web Worker: Adam, softmax cross-entropy, minibatches reshuffled every epoch. ',
        `It has ${total.toLocaleString('en')} parameters.`),
      el('h3', { text: 'The network' }), diagram,
      el('h3', { text: 'Data' }),
      el('div', { className: 'controls' }, ui.synthetic), ui.drop, ui.dataStatus, ui.previewCaption, ui.preview,
      el('h3', { text: 'Hyperparameters' }),
      el('div', { className: 'controls', role: 'group', 'aria-label': 'Hyperparameters' },
        number('lr', 'Learning rate', short(defaults.learning_rate), { step: 'any', min: 0 }),
        number('epochs', 'Epochs', defaults.epochs, { step: 1, min: 1 }),
        number('batch', 'Minibatch size', defaults.batch_size, { step: 1, min: 1 }),
        number('seed', 'Seed', 1, { step: 1, min: 0, placeholder: 'random' }),
        number('l2', 'L2 weight decay', short(defaults.l2), { step: 'any', min: 0 })),
      el('div', { className: 'controls' }, el('label', { className: 'check' }, ui.notebook,
        `Notebook mode: train and print as the assignment's notebook really does (learning rate ${short(notebook.learning_rate)}, ${notebook.epochs} epochs of ${notebook.batch_size})`)),
      notebookNote,
      el('div', { className: 'controls', role: 'group', 'aria-label': 'Data augmentation' },
        el('span', { text: 'Augmentation:' }), augmentBoxes,
        canAugment ? null : el('small', { className: 'note', text: '(not available in this build of the engine)' })),
      buttons,
      el('div', { className: 'progress-row' }, ui.progress, ui.progressText),
      el('div', { className: 'row' },
        el('figure', { className: 'curve-box' }, el('figcaption', { text: 'Cost while training' }), ui.curve),
        el('div', {}, ui.cost, ui.accuracy, ui.history, ui.notebookOut)),
      el('h3', { text: 'Inside the network, for one test picture' }),
      el('div', { className: 'controls' }, el('label', {}, 'Test picture number', ui.sample), ui.samplePicture, ui.sampleLabel,
        ui.sampleCam, el('span', {}, ui.sampleCamNote, classMapLegend(core)),
        el('label', { className: 'check' }, ui.liveMaps, 'redraw while training (untick to train a little faster; they are drawn at the end)')),
      el('div', { className: 'maps' }, mapBlocks,
        el('div', { className: 'map-block' }, el('h4', { text: 'W1: the 8 learned 4×4×3 filters (as colours)' }), ui.filters)),
      ui.results,
      el('h3', { text: 'Save or load the trained weights' }), weightsRow);

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
      if (state.running) { errors.data.show('Pause or reset the run before loading new data.'); return; }
      // The worker files each one by what it holds (train_set_x or test_set_x), not by its name.
      const sent = [];
      for (const file of list.slice(0, 2)) sent.push({ name: file.name, bytes: await file.arrayBuffer() });
      worker.send({ type: 'h5-files', files: sent }, sent.map((f) => f.bytes));
      if (list.length > 2) errors.data.show('Only two files are used: the training file and the test file.');
    }
    ui.fileInput.addEventListener('change', () => { readFiles(ui.fileInput.files); ui.fileInput.value = ''; });
    ui.drop.addEventListener('dragover', (e) => { e.preventDefault(); ui.drop.classList.add('over'); });
    ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
    ui.drop.addEventListener('drop', (e) => { e.preventDefault(); ui.drop.classList.remove('over'); readFiles(e.dataTransfer.files); });
    ui.synthetic.addEventListener('click', () => {
      if (state.running) { errors.data.show('Pause or reset the run before changing the data.'); return; }
      errors.data.clear();
      worker.send({ type: 'use-synthetic' });
    });

    // ---- settings ----
    function readSettings() {
      const num = (input, name, integer) => {
        const raw = input.value.trim();
        const v = Number(raw);
        if (raw === '' || !Number.isFinite(v)) throw new Error(`${name}: "${input.value}" is not a number.`);
        if (integer && !Number.isInteger(v)) throw new Error(`${name} must be a whole number, not ${raw}.`);
        if (integer && v < 0) throw new Error(`${name} must not be negative (got ${raw}).`);
        return v;
      };
      const seedRaw = ui.seed.value.trim();
      const settings = {
        learning_rate: num(ui.lr, 'Learning rate'),
        epochs: num(ui.epochs, 'Epochs', true),
        batch_size: num(ui.batch, 'Minibatch size', true),
        seed: seedRaw === '' ? null : num(ui.seed, 'Seed', true),
        l2: num(ui.l2, 'L2 weight decay'),
        evaluate_every_epoch: true,
      };
      if (settings.seed !== null && !Number.isSafeInteger(settings.seed)) throw new Error('Seed must be a whole number below 9007199254740992.');
      if (canAugment) {
        settings.augment = { ...defaults.augment };
        for (const [key] of AUGMENTS) settings.augment[key] = ui.augments[key].checked;
      }
      core.validateTrainSettings(settings); // the core's own messages
      return settings;
    }

    ui.start.addEventListener('click', () => {
      clearErrors();
      let settings;
      try { settings = readSettings(); } catch (e) { errors.settings.show(e.message); return; }
      state.steps = []; state.epochs = []; state.totalEpochs = settings.epochs; state.lastCost = null;
      ui.history.replaceChildren(); ui.results.hidden = true;
      ui.notebookOut.textContent = '';
      ui.cost.textContent = 'Cost: –';
      ui.accuracy.textContent = 'Train accuracy: –, test accuracy: –';
      ui.progressText.textContent = 'Starting…';
      // Pause works at once (the worker takes messages in order), so the focus moves there.
      ui.start.disabled = true;
      ui.pause.disabled = false;
      keepFocus();
      // ?workers=N in the address: train in exactly N workers (tests, benchmarks).
      const workers = Number(new URLSearchParams(location.search).get('workers')) || undefined;
      worker.send({ type: 'start', settings, workers });
      scheduleDraw();
    });
    // The button does what it says: Pause right after Start, before the worker has said it
    // runs, is still a pause (the worker takes messages in order).
    ui.pause.addEventListener('click', () => worker.send({ type: ui.pause.getAttribute('aria-pressed') === 'true' ? 'resume' : 'pause' }));
    ui.reset.addEventListener('click', () => { clearErrors(); worker.send({ type: 'reset' }); });
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
      worker.send({ type: 'sample', index });
    });
    ui.save.addEventListener('click', () => { errors.weights.clear(); worker.send({ type: 'save' }); });
    ui.load.addEventListener('change', async () => {
      errors.weights.clear();
      const file = ui.load.files[0];
      ui.load.value = '';
      if (!file) return;
      if (state.running) { errors.weights.show('Pause or reset the run before loading weights.'); return; }
      let settings;
      try { settings = readSettings(); } catch (e) { errors.settings.show(e.message); return; }
      worker.send({ type: 'load-weights', text: await file.text(), settings });
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
          ? `Cost curve: ${state.steps.length} minibatches; epoch costs from ${state.epochs[0].cost.toFixed(3)} (epoch 1) to ${last.cost.toFixed(3)} (epoch ${last.epoch}).`
          : `Cost curve: ${state.steps.length} minibatches so far.`);
      });
    }
    function setRunning(running) {
      state.running = running;
      ui.start.disabled = running;
      ui.pause.disabled = !state.started;
      ui.reset.disabled = !state.started;
      const paused = !running && state.started && !state.finished;
      ui.pause.textContent = paused ? 'Resume' : 'Pause';
      // Start always begins a new run (from epoch 1): said on the button once a run exists.
      ui.start.textContent = state.started ? 'Start again' : 'Start';
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
      ui.cost.textContent = `Cost after epoch ${r.epoch}: ${r.cost.toFixed(4)}`;
      ui.accuracy.textContent = `Epoch ${r.epoch}: train accuracy ${pct(r.train_accuracy)} (during the epoch), test accuracy ${pct(r.test_accuracy)}`;
      if (!ui.history.tHead) {
        const head = ui.history.createTHead().insertRow();
        for (const t of ['epoch', 'cost', 'train (running)', 'test']) head.append(el('th', { scope: 'col', text: t }));
        ui.history.createTBody();
      }
      const row = ui.history.tBodies[0].insertRow(0);
      for (const t of [r.epoch, r.cost.toFixed(4), pct(r.train_accuracy), pct(r.test_accuracy)]) row.insertCell().textContent = t;
      while (ui.history.tBodies[0].rows.length > 8) ui.history.tBodies[0].deleteRow(-1);
    }
    function showMaps(msg) {
      putTile(ui.samplePicture, msg.picture);
      ui.sampleLabel.textContent = `test picture ${msg.index}: digit ${msg.label}`;
      drawClassMap(ui.sampleCam, msg.picture, msg.classMap);
      ui.sampleCamNote.textContent = `where it looks for its answer, ${msg.classMap.answer} (Grad-CAM on ${msg.classMap.layer}):`;
      for (const m of msg.maps) {
        const box = ui.maps[m.name];
        if (box) drawTiles(box, m, { size: m.width > 8 ? 72 : 48, alt: (i) => `${m.name} map ${i + 1} of ${m.count}, ${m.height}×${m.width}, values up to ${m.high.toFixed(2)}` });
      }
      drawTiles(ui.filters, msg.filters, { size: 56, alt: (i) => `filter ${i + 1} of W1 as an RGB picture` });
    }
    function showResults(msg) {
      const { evaluation, trainAccuracy, classes, mistakes, pictures } = msg;
      ui.results.hidden = false;
      ui.collapse.hidden = !evaluation.collapse_warning;
      ui.collapse.textContent = evaluation.collapse_warning ? `Warning: ${evaluation.collapse_warning}` : '';
      ui.confusion.replaceChildren();
      const head = ui.confusion.createTHead().insertRow();
      head.append(el('th', { scope: 'col', text: 'true \\ predicted' }), ...classes.map((c) => el('th', { scope: 'col', text: String(c) })));
      const body = ui.confusion.createTBody();
      evaluation.confusion.forEach((row, i) => {
        const tr = body.insertRow();
        tr.append(el('th', { scope: 'row', text: String(classes[i]) }));
        row.forEach((n, j) => { const td = tr.insertCell(); td.textContent = n; if (n) td.classList.add(i === j ? 'hit' : 'miss'); });
      });
      drawTiles(ui.mistakes, pictures, { size: 56, captions: mistakes.map((m) => `${m.truth}→${m.predicted}`),
        alt: (i) => `test picture ${mistakes[i].index}: a ${mistakes[i].truth}, predicted ${mistakes[i].predicted}` });
      // Each one is a button (Tab, Enter) that shows it inside the network above.
      [...ui.mistakes.querySelectorAll('figure')].forEach((fig, i) => {
        Object.assign(fig, { tabIndex: 0, title: `Show test picture ${mistakes[i].index} inside the network` });
        fig.dataset.index = mistakes[i].index;
        fig.setAttribute('role', 'button');
        // The name starts with the visible caption ("2→3").
        fig.setAttribute('aria-label', `${mistakes[i].truth}→${mistakes[i].predicted}: test picture ${mistakes[i].index}, a ${mistakes[i].truth} predicted ${mistakes[i].predicted}; show it inside the network`);
      });
      if (!mistakes.length) ui.mistakes.append(el('p', { className: 'note', text: 'None: every test picture is right.' }));
      ui.accuracy.textContent = `${ui.accuracy.textContent.replace(/ \(final.*$/, '')} (final: train accuracy ${pct(trainAccuracy)}, test accuracy ${pct(evaluation.accuracy)})`;
      if (!msg.loaded) ui.notebookOut.textContent += `Train Accuracy: ${trainAccuracy.toFixed(6)}\nTest Accuracy: ${evaluation.accuracy.toFixed(6)}\n`;
    }

    worker.listen((msg) => {
      switch (msg.type) {
        case 'data': {
          state.source = msg.source;
          if (msg.test) {
            ui.sample.max = msg.test.count - 1;
            if (Number(ui.sample.value) > msg.test.count - 1) ui.sample.dispatchEvent(new Event('change'));
          }
          const part = (name, s) => (s ? `${name}: ${s.count} pictures, classes ${s.classes.join(', ')}` : `${name}: not loaded yet`);
          ui.dataStatus.textContent = msg.source === 'synthetic'
            ? `Using the built-in synthetic hands. ${part('Training', msg.train)}; ${part('test', msg.test)}.`
            : `Course files. ${part('Training', msg.train)}${msg.names.train ? ` (${msg.names.train})` : ''}; ${part('test', msg.test)}${msg.names.test ? ` (${msg.names.test})` : ''}.`;
          if (msg.preview) {
            drawTiles(ui.preview, msg.preview.tiles, { size: 56, captions: msg.preview.labels.map(String), alt: (i) => `${msg.preview.from} picture ${i + 1}: digit ${msg.preview.labels[i]}` });
            ui.previewCaption.textContent = `A few ${msg.preview.from} pictures of each class, with their labels:`;
          }
          break;
        }
        case 'started':
          state.started = true;
          state.stepsPerEpoch = msg.stepsPerEpoch;
          state.totalEpochs = msg.epochs;
          ui.progressText.textContent = `Seed ${msg.seed}. Epoch 1 of ${msg.epochs}…`;
          ui.progress.dataset.workers = msg.workers; // how many workers this run may use
          break;
        case 'state':
          if (msg.reset) {
            state.started = false; // nothing to pause or resume until the next Start
            ui.notebookOut.textContent = '';
            state.steps = []; state.epochs = []; ui.history.replaceChildren(); ui.results.hidden = true;
            ui.progress.value = 0; ui.progressText.textContent = 'Reset: fresh weights from the same seed. Press Start to train again.';
            ui.cost.textContent = 'Cost: –'; ui.accuracy.textContent = 'Train accuracy: –, test accuracy: –';
            scheduleDraw();
          }
          if (msg.loaded) { state.started = true; ui.progressText.textContent = 'Weights loaded and checked: results below.'; }
          state.finished = Boolean(msg.finished);
          setRunning(msg.running);
          if (msg.finished || msg.reset) { ui.pause.disabled = true; keepFocus(); }
          break;
        case 'progress': {
          state.steps.push(...msg.costs);
          if (msg.costs.length) state.saved = false;
          state.stepsPerEpoch = msg.stepsPerEpoch;
          const done = state.steps.length / (msg.stepsPerEpoch * msg.epochs);
          ui.progress.value = Math.min(1, done);
          const left = done > 0 ? msg.elapsed * (1 / done - 1) : 0;
          ui.progressText.textContent = `Epoch ${Math.min(msg.epoch + 1, msg.epochs)} of ${msg.epochs} · ${fmtTime(msg.elapsed)} elapsed · about ${fmtTime(left)} left`;
          if (!state.epochs.length && msg.costs.length) ui.cost.textContent = `Cost of the last minibatch: ${msg.costs.at(-1).toFixed(4)}`;
          scheduleDraw();
          break;
        }
        case 'epoch':
          // A User Timing mark per epoch (DevTools' performance panel shows them, and
          // tests/bench/page_bench.mjs reads them): the worker's training clock.
          performance.mark('convlab:epoch', { detail: { epoch: msg.report.epoch, elapsedMs: msg.elapsed } });
          showEpoch(msg.report);
          scheduleDraw();
          break;
        case 'maps':
          showMaps(msg);
          break;
        case 'done':
          ui.progress.value = 1;
          ui.progressText.textContent = msg.loaded
            ? 'Weights loaded and checked on the test set: results below.'
            : `Done: ${state.epochs.length} epoch${state.epochs.length === 1 ? '' : 's'} in ${fmtTime(msg.elapsed)}.`;
          showResults(msg);
          break;
        case 'weights': {
          state.saved = true;
          const url = URL.createObjectURL(new Blob([msg.json], { type: 'application/json' }));
          const a = el('a', { href: url, download: 'convlab-signs-weights.json' });
          document.body.append(a);
          a.click();
          a.remove();
          setTimeout(() => URL.revokeObjectURL(url), 10000);
          break;
        }
        case 'error': {
          const where = { data: 'data', settings: 'settings', train: 'train', weights: 'weights', maps: 'train', start: 'settings' }[msg.where];
          if (where) {
            errors[where].show(msg.message);
            if (where !== 'data') setRunning(false);
          } else if (msg.where !== 'classify' && msg.where !== 'models') {
            errors.train.show(msg.message);
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
      worker.send({ type: 'live-maps', on, maps: Object.keys(MAP_TITLES) });
    };
    ui.liveMaps.addEventListener('change', mapsWanted);
    this.shown = () => { mapsWanted(); scheduleDraw(); };
    this.hidden = mapsWanted;
    worker.send({ type: 'use-synthetic' });
  },
  show(params) { this.apply?.(params); this.shown?.(); },
  hide() { this.hidden?.(); },
};
