// A line chart on a canvas: values against their index, with labelled axes. `log` plots
// the values on a log10 axis (losses that fall over orders of magnitude).
import { t } from '../i18n.js';
const css = (name, fallback) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

export function lineChart(canvas, values, { xLabel = 'step', yLabel = 'value', log = false } = {}) {
  const ctx = canvas.getContext('2d');
  const { width: W, height: H } = canvas;
  const pad = { l: 64, r: 12, t: 10, b: 40 };
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const ink = css('--ink', '#1b1f24');
  ctx.strokeStyle = ink;
  ctx.fillStyle = ink;
  ctx.font = '12px system-ui, sans-serif';
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t);
  ctx.lineTo(pad.l, H - pad.b);
  ctx.lineTo(W - pad.r, H - pad.b);
  ctx.stroke();
  ctx.textAlign = 'center';
  ctx.fillText(xLabel, (pad.l + W - pad.r) / 2, H - 6);
  ctx.save();
  ctx.translate(14, (pad.t + H - pad.b) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(log ? t('chart.log-scale', { label: yLabel }) : yLabel, 0, 0);
  ctx.restore();
  const ys = values.map((v) => (log ? Math.log10(Math.max(v, 1e-12)) : v)).filter(Number.isFinite);
  if (ys.length === 0) return;
  let lo = Math.min(...ys), hi = Math.max(...ys);
  if (hi === lo) { hi += 1; lo -= 1; }
  const n = Math.max(values.length - 1, 1);
  const px = (i) => pad.l + (i / n) * (W - pad.l - pad.r);
  const py = (y) => H - pad.b - ((y - lo) / (hi - lo)) * (H - pad.t - pad.b);
  const label = (y) => (log ? Number(10 ** y).toExponential(1) : Number(y).toPrecision(3));
  ctx.textAlign = 'right';
  ctx.fillText(label(hi), pad.l - 4, pad.t + 10);
  ctx.fillText(label(lo), pad.l - 4, H - pad.b);
  ctx.textAlign = 'left';
  ctx.fillText('0', pad.l, H - pad.b + 14);
  ctx.textAlign = 'right';
  ctx.fillText(String(values.length - 1), W - pad.r, H - pad.b + 14);
  ctx.strokeStyle = css('--pos', '#c2410c');
  ctx.lineWidth = 2;
  ctx.beginPath();
  ys.forEach((y, i) => (i ? ctx.lineTo(px(i), py(y)) : ctx.moveTo(px(i), py(y))));
  ctx.stroke();
  ctx.lineWidth = 1;
}
