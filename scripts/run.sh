#!/usr/bin/env bash
# Command 1: set up, build (Release) and start the server on port 8000 with local storage under ./data.
# Extra arguments go to the server, e.g. ./scripts/run.sh --config arc.conf
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target arc
exec ./build/arc "$@"
