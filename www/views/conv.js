// Section 1: the lecture's worked convolution, computed by the Rust core.
import { fillGrid, toRows } from '../draw/grid.js';

export const LECTURE_IMAGE = [
  [3, 0, 1, 2, 7, 4],
  [1, 5, 8, 9, 3, 1],
  [2, 7, 2, 5, 1, 3],
  [0, 1, 3, 1, 7, 8],
  [4, 2, 1, 6, 2, 8],
  [2, 4, 5, 2, 3, 9],
];
export const VERTICAL = [[1, 0, -1], [1, 0, -1], [1, 0, -1]];

export function initConv(core, root) {
  const q = (id) => root.querySelector(`[data-testid="${id}"]`);
  const image = LECTURE_IMAGE, filter = VERTICAL;
  const out = core.convolveGrey(Float32Array.from(image.flat()), 6, 6,
    Float32Array.from(filter.flat()), 3, 1, 0, false);
  const sign = (v) => (v > 0 ? 'pos' : v < 0 ? 'neg' : 'zero');
  fillGrid(q('conv-input'), image);
  fillGrid(q('conv-filter'), filter, { cellClass: sign });
  fillGrid(q('conv-output'), toRows(out, 4), { cellClass: sign });
}
