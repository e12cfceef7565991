#!/usr/bin/env bash
# Build the Rust core for the browser (release, simd128) and generate its JS glue in www/pkg.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --target wasm32-unknown-unknown -p convlab --lib
wasm-bindgen --target web --no-typescript --out-dir www/pkg \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/convlab.wasm"
