// Section 7: classify a hand photo. The worker decodes it (createImageBitmap, EXIF
// orientation read by the core), runs THE preprocessing and the model; this view shows
// the photo, the 64x64 input, the probabilities and the feature maps.
import { el } from '../dom.js';
import { errorBox } from '../errors.js';
import { drawTiles, putTile } from '../draw/tiles.js';
import { trainingWorker } from '../training-client.js';

// The layers whose maps are drawn (the worker colours only these); each titled with its shape.
const MAPS = ['conv1', 'pool1', 'conv2', 'pool2'];

export const classifyView = {
  id: 'classify',
  init(core, root) {
    const worker = trainingWorker();
    const ui = {};
    const state = { id: 0, models: [], trained: false, stream: null };

    ui.input = el('input', { type: 'file', accept: 'image/*', id: 'classify-input', dataset: { testid: 'classify-input' } });
    ui.drop = el('div', { className: 'dropzone', dataset: { testid: 'classify-drop' } },
      el('label', { for: 'classify-input' }, 'A photo of a hand showing 0 to 5 fingers: '), ui.input,
      el('span', { className: 'note', text: ' or drop it here.' }));
    ui.model = el('select', { dataset: { testid: 'classify-model' } }, el('option', { value: 'auto', text: 'best available' }));
    ui.camera = el('button', { type: 'button', dataset: { testid: 'classify-camera' } }, 'Use the webcam');
    ui.snap = el('button', { type: 'button', dataset: { testid: 'classify-snap' }, hidden: true }, 'Take the photo');
    ui.video = el('video', { className: 'webcam', playsinline: true, muted: true, hidden: true, 'aria-label': 'Webcam preview' });
    ui.modelNote = el('p', { className: 'note', dataset: { testid: 'classify-model-note' }, 'aria-live': 'polite', text: 'Looking for pretrained models…' });
    ui.photo = el('canvas', { className: 'photo', role: 'img', 'aria-label': 'No photo yet' });
    ui.seen = el('canvas', { className: 'pixelated seen', role: 'img', 'aria-label': 'The 64×64 input the network sees' });
    ui.prediction = el('p', { className: 'prediction', dataset: { testid: 'classify-prediction' }, 'aria-live': 'polite', text: 'No photo yet.' });
    ui.answeredBy = el('p', { className: 'note', dataset: { testid: 'classify-model-used' } });
    ui.averaging = el('p', { className: 'note', dataset: { testid: 'classify-averaging' }, hidden: true });
    ui.warning = el('p', { className: 'warning', dataset: { testid: 'classify-warning' }, role: 'status', hidden: true });
    ui.bars = el('div', { className: 'bars', dataset: { testid: 'classify-probabilities' }, role: 'list', 'aria-label': 'Probability of each digit' });
    ui.maps = {};
    const mapBlocks = MAPS.map((name) => {
      ui.maps[name] = el('div', { className: 'tiles', dataset: { testid: `classify-maps-${name}` } });
      return el('div', { className: 'map-block', hidden: true }, el('h4', { text: name }), ui.maps[name]);
    });
    ui.mapsBox = el('div', { className: 'maps' }, mapBlocks);
    const controls = el('div', { className: 'controls', role: 'group', 'aria-label': 'Photo' },
      el('label', {}, 'Model ', ui.model), ui.camera, ui.snap);

    root.append(
      el('p', { className: 'lead' }, 'Show the network your own hand. The photo is turned upright (EXIF), cropped to its centre square and shrunk to 64×64 by the same Rust function that prepares the training pictures; nothing leaves your browser.'),
      ui.drop, controls, ui.video, ui.modelNote,
      el('div', { className: 'row' },
        el('figure', {}, el('figcaption', { text: 'Your photo' }), ui.photo),
        el('figure', {}, el('figcaption', { text: 'What the network sees (64×64)' }), ui.seen),
        el('div', { className: 'answer' }, ui.prediction, ui.answeredBy, ui.averaging, ui.warning, ui.bars)),
      el('h3', { text: 'Feature maps for this photo' }), ui.mapsBox);
    const errors = errorBox(ui.drop);
    const camErrors = errorBox(controls);

    function send(file) {
      errors.clear();
      if (!file) return;
      state.lastFile = file;
      state.id += 1;
      state.sentAt = performance.now();
      ui.prediction.textContent = 'Classifying…';
      worker.send({ type: 'classify', id: state.id, file, model: ui.model.value, maps: MAPS });
    }

    function updateModels() {
      const keep = ui.model.value;
      ui.model.replaceChildren(el('option', { value: 'auto', text: 'best available' }));
      for (const m of state.models) ui.model.append(el('option', { value: m.key, text: m.key === 'hand' ? 'pretrained robust hand model' : "pretrained assignment's network" }));
      if (state.trained) ui.model.append(el('option', { value: 'trained', text: 'the model trained in section 6' }));
      ui.model.value = [...ui.model.options].some((o) => o.value === keep) ? keep : 'auto';
      ui.modelNote.textContent = state.models.length
        ? `Pretrained: ${state.models.map((m) => `${m.file} (${m.info.params.toLocaleString('en')} parameters)`).join(', ')}.${state.trained ? ' The model trained in section 6 is available too.' : ''}`
        : state.trained
          ? 'No pretrained model yet: photos are classified with the model trained in section 6.'
          : 'No pretrained model yet: train one in section 6 (a few epochs are enough to try), then classify a photo here.';
    }

    function showResult(msg) {
      const drawStart = performance.now();
      const { result, display, model, size } = msg;
      const p = result.prediction;
      ui.photo.width = display.width;
      ui.photo.height = display.height;
      ui.photo.getContext('2d').drawImage(display, 0, 0);
      display.close?.();
      ui.photo.setAttribute('aria-label', `Your photo, ${size[0]}×${size[1]} pixels${msg.orientation > 1 ? `, turned upright (EXIF orientation ${msg.orientation})` : ''}`);
      putTile(ui.seen, result.input);
      ui.prediction.textContent = `${p.label} — the network reads ${p.label} finger${p.label === 1 ? '' : 's'} (${(p.confidence * 100).toFixed(1)}% sure)`;
      ui.answeredBy.textContent = `Answered by ${model}, in ${msg.ms.toFixed(0)} ms.`;
      // Test-time averaging (the robust model): the probabilities are the mean over views.
      ui.averaging.hidden = !p.averaging;
      ui.averaging.textContent = p.averaging ? `The answer is ${p.averaging}; the feature maps below are the photo's own.` : '';
      ui.warning.hidden = !p.warning;
      ui.warning.textContent = p.warning || '';
      ui.bars.replaceChildren();
      p.probabilities.forEach((prob, i) => {
        const bar = el('span', { className: 'bar-fill' });
        bar.style.width = `${(prob * 100).toFixed(1)}%`;
        ui.bars.append(el('div', { className: `bar${i === p.index ? ' best' : ''}`, role: 'listitem', dataset: { probability: String(prob) } },
          el('span', { className: 'bar-label', text: String(i) }),
          el('span', { className: 'bar-track' }, bar),
          el('span', { className: 'bar-value', text: `${(prob * 100).toFixed(1)}%` })));
      });
      for (const block of ui.mapsBox.children) block.hidden = true;
      for (const m of result.maps) {
        const box = ui.maps[m.name];
        if (!box) continue;
        box.parentElement.hidden = false;
        box.parentElement.querySelector('h4').textContent = `${m.name} (${m.count} maps, ${m.height}×${m.width})`;
        drawTiles(box, m, { size: m.width > 8 ? 72 : 48, alt: (i) => `${m.name} map ${i + 1} of ${m.count} for your photo` });
      }
      // From the photo given to everything drawn, as a User Timing measure (DevTools'
      // performance panel; tests/bench/page_bench.mjs reads it).
      const end = performance.now();
      performance.measure('convlab:classify', { start: state.sentAt, end,
        detail: { answer: p.label, model, coreMs: msg.ms, drawMs: end - drawStart } });
    }

    ui.input.addEventListener('change', () => { send(ui.input.files[0]); ui.input.value = ''; });
    ui.drop.addEventListener('dragover', (e) => { e.preventDefault(); ui.drop.classList.add('over'); });
    ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
    ui.drop.addEventListener('drop', (e) => { e.preventDefault(); ui.drop.classList.remove('over'); send(e.dataTransfer.files[0]); });
    ui.model.addEventListener('change', () => { if (state.lastFile) send(state.lastFile); });

    // Webcam: a live preview, and a button that takes one frame as a PNG photo.
    const stopCamera = () => {
      state.stream?.getTracks().forEach((t) => t.stop());
      state.stream = null;
      ui.video.hidden = true; ui.snap.hidden = true; ui.camera.textContent = 'Use the webcam';
    };
    ui.camera.addEventListener('click', async () => {
      camErrors.clear();
      if (state.stream) { stopCamera(); return; }
      try {
        if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser offers no webcam access here (it needs https or localhost).');
        state.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
        state.stream.getVideoTracks()[0]?.addEventListener('ended', stopCamera);
        ui.video.srcObject = state.stream;
        ui.video.hidden = false; ui.snap.hidden = false; ui.camera.textContent = 'Close the webcam';
        await ui.video.play();
      } catch (e) {
        stopCamera();
        camErrors.show(e.name === 'NotAllowedError' ? 'The webcam was not allowed: upload a photo instead, or allow the camera in the browser.' : `The webcam could not start: ${e.message}`);
      }
    });
    ui.snap.addEventListener('click', () => {
      if (!state.stream || !ui.video.videoWidth) { camErrors.show('The webcam has no picture yet: wait a moment and try again.'); return; }
      const c = document.createElement('canvas');
      c.width = ui.video.videoWidth; c.height = ui.video.videoHeight;
      c.getContext('2d').drawImage(ui.video, 0, 0);
      c.toBlob((blob) => send(new File([blob], 'webcam.png', { type: 'image/png' })), 'image/png');
    });

    worker.listen((msg) => {
      if (msg.type === 'models') { state.models = msg.available; updateModels(); }
      if (msg.type === 'epoch' || (msg.type === 'state' && msg.loaded)) {
        if (!state.trained) { state.trained = true; updateModels(); }
      }
      if (msg.type === 'state' && msg.reset) { state.trained = false; updateModels(); }
      if (msg.type === 'classified' && msg.id === state.id) showResult(msg);
      if (msg.type === 'error' && msg.where === 'classify' && msg.id === state.id) {
        errors.show(msg.message);
        ui.prediction.textContent = 'No answer: see the message above.';
      }
      if (msg.type === 'error' && msg.where === 'models') ui.modelNote.textContent = `A pretrained model could not be loaded: ${msg.message}`;
    });
    worker.send({ type: 'models' });
  },
  show() {},
};
