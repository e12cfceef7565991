// The training worker's run: the core's Training and what the loop, the reports and the
// classifier (a photo through the model just trained) share.
export const run = {
  training: null, settings: null, running: false, loadedWeights: false,
  // The clock: time of earlier stretches, and when this one started.
  started: 0, elapsedBefore: 0,
  // Costs not yet sent, when progress and maps were last sent, which maps the page draws.
  costs: [], lastProgress: 0, lastMaps: 0, liveMaps: true, mapNames: [], sample: 0,
  // Data-parallel training: the helpers (null: one worker), whether this run's network
  // can be split (then every step is computed in the core's fixed slices, in one worker
  // or several alike, so the numbers never depend on the split), whether to split, a
  // slice under way (steps await the helpers), and a counter bumped by start, reset and
  // load-weights so that a step begun before them is dropped.
  helpers: undefined, splittable: false, split: false, busy: false, generation: 0, deferred: null, judge: null,
  // Workers asked for by the page's address (?workers=N, for tests and benchmarks): that
  // many, splitting without timing; null: one per core, and the timing decides.
  workers: null,
};

/** Training time so far (ms), pauses left out. */
export function elapsed() {
  return run.elapsedBefore + (run.running ? performance.now() - run.started : 0);
}

export function stopRunning() {
  if (run.running) run.elapsedBefore += performance.now() - run.started;
  run.running = false;
}

/** Whether section 6 has a model: trained at least one epoch, or weights loaded there. */
export const hasTrained = () => Boolean(run.training && (run.training.epochsDone() > 0 || run.loadedWeights));
