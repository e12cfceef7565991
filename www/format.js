// Number formatting shared by every view: integers as they are, others to 2 decimals,
// negatives in brackets when they are a factor ("1x(-1)").
export const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(2));
export const factor = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));
export const signClass = (v) => (v > 0 ? 'pos' : v < 0 ? 'neg' : 'zero');
