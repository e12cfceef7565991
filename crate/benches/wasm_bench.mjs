// Time the wasm build of the conv kernels in V8 (node), clocked by this process's CPU
// time so that other work on a shared machine does not distort the figures.
// Build first: cargo build --release --target wasm32-unknown-unknown -p convlab --example wasm_bench
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
const target = process.env.CARGO_TARGET_DIR ?? join(here, "../../target");
const bytes = readFileSync(join(target, "wasm32-unknown-unknown/release/examples/wasm_bench.wasm"));
const module = new WebAssembly.Module(bytes);
const clock = process.env.BENCH_WALL ? "wall" : "cpu";
const now = clock === "wall"
  ? () => performance.now()
  : () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
// Imports other than the clock (wasm-bindgen glue of the library) are never called here.
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] = imp.name === "host_now_ms" ? now : () => { throw new Error(`unexpected import ${imp.name}`); };
}
const { exports } = new WebAssembly.Instance(module, imports);
const out = exports.alloc_results();
const reps = Number(process.env.BENCH_REPS ?? 5);
exports.conv1_rates(reps, out);
const [fwd, dw, dx, pooled] = new Float64Array(exports.memory.buffer, out, 4);
console.log(`wasm (V8 ${process.versions.v8}, clock: ${clock}) SIGNS conv1 batch 64: ` +
  `forward ${fwd.toFixed(2)} GMAC/s, filter gradient ${dw.toFixed(2)} GMAC/s, input gradient ${dx.toFixed(2)} GMAC/s; ` +
  `filter gradient behind the 8x8 pool ${pooled.toFixed(2)} GMAC/s (MACs done)`);
