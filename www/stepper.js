// Back / Step / Play / Reset and a position slider over positions 0..count(), the controls
// of section 1's sliding window, for any view that walks through windows one at a time.
// The buttons are found by test id: `${prefix}-back`, -step, -play, -reset, -scrub.
export function stepper(q, prefix, { count, onChange, describe = (p, n) => `${p} of ${n}`, interval = 700 }) {
  let pos = 0;
  let timer = null;
  const scrub = q(`${prefix}-scrub`);
  const play = q(`${prefix}-play`);
  const stop = () => { clearInterval(timer); timer = null; };
  function sync() {
    const n = count();
    pos = Math.max(0, Math.min(pos, n));
    scrub.max = n;
    scrub.value = pos;
    scrub.setAttribute('aria-valuetext', describe(pos, n));
    play.textContent = timer ? 'Pause' : 'Play';
  }
  function go(p) { pos = p; sync(); onChange(pos); }
  q(`${prefix}-step`).addEventListener('click', () => go(pos + 1));
  q(`${prefix}-back`).addEventListener('click', () => go(pos - 1));
  q(`${prefix}-reset`).addEventListener('click', () => { stop(); go(0); });
  scrub.addEventListener('input', () => go(Number(scrub.value)));
  play.addEventListener('click', () => {
    if (timer) { stop(); sync(); return; }
    if (pos >= count()) pos = 0;
    timer = setInterval(() => { if (pos >= count()) { stop(); sync(); } else go(pos + 1); }, interval);
    go(pos);
  });
  return {
    get pos() { return pos; },
    go,
    stop() { stop(); sync(); },
  };
}
