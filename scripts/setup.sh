#!/usr/bin/env bash
# Idempotent set-up shared by run.sh and test.sh: everything comes from the package
# registries (rustup, crates.io, Debian, npm). A second run only checks and skips.
#   setup.sh          wasm target + wasm-bindgen CLI (enough to build and serve)
#   setup.sh --test   also the test browsers and their WebDriver servers (Chromium and
#                     ChromeDriver, Firefox ESR, WebKitGTK's WebKitWebDriver, Xvfb for
#                     WebKit's window; geckodriver built from crates.io) and the npm packages
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate that Cargo.lock pins, byte for byte.
if [ ! -f Cargo.lock ]; then cargo generate-lockfile; fi
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want from crates.io (built from source, takes a few minutes once)"
  # Not --locked: its lockfile can name a dependency version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$want" --force
fi

if [ "${1:-}" = "--test" ]; then
  # The lint suite's cargo clippy (a rustup component; cargo doc comes with the toolchain).
  if ! rustup component list --installed | grep -q '^clippy'; then
    say "adding the clippy component"
    rustup component add clippy
  fi
  missing=()
  for need in /usr/bin/chromium:chromium /usr/bin/chromedriver:chromium-driver \
              /usr/bin/firefox-esr:firefox-esr /usr/bin/WebKitWebDriver:webkit2gtk-driver \
              /usr/bin/xvfb-run:xvfb /usr/bin/xauth:xauth; do
    [ -x "${need%%:*}" ] || missing+=("${need#*:}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt_run() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    apt_run apt-get update -q
    apt_run apt-get install -y -q "${missing[@]}"
  fi
  # Firefox's WebDriver server: Mozilla publishes it on crates.io; its own lockfile
  # (--locked) is the one Mozilla tested.
  if ! command -v geckodriver >/dev/null; then
    say "installing geckodriver from crates.io (built from source, takes a few minutes once)"
    cargo install geckodriver --version 0.37.1 --locked
  fi
  if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "npm ci (test packages)"
    npm ci --no-audit --no-fund
  fi
fi
