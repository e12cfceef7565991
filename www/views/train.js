// Section 6: train the assignment's SIGNS ConvNet in a Web Worker (www/workers/worker.js) and
// watch it learn. The worker runs the Rust core; this view only builds controls and draws:
// train-layout.js builds the page and reads the settings, train-show.js draws the
// figures, train-messages.js answers the worker's messages.
import { errorBox } from '../errors.js';
import { t, setText } from '../i18n.js';
import { drawCostCurve } from '../draw/curve.js';
import { trainingWorker } from '../workers/training-client.js';
import { toWorker } from '../workers/protocol.js';
import { MAPS, short, buildLayout, readSettings as readTyped } from './train-layout.js';
import { trainFigures } from './train-show.js';
import { workerMessages } from './train-messages.js';

export const trainView = {
  id: 'train',
  init(core, root, setHash) {
    const worker = trainingWorker();
    const defaults = core.defaultTrainSettings();
    const canAugment = 'augment' in defaults;
    const readSettings = () => readTyped(core, ui, defaults, canAugment);
    const ui = {};
    const state = {
      steps: [], epochs: [], stepsPerEpoch: 1, totalEpochs: defaults.epochs, running: false, started: false,
      elapsed: 0, source: 'synthetic', lastCost: null, drawQueued: false,
    };

    const { notebook, notebookNote, buttons, weightsRow } = buildLayout(core, root, ui, { defaults, canAugment });

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

    ui.start.addEventListener('click', () => {
      clearErrors();
      let settings;
      try { settings = readSettings(); } catch (e) { errors.settings.show(e); return; }
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
      try { settings = readSettings(); } catch (e) { errors.settings.show(e); return; }
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
    const { showEpoch, showMaps, showResults } = trainFigures(ui, state);
    worker.listen(workerMessages({ ui, state, errors, setRunning, keepFocus, scheduleDraw, showEpoch, showMaps, showResults }));
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
