#!/usr/bin/env bash
# Compaction benchmark (issue 12). Ingests DURATION seconds of the load generator's data
# (msgpack, 4 connections, default flush settings) spread over HOURS past hours, flushes it
# (SIGTERM) and restarts arc; then, side by side in one run:
#   - files, bytes on disk, files per hour before and after one compaction cycle;
#   - compaction rows/s and the server's RSS above its resting level while compacting (sampled
#     every 50 ms), against compaction.memory_limit;
#   - three queries through /api/v1/query before and after, each against DuckDB reading the
#     ideal layout of the same rows (one file per hour sorted by host, region, time;
#     bench/query_bench.cc --ideal), medians of 5.
#
#   bench/compaction.sh [--duration 30] [--hours 4] [--memory-limit 64MB] [--runs 3]
#
# The load generator and the query bench run on the same cores as the server.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=30; HOURS=4; MEMORY_LIMIT=64MB; RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift ;;
    --hours) HOURS=$2; shift ;;
    --memory-limit) MEMORY_LIMIT=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target arc arc_loadgen arc_query_bench >/dev/null
PORT=18031
WORK=""; SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; [ -n "$WORK" ] && rm -rf "$WORK"; return 0; }
trap cleanup EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

start() {
  (cd "$WORK" && ARC_AUTH_BOOTSTRAP_TOKEN=bench ARC_SERVER_HOST=127.0.0.1 ARC_SERVER_PORT=$PORT \
     ARC_COMPACTION_INTERVAL_SECONDS=86400 ARC_COMPACTION_GRACE_SECONDS=0 \
     ARC_COMPACTION_MEMORY_LIMIT=$MEMORY_LIMIT exec "$OLDPWD/build/arc" >> arc.log 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 600); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/ready" && return 0; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
status() { curl -fs -H "Authorization: Bearer bench" "http://127.0.0.1:$PORT/api/v1/compaction/status"; }
layout() {  # label: files, bytes, worst files per hour
  local root="$WORK/data/arc/bench/cpu"
  local files bytes worst
  files=$(find "$root" -name '*.parquet' | wc -l)
  bytes=$(find "$root" -name '*.parquet' -printf '%s\n' | awk '{s+=$1} END {print s}')
  worst=$(find "$root" -name '*.parquet' -printf '%h\n' | sort | uniq -c | sort -rn | head -1 | awk '{print $1}')
  echo "   $1: files=$files bytes=$bytes hours=$(find "$root" -mindepth 4 -maxdepth 4 -type d | wc -l) worst_files_per_hour=$worst"
}

BASE=$(( $(date +%s) / 3600 * 3600 - (HOURS + 1) * 3600 ))
DISTINCT=96
STEP_US=$(( HOURS * 3600 * 1000000 / (DISTINCT * 5000) ))
for run in $(seq 1 "$RUNS"); do
  WORK=$(mktemp -d /tmp/arc-compaction-XXXXXX)
  echo "== run $run =="
  start
  ./build/arc_loadgen --port $PORT --token bench --format msgpack --connections 4 --batch 5000 \
    --duration "$DURATION" --distinct $DISTINCT --time-base-s $BASE --time-step-us $STEP_US \
    | grep -E "records_per_sec" | sed 's/^/   ingest: /'
  kill -TERM $SERVER_PID; wait $SERVER_PID || true; SERVER_PID=""
  start
  layout "before"
  ./build/arc_query_bench --port $PORT --token bench --db bench --root "$WORK/data/arc" --runs 5 \
    --ideal "$(mkdir -p "$WORK/ideal" && echo "$WORK/ideal")" | sed 's/^/   before: /'
  rest_kb=$(awk '/VmRSS/{print $2}' /proc/$SERVER_PID/status)
  curl -fs -X POST -H "Authorization: Bearer bench" "http://127.0.0.1:$PORT/api/v1/compaction/trigger" >/dev/null
  peak_kb=$rest_kb
  for _ in $(seq 1 12000); do
    kb=$(awk '/VmRSS/{print $2}' /proc/$SERVER_PID/status)
    [ "$kb" -gt "$peak_kb" ] && peak_kb=$kb
    s=$(status)
    # grep, not python3, in this 50 ms loop: a python3 that is a pyenv shim costs up to a second
    # of CPU per start, taken from the compaction being measured.
    cycles=$(echo "$s" | grep -o '"cycles":[0-9]*' | cut -d: -f2)
    if [ "${cycles:-0}" -ge 1 ] && echo "$s" | grep -q '"running":false'; then break; fi
    sleep 0.05
  done
  echo "$s" | python3 -c '
import json, sys
d = json.load(sys.stdin)
big = max((j["bytes_in"] for j in d["recent"]), default=0)
print("   compaction: %d partitions, %d files -> %d, %d rows in %.1f s = %.0f rows/s; %d -> %d bytes; largest partition %d MB on disk; failures %d" % (
    d["jobs"], d["files_in"], d["files_out"], d["rows"], d["seconds"], d["rows"] / max(d["seconds"], 1e-9),
    d["bytes_in"], d["bytes_out"], big / 1e6, d["failures"]))'
  echo "   server RSS at rest $((rest_kb / 1024)) MB, peak while compacting $((peak_kb / 1024)) MB: +$(( (peak_kb - rest_kb) / 1024 )) MB (compaction.memory_limit $MEMORY_LIMIT)"
  layout "after"
  ./build/arc_query_bench --port $PORT --token bench --db bench --root "$WORK/data/arc" --runs 5 \
    --ideal "$WORK/ideal" | sed 's/^/   after: /'
  kill -TERM $SERVER_PID; wait $SERVER_PID || true; SERVER_PID=""
  rm -rf "$WORK"; WORK=""
done
