// Photos and the webcam, decoded in the browser: a file or a video frame becomes RGBA
// bytes, downscaled so the long side is at most `maxSide`, ready for the Rust core.
// Every failure is an Error with a message a student understands (shown in an errorBox).
import { core } from './core.js';

const MAX_FILE_BYTES = 40 * 1024 * 1024;
const MAX_PIXELS = 50e6;
// A JPEG's frame header follows its EXIF block (at most 64 KB): 1 MB always holds it.
const HEADER_BYTES = 1 << 20;

// The photo's size from its file header, read by the core before anything is decoded:
// a photo over 50 megapixels is refused here with the limit in the message (the browser
// would otherwise decode a 10000x10000 PNG into 400 MB of pixels first). Returns
// { size: {format, width, height} as shown upright, or null when the header is unknown,
//   orientation: the EXIF orientation 1-8 (1 without EXIF) }.
export async function photoHeader(file) {
  const head = new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer());
  let size;
  try {
    size = core.checkPhotoHeader(head);
  } catch (e) {
    throw new Error(`"${file.name}": ${e.message}`);
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

export async function loadPhoto(file, maxSide = 512) {
  if (!file) throw new Error('No file was chosen.');
  if (file.type && !file.type.startsWith('image/')) {
    throw new Error(`"${file.name}" is not an image (it is ${file.type}). Choose a JPEG, PNG or WebP photo.`);
  }
  if (file.size > MAX_FILE_BYTES) {
    throw new Error(`"${file.name}" is ${(file.size / 1048576).toFixed(0)} MB; photos up to 40 MB are accepted.`);
  }
  // Decoded straight to the size needed (the browser scales while decoding, off the main
  // thread): a 4000x3000 photo never becomes 48 MB of pixels drawn on the main thread.
  const { size: header } = await photoHeader(file);
  const options = { imageOrientation: 'from-image' };
  if (header && Math.max(header.width, header.height) > maxSide) {
    const scale = maxSide / Math.max(header.width, header.height);
    Object.assign(options, { resizeWidth: Math.max(1, Math.round(header.width * scale)), resizeQuality: 'high' });
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, options);
  } catch {
    throw new Error(`"${file.name}" could not be read as an image: is it really a photo (JPEG, PNG, WebP)?`);
  }
  try {
    const { width, height } = bitmap;
    // Without a readable header the decoded size is checked instead.
    if (width * height > MAX_PIXELS) {
      throw new Error(`"${file.name}" is ${width}×${height} pixels, too large to handle here (at most 50 megapixels).`);
    }
    return toRgba(bitmap, width, height, maxSide);
  } finally {
    bitmap.close();
  }
}

// Why getUserMedia failed, in the words both sections use ("Requested device not found"
// is the browser's, not a student's).
export function webcamFailure(e) {
  const why = e?.name === 'NotAllowedError' ? 'the browser (or you) did not allow it'
    : e?.name === 'NotFoundError' || e?.name === 'OverconstrainedError' ? 'no camera was found'
      : e?.name === 'NotReadableError' ? 'the camera is in use by another program'
        : (e?.message || 'it failed');
  return `The webcam could not start: ${why}.`;
}

// Start the webcam in `video`; a refusal or a missing camera becomes a readable Error.
export async function startWebcam(video) {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser gives no access to a webcam here.');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
  } catch (e) {
    throw new Error(`${webcamFailure(e)} Pick a test picture or upload a photo instead.`);
  }
  video.srcObject = stream;
  await video.play();
  return () => { for (const t of stream.getTracks()) t.stop(); video.srcObject = null; };
}

export function grabFrame(video, maxSide = 160) {
  return toRgba(video, video.videoWidth, video.videoHeight, maxSide);
}
