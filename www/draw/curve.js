// The cost curve: every minibatch's cost (thin) and every epoch's mean cost (thick, with
// dots) against epochs, with labelled axes. Pure drawing: the numbers come from the core.
import { t } from '../i18n.js';
export function drawCostCurve(canvas, { steps = [], stepsPerEpoch = 1, epochs = [], totalEpochs = 1 }) {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || 640, cssH = canvas.clientHeight || 260;
  if (canvas.width !== Math.round(cssW * dpr)) { canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr); }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  const pad = { l: 52, r: 12, t: 12, b: 40 };
  const w = cssW - pad.l - pad.r, h = cssH - pad.t - pad.b;
  const finite = steps.filter(Number.isFinite);
  const top = Math.max(0.5, ...finite.slice(0, 5000), ...epochs.map((e) => e.cost).filter(Number.isFinite)) * 1.05;
  const xMax = Math.max(1, totalEpochs, steps.length / Math.max(1, stepsPerEpoch));
  const x = (epoch) => pad.l + (epoch / xMax) * w;
  const y = (cost) => pad.t + h - (Math.min(cost, top) / top) * h;
  const ink = getComputedStyle(canvas).color || '#1b1f24';

  // Axes, ticks and labels.
  ctx.strokeStyle = ink; ctx.fillStyle = ink; ctx.lineWidth = 1;
  ctx.font = '12px system-ui, sans-serif';
  ctx.beginPath(); ctx.moveTo(pad.l, pad.t); ctx.lineTo(pad.l, pad.t + h); ctx.lineTo(pad.l + w, pad.t + h); ctx.stroke();
  ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  for (let i = 0; i <= 4; i++) {
    const c = (top * i) / 4;
    ctx.fillText(c.toFixed(2), pad.l - 6, y(c));
    ctx.globalAlpha = 0.15; ctx.beginPath(); ctx.moveTo(pad.l, y(c)); ctx.lineTo(pad.l + w, y(c)); ctx.stroke(); ctx.globalAlpha = 1;
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  const tick = niceStep(xMax / 8);
  for (let e = 0; e <= xMax + 1e-9; e += tick) ctx.fillText(String(Math.round(e)), x(e), pad.t + h + 4);
  ctx.fillText(t('train.col.epoch'), pad.l + w / 2, pad.t + h + 22);
  ctx.save(); ctx.translate(12, pad.t + h / 2); ctx.rotate(-Math.PI / 2); ctx.textBaseline = 'middle'; ctx.fillText(t('train.col.cost'), 0, 0); ctx.restore();

  // Minibatch costs.
  ctx.strokeStyle = '#94a3b8'; ctx.lineWidth = 1;
  ctx.beginPath();
  steps.forEach((c, i) => { const px = x((i + 1) / stepsPerEpoch), py = y(c); if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py); });
  ctx.stroke();
  // Epoch costs.
  ctx.strokeStyle = '#c2410c'; ctx.fillStyle = '#c2410c'; ctx.lineWidth = 2.5;
  ctx.beginPath();
  epochs.forEach((e, i) => { const px = x(e.epoch), py = y(e.cost); if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py); });
  ctx.stroke();
  for (const e of epochs) { ctx.beginPath(); ctx.arc(x(e.epoch), y(e.cost), 3, 0, 2 * Math.PI); ctx.fill(); }
  // Legend.
  ctx.textAlign = 'left'; ctx.textBaseline = 'middle'; ctx.font = '12px system-ui, sans-serif';
  ctx.fillStyle = '#64748b'; ctx.fillRect(pad.l + w - 190, pad.t + 8, 14, 2); ctx.fillText(t('curve.per-minibatch'), pad.l + w - 170, pad.t + 9);
  ctx.fillStyle = '#c2410c'; ctx.fillRect(pad.l + w - 190, pad.t + 26, 14, 3); ctx.fillText(t('curve.per-epoch'), pad.l + w - 170, pad.t + 27);

}

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return Math.max(1, m * p);
  return Math.max(1, 10 * p);
}
