// Volumes of numbers as stacks of unit cubes on a 2D canvas, turned by a yaw and a pitch
// (orthographic projection, no library). Only the outer faces that face the viewer are
// drawn, farthest first, each with its number written on the face itself.
//
// World axes: x = column (right), y = row (down), z = channel (away from the viewer).

// The six faces of a unit cube: outward normal, corner, and the two edges spanning it
// (chosen so that text reads left to right, top to bottom on the front face).
const FACES = [
  { n: [0, 0, -1], at: [0, 0, 0], u: [1, 0, 0], v: [0, 1, 0] }, // front (channel's face)
  { n: [0, 0, 1], at: [1, 0, 1], u: [-1, 0, 0], v: [0, 1, 0] }, // back
  { n: [-1, 0, 0], at: [0, 0, 1], u: [0, 0, -1], v: [0, 1, 0] }, // left
  { n: [1, 0, 0], at: [1, 0, 0], u: [0, 0, 1], v: [0, 1, 0] }, // right
  { n: [0, -1, 0], at: [0, 0, 1], u: [1, 0, 0], v: [0, 0, -1] }, // top
  { n: [0, 1, 0], at: [0, 1, 0], u: [1, 0, 0], v: [0, 0, 1] }, // bottom
];

// Rotate a world vector: yaw about the vertical axis, then pitch about the horizontal one.
export function rotate([x, y, z], { yaw, pitch }) {
  const [cy, sy, cp, sp] = [Math.cos(yaw), Math.sin(yaw), Math.cos(pitch), Math.sin(pitch)];
  const x1 = cy * x + sy * z;
  const z1 = -sy * x + cy * z;
  return [x1, cp * y - sp * z1, sp * y + cp * z1];
}

const add = (a, b) => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];

// A world-to-canvas map that fits every volume's corners in the canvas, whatever the turn.
function fitted(volumes, view, width, height, margin = 12) {
  const xs = [], ys = [];
  for (const { origin: o, dims: [r, c, k] } of volumes) {
    for (const x of [0, c]) for (const y of [0, r]) for (const z of [0, k]) {
      const [px, py] = rotate([o[0] + x, o[1] + y, o[2] + z], view);
      xs.push(px);
      ys.push(py);
    }
  }
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((width - 2 * margin) / (x1 - x0), (height - 2 * margin) / (y1 - y0));
  const dx = width / 2 - ((x0 + x1) / 2) * scale, dy = height / 2 - ((y0 + y1) / 2) * scale;
  return (p) => {
    const [x, y, z] = rotate(p, view);
    return [dx + x * scale, dy + y * scale, z];
  };
}

// volumes: [{ origin: [x, y, z], dims: [rows, cols, channels], label(i, j, k) -> text,
//   fill(i, j, k) -> css colour, stroke?(i, j, k) -> css colour }]. view: { yaw, pitch }.
// Returns the world-to-canvas map used, for drawing over the volumes.
export function drawVolumes(ctx, volumes, view) {
  const { width, height } = ctx.canvas;
  const screen = fitted(volumes, view, width, height);
  const faces = [];
  for (const vol of volumes) {
    const [rows, cols, chans] = vol.dims;
    const inside = (i, j, k) => i >= 0 && j >= 0 && k >= 0 && i < rows && j < cols && k < chans;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) for (let k = 0; k < chans; k++) {
      for (const f of FACES) {
        if (inside(i + f.n[1], j + f.n[0], k + f.n[2])) continue; // hidden inside the volume
        if (rotate(f.n, view)[2] >= -1e-6) continue; // faces away from the viewer
        const corner = add(vol.origin, add([j, i, k], f.at));
        const p0 = screen(corner), pu = screen(add(corner, f.u)), pv = screen(add(corner, f.v));
        const p3 = screen(add(add(corner, f.u), f.v));
        faces.push({ p0, pu, pv, p3, depth: (p0[2] + p3[2]) / 2, fill: vol.fill(i, j, k), text: vol.label(i, j, k), stroke: vol.stroke?.(i, j, k) });
      }
    }
  }
  faces.sort((a, b) => b.depth - a.depth);
  ctx.save();
  ctx.clearRect(0, 0, width, height);
  ctx.lineJoin = 'round';
  for (const f of faces) {
    ctx.beginPath();
    ctx.moveTo(f.p0[0], f.p0[1]);
    ctx.lineTo(f.pu[0], f.pu[1]);
    ctx.lineTo(f.p3[0], f.p3[1]);
    ctx.lineTo(f.pv[0], f.pv[1]);
    ctx.closePath();
    ctx.fillStyle = f.fill;
    ctx.fill();
    ctx.strokeStyle = f.stroke || '#8a857a';
    ctx.lineWidth = f.stroke ? 2.5 : 1;
    ctx.stroke();
    writeOnFace(ctx, f);
  }
  ctx.restore();
  return screen;
}

// The number drawn in the face's own plane (an affine map of the unit square onto the
// face), skipped when the face is seen too edge-on to read.
function writeOnFace(ctx, f) {
  let [ux, uy] = [f.pu[0] - f.p0[0], f.pu[1] - f.p0[1]];
  const [vx, vy] = [f.pv[0] - f.p0[0], f.pv[1] - f.p0[1]];
  let [ox, oy] = [f.p0[0], f.p0[1]];
  const area = ux * vy - uy * vx;
  if (Math.abs(area) < 90 || f.text === '') return;
  if (area < 0) { ox += ux; oy += uy; ux = -ux; uy = -uy; } // seen from behind: unmirror
  ctx.save();
  ctx.setTransform(ux / 100, uy / 100, vx / 100, vy / 100, ox, oy);
  ctx.fillStyle = '#1b1f24';
  ctx.font = `600 ${f.text.length > 2 ? 38 : 48}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(f.text, 50, 54);
  ctx.restore();
}

// A wire box from corner `a` to corner `b` (world), in front of everything: the filter
// in its current position.
export function drawWireBox(ctx, screen, a, b, colour) {
  const corners = [];
  for (const x of [a[0], b[0]]) for (const y of [a[1], b[1]]) for (const z of [a[2], b[2]]) corners.push(screen([x, y, z]));
  const edges = [[0, 1], [2, 3], [4, 5], [6, 7], [0, 2], [1, 3], [4, 6], [5, 7], [0, 4], [1, 5], [2, 6], [3, 7]];
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 3;
  ctx.beginPath();
  for (const [s, e] of edges) { ctx.moveTo(corners[s][0], corners[s][1]); ctx.lineTo(corners[e][0], corners[e][1]); }
  ctx.stroke();
  ctx.restore();
  return corners;
}
