#!/usr/bin/env bash
# Build the Rust core for the browser (release) and generate each module's JS glue:
#   www/pkg/          the core, wasm SIMD (simd128): every current browser
#   www/pkg-relaxed/  the core + relaxed SIMD, whose fused multiply-add makes training
#                     about 20% faster; www/core.js loads it where the browser validates it.
#   www/pkg-h5/       the course's HDF5 reader (crate/h5-module), which the core's builds
#                     leave out: the worker loads it only when a course file is given.
#   www/offline-files.js  the page's files and version, for its service worker (www/sw.js).
# The relaxed build has its own target directory so the builds never invalidate each other.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
base='--cfg getrandom_backend="wasm_js"'
build() { # out-dir target-dir target-features wasm-name cargo-package-args...
  local out=$1 dir=$2 features=$3 wasm=$4; shift 4
  RUSTFLAGS="-C target-feature=$features $base" CARGO_TARGET_DIR="$dir" \
    cargo build --release --target wasm32-unknown-unknown "$@"
  wasm-bindgen --target web --no-typescript --remove-name-section --out-dir "$out" \
    "$dir/wasm32-unknown-unknown/release/$wasm.wasm"
}
# BENCH=1 adds the speed benchmark's bindings (feature bench; tests/bench/run.sh sets it).
core=(-p convlab --lib --no-default-features --features "bindings${BENCH:+,bench}")
build www/pkg "$target" +simd128 convlab "${core[@]}"
build www/pkg-relaxed "$target/relaxed-simd" +simd128,+relaxed-simd convlab "${core[@]}"
build www/pkg-h5 "$target" +simd128 convlab_h5 -p convlab-h5
# The service worker's list of the page's files and their version (www/offline-files.js).
python3 scripts/offline_files.py
