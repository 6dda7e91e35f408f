#!/usr/bin/env bash
# Two builds side by side under the same load: for each round, each WAL mode and each format,
# build A then build B (alternating, so drift hits both), printing records/s, p99 and the
# server's CPU per acknowledged record (the figure least disturbed by a noisy machine).
#
#   bench/ingest_ab.sh OLD_ARC NEW_ARC [--rounds 3] [--duration 8] [--modes "off fdatasync"]
#                      [--env "WAL_MAX_SIZE_MB=32 ..."]
# OLD_ARC and NEW_ARC are Release arc binaries, e.g. build/arc of a clone checked out at an
# older commit, and this tree's build/arc. --env is exported to both servers. With the WAL on,
# each line also gives the mean time of one WAL sync over the run.
set -euo pipefail
cd "$(dirname "$0")/.."
A=$(realpath "$1"); B=$(realpath "$2"); shift 2
ROUNDS=3; DURATION=8; MODES="off fdatasync"; EXTRA_ENV=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --modes) MODES=$2; shift ;;
    --env) EXTRA_ENV=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
cmake --build build --target arc_loadgen >/dev/null
WORK=$(mktemp -d /tmp/arc-ab-XXXXXX)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "A=$A"; echo "B=$B"; echo "env=${EXTRA_ENV:-none}"
for round in $(seq "$ROUNDS"); do
  for MODE in $MODES; do
    for FORMAT in msgpack lp; do
      for NAME in A B; do
        BIN=$A; [ "$NAME" = B ] && BIN=$B
        rm -rf "$WORK/d"; mkdir -p "$WORK/d"
        WAL_ENV="WAL_ENABLED=false"
        [ "$MODE" != off ] && WAL_ENV="WAL_ENABLED=true WAL_SYNC_MODE=$MODE"
        (cd "$WORK/d" && for kv in $WAL_ENV $EXTRA_ENV; do export "$kv"; done &&
          ARC_AUTH_BOOTSTRAP_TOKEN=bench ARC_SERVER_HOST=127.0.0.1 ARC_SERVER_PORT=18004 \
          exec "$BIN" > arc.log 2>&1) &
        SERVER_PID=$!
        for _ in $(seq 1 300); do curl -fs -o /dev/null http://127.0.0.1:18004/ready && break; sleep 0.1; done
        OUT=$(./build/arc_loadgen --port 18004 --token bench --format "$FORMAT" --connections 8 \
          --batch 5000 --duration "$DURATION" --pid "$SERVER_PID")
        SYNC_MS=$(curl -s -H "Authorization: Bearer bench" http://127.0.0.1:18004/metrics |
          awk '/^arc_wal_sync_duration_seconds_sum/ {s += $2} /^arc_wal_sync_duration_seconds_count/ {n += $2}
               END {if (n > 0) printf "%.3f", 1000 * s / n; else print "none"}')
        kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
        # Parquet bytes per acknowledged record once SIGTERM flushed everything (not compacted).
        OK=$(echo "$OUT" | grep -oE 'ok=[0-9]+' | head -1 | cut -d= -f2)
        BYTES=$(find "$WORK/d/data/arc" -name '*.parquet' -printf '%s\n' 2>/dev/null | awk '{s += $1} END {print s + 0}')
        echo "round=$round wal=$MODE format=$FORMAT build=$NAME" \
          "$(echo "$OUT" | grep -oE '(records_per_sec|p99|server_cpu_ns_per_record|server_cpu_cores|loadgen_cpu_cores|server_peak_rss_mb)=[0-9.]+' | tr '\n' ' ')" \
          "wal_sync_ms_mean=$SYNC_MS flush_bytes_per_record=$(awk -v b="$BYTES" -v n="${OK:-0}" 'BEGIN {printf "%.1f", (n > 0 ? b / (n * 5000) : 0)}')"
      done
    done
  done
done
