// Section 2's learned filter: gradient descent learns a 3x3 filter (the core's
// EdgeLearner) that imitates an edge detector turned to an angle, a few steps per
// animation frame, never a long block.
import { fillGrid, toRows } from '../draw/grid.js';
import { lineChart } from '../draw/chart.js';
import { t, setText } from '../i18n.js';
import { signClass } from '../format.js';

const FRAME_BUDGET_MS = 12;
const LEARN_STEPS = 400;

// `picture`: {picture, size}, the core's test picture the filter is learned on.
export function learnedFilter(core, q, { state, render, learnErrors, picture }) {
  function resetLearner() {
    stopLearning();
    state.learner?.free();
    state.learner = null;
    state.losses = [];
    lineChart(q('edges-loss-chart'), [], { xLabel: t('chart.step'), yLabel: t('chart.loss') });
    q('edges-loss').textContent = '';
  }
  function createLearner() {
    const g = core.testPicture(picture.picture, picture.size, picture.size);
    try {
      state.learner?.free();
      state.learner = new core.EdgeLearner(g.values, g.rows, g.cols, state.angle, 1);
    } finally {
      g.free?.();
    }
    state.losses = [];
    fillGrid(q('edges-target'), toRows(Array.from(state.learner.targetKernel()), 3), {
      format: (v) => v.toFixed(2), decorate: (td, v) => td.classList.add(signClass(v)),
    });
  }
  function stopLearning() {
    state.running = false;
    setText(q('edges-learn'), 'edges.learn');
  }
  function frame() {
    if (!state.running || !state.learner) return;
    const t0 = performance.now();
    try {
      while (performance.now() - t0 < FRAME_BUDGET_MS && state.losses.length < LEARN_STEPS) {
        state.losses.push(...state.learner.step(2));
      }
      learnErrors.clear();
    } catch (e) {
      learnErrors.show(e);
      stopLearning();
    }
    const last = state.losses[state.losses.length - 1];
    lineChart(q('edges-loss-chart'), state.losses, { xLabel: t('chart.gradient-step'), yLabel: t('chart.loss'), log: true });
    q('edges-loss-chart').setAttribute('aria-label', t('edges.loss-aria', { count: state.losses.length, first: state.losses[0]?.toExponential(2), last: last?.toExponential(2) }));
    setText(q('edges-loss'), 'edges.loss-text', { count: state.losses.length, loss: last?.toExponential(2), rate: state.learner.learningRate().toFixed(3) });
    render();
    if (state.losses.length >= LEARN_STEPS) stopLearning();
    else if (state.running) requestAnimationFrame(frame);
  }
  q('edges-learn').addEventListener('click', () => {
    if (state.running) { stopLearning(); return; }
    try {
      if (!state.learner || state.losses.length >= LEARN_STEPS) createLearner();
      learnErrors.clear();
    } catch (e) {
      learnErrors.show(e);
      return;
    }
    state.running = true;
    setText(q('edges-learn'), 'stepper.pause');
    requestAnimationFrame(frame);
  });
  q('edges-learn-reset').addEventListener('click', () => { resetLearner(); render(); });
  q('edges-angle').addEventListener('input', (e) => {
    state.angle = Number(e.target.value);
    q('edges-angle-value').textContent = `${state.angle}°`;
    resetLearner();
    render();
  });
  return { stopLearning };
}
