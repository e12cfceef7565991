#!/usr/bin/env bash
# Build the Rust core for the browser (release) twice and generate each build's JS glue:
#   www/pkg/          wasm SIMD (simd128): every current browser
#   www/pkg-relaxed/  + relaxed SIMD, whose fused multiply-add makes training about 20%
#                     faster; www/core.js loads it where the browser validates it.
# The second build has its own target directory so the two never invalidate each other.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
base='--cfg getrandom_backend="wasm_js"'
build() { # out-dir target-dir target-features
  RUSTFLAGS="-C target-feature=$3 $base" CARGO_TARGET_DIR="$2" \
    cargo build --release --target wasm32-unknown-unknown -p convlab --lib
  wasm-bindgen --target web --no-typescript --remove-name-section --out-dir "$1" "$2/wasm32-unknown-unknown/release/convlab.wasm"
}
build www/pkg "$target" +simd128
build www/pkg-relaxed "$target/relaxed-simd" +simd128,+relaxed-simd
