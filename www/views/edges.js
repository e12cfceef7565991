// Section 2: the edge detection lab. Images (the lecture's steps, test pictures drawn by
// the core, a photo, the webcam) go through a 3x3 filter in the Rust core; the core also
// turns the response into colours (diverging: positive orange, negative blue).
import { fillGrid, editableGrid, toRows } from '../draw/grid.js';
import { drawRgba, drawLegend } from '../draw/canvas.js';
import { errorBox } from '../errors.js';
import { t, setText, onLanguage } from '../i18n.js';
import { signClass } from '../format.js';
import { photoSources } from './edges-sources.js';
import { learnedFilter } from './edges-learn.js';
import { outputMap } from './edges-map.js';
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


    // ---- the output map (edges-map.js)
    const { drawMap } = outputMap(core, q, { state, filterErrors });

    // ---- sources: a photo or the webcam (edges-sources.js)
    const sources = photoSources(core, q, { state, imageSelect, imageErrors, setGrey, render, loadImage, PHOTO, WEBCAM });
    const { stopWebcam } = sources;

    function selectImage(key) {
      sources.cancelPhoto();
      imageErrors.clear(); // another image: the last one's (or the webcam's) failure is over
      if (key === WEBCAM) { sources.useWebcam(); return; }
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
    q('edges-webcam').addEventListener('click', () => (state.stopCam ? (stopWebcam(), selectImage('step')) : sources.useWebcam()));

    // ---- filters
    filterSelect.addEventListener('change', () => { state.filter = filterSelect.value; stopLearning(); render(); });
    q('edges-mode').addEventListener('change', (e) => { state.mode = e.target.value; drawLegendStrip(); render(); });
    editableGrid(q('edges-custom'), state.custom, {
      label: t('edges.custom-filter'), errorBox: filterErrors,
      onChange: (i, j, v) => { state.custom[i][j] = v; render(); },
    });

    // ---- learned filter (edges-learn.js)
    const { stopLearning } = learnedFilter(core, q, { state, render, learnErrors, picture: LEARN_PICTURE });

    this.apply = (params) => {
      let filter = params.filter || 'vertical';
      if (filter !== 'custom' && filter !== 'learned') {
        try { filter = core.edgeFilterName(filter); } catch (e) { filterErrors.show(e); filter = 'vertical'; }

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
