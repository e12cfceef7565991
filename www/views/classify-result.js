// Section 7's answer for one photo: the photo with the square the network sees, the
// 64x64 input, the probabilities, where it looks (Grad-CAM) and the feature maps.
import { el } from '../dom.js';
import { errorText } from '../errors.js';
import { t, setText } from '../i18n.js';
import { drawTiles, putTile } from '../draw/tiles.js';
import { drawClassMap } from '../draw/cam.js';

// `ui`: the section's elements; `state`: what the view keeps of the last answer.
export function classifyResult(ui, state) {
  // Grad-CAM for `cls` over the 64x64 input: the core's coloured, partly transparent map
  // drawn on top of the picture the network saw.
  function drawCam(cls) {
    const map = state.classMaps?.find((m) => m.class === cls);
    ui.camFigure.hidden = !map;
    if (!map) return;
    drawClassMap(ui.cam, state.input, map);
    const label = state.labels[cls] ?? cls;
    ui.cam.setAttribute('aria-label', t('classify.cam-for', { label }));
    setText(ui.camNote, cls === state.answer ? 'classify.cam-note-answer' : 'classify.cam-note', { label, h: map.mapHeight, w: map.mapWidth, layer: map.layer });
    for (const bar of ui.bars.children) bar.classList.toggle('shown', Number(bar.dataset.index) === cls);
  }

  function showResult(msg) {
    const drawStart = performance.now();
    const { result, display, model, size } = msg;
    const p = result.prediction;
    ui.photo.width = display.width;
    ui.photo.height = display.height;
    ui.photo.getContext('2d').drawImage(display, 0, 0);
    display.close?.();
    delete ui.photo.dataset.i18nAttr;
    ui.photo.setAttribute('aria-label', t(msg.orientation > 1 ? 'classify.photo-turned' : 'classify.photo-aria', { w: size[0], h: size[1], orientation: msg.orientation }));
    putTile(ui.seen, result.input);
    // The square the network sees, outlined on the photo (shown at display / size scale).
    const { crop } = result;
    const k = ui.photo.width / size[0];
    const ctx = ui.photo.getContext('2d');
    ctx.lineWidth = Math.max(2, ui.photo.width / 160);
    ctx.strokeStyle = crop.to_hand ? '#f59e0b' : '#2563eb';
    ctx.strokeRect(crop.x * k, crop.y * k, crop.side * k, crop.side * k);
    if (crop.to_hand) setText(ui.cropNote, 'classify.crop-hand', { side: crop.side });
    else setText(ui.cropNote, 'classify.crop-centre', { why: errorText(crop.why) });
    ui.cropNote.dataset.toHand = String(crop.to_hand);
    state.input = result.input;
    state.classMaps = result.classMaps;
    state.answer = p.index;
    state.labels = p.probabilities.map((_, i) => (i === p.index ? p.label : i));
    setText(ui.prediction, 'classify.prediction', { label: p.label, count: p.label, sure: (p.confidence * 100).toFixed(1) });
    setText(ui.answeredBy, 'classify.answered-by', { model: msg.used ? t(`classify.used.${msg.used.key}`, msg.used) : model, ms: msg.ms.toFixed(0) });

    // Test-time averaging (the robust model): the probabilities are the mean over views.
    ui.averaging.hidden = !p.averaging;
    ui.averaging.textContent = p.averaging ? t('classify.averaging', { views: errorText(p.averaging) }) : '';
    ui.warning.hidden = !p.warning;
    ui.warning.textContent = p.warning ? errorText(p.warning) : '';
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
      box.parentElement.querySelector('h4').textContent = t('classify.maps-title', { name: m.name, count: m.count, h: m.height, w: m.width });
      drawTiles(box, m, { size: m.width > 8 ? 72 : 48, alt: (i) => t('classify.map-alt', { name: m.name, k: i + 1, count: m.count }) });
    }
    // From the photo given to everything drawn, as a User Timing measure (DevTools'
    // performance panel; tests/bench/page_bench.mjs reads it).
    const end = performance.now();
    performance.measure('convlab:classify', { start: state.sentAt, end,
      detail: { answer: p.label, model, coreMs: msg.ms, decodeMs: msg.decodeMs, arrivedMs: drawStart - state.sentAt, drawMs: end - drawStart } });
  }

  return { drawCam, showResult };
}
