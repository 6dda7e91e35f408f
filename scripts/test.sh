#!/usr/bin/env bash
# Command 2: set up, build everything under ASan+UBSan and run every test (unit and
# integration), then build the WAL (which links no DuckDB) under TSan and run its tests.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DARC_TSAN=ON >/dev/null
cmake --build build-tsan
(cd build-tsan && ctest --output-on-failure --timeout 900)
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DARC_SANITIZE=ON >/dev/null
cmake --build build-test
cd build-test
ctest --output-on-failure --timeout 900 "$@"
# Fuzzing: every libFuzzer target (fuzz/) under ASan+UBSan for ARC_FUZZ_SECONDS (20) seconds.
cd .. && ./scripts/fuzz.sh
