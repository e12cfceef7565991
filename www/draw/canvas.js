// RGBA bytes computed by the Rust core onto a canvas with one putImageData. The canvas
// keeps the image's own size; CSS scales it up with image-rendering: pixelated.

export function drawRgba(canvas, rgba, width, height) {
  canvas.width = width;
  canvas.height = height;
  const bytes = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.length);
  canvas.getContext('2d').putImageData(new ImageData(bytes, width, height), 0, 0);
}

// The image pixel under a pointer (mouse, finger, pen) event, or null outside the canvas.
export function pixelAt(canvas, event) {
  const r = canvas.getBoundingClientRect();
  const x = Math.floor(((event.clientX - r.left) / r.width) * canvas.width);
  const y = Math.floor(((event.clientY - r.top) / r.height) * canvas.height);
  if (x < 0 || y < 0 || x >= canvas.width || y >= canvas.height) return null;
  return { x, y };
}

// A legend strip: the core's colours left to right, one pixel tall, stretched by CSS.
export function drawLegend(canvas, rgba) {
  drawRgba(canvas, rgba, rgba.length / 4, 1);
}

// CSS colour of the k-th RGBA pixel of a buffer.
export function rgbaAt(rgba, k) {
  return `rgb(${rgba[4 * k]}, ${rgba[4 * k + 1]}, ${rgba[4 * k + 2]})`;
}
