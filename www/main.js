// Page shell: load the wasm core once, then hand it to each section's view.
import init, * as core from './pkg/convlab.js';
import { initConv } from './views/conv.js';

const status = document.getElementById('status');

async function start() {
  try {
    await init({ module_or_path: new URL('./pkg/convlab_bg.wasm', import.meta.url) });
  } catch (e) {
    status.textContent = `The WebAssembly core could not load: ${e.message}`;
    status.dataset.testid = 'error';
    status.classList.add('error');
    return;
  }
  initConv(core, document.getElementById('conv'));
  status.textContent = 'Ready.';
  status.hidden = true;
}

start();
