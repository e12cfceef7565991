// The URL hash holds the section and its settings: #section&key=value&key=value.
export function readHash() {
  const [section = '', ...pairs] = location.hash.replace(/^#/, '').split('&');
  const params = {};
  for (const pair of pairs) {
    const [k, v = ''] = pair.split('=');
    if (k) params[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  return { section, params };
}

// Replace (not push) so that moving a slider does not flood the back button.
export function writeHash(section, params) {
  const parts = [section];
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  }
  history.replaceState(null, '', `#${parts.join('&')}`);
}
