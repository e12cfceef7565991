// Section 6's page: the network diagram, the data, settings, run and weights controls,
// the live figures and the results, built once into `root`; `ui` gets every element the
// view and its parts use. Also the settings as the user typed them, checked.
import { el } from '../dom.js';
import { codedError } from '../errors.js';
import { t, num, setText, translate } from '../i18n.js';
import { classMapLegend } from '../draw/cam.js';

// Each augmentation's name is the catalogue's train.aug.<key>, each map's train.map.<name>
// (its counts and size from the maps' own description: the core's signsMaps() until the
// first maps arrive, then each tile set's).
const AUGMENTS = ['flip', 'shift', 'rotation', 'scale', 'brightness', 'contrast', 'colour_cast'];
export const MAPS = ['conv1', 'pool1', 'conv2', 'pool2'];
export const tx = (key, params) => setText(el('span'), key, params);

// Tenths under 10 s: a one-epoch run of the built-in hands takes well under a second,
// which "0 s" would hide.
export const fmtTime = (ms) => {
  if (ms < 9950) return t('time.s', { s: (ms / 1000).toFixed(1) });
  const s = Math.round(ms / 1000);
  return s < 60 ? t('time.s', { s }) : t('time.min-s', { min: Math.floor(s / 60), s: String(s % 60).padStart(2, '0') });
};
export const pct = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);

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

// f32 settings arrive as doubles (0.008999999612569809): show them as typed.
export const short = (v) => Number(Number(v).toPrecision(6));
// A map block's title: its name, count and size, from the maps' own description.
export const mapTitle = (m) => [`train.map.${m.name}`, { name: m.name, count: m.count, h: m.height, w: m.width }];

// Returns the parts the view keeps besides `ui`: the notebook's settings and note, the
// run buttons' and the weights' rows (where their errors show).
export function buildLayout(core, root, ui, { defaults, canAugment }) {
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
  return { notebook, notebookNote, buttons, weightsRow };
}

// The settings typed in the boxes, refused with a message when one is not a number.
export function readSettings(core, ui, defaults, canAugment) {
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
