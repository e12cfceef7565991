// Section 4's layer as volumes: the 6x6x3 input, the two 3x3x3 filters and the 4x4x2
// output drawn in 3D (www/draw/iso.js), turned by dragging (pointer events: mouse, pen and
// touch) or the arrow keys, while a stepper moves the filter through its 16 positions.
import { drawVolumes, drawWireBox } from '../draw/iso.js';
import { fmt } from '../format.js';
import { stepper } from '../stepper.js';
import { t } from '../i18n.js';

const CHANNEL_FILL = ['#fde2e2', '#dcf3dc', '#dde7fb'];
const WINDOW_FILL = ['#fbbf77', '#f7c873', '#f3d06f'];
const HOT = '#c2410c';
const START = { yaw: 0.6, pitch: 0.5 };

// input: rows x cols x channels as [channel][row][col]; filters: [k][row][col] (the same
// slice on every channel); output(k) -> rows of the k-th output channel (from the core).
export function volume3d(q, { input, filters, channels }) {
  const canvas = q('volumes-3d');
  const ctx = canvas.getContext('2d');
  const n = input[0].length, f = filters[0].length, K = filters.length, out = n - f + 1;
  const view = { ...START };
  let output = null;

  function position(p) {
    return p > 0 ? { row: Math.floor((p - 1) / out), col: (p - 1) % out } : null;
  }

  function draw() {
    const rect = canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = Math.max(300, Math.round(rect.width || 760));
    canvas.width = Math.round(cssWidth * ratio);
    // On a phone the output goes under the filters, so the numbers stay large enough to read.
    const narrow = cssWidth < 600;
    const place = narrow ? { filter: (k) => [7.5 + k * 4, 0, 0], output: [9, 4.5, 0] } : { filter: (k) => [8 + k * 4.5, 1.5, 0], output: [18, 1, 0] };
    canvas.height = Math.round(cssWidth * (narrow ? 0.85 : 0.5) * ratio);
    const at = position(steps.pos);
    const inWin = (i, j) => at && i >= at.row && i < at.row + f && j >= at.col && j < at.col + f;
    const volumes = [
      { origin: [0, 0, 0], dims: [n, n, channels], label: (i, j, k) => fmt(input[k][i][j]), fill: (i, j, k) => (inWin(i, j) ? WINDOW_FILL[k] : CHANNEL_FILL[k]) },
      ...filters.map((w, k) => ({
        origin: place.filter(k), dims: [f, f, channels], label: (i, j) => fmt(w[i][j]),
        fill: () => '#ece9e2', stroke: () => (at ? HOT : null),
      })),
      {
        origin: place.output, dims: [out, out, K], label: (i, j, k) => (output ? fmt(output[k][i][j]) : ''),
        fill: (i, j) => (at && i === at.row && j === at.col ? '#fbbf77' : '#ffffff'),
      },
    ];
    const screen = drawVolumes(ctx, volumes, view);
    if (at) {
      const corners = drawWireBox(ctx, screen, [at.col - 0.08, at.row - 0.08, -0.08], [at.col + f + 0.08, at.row + f + 0.08, channels + 0.08], HOT);
      // Lines from the window to the output cell it makes.
      const target = screen([place.output[0] + at.col + 0.5, place.output[1] + at.row + 0.5, 0]);
      ctx.save();
      ctx.strokeStyle = 'rgba(194, 65, 12, 0.45)';
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      for (const c of [corners[0], corners[2], corners[4], corners[6]]) { ctx.moveTo(c[0], c[1]); ctx.lineTo(target[0], target[1]); }
      ctx.stroke();
      ctx.restore();
    }
    describe(at);
  }

  function describe(at) {
    const where = at ? t('volumes.3d-where', {
      top: at.row + 1, bottom: at.row + f, left: at.col + 1, right: at.col + f, channels, products: f * f * channels,
      row: at.row + 1, col: at.col + 1,
      values: filters.map((_, k) => t('volumes.3d-in-channel', { value: fmt(output[k][at.row][at.col]), k: k + 1 })).join(t('list.comma')),
    }) : t('volumes.3d-press-step');
    q('volumes-3d-note').textContent = where;
    canvas.setAttribute('aria-label', t('volumes.3d-aria', { n, channels, K, f, out, where }));
  }

  const steps = stepper(q('volumes-3d-controls'), 'volumes-3d', {
    label: 'stepper.position',
    count: () => out * out,
    onChange: draw,
    describe: (p, total) => (p ? t('volumes.3d-position', { pos: p, count: total }) : t('volumes.3d-no-position')),
  });

  // Turning: a horizontal drag changes the yaw, a vertical one the pitch (kept between
  // straight on and straight down).
  let drag = null;
  canvas.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX, y: e.clientY };
    try { canvas.setPointerCapture(e.pointerId); } catch { /* a pointer already gone: the drag still works inside the canvas */ }
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    turn((e.clientX - drag.x) * 0.01, (e.clientY - drag.y) * 0.01);
    drag = { x: e.clientX, y: e.clientY };
  });
  const end = () => { drag = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('keydown', (e) => {
    const d = { ArrowLeft: [-0.15, 0], ArrowRight: [0.15, 0], ArrowUp: [0, 0.15], ArrowDown: [0, -0.15] }[e.key];
    if (!d) return;
    e.preventDefault();
    turn(...d);
  });
  function turn(dYaw, dPitch) {
    view.yaw = Math.max(-1.5, Math.min(1.5, view.yaw + dYaw));
    view.pitch = Math.max(0, Math.min(1.5, view.pitch + dPitch));
    canvas.dataset.yaw = view.yaw.toFixed(2);
    draw();
  }
  q('volumes-3d-front').addEventListener('click', () => { view.yaw = 0; view.pitch = 0; draw(); });
  q('volumes-3d-turned').addEventListener('click', () => { Object.assign(view, START); draw(); });

  return {

    // New output numbers (the biases do not change the sums drawn here, but keep one path).
    update(sums) { output = sums; draw(); },
    stop: () => steps.stop(),
  };
}
