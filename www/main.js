// Page shell: load the wasm core once, then show one section at a time. The section and
// its settings live in the URL hash (#edges&filter=sobel_v) so a teacher can link a view.
import { core, initCore } from './core.js';
import { readHash, writeHash } from './hash.js';
import { t, lang, pickLanguage, setLanguage, onLanguage } from './i18n.js';
import { errorText } from './errors.js';
import { setupOffline } from './offline.js';
import { convView } from './views/conv.js';
import { edgesView } from './views/edges.js';
import { shapesView } from './views/shapes.js';
import { volumesView } from './views/volumes.js';
import { poolingView } from './views/pooling.js';
import { backpropView } from './views/backprop.js';
import { trainView } from './views/train.js';
import { classifyView } from './views/classify.js';

// The view contract. Each section is a module in views/ exporting one object:
//   id                       the section's element id and its name in the URL hash
//                            (#pooling&mode=max)
//   init(core, root, setHash) once, the first time the section is shown: build the UI in
//                            `root` with the loaded wasm `core`; `setHash(params)` writes
//                            the section's settings into the URL hash
//   show(params)             every time the section is shown or its hash changes, with the
//                            hash's parameters; views keep the function that applies them
//                            as `this.apply`, set in init
//   hide()                   optional: another section is shown; stop the work this one
//                            does (a camera, a timer, live maps)
// An exception thrown by init or show is shown in the section (showError), never lost.
// A view past ~200 lines keeps its init and hands parts to modules of its own, named after
// it (views/train-layout.js, edges-map.js...): plain functions given the core, the
// view's elements and state, never views themselves.
const VIEWS = [convView, edgesView, shapesView, volumesView, poolingView, backpropView, trainView, classifyView];
const status = document.getElementById('status');
const started = new Set();

function show() {
  const { section, params } = readHash();
  if (params.lang && params.lang !== lang()) setLanguage(params.lang);
  const view = VIEWS.find((v) => v.id === section) || VIEWS[0];
  for (const v of VIEWS) {
    const root = document.getElementById(v.id);
    root.hidden = v !== view;
    document.querySelector(`nav a[href="#${v.id}"]`)?.setAttribute('aria-current', v === view ? 'page' : 'false');
  }
  for (const v of VIEWS) if (v !== view && started.has(v.id)) v.hide?.();
  const root = document.getElementById(view.id);
  try {
    if (!started.has(view.id)) {
      started.add(view.id);
      view.init(core, root, (p) => writeHash(view.id, withLang(p)));
    }
    view.show?.(params);
  } catch (e) {
    showError(root, e);
  }
}

// A last line of defence: an unexpected error is shown where the user is looking.
export function showError(root, e) {
  let box = root.querySelector(':scope > .section-error');
  if (!box) {
    box = document.createElement('p');
    box.className = 'section-error error';
    box.dataset.testid = 'error';
    box.setAttribute('role', 'alert');
    root.prepend(box);
  }
  box.textContent = errorText(e);
}

function setupPresentation() {
  const button = document.getElementById('present-toggle');
  const apply = (on) => {
    document.body.classList.toggle('present', on);
    button.setAttribute('aria-pressed', String(on));
  };
  apply(localStorage.getItem('convlab-present') === '1');
  button.addEventListener('click', () => {
    const on = !document.body.classList.contains('present');
    localStorage.setItem('convlab-present', on ? '1' : '0');
    apply(on);
  });
}

async function start() {
  try {
    await initCore();
  } catch (e) {
    status.textContent = t('page.core-failed', { message: e.message });
    delete status.dataset.i18n;
    status.dataset.testid = 'error';
    status.classList.add('error');
    return;
  }
  setupPresentation();
  window.addEventListener('hashchange', show);
  show();
  // When the first section is computed and drawn, for the page benchmark (ms since navigation).
  performance.mark('convlab:first-section');
  status.dataset.i18n = 'page.ready';
  status.textContent = t('page.ready');
  status.hidden = true;
  setupOffline(document.getElementById('update-note'));
}

// The language: a control in the header, lang= in the hash (only when not English, so
// English links stay as they were), remembered on the device by setLanguage.
const withLang = (params) => ({ ...params, lang: lang() === 'en' ? '' : lang() });
function setupLanguage() {
  const select = document.getElementById('lang');
  setLanguage(pickLanguage(readHash().params.lang));
  select.value = lang();
  select.addEventListener('change', () => setLanguage(select.value));
  onLanguage((code) => {
    select.value = code;
    const { section, params } = readHash();
    writeHash(section || VIEWS[0].id, { ...params, lang: code === 'en' ? '' : code });
    if (core) show(); // the shown section rewords what it drew itself (once the core is there)
  });
}

setupLanguage();
start();
