// Offline use after one visit: registers the service worker (www/sw.js), tells it which
// core build this browser runs (the one to keep), and offers a new version when one is
// ready. A new version is switched to only on the student's click, or at the start of a
// visit (nothing to lose yet): a page at work is never changed under its feet.
import { build } from './core.js';
import { t } from './i18n.js';

export async function setupOffline(note) {
  const sw = navigator.serviceWorker;
  if (!sw) return; // not a secure context, or a browser without service workers
  let asked = false;
  // The first version taking a page that had no worker yet is no update: say nothing then.
  let controlled = !!sw.controller;
  sw.addEventListener('controllerchange', () => {
    if (asked) location.reload();
    else if (controlled) say(t('offline.updated-elsewhere'));
    controlled = true;
  });
  const say = (...what) => { note.replaceChildren(...what); note.hidden = false; };
  const useNew = (waiting) => { asked = true; waiting.postMessage({ type: 'use-new-version' }); };
  let registration;
  try {
    registration = await sw.register(new URL('sw.js', import.meta.url), { updateViaCache: 'none' });
  } catch (e) {
    console.warn(`offline use is not available: ${e.message}`);
    return;
  }
  // Waiting since an earlier visit: take it now, before anything is done on this page.
  if (registration.waiting && sw.controller) { useNew(registration.waiting); return; }
  const offer = (waiting) => {
    if (!sw.controller) return; // the first version: it simply takes over
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.testid = 'update-reload';
    button.textContent = t('offline.use-now');
    button.addEventListener('click', () => useNew(waiting));
    say(`${t('offline.ready')} `, button);

  };
  const watch = (worker) => worker.addEventListener('statechange', () => { if (worker.state === 'installed') offer(worker); });
  if (registration.installing) watch(registration.installing);
  registration.addEventListener('updatefound', () => watch(registration.installing));
  (await sw.ready).active?.postMessage({ type: 'build', build });
}
