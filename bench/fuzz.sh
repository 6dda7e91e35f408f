#!/usr/bin/env bash
# Longer fuzzing runs for manual use: scripts/fuzz.sh with 600 s per target (ARC_FUZZ_SECONDS
# overrides) and the grown corpora kept in build-fuzz/corpus/ between runs, so each run starts
# where the last one stopped. One target at a time. Arguments: target names (default: all).
#   ./bench/fuzz.sh                          ~1 hour for the six targets
#   ARC_FUZZ_SECONDS=3600 ./bench/fuzz.sh sql_rewrite_fuzz
# To fold new seeds back into the repo, minimise first, e.g.:
#   build-fuzz/fuzz/msgpack_fuzz -merge=1 fuzz/corpus/msgpack_fuzz build-fuzz/corpus/msgpack_fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
export ARC_FUZZ_SECONDS=${ARC_FUZZ_SECONDS:-600}
export ARC_FUZZ_CORPUS=${ARC_FUZZ_CORPUS:-$PWD/build-fuzz/corpus}
exec ./scripts/fuzz.sh "$@"
