#!/usr/bin/env bash
# ConvLab's speed benchmark, one command: the SIGNS network trained with the assignment's
# settings (Adam lr 0.009, batch 64, Glorot) on ../shared/data/sign-digits/
#   - in headless Chromium: ConvLab's release wasm vs TF.js 4.22 'wasm' and 'cpu' backends
#     (tests/bench/bench.html), epochs alternating, same data and batch;
#   - the page itself (tests/bench/page_bench.mjs): how much drawing the feature maps and
#     the cost curve slows training, and one 64x64 photo classified, file to drawn maps;
#   - natively: ConvLab (crate/examples/train_bench.rs) vs PyTorch on the CPU, 1 and 2
#     threads (tests/bench/pytorch_bench.py, in a venv this script makes).
# Prints seconds per epoch, ratios, GFLOP/s and accuracies, with the load average.
#
#   bash tests/bench/run.sh
# Environment: EPOCHS (timed epochs after one warm-up, default 5), CPU_EPOCHS (TF.js 'cpu',
# default 1), SEED (1), CONVLAB_SIGN_DIGITS (data dir), BENCH_VENV (default
# /tmp/convlab-bench-venv), SKIP_PYTORCH=1, SKIP_BROWSER=1, SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
EPOCHS=${EPOCHS:-5}
CPU_EPOCHS=${CPU_EPOCHS:-1}
SEED=${SEED:-1}
DATA=${CONVLAB_SIGN_DIGITS:-$ROOT/../shared/data/sign-digits}
VENV=${BENCH_VENV:-/tmp/convlab-bench-venv}
TRAIN=$DATA/train_sign_digits.h5
TEST=$DATA/test_sign_digits.h5
[ -f "$TRAIN" ] && [ -f "$TEST" ] || { echo "no sign-digit data in $DATA (set CONVLAB_SIGN_DIGITS)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/convlab-bench.XXXXXX)
RESULTS=$WORK/results.jsonl
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load average at start: $(load) ($(nproc) cores)"
echo "{\"name\":\"load_start\",\"load\":\"$(load)\"}" >> "$RESULTS"
# The host's widest x86 SIMD (PyTorch's kernels use AVX-512 where it is; wasm SIMD is 128 bits
# everywhere), printed beside the ratios to PyTorch: the same cores can favour either side.
simd=$(grep -m1 -ow 'avx512f' /proc/cpuinfo || grep -m1 -ow 'avx2' /proc/cpuinfo || grep -m1 -ow 'sse4_2' /proc/cpuinfo || echo unknown)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//; s/"//g')
echo "{\"name\":\"host\",\"simd\":\"$simd\",\"cpu\":\"$cpu\",\"cores\":$(nproc)}" >> "$RESULTS"
echo "host: $cpu, $(nproc) cores, widest SIMD $simd"

if [ "${SKIP_BROWSER:-0}" != 1 ]; then
  # The page's build with the benchmark's bindings (conv1's rates, the SIMD peak, the
  # training profile), which the page's own build leaves out.
  [ "${SKIP_BUILD:-0}" = 1 ] || BENCH=1 bash scripts/build.sh
  # TF.js and playwright-core from the npm registry, as pinned in package-lock.json.
  [ -d node_modules/@tensorflow/tfjs-backend-wasm ] && [ -d node_modules/playwright-core ] \
    || npm install --no-audit --no-fund
  # Serve a temporary root of links: the page's build, the bench page, TF.js, and the
  # shared data under /data/ (linked, never copied into the repository).
  SERVE=$WORK/root
  mkdir -p "$SERVE/tests"
  ln -s "$ROOT/www" "$SERVE/www"
  ln -s "$ROOT/tests/bench" "$SERVE/tests/bench"
  ln -s "$ROOT/node_modules" "$SERVE/node_modules"
  ln -s "$DATA" "$SERVE/data"
  python3 scripts/serve.py --port 0 --dir "$SERVE" --quiet > "$WORK/server.out" &
  SERVER_PID=$!
  for _ in $(seq 100); do grep -q http "$WORK/server.out" 2>/dev/null && break; sleep 0.1; done
  URL=$(grep -o 'http://127.0.0.1:[0-9]*/' "$WORK/server.out")
  echo "== browser: ConvLab wasm vs TF.js (headless Chromium, $URL)"
  node tests/bench/run_browser.mjs "${URL}tests/bench/bench.html?epochs=$EPOCHS&cpu_epochs=$CPU_EPOCHS&seed=$SEED" \
    | tee "$WORK/browser.out"
  grep '^BROWSER_RESULT ' "$WORK/browser.out" | sed 's/^BROWSER_RESULT //' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); r["name"]="browser"; print(json.dumps(r))' >> "$RESULTS"
  echo "== browser: the page itself (training watched three ways; a 64x64 photo classified)"
  node tests/bench/page_bench.mjs "$URL" "$DATA" | tee "$WORK/page.out" || true
  grep '^PAGE_RESULT ' "$WORK/page.out" | sed 's/^PAGE_RESULT //' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); r["name"]="page"; print(json.dumps(r))' >> "$RESULTS" || true
  kill "$SERVER_PID"; SERVER_PID=
fi

echo "== native: ConvLab (release, 1 thread)"
cargo run --release -q -p convlab --example train_bench -- "$TRAIN" "$TEST" "$EPOCHS" "$SEED" >> "$RESULTS"
echo "== native: ConvLab, the robust hand model (release, 1 thread, ${ROBUST_EPOCHS:-2} epochs)"
cargo run --release -q -p convlab --example train_bench -- "$TRAIN" "$TEST" "${ROBUST_EPOCHS:-2}" "$SEED" robust >> "$RESULTS"

if [ "${SKIP_PYTORCH:-0}" != 1 ]; then
  echo "== native: PyTorch on the CPU (venv $VENV)"
  if ! "$VENV/bin/python" -c 'import torch, h5py, numpy' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --progress-bar off torch numpy h5py \
      || echo "pip install of torch failed: PyTorch figures skipped" >&2
  fi
  if "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
    "$VENV/bin/python" tests/bench/pytorch_bench.py "$TRAIN" "$TEST" --epochs "$EPOCHS" --seed "$SEED" \
      >> "$RESULTS"
  fi
fi
echo "{\"name\":\"load_end\",\"load\":\"$(load)\"}" >> "$RESULTS"
echo "load average at end: $(load)"
python3 tests/bench/summarise.py "$RESULTS"
