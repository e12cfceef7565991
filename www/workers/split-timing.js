// Whether a training step is split between workers (www/workers/data-parallel.js).
// Splitting pays only where the cores really run in parallel (measured on a 2-vCPU VM:
// two SIMD-bound threads each ran at half speed, so 2 workers were 15% slower than 1),
// and on a busy machine that changes from minute to minute, while a few steps' times
// are noisy (a one-off 8-step trial chose one worker in 4 of 9 runs of the page
// benchmark on a loaded 2-core machine where two workers were faster on the whole).
// So the run keeps the last RECENT times of each way, splits while the split steps'
// median is at least 10% below the single ones', and times the other way once every
// PROBE_EVERY steps to notice a change. The first steps alternate until each way has
// MIN_TIMED times (the first split step, which also builds the helpers' networks, is
// not counted). The timing decides the speed only: split or not, the numbers are the
// same to the bit.
const RECENT = 7;
const MIN_TIMED = 3;
const PROBE_EVERY = 12;
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A run's timing: the recent times of split and single steps, and the choice so far. */
export const newJudge = () => ({ split: [], single: [], steps: 0, splitting: true, warm: false, told: false });

/** Whether to split the next step (always, without a judge: the workers were asked for). */
export function splitThisStep(j) {
  if (!j) return true;
  if (j.split.length < MIN_TIMED || j.single.length < MIN_TIMED) return j.split.length <= j.single.length;
  j.steps += 1;
  return j.steps % PROBE_EVERY === 0 ? !j.splitting : j.splitting;
}

/** A step took `ms`, split between workers when `split`. */
export function judgeSplit(j, split, ms) {
  if (!j) return;
  if (split && !j.warm) { j.warm = true; return; }
  const times = split ? j.split : j.single;
  times.push(ms);
  if (times.length > RECENT) times.shift();
  if (j.split.length < MIN_TIMED || j.single.length < MIN_TIMED) return;
  const [splitMs, singleMs] = [median(j.split), median(j.single)];
  const splitting = splitMs < 0.9 * singleMs;
  if (splitting !== j.splitting || !j.told) {
    j.told = true;
    console.info(`data-parallel timing: ${splitMs.toFixed(1)} ms per split step, ${singleMs.toFixed(1)} ms in one worker: ${splitting ? 'splitting' : 'one worker'}`);
  }
  j.splitting = splitting;
}
