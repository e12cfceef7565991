// Section 2: the edge detection lab. Images (the lecture's steps, test pictures drawn by
// the core, a photo, the webcam) go through a 3x3 filter in the Rust core; the core also
// turns the response into colours (diverging: positive orange, negative blue).
import { fillGrid, editableGrid, toRows } from '../draw/grid.js';
import { drawRgba, drawLegend, pixelAt } from '../draw/canvas.js';
import { lineChart } from '../draw/chart.js';
import { errorBox, errorText } from '../errors.js';
import { t, setText, onLanguage } from '../i18n.js';
import { fmt, signClass } from '../format.js';
import { loadPhoto, startWebcam, grabFrame } from '../photo.js';
import { lesson } from '../lesson.js';

// Step images at the lecture's 6x6; drawn pictures at a size that shows their shapes.
// Each image's name is the catalogue's edges.image.<key>.
const IMAGES = {
  step: { picture: 'step_light_to_dark', size: 6 },
  step_dark: { picture: 'step_dark_to_light', size: 6 },
  step_h: { picture: 'step_top_to_bottom', size: 6 },
  lecture: { picture: 'lecture', size: 6 },
  step_big: { picture: 'step_light_to_dark', size: 64 },
  checkerboard: { picture: 'checkerboard', size: 128 },
  disc: { picture: 'disc', size: 128 },
  diagonal_stripes: { picture: 'diagonal_stripes', size: 128 },
  ramp: { picture: 'ramp', size: 128 },
  noise: { picture: 'noise', size: 64 },
};
// The learned filter is learned on this picture, whatever image is shown: its 3x3 windows
// take every pattern, so matching the target's response pins down all nine weights. On a
// step image any filter with the right sums along the edge matches: loss 0, wrong filter.
const LEARN_PICTURE = { picture: 'noise', size: 32 };
const PHOTO = 'photo', WEBCAM = 'webcam';
const FRAME_BUDGET_MS = 12;
const LEARN_STEPS = 400;

