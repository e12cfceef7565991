// Section 6's answer to each message of the training worker (protocol.js's OUT).
import { el } from '../dom.js';
import { t, setText } from '../i18n.js';
import { drawTiles } from '../draw/tiles.js';
import { OUT } from '../workers/protocol.js';
import { fmtTime } from './train-layout.js';

// `view`: what the handler updates (ui, state, errors) and the view's own functions.
export function workerMessages({ ui, state, errors, setRunning, keepFocus, scheduleDraw, showEpoch, showMaps, showResults }) {
  return (msg) => {
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
          errors[where].show(msg);
          if (where !== 'data') setRunning(false);
        } else if (msg.where !== 'classify' && msg.where !== 'models') {
          errors.train.show(msg);
        }
        break;
      }
      default:
    }
  };
}
