#!/usr/bin/env bash
# Command 2: set up, build everything under ASan+UBSan, and run every test (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DARC_SANITIZE=ON >/dev/null
cmake --build build-test
cd build-test
ctest --output-on-failure --timeout 900 "$@"
