#!/bin/bash
# Request latency at a fixed 100 requests/s of msgpack (5,000-record batches: 500,000
# records/s), two builds alternating, each on a fresh server and data directory, so no backlog
# of an earlier saturation phase is flushed meanwhile (bench/ingest.sh measures its latency
# right after two saturation phases).
#   bench/latency_ab.sh BUILD_A BUILD_B [--rounds 3] [--duration 12] [--mode fdatasync]
#                       [--env "ARC_INGEST_MAX_BUFFER_SIZE=10000000 ..."]
# --env is exported to both servers, e.g. a buffer no flush fills within the run, to separate
# the flusher's share of the latency from the WAL's. Prints p50/p99/max per run, the WAL's
# sync count (per worker), the mean time of one sync and the spare segment files at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
A=$(realpath "$1"); B=$(realpath "$2"); shift 2
ROUNDS=3 DURATION=12 MODE=fdatasync EXTRA_ENV=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --mode) MODE=$2; shift ;;
    --env) EXTRA_ENV=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
cmake --build build --target arc_loadgen >/dev/null

WORK=$(mktemp -d /tmp/arc-latency-XXXXXX)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "A=$A"; echo "B=$B"; echo "mode=$MODE env=${EXTRA_ENV:-none}"

run() {  # round label binary
  rm -rf "$WORK/arc"; mkdir -p "$WORK/arc"
  local wal_env="WAL_ENABLED=false"
  [ "$MODE" != off ] && wal_env="WAL_ENABLED=true WAL_SYNC_MODE=$MODE"
  (cd "$WORK/arc" && for kv in $wal_env $EXTRA_ENV; do export "$kv"; done &&
    ARC_AUTH_BOOTSTRAP_TOKEN=bench ARC_SERVER_HOST=127.0.0.1 ARC_SERVER_PORT=18000 \
    exec "$3" > arc.log 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 300); do curl -fs -o /dev/null http://127.0.0.1:18000/ready && break; sleep 0.1; done
  local out
  out=$(./build/arc_loadgen --port 18000 --token bench --format msgpack --rate 100 \
          --duration "$DURATION" | grep latency_ms)
  local metrics syncs sync_ms spares
  metrics=$(curl -s -H "Authorization: Bearer bench" http://127.0.0.1:18000/metrics)
  syncs=$(echo "$metrics" | awk '/^arc_wal_syncs_total/ {printf "%s ", $2}')
  # Mean time of one WAL sync (write + fdatasync) over the run, all workers.
  sync_ms=$(echo "$metrics" | awk '/^arc_wal_sync_duration_seconds_sum/ {s += $2}
            /^arc_wal_sync_duration_seconds_count/ {n += $2}
            END {if (n > 0) printf "%.3f", 1000 * s / n; else print "none"}')
  # Retired segments kept for reuse at the end (docs/wal-format.md, "Reusing segment files").
  spares=$(find "$WORK/arc/data/wal" -name '*.spare' 2>/dev/null | wc -l)
  echo "round=$1 build=$2 $out wal_syncs=${syncs:-none} sync_ms_mean=$sync_ms spares=$spares"
  kill -TERM $SERVER_PID; wait $SERVER_PID || true; SERVER_PID=""
}

for r in $(seq 1 "$ROUNDS"); do
  run "$r" A "$A"
  run "$r" B "$B"
done
