#!/usr/bin/env bash
# The README's run command: set up, build in release mode, serve www/ on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec python3 scripts/serve.py --port "${PORT:-8080}" --dir www
