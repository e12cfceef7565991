// Section 7: classify a hand photo. The worker decodes it (createImageBitmap, EXIF
// orientation read by the core), runs THE preprocessing (the hand found and cropped) and
// the model; this view shows the photo with the square cropped, the 64x64 input, where
// the network looked (Grad-CAM), the probabilities and the feature maps. A photo comes
// from a file, a drop, the clipboard, the webcam or the strip of examples.
import { el } from '../dom.js';
import { errorBox, errorText } from '../errors.js';
import { t, num, setText, translate, hasKey } from '../i18n.js';
import { classMapLegend } from '../draw/cam.js';
import { trainingWorker } from '../workers/training-client.js';
import { toWorker, OUT } from '../workers/protocol.js';
import { webcamFailure } from '../photo.js';
import { classifyResult } from './classify-result.js';
// The layers whose maps are drawn (the worker colours only these): section 6's list.
import { MAPS } from './train-layout.js';

// The example photos (www/examples/index.json lists them, with what each shows).
const EXAMPLES = new URL('../examples/', import.meta.url);
// A text of the catalogue in a span of its own, reworded when the language changes.
const tx = (key, params) => setText(el('span'), key, params);

export const classifyView = {
  id: 'classify',
  init(core, root) {
    const worker = trainingWorker();
    const ui = {};
    const state = { id: 0, models: [], trained: false, stream: null };

    ui.input = el('input', { type: 'file', accept: 'image/*', id: 'classify-input', dataset: { testid: 'classify-input' } });
    ui.drop = el('div', { className: 'dropzone', dataset: { testid: 'classify-drop' } },
      el('label', { for: 'classify-input' }, tx('classify.photo-label')), ui.input,
      el('span', { className: 'note' }, ' ', tx('classify.drop-here')));
    ui.model = el('select', { dataset: { testid: 'classify-model' } }, setText(el('option', { value: 'auto' }), 'classify.model.auto'));
    ui.camera = setText(el('button', { type: 'button', dataset: { testid: 'classify-camera' } }), 'edges.webcam');
    ui.snap = el('button', { type: 'button', dataset: { testid: 'classify-snap' }, hidden: true }, tx('classify.snap'));
    ui.video = el('video', { className: 'webcam', playsinline: true, muted: true, hidden: true, dataset: { i18nAttr: 'aria-label:classify.video' } });
    ui.modelNote = setText(el('p', { className: 'note', dataset: { testid: 'classify-model-note' }, 'aria-live': 'polite' }), 'classify.looking');
    ui.photo = el('canvas', { className: 'photo', role: 'img', dataset: { i18nAttr: 'aria-label:classify.no-photo' } });
    ui.seen = el('canvas', { className: 'pixelated seen', role: 'img', dataset: { i18nAttr: 'aria-label:classify.seen-aria' } });
    ui.cropNote = el('p', { className: 'note', dataset: { testid: 'classify-crop' } });
    ui.cam = el('canvas', { className: 'pixelated cam', role: 'img', dataset: { testid: 'classify-cam', i18nAttr: 'aria-label:classify.cam-aria' } });
    ui.camNote = el('p', { className: 'note', dataset: { testid: 'classify-cam-note' } });
    ui.explain = el('input', { type: 'checkbox', checked: true, dataset: { testid: 'classify-explain' } });
    ui.camFigure = el('figure', { dataset: { testid: 'classify-cam-figure' } }, el('figcaption', {}, tx('classify.cam-caption')), ui.cam,
      classMapLegend(core), ui.camNote);
    ui.examples = el('div', { className: 'examples', role: 'group', dataset: { testid: 'classify-examples', i18nAttr: 'aria-label:classify.examples' } });
    ui.prediction = setText(el('p', { className: 'prediction', dataset: { testid: 'classify-prediction' }, 'aria-live': 'polite' }), 'classify.no-photo');
    ui.answeredBy = el('p', { className: 'note', dataset: { testid: 'classify-model-used' } });
    ui.averaging = el('p', { className: 'note', dataset: { testid: 'classify-averaging' }, hidden: true });
    ui.warning = el('p', { className: 'warning', dataset: { testid: 'classify-warning' }, role: 'status', hidden: true });
    ui.bars = el('div', { className: 'bars', dataset: { testid: 'classify-probabilities', i18nAttr: 'aria-label:classify.bars' }, role: 'list' });
    ui.maps = {};
    const mapBlocks = MAPS.map((name) => {
      ui.maps[name] = el('div', { className: 'tiles', dataset: { testid: `classify-maps-${name}` } });
      return el('div', { className: 'map-block', hidden: true }, el('h4', { text: name }), ui.maps[name]);
    });
    ui.mapsBox = el('div', { className: 'maps' }, mapBlocks);
    const controls = el('div', { className: 'controls', role: 'group', dataset: { i18nAttr: 'aria-label:classify.controls' } },
      el('label', {}, tx('classify.model'), ' ', ui.model), ui.camera, ui.snap,
      el('label', { className: 'check' }, ui.explain, tx('classify.explain')));

    root.append(
      el('p', { className: 'lead' }, tx('classify.lead')),
      ui.drop, el('p', { className: 'note' }, tx('classify.examples-note')), ui.examples,
      controls, ui.video, ui.modelNote,
      el('div', { className: 'row' },
        el('figure', {}, el('figcaption', {}, tx('classify.photo-caption')), ui.photo),
        el('figure', {}, el('figcaption', {}, tx('classify.seen-caption')), ui.seen, ui.cropNote),
        el('div', { className: 'answer' }, ui.prediction, ui.answeredBy, ui.averaging, ui.warning, ui.bars),
        ui.camFigure),
      el('h3', {}, tx('classify.h-maps')), ui.mapsBox);
    translate(root); // the attributes marked above
    const errors = errorBox(ui.drop);
    const { drawCam, showResult } = classifyResult(ui, state);
    const camErrors = errorBox(controls);

    function send(file) {
      errors.clear();
      if (!file) return;
      state.lastFile = file;
      state.id += 1;
      state.sentAt = performance.now();
      setText(ui.prediction, 'classify.classifying');
      worker.send(toWorker.classify(state.id, file, ui.model.value, MAPS, ui.explain.checked));
    }

    // The example strip: a click sends the photo as if it had been uploaded.
    async function loadExamples() {
      try {
        const res = await fetch(new URL('index.json', EXAMPLES));
        if (!res.ok) return;
        for (const ex of (await res.json()).photos) {
          // Worded by the catalogue from the file's kind (sign0_1.jpg: sign; turned_3.jpg: turned).
          const key = `classify.example.${ex.file.replace(/\d*_\d+\.\w+$/, '')}`;
          const caption = hasKey(key) ? t(key, { digit: ex.digit }) : ex.caption;
          const button = el('button', { type: 'button', className: 'example', title: caption, dataset: { testid: 'classify-example', file: ex.file } },
            el('img', { src: new URL(ex.file, EXAMPLES).href, alt: caption, width: 56, height: 56 }));
          button.addEventListener('click', async () => {
            errors.clear();
            try {
              const blob = await (await fetch(new URL(ex.file, EXAMPLES))).blob();
              send(new File([blob], ex.file, { type: blob.type || 'image/jpeg' }));
            } catch (e) {
              errors.show(t('classify.example-failed', { file: ex.file, message: e.message }));
            }
          });
          ui.examples.append(button);
        }
      } catch (e) {
        errors.show(t('classify.examples-failed', { message: e.message }));
      }
    }

    function updateModels() {
      const keep = ui.model.value;
      // Each model's name is the catalogue's classify.model.<key> ("hand", "signs", "trained").
      const option = (key) => setText(el('option', { value: key }), `classify.model.${key}`);
      ui.model.replaceChildren(option('auto'), ...state.models.map((m) => option(m.key)), state.trained ? option('trained') : null);
      ui.model.value = [...ui.model.options].some((o) => o.value === keep) ? keep : 'auto';
      const models = state.models.map((m) => t('classify.model-params', { name: t(`classify.about.${m.key}`), n: num(m.info.params) })).join(t('classify.and'));
      if (state.models.length) setText(ui.modelNote, state.trained ? 'classify.pretrained-and-trained' : 'classify.pretrained', { models });
      else setText(ui.modelNote, state.trained ? 'classify.only-trained' : 'classify.none');
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
        if ([...(e.clipboardData?.types || [])].includes('Files')) errors.show(t('classify.paste-not-image'));
        return;
      }
      e.preventDefault();
      send(file.name ? file : new File([file], 'pasted.png', { type: file.type }));
    });

    // Webcam: a live preview, and a button that takes one frame as a PNG photo.
    const stopCamera = () => {
      state.stream?.getTracks().forEach((t) => t.stop());
      state.stream = null;
      ui.video.hidden = true; ui.snap.hidden = true; setText(ui.camera, 'edges.webcam');
    };
    ui.camera.addEventListener('click', async () => {
      camErrors.clear();
      if (state.stream) { stopCamera(); return; }
      try {
        if (!navigator.mediaDevices?.getUserMedia) throw new Error(t('webcam.needs-https'));
        state.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
        state.stream.getVideoTracks()[0]?.addEventListener('ended', stopCamera);
        ui.video.srcObject = state.stream;
        ui.video.hidden = false; ui.snap.hidden = false; setText(ui.camera, 'classify.close-webcam');
        await ui.video.play();
      } catch (e) {
        stopCamera();
        camErrors.show(t(e.name === 'NotAllowedError' ? 'webcam.upload-or-allow' : 'webcam.upload-instead', { failure: webcamFailure(e) }));
      }
    });
    ui.snap.addEventListener('click', () => {
      if (!state.stream || !ui.video.videoWidth) { camErrors.show(t('webcam.no-picture')); return; }
      const c = document.createElement('canvas');
      c.width = ui.video.videoWidth; c.height = ui.video.videoHeight;
      c.getContext('2d').drawImage(ui.video, 0, 0);
      c.toBlob((blob) => send(new File([blob], 'webcam.png', { type: 'image/png' })), 'image/png');
    });

    worker.listen((msg) => {
      if (msg.type === OUT.models) { state.models = msg.available; state.trained = Boolean(msg.trained); updateModels(); }
      if (msg.type === OUT.epoch || (msg.type === OUT.state && msg.loaded)) {
        if (!state.trained) { state.trained = true; updateModels(); }
      }
      if (msg.type === OUT.state && msg.reset) { state.trained = false; updateModels(); }
      if (msg.type === OUT.classified && msg.id === state.id) showResult(msg);
      if (msg.type === OUT.error && msg.where === 'classify' && msg.id === state.id) {
        errors.show(msg);
        setText(ui.prediction, 'classify.no-answer');
      }
      if (msg.type === OUT.error && msg.where === 'models') setText(ui.modelNote, 'classify.model-failed', { message: errorText(msg) });

    });
    worker.send(toWorker.models());
    ui.camFigure.hidden = true;
    loadExamples();
  },
  show() {},
};
