// Photos and the webcam, decoded in the browser: a file or a video frame becomes RGBA
// bytes, downscaled so the long side is at most `maxSide`, ready for the Rust core.
// decodePhoto is the one way a photo file is decoded, in the page (the edge lab) and in
// the worker (classifying): the same checks and the same messages for the same failure.
// Every failure is an Error with a message a student understands (shown in an errorBox).
import { core } from './core.js';
import { codedError, errorCause } from './errors.js';
import { t } from './i18n.js';

const MAX_FILE_BYTES = 40 * 1024 * 1024;
// A JPEG's frame header follows its EXIF block (at most 64 KB): 1 MB always holds it.
const HEADER_BYTES = 1 << 20;

// The photo's size from its file header, read by the core before anything is decoded:
// a photo over 50 megapixels is refused here with the limit in the message (the browser
// would otherwise decode a 10000x10000 PNG into 400 MB of pixels first). Returns
// { size: {format, width, height} as shown upright, or null when the header is unknown,
//   orientation: the EXIF orientation 1-8 (1 without EXIF) }.
async function photoHeader(file) {
  const head = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  let size;
  try {
    size = core.checkPhotoHeader(head);
  } catch (e) {
    throw codedError('photo.header', { name: file.name, cause: errorCause(e) });
  }
  const orientation = core.exifOrientation(head);
  if (size && orientation >= 5) [size.width, size.height] = [size.height, size.width];
  return { size, orientation };
}

function toRgba(source, width, height, maxSide) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, w, h);
  return { rgba: ctx.getImageData(0, 0, w, h).data, width: w, height: h, original: { width, height } };
}

/**
 * A photo file decoded upright (EXIF orientation applied by the browser), shrunk while
 * decoding when its long side passes `maxSide`; refused, with the core's limit, over
 * core.maxPhotoPixels(). The caller closes `bitmap`.
 * @returns {Promise<{bitmap: ImageBitmap, orientation: number}>} orientation: the file's EXIF 1-8
 */
export async function decodePhoto(file, maxSide = Infinity) {
  if (!file) throw codedError('photo.no-file');
  if (!file.size) throw codedError('photo.empty');
  if (file.type && !file.type.startsWith('image/')) {
    throw codedError('photo.not-image', { name: file.name, type: file.type });
  }
  if (file.size > MAX_FILE_BYTES) {
    throw codedError('photo.too-big', { name: file.name, mb: (file.size / 1048576).toFixed(0) });
  }
  // Refused from the header before decoding (a 10000x10000 PNG would be 400 MB of pixels).
  // The browser turns the photo upright while decoding: Chromium applies the EXIF
  // orientation even with imageOrientation 'none' (measured: a stored 25x15 photo with
  // orientation 6 decodes as 15x25), so 'from-image' is asked for explicitly, which every
  // browser honours. A large photo is decoded straight to the size needed (the browser
  // scales while decoding): a 4000x3000 photo never becomes 48 MB of pixels.
  const { size: header, orientation } = await photoHeader(file);
  const options = { imageOrientation: 'from-image' };
  if (header && Math.max(header.width, header.height) > maxSide) {
    const scale = maxSide / Math.max(header.width, header.height);
    Object.assign(options, { resizeWidth: Math.max(1, Math.round(header.width * scale)), resizeQuality: 'high' });
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, options);
  } catch {
    throw codedError('photo.damaged', { name: file.name });
  }
  // Without a readable header the decoded size is checked instead.
  const { width, height } = bitmap;
  const limit = core.maxPhotoPixels();
  if (width * height > limit) {
    bitmap.close();
    throw codedError('photo.over-limit', { width, height, mp: (width * height / 1e6).toFixed(0), limit: limit / 1e6 });
  }
  return { bitmap, orientation };
}

/** A photo file as RGBA bytes, its long side at most `maxSide` (the edge lab's input). */
export async function loadPhoto(file, maxSide = 512) {
  const { bitmap } = await decodePhoto(file, maxSide);
  try {
    return toRgba(bitmap, bitmap.width, bitmap.height, maxSide);
  } finally {
    bitmap.close();
  }
}

// Why getUserMedia failed, in the words both sections use ("Requested device not found"
// is the browser's, not a student's).
export function webcamFailure(e) {
  const why = e?.name === 'NotAllowedError' ? t('webcam.not-allowed')
    : e?.name === 'NotFoundError' || e?.name === 'OverconstrainedError' ? t('webcam.not-found')
      : e?.name === 'NotReadableError' ? t('webcam.in-use')
        : (e?.message || t('webcam.failed'));
  return t('webcam.could-not-start', { why });
}

// Start the webcam in `video`; a refusal or a missing camera becomes a readable Error.
export async function startWebcam(video) {
  if (!navigator.mediaDevices?.getUserMedia) throw codedError('webcam.no-access');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
  } catch (e) {
    throw codedError('webcam.edges-instead', { failure: webcamFailure(e) });

  }
  video.srcObject = stream;
  await video.play();
  return () => { for (const t of stream.getTracks()) t.stop(); video.srcObject = null; };
}

export function grabFrame(video, maxSide = 160) {
  return toRgba(video, video.videoWidth, video.videoHeight, maxSide);
}
