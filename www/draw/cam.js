// Grad-CAM over a picture: the picture tile the network saw, then the core's coloured,
// partly transparent map on top (`grad_cam::overlay_rgba`: opaque where the network
// looked much), with a legend strip of the same colours.
import { el } from '../dom.js';
import { putTile } from './tiles.js';
import { drawLegend } from './canvas.js';
import { setText } from '../i18n.js';

// Draw `picture` (a tile set, tile 0) with the class map `map` ({width, height, rgba}) over it.
export function drawClassMap(canvas, picture, map) {
  putTile(canvas, picture);
  const layer = new OffscreenCanvas(map.width, map.height);
  layer.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(map.rgba), map.width, map.height), 0, 0);
  canvas.getContext('2d').drawImage(layer, 0, 0, canvas.width, canvas.height);
}

// The legend: "little" to "much", in the core's sequential colours.
export function classMapLegend(core) {
  const strip = el('canvas', { 'aria-hidden': 'true' });
  drawLegend(strip, core.colorLegend(256, false));
  return el('div', { className: 'legend' }, setText(el('span'), 'cam.little'), strip, setText(el('span'), 'cam.much'));

}
