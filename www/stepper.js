// Back / Step / Play / Reset and a position slider over positions 0..count(), the controls
// of section 1's sliding window, for any view that walks through windows one at a time.
// They are put at the start of `box`, with test ids `${prefix}-back`, -step, -play,
// -reset and -scrub; `label` names the slider.
import { el } from './dom.js';
import { t, setText } from './i18n.js';

export function stepper(box, prefix, { label, count, onChange, describe = (p, n) => t('stepper.of', { pos: p, count: n }), interval = 700 }) {
  let pos = 0;
  let timer = null;
  const button = (name, key, onclick, aria) => setText(el('button', {
    type: 'button', dataset: { testid: `${prefix}-${name}`, ...(aria && { i18nAttr: `aria-label:${aria}` }) }, 'aria-label': aria && t(aria), onclick,
  }), key);
  const stop = () => { clearInterval(timer); timer = null; };
  const scrub = el('input', { type: 'range', min: 0, value: 0, dataset: { testid: `${prefix}-scrub` }, oninput: () => go(Number(scrub.value)) });
  const play = button('play', 'stepper.play', () => {
    if (timer) { stop(); sync(); return; }
    if (pos >= count()) pos = 0;
    timer = setInterval(() => { if (pos >= count()) { stop(); sync(); } else go(pos + 1); }, interval);
    go(pos);
  });
  box.prepend(
    button('back', 'stepper.back', () => go(pos - 1), 'stepper.back-label'),
    button('step', 'stepper.step', () => go(pos + 1), 'stepper.step-label'),
    play,
    button('reset', 'stepper.reset', () => { stop(); go(0); }),
    el('label', {}, setText(el('span'), label), ' ', scrub),
  );
  function sync() {
    const n = count();
    pos = Math.max(0, Math.min(pos, n));
    scrub.max = n;
    scrub.value = pos;
    scrub.setAttribute('aria-valuetext', describe(pos, n));
    setText(play, timer ? 'stepper.pause' : 'stepper.play');
  }
  function go(p) { pos = p; sync(); onChange(pos); }
  return {
    get pos() { return pos; },
    go,
    stop() { stop(); sync(); },
  };
}
