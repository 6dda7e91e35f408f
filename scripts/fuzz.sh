#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang-14, ASan+UBSan) in build-fuzz and runs each one
# for ARC_FUZZ_SECONDS seconds (default 20), one after the other, on a copy of its seed
# corpus (fuzz/corpus/<target>/ is never modified). Prints per target the executions and the
# coverage reached; exits non-zero when a target crashes, naming the saved crash input.
#   ./scripts/fuzz.sh                      every target
#   ./scripts/fuzz.sh msgpack_fuzz         some targets
# Environment: ARC_FUZZ_SECONDS (per target), ARC_FUZZ_JOBS (build parallelism, default 2),
# ARC_FUZZ_CORPUS (a directory to keep the grown corpora in; default: a temp dir, removed),
# ARC_FUZZ_ARGS (extra libFuzzer flags). Crash inputs and logs: build-fuzz/fuzz-out/.
# Reproduce a crash: build-fuzz/fuzz/<target> <crash file>
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${ARC_FUZZ_SECONDS:-20}
BUILD=build-fuzz
ALL=(line_protocol_fuzz msgpack_fuzz decompress_fuzz segment_reader_fuzz request_screen_fuzz sql_rewrite_fuzz
  influxql_fuzz)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL[@]}"); fi

start=$(date +%s)
if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DARC_FUZZ=ON -DARC_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD" --target arc_fuzz -j "${ARC_FUZZ_JOBS:-2}"
built=$(date +%s)
echo "fuzz: built in $((built - start)) s; running ${#TARGETS[@]} target(s) for ${SECONDS_PER_TARGET} s each"

out="$BUILD/fuzz-out"
mkdir -p "$out"
if [ -n "${ARC_FUZZ_CORPUS:-}" ]; then
  corpora=$ARC_FUZZ_CORPUS
else
  corpora=$(mktemp -d)
  trap 'rm -rf "$corpora"' EXIT
fi

failed=()
summary=()
for t in "${TARGETS[@]}"; do
  [ -x "$BUILD/fuzz/$t" ] || { echo "fuzz: no target $t (have: ${ALL[*]})" >&2; exit 2; }
  mkdir -p "$corpora/$t" "$out/$t"
  cp -n fuzz/corpus/"$t"/* "$corpora/$t/" 2>/dev/null || true
  dict=()
  [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
  log="$out/$t.log"
  rc=0
  # shellcheck disable=SC2086
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$BUILD/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=30 \
    -print_final_stats=1 -artifact_prefix="$out/$t/" "${dict[@]}" ${ARC_FUZZ_ARGS:-} \
    "$corpora/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  corp=$(find "$corpora/$t" -type f | wc -l)
  line=$(printf '%-22s execs %-9s %-22s corpus %s' "$t" "${execs:-?}" "${cov:-cov: ?}" "$corp")
  if [ "$rc" -ne 0 ]; then
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    failed+=("$t")
    line="$line  FAILED (exit $rc) input: ${artifact:-none saved}; log: $log"
    echo "---- $t: the failure (full log: $log)"
    first=$(grep -n -m1 -E 'ERROR|FUZZ CHECK|runtime error' "$log" | cut -d: -f1)
    if [ -n "$first" ]; then sed -n "${first},$((first + 24))p" "$log"; else tail -25 "$log"; fi
  fi
  echo "fuzz: $line"
  summary+=("$line")
done

echo "fuzz: summary (build $((built - start)) s, total $(( $(date +%s) - start )) s)"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (reproduce: $BUILD/fuzz/<target> <input>)" >&2
  exit 1
fi