export const edgesView = {
  id: 'edges',
  init(core, root, setHash) {
    const q = (id) => root.querySelector(`[data-testid="${id}"]`);
    // Below the controls, not inside the row of figures (a message there pushed Filter and
    // Output below the input).
    const imageErrors = errorBox(root.querySelector('.controls'));
    const filterErrors = errorBox(q('edges-kernel'));
    const learnErrors = errorBox(q('edges-learn-reset'));
    const presets = lesson(core).filters;
    const state = {
      image: 'step', filter: 'vertical', mode: 'response', grey: null, photo: null,
      custom: lesson(core).filter('sobel_v'), map: null,
      learner: null, losses: [], running: false, angle: 45, stopCam: null, camTimer: null,
    };

    const imageSelect = q('edges-image');
    for (const key of [...Object.keys(IMAGES), PHOTO, WEBCAM]) imageSelect.add(setText(new Option('', key), `edges.image.${key}`));
    // The core's filters by their names (the core's English labels are the CLI's).
    const filterSelect = q('edges-filter');
    for (const name of [...presets.map((p) => p.name), 'custom', 'learned']) filterSelect.add(setText(new Option('', name), `edges.filter.${name}`));
    drawLegendStrip();
    const learnPicture = core.testPicture(LEARN_PICTURE.picture, LEARN_PICTURE.size, LEARN_PICTURE.size);
    drawRgba(q('edges-learn-picture'), learnPicture.rgba(), learnPicture.cols, learnPicture.rows);
    learnPicture.free?.();

    function drawLegendStrip() {
      drawLegend(q('edges-legend'), core.colorLegend(256, state.mode !== 'magnitude'));
    }

    function kernel() {
      if (state.filter === 'custom') return state.custom.flat();
      if (state.filter === 'learned') return state.learner ? Array.from(state.learner.kernel()) : [0, 0, 0, 0, 0, 0, 0, 0, 0];
      return (presets.find((p) => p.name === state.filter) || presets[0]).kernel;
    }

    function loadImage() {
      if (state.image === PHOTO || state.image === WEBCAM) return;
      const im = IMAGES[state.image] || IMAGES.step;
      const g = core.testPicture(im.picture, im.size, im.size);
      setGrey(g, { key: `edges.image.${state.image in IMAGES ? state.image : 'step'}` });
    }

    // `source`: {key} of the image's name, or {name} of a photo's file.
    function setGrey(g, source) {
      state.grey?.free?.();
      state.grey = g;
      state.source = source;
      drawRgba(q('edges-input'), g.rgba(), g.cols, g.rows);
      labelInput();
      q('edges-input-size').textContent = `${g.rows}×${g.cols}`;
      // The learned filter stays (it was learned on its own picture); a readout of the old
      // map does not.
      state.cursor = null;
      setText(q('edges-readout'), 'edges.readout-hint');
    }
    function labelInput() {
      const g = state.grey, s = state.source;
      const label = s.key ? t(s.key) : t('edges.photo-name', { name: s.name });
      q('edges-input').setAttribute('aria-label', t('edges.input-aria', { label, rows: g.rows, cols: g.cols }));
    }
    onLanguage(() => { if (state.grey) labelInput(); });

    function render() {
      const k = kernel();
      fillGrid(q('edges-kernel'), toRows(k, 3), { decorate: (td, v) => td.classList.add(signClass(v)) });
      q('edges-kernel').hidden = state.filter === 'custom';
      q('edges-custom').hidden = state.filter !== 'custom';
      q('edges-learn-panel').hidden = state.filter !== 'learned';
      const note = q('edges-filter-note');
      if (state.filter !== 'learned') { note.textContent = ''; delete note.dataset.i18n; }
      else if (state.learner) setText(note, 'edges.after-steps', { count: state.losses.length });
      else setText(note, 'edges.press-learn');
      drawMap(k);
      setHash({ filter: state.filter, image: state.image, mode: state.mode === 'response' ? '' : state.mode });
    }


    // Legend and range numbers: two decimals, or two significant digits when smaller
    // (a map of 0.004s read "0 ... 0").
    const short = (v) => (v === 0 || Math.abs(v) >= 0.01 ? fmt(round(v)) : String(Number(v.toPrecision(2))));

    function drawMap(k) {
      if (!state.grey) return;
      const g = state.grey;
      let map;
      try {
        map = state.mode === 'magnitude'
          ? core.edgeMagnitude(g.values, g.rows, g.cols, Float32Array.from(k))
          : core.edgeResponse(g.values, g.rows, g.cols, Float32Array.from(k));
        filterErrors.clear();
      } catch (e) {
        filterErrors.show(errorText(e));
        return;
      }
      state.map?.free();
      state.map = map;
      state.mapValues = map.values;
      const out = q('edges-output');
      drawRgba(out, map.rgba, map.cols, map.rows);
      const what = t(state.mode === 'magnitude' ? 'edges.magnitude' : 'edges.response');
      out.setAttribute('aria-label', t('edges.output-aria', { what, rows: map.rows, cols: map.cols, min: fmt(map.dataMin), max: fmt(map.dataMax) }));
      q('edges-output-size').textContent = `${map.rows}×${map.cols}`;
      q('edges-low').textContent = short(map.low);
      q('edges-high').textContent = short(map.high);
      setText(q('edges-range'), state.mode === 'magnitude' ? 'edges.range-magnitude' : 'edges.range-response', { min: short(map.dataMin), max: short(map.dataMax) });
      // A value being read is read again from the new map (same pixel, new filter).
      if (state.cursor) readout(state.cursor.x, state.cursor.y);
    }
    const round = (v) => Math.round(v * 100) / 100;

    // Hover any output pixel (or move a cursor with the arrow keys): its value, read
    // from the core's response.
    function readout(x, y) {
      if (!state.map) return;
      const { rows, cols } = state.map;
      state.cursor = { x: Math.max(0, Math.min(cols - 1, x)), y: Math.max(0, Math.min(rows - 1, y)) };
      const v = state.mapValues[state.cursor.y * cols + state.cursor.x];
      setText(q('edges-readout'), 'edges.readout', { row: state.cursor.y + 1, col: state.cursor.x + 1, value: short(v) });
    }
    const outCanvas = q('edges-output');
    outCanvas.tabIndex = 0;
    // Pointer events: a mouse hovering, a finger or a pen touching the map reads a value.
    const readAt = (e) => { const p = pixelAt(outCanvas, e); if (p) readout(p.x, p.y); };
    outCanvas.addEventListener('pointermove', readAt);
    outCanvas.addEventListener('pointerdown', readAt);
    outCanvas.addEventListener('focus', () => readout(state.cursor?.x ?? 0, state.cursor?.y ?? 0));
    outCanvas.addEventListener('keydown', (e) => {
      const c = state.cursor ?? { x: 0, y: 0 };
      const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (moves[e.key]) readout(c.x + moves[e.key][0], c.y + moves[e.key][1]);
      else if (e.key === 'Home') readout(0, c.y);
      else if (e.key === 'End') readout(Infinity, c.y);
      else return;
      e.preventDefault();
    });

    // ---- sources
    // The work on a photo is split into tasks of a few ms each (decode off the main
    // thread, then grey + input drawing, then the filter), with the browser free to
    // paint and answer clicks in between: one task did it all in 65-150 ms for a
    // 4000x3000 photo. A newer photo (or another image) wins over one still loading.
    const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
    let photoTicket = 0;
    async function usePhoto(file) {
      stopWebcam();
      const ticket = ++photoTicket;
      try {
        const photo = await loadPhoto(file);
        await nextTask();
        if (ticket !== photoTicket) return;
        const g = core.greyFromRgba(photo.rgba, photo.height, photo.width);
        imageErrors.clear();
        state.image = PHOTO;
        imageSelect.value = PHOTO;
        setGrey(g, { name: file.name });
        await nextTask();
        if (ticket !== photoTicket || state.grey !== g) return;
        render();
      } catch (e) {
        if (ticket !== photoTicket) return;
        imageErrors.show(errorText(e));
        imageSelect.value = state.image;
      }
    }
    q('edges-file').addEventListener('change', (e) => { const f = e.target.files[0]; if (f) usePhoto(f); e.target.value = ''; });
    const drop = q('edges-drop');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const f = e.dataTransfer.files[0];
      if (f) usePhoto(f);
    });

    let video = null;
    async function useWebcam() {
      video ??= Object.assign(document.createElement('video'), { muted: true, playsInline: true });
      try {
        state.stopCam = await startWebcam(video);
      } catch (e) {
        imageErrors.show(errorText(e));
        imageSelect.value = state.image === WEBCAM ? 'step' : state.image;
        if (state.image === WEBCAM) { state.image = 'step'; loadImage(); render(); }
        return;
      }
      imageErrors.clear();
      state.image = WEBCAM;
      imageSelect.value = WEBCAM;
      setText(q('edges-webcam'), 'edges.webcam-stop');
      const tick = () => {
        if (!state.stopCam) return;
        if (video.videoWidth) {
          const frame = grabFrame(video, 160);
          setGrey(core.greyFromRgba(frame.rgba, frame.height, frame.width), { key: 'edges.image.webcam' });
          render();
        }
        state.camTimer = setTimeout(tick, 150);
      };
      tick();
    }
    function stopWebcam() {
      clearTimeout(state.camTimer);
      state.stopCam?.();
      state.stopCam = null;
      setText(q('edges-webcam'), 'edges.webcam');
    }
    q('edges-webcam').addEventListener('click', () => (state.stopCam ? (stopWebcam(), selectImage('step')) : useWebcam()));

    function selectImage(key) {
      photoTicket += 1;
      imageErrors.clear(); // another image: the last one's (or the webcam's) failure is over
      if (key === WEBCAM) { useWebcam(); return; }
      stopWebcam();
      if (key === PHOTO) {
        imageSelect.value = state.image;
        q('edges-file').click();
        return;
      }
      state.image = IMAGES[key] ? key : 'step';
      imageSelect.value = state.image;
      loadImage();
      render();
    }
    imageSelect.addEventListener('change', () => selectImage(imageSelect.value));

    // ---- filters
    filterSelect.addEventListener('change', () => { state.filter = filterSelect.value; stopLearning(); render(); });
    q('edges-mode').addEventListener('change', (e) => { state.mode = e.target.value; drawLegendStrip(); render(); });
    editableGrid(q('edges-custom'), state.custom, {
      label: t('edges.custom-filter'), errorBox: filterErrors,
      onChange: (i, j, v) => { state.custom[i][j] = v; render(); },
    });

    // ---- learned filter: a few gradient steps per animation frame, never a long block
    function resetLearner() {
      stopLearning();
      state.learner?.free();
      state.learner = null;
      state.losses = [];
      lineChart(q('edges-loss-chart'), [], { xLabel: t('chart.step'), yLabel: t('chart.loss') });
      q('edges-loss').textContent = '';
    }
    function createLearner() {
      const g = core.testPicture(LEARN_PICTURE.picture, LEARN_PICTURE.size, LEARN_PICTURE.size);
      try {
        state.learner?.free();
        state.learner = new core.EdgeLearner(g.values, g.rows, g.cols, state.angle, 1);
      } finally {
        g.free?.();
      }
      state.losses = [];
      fillGrid(q('edges-target'), toRows(Array.from(state.learner.targetKernel()), 3), {
        format: (v) => v.toFixed(2), decorate: (td, v) => td.classList.add(signClass(v)),
      });
    }
    function stopLearning() {
      state.running = false;
      setText(q('edges-learn'), 'edges.learn');
    }
    function frame() {
      if (!state.running || !state.learner) return;
      const t0 = performance.now();
      try {
        while (performance.now() - t0 < FRAME_BUDGET_MS && state.losses.length < LEARN_STEPS) {
          state.losses.push(...state.learner.step(2));
        }
        learnErrors.clear();
      } catch (e) {
        learnErrors.show(errorText(e));
        stopLearning();
      }
      const last = state.losses[state.losses.length - 1];
      lineChart(q('edges-loss-chart'), state.losses, { xLabel: t('chart.gradient-step'), yLabel: t('chart.loss'), log: true });
      q('edges-loss-chart').setAttribute('aria-label', t('edges.loss-aria', { count: state.losses.length, first: state.losses[0]?.toExponential(2), last: last?.toExponential(2) }));
      setText(q('edges-loss'), 'edges.loss-text', { count: state.losses.length, loss: last?.toExponential(2), rate: state.learner.learningRate().toFixed(3) });
      render();
      if (state.losses.length >= LEARN_STEPS) stopLearning();
      else if (state.running) requestAnimationFrame(frame);
    }
    q('edges-learn').addEventListener('click', () => {
      if (state.running) { stopLearning(); return; }
      try {
        if (!state.learner || state.losses.length >= LEARN_STEPS) createLearner();
        learnErrors.clear();
      } catch (e) {
        learnErrors.show(errorText(e));
        return;
      }
      state.running = true;
      setText(q('edges-learn'), 'stepper.pause');
      requestAnimationFrame(frame);
    });
    q('edges-learn-reset').addEventListener('click', () => { resetLearner(); render(); });
    q('edges-angle').addEventListener('input', (e) => {
      state.angle = Number(e.target.value);
      q('edges-angle-value').textContent = `${state.angle}°`;
      resetLearner();
      render();
    });

    this.apply = (params) => {
      let filter = params.filter || 'vertical';
      if (filter !== 'custom' && filter !== 'learned') {
        try { filter = core.edgeFilterName(filter); } catch (e) { filterErrors.show(errorText(e)); filter = 'vertical'; }

      }
      state.filter = filter;
      filterSelect.value = filter;
      state.mode = params.mode === 'magnitude' ? 'magnitude' : 'response';
      q('edges-mode').value = state.mode;
      drawLegendStrip();
      const image = params.image || 'step';
      if (image !== state.image || !state.grey) {
        if (image === PHOTO || image === WEBCAM) { if (!state.grey) { state.image = 'step'; loadImage(); } }
        else { state.image = IMAGES[image] ? image : 'step'; imageSelect.value = state.image; loadImage(); }
      }
      imageSelect.value = state.image;
      render();
    };
  },
  show(params) { this.apply(params); },
};
