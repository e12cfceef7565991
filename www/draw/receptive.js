// Receptive-field drawings: a layer's output as a grid of cells to click, and the input
// picture with the region one cell sees (solid: the real pixels; dashed: the window
// before clipping, reaching into the zero padding).
import { pixelAt } from './canvas.js';

const css = (name, fallback) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

// Cells of an h x w layer output, the chosen one in orange; returns the cell size in px.
export function drawCells(canvas, h, w, pick, maxPx = 240) {
  const size = Math.max(2, Math.min(60, Math.floor(maxPx / Math.max(h, w))));
  canvas.width = size * w + 1;
  canvas.height = size * h + 1;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (size >= 5) {
    ctx.strokeStyle = '#b8b3a8';
    for (let i = 0; i <= h; i++) { ctx.beginPath(); ctx.moveTo(0, i * size + 0.5); ctx.lineTo(w * size, i * size + 0.5); ctx.stroke(); }
    for (let j = 0; j <= w; j++) { ctx.beginPath(); ctx.moveTo(j * size + 0.5, 0); ctx.lineTo(j * size + 0.5, h * size); ctx.stroke(); }
  }
  ctx.fillStyle = css('--pos', '#c2410c');
  ctx.fillRect(pick.col * size + 1, pick.row * size + 1, size - 1, size - 1);
  return size;
}

// The cell under a pointer event on a canvas drawn by drawCells, or null.
export function cellAt(canvas, event, h, w) {
  const p = pixelAt(canvas, event);
  if (!p) return null;
  const size = (canvas.width - 1) / w;
  const row = Math.floor(p.y / size), col = Math.floor(p.x / size);
  return row < h && col < w ? { row, col } : null;
}

// The grey input picture (RGBA from the core, h x w) with a margin for the padding, the
// clipped region filled and outlined, the unclipped window dashed.
export function drawField(canvas, rgba, h, w, rf, maxPx = 320) {
  const over = Math.max(0, -rf.rows[0], -rf.cols[0], rf.rows[1] - (h - 1), rf.cols[1] - (w - 1));
  const margin = Math.min(over, Math.max(h, w));
  const scale = Math.max(1, Math.floor(maxPx / (Math.max(h, w) + 2 * margin)));
  canvas.width = (w + 2 * margin) * scale;
  canvas.height = (h + 2 * margin) * scale;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#e7e4dc';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const picture = document.createElement('canvas');
  picture.width = w;
  picture.height = h;
  picture.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), w, h), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(picture, margin * scale, margin * scale, w * scale, h * scale);
  const box = (r0, r1, c0, c1) => [(c0 + margin) * scale, (r0 + margin) * scale, (c1 - c0 + 1) * scale, (r1 - r0 + 1) * scale];
  const clipped = box(rf.clipped_rows[0], rf.clipped_rows[1], rf.clipped_cols[0], rf.clipped_cols[1]);
  ctx.fillStyle = 'rgba(245, 158, 11, 0.35)';
  ctx.fillRect(...clipped);
  ctx.strokeStyle = css('--pos', '#c2410c');
  ctx.lineWidth = 3;
  ctx.strokeRect(clipped[0] + 1.5, clipped[1] + 1.5, clipped[2] - 3, clipped[3] - 3);
  ctx.setLineDash([6, 4]);
  ctx.lineWidth = 2;
  ctx.strokeStyle = '#1d4ed8';
  const full = box(Math.max(rf.rows[0], -margin), Math.min(rf.rows[1], h - 1 + margin), Math.max(rf.cols[0], -margin), Math.min(rf.cols[1], w - 1 + margin));
  ctx.strokeRect(full[0] + 1, full[1] + 1, full[2] - 2, full[3] - 2);
  ctx.setLineDash([]);
}
