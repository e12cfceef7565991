// The lecture's numbers as the core holds them (crate/src/lesson/test_pictures.rs and
// edges.rs, backprop_step.rs), read once: the 6x6 example image, the step images, the
// edge filters and the 4x4 pooling grid.
// The views take them from here so the page keeps no copy of its own.
let facts = null;

/**
 * @typedef {number[][]} Grid  rows of numbers
 * @typedef {{ lectureImage: Grid, lightToDark: Grid, darkToLight: Grid, topToBottom: Grid,
 *   poolingGrid: Grid, filters: {name: string, label: string, kernel: number[]}[],
 *   filter: (name: string) => Grid }} Lesson
 */

const rows = (flat, cols) => Array.from({ length: flat.length / cols }, (_, i) => Array.from(flat.slice(i * cols, (i + 1) * cols)));

// A picture drawn by the core, as rows (the lecture's numbers are 6x6).
function picture(core, name, side = 6) {
  const g = core.testPicture(name, side, side);
  try {
    return rows(g.values, g.cols);
  } finally {
    g.free?.();
  }
}

/** The lecture's facts from `core` (the loaded wasm exports), read on the first call. */
export function lesson(core) {
  if (facts) return facts;
  const filters = core.edgeFilters();
  facts = {
    lectureImage: picture(core, 'lecture'),
    lightToDark: picture(core, 'step_light_to_dark'),
    darkToLight: picture(core, 'step_dark_to_light'),
    topToBottom: picture(core, 'step_top_to_bottom'),
    // The lecture's max-pooling example (max 9, average 3.75), as the backprop lesson has it.
    poolingGrid: core.backpropLesson().pool_x,
    filters,
    // A preset filter's 3x3 weights as rows, by the core's name ('vertical', 'sobel_v'...).
    filter(name) {
      const f = filters.find((p) => p.name === name);
      if (!f) throw new Error(`the core has no filter named ${name}`);
      return rows(f.kernel, 3);
    },
  };
  return facts;
}
