// RGBA tiles from the core (feature maps, filters, pictures) as small canvases, scaled up
// with crisp pixels by CSS. A tile set is { height, width, count, rgba: Uint8Array }.

// One canvas per tile, each with a caption; `captions[i]` and `alt(i)` are optional.
// Redrawing the same layout (a map redrawn as the network learns) only repaints pixels.
export function drawTiles(container, tiles, { size = 64, captions = [], alt = () => '', className = '' } = {}) {
  const { height: h, width: w, count, rgba } = tiles;
  const per = h * w * 4;
  const key = `${count}:${h}x${w}:${size}:${captions.join('|')}`;
  if (container.dataset.layout === key) {
    container.querySelectorAll('canvas').forEach((canvas, i) => {
      canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * per, per), w, h), 0, 0);
      canvas.setAttribute('aria-label', alt(i) || `tile ${i + 1} of ${count}`);
    });
    return;
  }
  container.dataset.layout = key;
  container.replaceChildren();
  for (let i = 0; i < count; i++) {
    const fig = document.createElement('figure');
    fig.className = `tile ${className}`.trim();
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.className = 'pixelated';
    canvas.style.width = `${size}px`;
    canvas.style.height = `${Math.round(size * h / w)}px`;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', alt(i) || `tile ${i + 1} of ${count}`);
    const data = new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * per, per), w, h);
    canvas.getContext('2d').putImageData(data, 0, 0);
    fig.append(canvas);
    if (captions[i] !== undefined) {
      const cap = document.createElement('figcaption');
      cap.textContent = captions[i];
      fig.append(cap);
    }
    container.append(fig);
  }
}

// One RGBA tile into an existing canvas (resized to the tile).
export function putTile(canvas, tiles, i = 0) {
  const { height: h, width: w, rgba } = tiles;
  const per = h * w * 4;
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * per, per), w, h), 0, 0);
}
