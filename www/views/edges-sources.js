// Section 2's own images: a photo (a file or dropped) and the webcam, each turned grey by
// the core and handed to the view (`setGrey`, then `render`).
import { setText } from '../i18n.js';
import { loadPhoto, startWebcam, grabFrame } from '../photo.js';

// `view`: the edge view's state, image menu, error box and functions it shares.
export function photoSources(core, q, { state, imageSelect, imageErrors, setGrey, render, loadImage, PHOTO, WEBCAM }) {
  // The work on a photo is split into tasks of a few ms each (decode off the main
  // thread, then grey + input drawing, then the filter), with the browser free to
  // paint and answer clicks in between: one task did it all in 65-150 ms for a
  // 4000x3000 photo. A newer photo (or another image) wins over one still loading.
  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
  let photoTicket = 0;
  async function usePhoto(file) {
    stopWebcam();
    const ticket = ++photoTicket;
    try {
      const photo = await loadPhoto(file);
      await nextTask();
      if (ticket !== photoTicket) return;
      const g = core.greyFromRgba(photo.rgba, photo.height, photo.width);
      imageErrors.clear();
      state.image = PHOTO;
      imageSelect.value = PHOTO;
      setGrey(g, { name: file.name });
      await nextTask();
      if (ticket !== photoTicket || state.grey !== g) return;
      render();
    } catch (e) {
      if (ticket !== photoTicket) return;
      imageErrors.show(e);
      imageSelect.value = state.image;
    }
  }
  q('edges-file').addEventListener('change', (e) => { const f = e.target.files[0]; if (f) usePhoto(f); e.target.value = ''; });
  const drop = q('edges-drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer.files[0];
    if (f) usePhoto(f);
  });

  let video = null;
  async function useWebcam() {
    video ??= Object.assign(document.createElement('video'), { muted: true, playsInline: true });
    try {
      state.stopCam = await startWebcam(video);
    } catch (e) {
      imageErrors.show(e);
      imageSelect.value = state.image === WEBCAM ? 'step' : state.image;
      if (state.image === WEBCAM) { state.image = 'step'; loadImage(); render(); }
      return;
    }
    imageErrors.clear();
    state.image = WEBCAM;
    imageSelect.value = WEBCAM;
    setText(q('edges-webcam'), 'edges.webcam-stop');
    const tick = () => {
      if (!state.stopCam) return;
      if (video.videoWidth) {
        const frame = grabFrame(video, 160);
        setGrey(core.greyFromRgba(frame.rgba, frame.height, frame.width), { key: 'edges.image.webcam' });
        render();
      }
      state.camTimer = setTimeout(tick, 150);
    };
    tick();
  }
  function stopWebcam() {
    clearTimeout(state.camTimer);
    state.stopCam?.();
    state.stopCam = null;
    setText(q('edges-webcam'), 'edges.webcam');
  }
  // Another image was chosen: a photo still loading is dropped.
  const cancelPhoto = () => { photoTicket += 1; };
  return { useWebcam, stopWebcam, cancelPhoto };
}
