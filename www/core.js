// The wasm core, in the build this browser runs best. Relaxed SIMD (Chromium 114+) adds a
// fused multiply-add, so the convolution kernels do one instruction where plain SIMD needs
// two: the relaxed build trains about 12% faster. A browser without it (or one that
// refuses it) gets the plain SIMD build; both are the same Rust code (crate/src/conv/mod.rs).
// Every page module and worker imports the core from here, so one realm never mixes two.
// No top-level await here: a module worker whose imports are still awaiting drops the
// messages posted to it meanwhile.
import { codedError } from './errors.js';

// A module whose one function is `f32x4.relaxed_madd` of its three v128 parameters.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0,              // "\0asm", version 1
  1, 8, 1, 96, 3, 123, 123, 123, 1, 123,    // type: (v128, v128, v128) -> v128
  3, 2, 1, 0,                               // one function of that type
  10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2,    // code: local.get 0, 1, 2
  253, 133, 2, 11,                          //   f32x4.relaxed_madd (0xfd 0x105), end
]);

/** 'relaxed-simd' or 'simd': which build this realm loads. */
export const build = WebAssembly.validate(RELAXED_SIMD_PROBE) ? 'relaxed-simd' : 'simd';
const dir = build === 'relaxed-simd' ? './pkg-relaxed/' : './pkg/';

/** The core's exports (wasm-bindgen's glue): null until `initCore()` has resolved. */
export let core = null;
let loading = null;

/** Load and instantiate the core (once per realm; later calls share the first). */
export function initCore() {
  loading ??= (async () => {
    const glue = await import(new URL(`${dir}convlab.js`, import.meta.url).href);
    await glue.default({ module_or_path: new URL(`${dir}convlab_bg.wasm`, import.meta.url) });
    core = glue;
    return glue;
  })();
  return loading;
}

// The course's HDF5 reader is a module of its own (crate/h5-module, a third of the core's
// size): loaded the first time a course file arrives, so other visitors never fetch it.
let h5Loading = null;

/** The HDF5 module's exports (`readCourseH5`), loaded and instantiated on first use. */
export function initH5Reader() {
  h5Loading ??= (async () => {
    const glue = await import(new URL('./pkg-h5/convlab_h5.js', import.meta.url).href);
    await glue.default({ module_or_path: new URL('./pkg-h5/convlab_h5_bg.wasm', import.meta.url) });
    return glue;
  })().catch((e) => {
    h5Loading = null; // a failed load (offline, say) is retried with the next file
    throw codedError('h5.reader-failed', { detail: e.message });
  });
  return h5Loading;
}

