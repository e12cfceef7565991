// Section 7: classify a hand photo. The worker decodes it (createImageBitmap, EXIF
// orientation read by the core), runs THE preprocessing (the hand found and cropped) and
// the model; this view shows the photo with the square cropped, the 64x64 input, where
// the network looked (Grad-CAM), the probabilities and the feature maps. A photo comes
// from a file, a drop, the clipboard, the webcam or the strip of examples.
import { el } from '../dom.js';
import { errorBox } from '../errors.js';
import { drawTiles, putTile } from '../draw/tiles.js';
import { drawClassMap, classMapLegend } from '../draw/cam.js';
import { trainingWorker } from '../workers/training-client.js';
import { webcamFailure } from '../photo.js';

// The layers whose maps are drawn (the worker colours only these); each titled with its shape.
const MAPS = ['conv1', 'pool1', 'conv2', 'pool2'];
// The example photos (www/examples/index.json lists them, with what each shows).
const EXAMPLES = new URL('../examples/', import.meta.url);

export const classifyView = {
  id: 'classify',
  init(core, root) {
    const worker = trainingWorker();
    const ui = {};
    const state = { id: 0, models: [], trained: false, stream: null };

    ui.input = el('input', { type: 'file', accept: 'image/*', id: 'classify-input', dataset: { testid: 'classify-input' } });
    ui.drop = el('div', { className: 'dropzone', dataset: { testid: 'classify-drop' } },
      el('label', { for: 'classify-input' }, 'A photo of a hand showing 0 to 5 fingers: '), ui.input,
      el('span', { className: 'note', text: ' or drop it here, or paste one (Ctrl+V / ⌘V).' }));
    ui.model = el('select', { dataset: { testid: 'classify-model' } }, el('option', { value: 'auto', text: 'best available' }));
    ui.camera = el('button', { type: 'button', dataset: { testid: 'classify-camera' } }, 'Use the webcam');
    ui.snap = el('button', { type: 'button', dataset: { testid: 'classify-snap' }, hidden: true }, 'Take the photo');
    ui.video = el('video', { className: 'webcam', playsinline: true, muted: true, hidden: true, 'aria-label': 'Webcam preview' });
    ui.modelNote = el('p', { className: 'note', dataset: { testid: 'classify-model-note' }, 'aria-live': 'polite', text: 'Looking for pretrained models…' });
    ui.photo = el('canvas', { className: 'photo', role: 'img', 'aria-label': 'No photo yet' });
    ui.seen = el('canvas', { className: 'pixelated seen', role: 'img', 'aria-label': 'The 64×64 input the network sees' });
    ui.cropNote = el('p', { className: 'note', dataset: { testid: 'classify-crop' } });
    ui.cam = el('canvas', { className: 'pixelated cam', role: 'img', dataset: { testid: 'classify-cam' }, 'aria-label': 'Where the network looked' });
    ui.camNote = el('p', { className: 'note', dataset: { testid: 'classify-cam-note' } });
    ui.explain = el('input', { type: 'checkbox', checked: true, dataset: { testid: 'classify-explain' } });
    ui.camFigure = el('figure', { dataset: { testid: 'classify-cam-figure' } }, el('figcaption', { text: 'Where it looks (Grad-CAM)' }), ui.cam,
      classMapLegend(core), ui.camNote);
    ui.examples = el('div', { className: 'examples', role: 'group', 'aria-label': 'Example photos', dataset: { testid: 'classify-examples' } });
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
      el('label', {}, 'Model ', ui.model), ui.camera, ui.snap,
      el('label', { className: 'check' }, ui.explain, 'show where it looks'));

    root.append(
      el('p', { className: 'lead' }, 'Show the network your own hand. The photo is turned upright (EXIF), cropped to a square around the hand (found against a plain background; the centre square when it cannot tell) and shrunk to 64×64 by the same Rust function that prepares the training pictures; nothing leaves your browser.'),
      ui.drop, el('p', { className: 'note', text: 'No photo at hand? Click an example (from the Sign Language Digits Dataset by students of Ankara Ayrancı Anadolu High School, Apache License 2.0; the last ones made harder: small, off-centre, turned):' }), ui.examples,
      controls, ui.video, ui.modelNote,
      el('div', { className: 'row' },
        el('figure', {}, el('figcaption', { text: 'Your photo (the square the network sees outlined)' }), ui.photo),
        el('figure', {}, el('figcaption', { text: 'What the network sees (64×64)' }), ui.seen, ui.cropNote),
        el('div', { className: 'answer' }, ui.prediction, ui.answeredBy, ui.averaging, ui.warning, ui.bars),
        ui.camFigure),
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
      worker.send({ type: 'classify', id: state.id, file, model: ui.model.value, maps: MAPS, explain: ui.explain.checked });
    }

    // Grad-CAM for `cls` over the 64x64 input: the core's coloured, partly transparent map
    // drawn on top of the picture the network saw.
    function drawCam(cls) {
      const map = state.classMaps?.find((m) => m.class === cls);
      ui.camFigure.hidden = !map;
      if (!map) return;
      drawClassMap(ui.cam, state.input, map);
      const label = state.labels[cls] ?? cls;
      ui.cam.setAttribute('aria-label', `Where the network looked for ${label}`);
      ui.camNote.textContent = `for ${label}${cls === state.answer ? ' (its answer)' : ''}: the ${map.mapHeight}×${map.mapWidth} maps of ${map.layer}, weighted by how much each raises the score of ${label}. Click a digit's bar to see where it looks for that digit.`;
      for (const bar of ui.bars.children) bar.classList.toggle('shown', Number(bar.dataset.index) === cls);
    }

    // The example strip: a click sends the photo as if it had been uploaded.
    async function loadExamples() {
      try {
        const res = await fetch(new URL('index.json', EXAMPLES));
        if (!res.ok) return;
        for (const ex of (await res.json()).photos) {
          const button = el('button', { type: 'button', className: 'example', title: ex.caption, dataset: { testid: 'classify-example', file: ex.file } },
            el('img', { src: new URL(ex.file, EXAMPLES).href, alt: ex.caption, width: 56, height: 56 }));
          button.addEventListener('click', async () => {
            errors.clear();
            try {
              const blob = await (await fetch(new URL(ex.file, EXAMPLES))).blob();
              send(new File([blob], ex.file, { type: blob.type || 'image/jpeg' }));
            } catch (e) {
              errors.show(`The example ${ex.file} could not be loaded: ${e.message}`);
            }
          });
          ui.examples.append(button);
        }
      } catch (e) {
        errors.show(`The example photos could not be listed: ${e.message}`);
      }
    }

    function updateModels() {
      const keep = ui.model.value;
      ui.model.replaceChildren(el('option', { value: 'auto', text: 'best available' }));
      const name = (m) => (m.key === 'hand' ? 'pretrained robust hand model' : "pretrained assignment's network");
      for (const m of state.models) ui.model.append(el('option', { value: m.key, text: name(m) }));
      if (state.trained) ui.model.append(el('option', { value: 'trained', text: 'the model trained in section 6' }));
      ui.model.value = [...ui.model.options].some((o) => o.value === keep) ? keep : 'auto';
      ui.modelNote.textContent = state.models.length
        ? `Pretrained: the ${state.models.map((m) => `${name(m).replace('pretrained ', '')} (${m.info.params.toLocaleString('en')} parameters)`).join(' and the ')}.${state.trained ? ' The model trained in section 6 is available too.' : ''}`
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
      // The square the network sees, outlined on the photo (shown at display / size scale).
      const { crop } = result;
      const k = ui.photo.width / size[0];
      const ctx = ui.photo.getContext('2d');
      ctx.lineWidth = Math.max(2, ui.photo.width / 160);
      ctx.strokeStyle = crop.to_hand ? '#f59e0b' : '#2563eb';
      ctx.strokeRect(crop.x * k, crop.y * k, crop.side * k, crop.side * k);
      ui.cropNote.textContent = crop.to_hand ? `Cropped to the hand: a ${crop.side}×${crop.side} square of the photo.` : `The centre square: ${crop.why}.`;
      ui.cropNote.dataset.toHand = String(crop.to_hand);
      state.input = result.input;
      state.classMaps = result.classMaps;
      state.answer = p.index;
      state.labels = p.probabilities.map((_, i) => (i === p.index ? p.label : i));
      ui.prediction.textContent = `${p.label} — the network reads ${p.label} finger${p.label === 1 ? '' : 's'} (${(p.confidence * 100).toFixed(1)}% sure)`;
      ui.answeredBy.textContent = `Answered by ${model}, in ${msg.ms.toFixed(0)} ms.`;
      // Test-time averaging (the robust model): the probabilities are the mean over views.
      ui.averaging.hidden = !p.averaging;
      ui.averaging.textContent = p.averaging ? `The answer is ${p.averaging}; the feature maps below are the photo's own.` : '';
      ui.warning.hidden = !p.warning;
      ui.warning.textContent = p.warning || '';
      ui.warning.dataset.doubt = p.doubt || '';
      ui.bars.replaceChildren();
      p.probabilities.forEach((prob, i) => {
        const bar = el('span', { className: 'bar-fill' });
        bar.style.width = `${(prob * 100).toFixed(1)}%`;
        ui.bars.append(el('div', { className: `bar${i === p.index ? ' best' : ''}`, role: 'listitem', dataset: { probability: String(prob), index: String(i) } },
          el('span', { className: 'bar-label', text: String(i) }),
          el('span', { className: 'bar-track' }, bar),
          el('span', { className: 'bar-value', text: `${(prob * 100).toFixed(1)}%` })));
      });
      drawCam(p.index);
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
    ui.explain.addEventListener('change', () => { if (state.lastFile) send(state.lastFile); else ui.camFigure.hidden = true; });
    ui.bars.addEventListener('click', (e) => {
      const bar = e.target.closest('.bar');
      if (bar) drawCam(Number(bar.dataset.index));
    });
    // Paste: a photo copied from another page, a screenshot tool or a file manager.
    document.addEventListener('paste', (e) => {
      if (root.hidden) return;
      const item = [...(e.clipboardData?.items || [])].find((it) => it.kind === 'file' && it.type.startsWith('image/'));
      const file = item?.getAsFile();
      if (!file) {
        if ([...(e.clipboardData?.types || [])].includes('Files')) errors.show('The clipboard holds a file that is not an image: copy a photo (JPEG, PNG, GIF or WebP).');
        return;
      }
      e.preventDefault();
      send(file.name ? file : new File([file], 'pasted.png', { type: file.type }));
    });

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
        camErrors.show(`${webcamFailure(e)} Upload a photo instead${e.name === 'NotAllowedError' ? ', or allow the camera in the browser' : ''}.`);
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
      if (msg.type === 'models') { state.models = msg.available; state.trained = Boolean(msg.trained); updateModels(); }
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
    ui.camFigure.hidden = true;
    loadExamples();
  },
  show() {},
};
