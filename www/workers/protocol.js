// The messages between the training worker (www/workers/data-parallel.js) and its helper
// workers (www/workers/gradient-worker.js), built in one place so both sides agree on
// their fields. A message is a plain object with a `type`; large arrays travel as
// transferable buffers. (The page <-> training worker messages are listed in
// docs/architecture.md; they are not built here yet.)

/** Training worker -> helper worker (data-parallel training). */
export const toHelper = {
  /** The network to build (its JSON); sent again only when it changes. */
  network: (json) => ({ type: 'network', json }),
  /** A run of a minibatch's slices (`sizes` images each, from slice `first`): their
   *  gradients at `params` (transfer `inputs` and `labels`). */
  share: (id, first, params, inputs, labels, sizes) => ({ type: 'share', id, first, params, inputs, labels, sizes }),
};

/** Helper worker -> training worker. */
export const fromHelper = {
  /** Each slice's gradient, cost and number right, as Training.addSliceGradients takes them. */
  share: (id, first, answer) => ({ type: 'share', id, first, answer }),
  error: (id, message) => ({ type: 'error', id, message }),
};
