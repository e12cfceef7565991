// Section 6's figures from the worker's messages: an epoch's line, the chosen picture
// inside the network (maps, filters, where it looks) and the results of a run.
import { el } from '../dom.js';
import { errorText } from '../errors.js';
import { t, setText, onLanguage } from '../i18n.js';
import { drawTiles, putTile } from '../draw/tiles.js';
import { drawClassMap } from '../draw/cam.js';
import { tx, pct, mapTitle } from './train-layout.js';

export function trainFigures(ui, state) {
  // The collapse warning is a coded message from the core: worded again after a switch.
  let collapse = null;
  const wordCollapse = () => { ui.collapse.textContent = collapse ? t('train.warning', { message: errorText(collapse) }) : ''; };
  onLanguage(wordCollapse);
  function showEpoch(r) {
    state.epochs.push(r);
    // The notebook's line: epochs from 0, every fifth, its divisor, "%f".
    const i = r.epoch - 1;
    if (i % 5 === 0) {
      ui.notebookOut.textContent += `Cost after epoch ${i}: ${r.notebook_cost == null ? 'inf (fewer pictures than a minibatch)' : r.notebook_cost.toFixed(6)}\n`;
    }
    setText(ui.cost, 'train.cost-epoch', { epoch: r.epoch, cost: r.cost.toFixed(4) });
    setText(ui.accuracy, 'train.accuracy-epoch', { epoch: r.epoch, train: pct(r.train_accuracy), test: pct(r.test_accuracy) });
    if (!ui.history.tHead) {
      const head = ui.history.createTHead().insertRow();
      for (const key of ['train.col.epoch', 'train.col.cost', 'train.col.train', 'train.col.test']) head.append(el('th', { scope: 'col' }, tx(key)));
      ui.history.createTBody();
    }
    const row = ui.history.tBodies[0].insertRow(0);
    for (const v of [r.epoch, r.cost.toFixed(4), pct(r.train_accuracy), pct(r.test_accuracy)]) row.insertCell().textContent = v;
    while (ui.history.tBodies[0].rows.length > 8) ui.history.tBodies[0].deleteRow(-1);
  }
  function showMaps(msg) {
    putTile(ui.samplePicture, msg.picture);
    setText(ui.sampleLabel, 'train.sample-label', { index: msg.index, label: msg.label });
    drawClassMap(ui.sampleCam, msg.picture, msg.classMap);
    setText(ui.sampleCamNote, 'train.cam-note', { answer: msg.classMap.answer, layer: msg.classMap.layer });
    for (const m of msg.maps) {
      const box = ui.maps[m.name];
      if (box) setText(ui.mapTitles[m.name], ...mapTitle(m));
      if (box) drawTiles(box, m, { size: m.width > 8 ? 72 : 48, alt: (i) => t('train.map-alt', { name: m.name, k: i + 1, count: m.count, h: m.height, w: m.width, high: m.high.toFixed(2) }) });
    }
    drawTiles(ui.filters, msg.filters, { size: 56, alt: (i) => t('train.filter-alt', { k: i + 1 }) });
  }
  function showResults(msg) {
    const { evaluation, trainAccuracy, classes, mistakes, pictures } = msg;
    ui.results.hidden = false;
    collapse = evaluation.collapse_warning ?? null;
    ui.collapse.hidden = !collapse;
    wordCollapse();
    ui.confusion.replaceChildren();
    const head = ui.confusion.createTHead().insertRow();
    head.append(el('th', { scope: 'col' }, tx('train.true-predicted')), ...classes.map((c) => el('th', { scope: 'col', text: String(c) })));
    const body = ui.confusion.createTBody();
    evaluation.confusion.forEach((row, i) => {
      const tr = body.insertRow();
      tr.append(el('th', { scope: 'row', text: String(classes[i]) }));
      row.forEach((n, j) => { const td = tr.insertCell(); td.textContent = n; if (n) td.classList.add(i === j ? 'hit' : 'miss'); });
    });
    const about = (m) => ({ index: m.index, truth: m.truth, predicted: m.predicted });
    drawTiles(ui.mistakes, pictures, { size: 56, captions: mistakes.map((m) => `${m.truth}→${m.predicted}`),
      alt: (i) => t('train.mistake-alt', about(mistakes[i])) });
    // Each one is a button (Tab, Enter) that shows it inside the network above.
    [...ui.mistakes.querySelectorAll('figure')].forEach((fig, i) => {
      Object.assign(fig, { tabIndex: 0, title: t('train.mistake-title', about(mistakes[i])) });
      fig.dataset.index = mistakes[i].index;
      fig.setAttribute('role', 'button');
      // The name starts with the visible caption ("2→3").
      fig.setAttribute('aria-label', t('train.mistake-aria', about(mistakes[i])));
    });
    if (!mistakes.length) ui.mistakes.append(el('p', { className: 'note' }, tx('train.no-mistakes')));
    // The last epoch's line (if any) and the final figures after it.
    const final = t('train.final', { train: pct(trainAccuracy), test: pct(evaluation.accuracy) });
    const epoch = state.epochs.at(-1);
    setText(ui.accuracy, epoch ? 'train.accuracy-epoch-final' : 'train.accuracy-final', {
      final, ...(epoch && { epoch: epoch.epoch, train: pct(epoch.train_accuracy), test: pct(epoch.test_accuracy) }),
    });
    if (!msg.loaded) ui.notebookOut.textContent += `Train Accuracy: ${trainAccuracy.toFixed(6)}\nTest Accuracy: ${evaluation.accuracy.toFixed(6)}\n`;
  }
  return { showEpoch, showMaps, showResults };
}
