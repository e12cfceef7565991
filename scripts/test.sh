#!/usr/bin/env bash
# The README's test command: set up, then run every suite and fail if any fails.
#   0. lint:    cargo clippy (every target) and cargo doc, warnings denied (about a minute)
#   1. native:  cargo test (the whole core, CLI and integration tests)
#   2. wasm:    the core's unit tests again, compiled to wasm32 and run in headless Chromium
#               (twice: the plain SIMD build and the relaxed-SIMD one), and the plain
#               build's once more in headless Firefox (the same compiled tests)
#   3. e2e:     the page served on 127.0.0.1, driven in headless Chromium by playwright-core
#   4. engines: a subset touching every section in Firefox ESR and WebKit (WebKitGTK, the
#               engine of Safari) through WebDriver; WebKit's window needs a display: Xvfb
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test || exit 1

export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/crate/webdriver.json"
export WASM_BINDGEN_TEST_TIMEOUT=600
mkdir -p tests/out
summary=()
total_pass=0
total_fail=0
status=0

# Run one suite, tee its output to tests/out/<name>.log, and add up its counts.
suite() {
  local name=$1; shift
  echo "=== $name: $*"
  "$@" 2>&1 | tee "tests/out/$name.log"
  local rc=${PIPESTATUS[0]}
  local pass fail
  if grep -q '^# pass ' "tests/out/$name.log"; then
    pass=$(awk '/^# pass /{s+=$3} END{print s+0}' "tests/out/$name.log")
    fail=$(awk '/^# fail /{s+=$3} END{print s+0}' "tests/out/$name.log")
  else
    pass=$(grep -oE '[0-9]+ passed' "tests/out/$name.log" | awk '{s+=$1} END{print s+0}')
    fail=$(grep -oE '[0-9]+ failed' "tests/out/$name.log" | awk '{s+=$1} END{print s+0}')
  fi
  [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
  [ "$rc" -ne 0 ] && status=1
  total_pass=$((total_pass + pass)); total_fail=$((total_fail + fail))
  summary+=("$(printf '%-6s %s (%d passed, %d failed)' "$name" "$([ "$rc" -eq 0 ] && echo ok || echo FAILED)" "$pass" "$fail")")
}

suite clippy cargo clippy --workspace --all-targets --quiet -- -D warnings
RUSTDOCFLAGS='-D warnings' suite doc cargo doc --workspace --no-deps --quiet
suite native cargo test --workspace
suite wasm cargo test -p convlab --lib --target wasm32-unknown-unknown
suite wasm-firefox env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" \
  cargo test -p convlab --lib --target wasm32-unknown-unknown
# The relaxed-SIMD build (www/pkg-relaxed, fused multiply-add) has its own kernel code:
# the same tests again in that build (its own target directory, as scripts/build.sh).
RUSTFLAGS='-C target-feature=+simd128,+relaxed-simd --cfg getrandom_backend="wasm_js"' \
  suite wasm-relaxed cargo test -p convlab --lib --target wasm32-unknown-unknown \
  --target-dir "${CARGO_TARGET_DIR:-target}/relaxed-simd"
if scripts/build.sh; then
  suite e2e node --test --test-concurrency=1 tests/e2e/
  suite engines xvfb-run -a node --test --test-concurrency=1 tests/engines/
else
  summary+=("e2e    FAILED (wasm build failed)"); status=1; total_fail=$((total_fail + 1))
fi

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "total: $total_pass passed, $total_fail failed"
exit $status
