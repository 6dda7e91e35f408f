#!/usr/bin/env bash
# Recovery benchmark: fills a WAL of about SIZE MB (default 100) with msgpack batches that are
# never flushed, kills the server with SIGKILL, restarts it and reports how long recovery took
# (from the server's own log line) in MB/s and records/s, and the time from exec to a 200 from
# /ready (polled by arc_wait_ready, bench/wait_ready.cc, whose CPU cost is printed).
#
#   bench/recovery.sh [--size-mb 100] [--workers 2]
#   bench/recovery.sh --ab OLD_BINARY NEW_BINARY [--rounds 5]   # side by side: one WAL is
#     filled (by build/arc), then each binary restarts on a fresh copy of it, alternating
#   bench/recovery.sh --ab OLD NEW --fill-each   # each binary fills its own WAL with the same
#     records first (for builds whose WAL payloads differ); compare seconds, not per-100-MB
#   bench/recovery.sh ... --cold   # drops the page cache before each restart (root): the
#     WAL, the binary and libduckdb.so come from the disk, as after a reboot; without it the
#     copies the bench just made are cached (a kill -9 of a build that wrote the WAL through
#     the page cache also left it cached; the sync modes now write around it)
#   EXTRA_ENV="ARC_INGEST_FLUSH_WORKERS=2" bench/recovery.sh   # more server settings
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=100; WORKERS=2; BIN_A=""; BIN_B=""; ROUNDS=5; FILL_EACH=0; COLD=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mb) SIZE_MB=$2; shift ;;
    --workers) WORKERS=$2; shift ;;
    --ab) BIN_A=$(realpath "$2"); BIN_B=$(realpath "$3"); shift 2 ;;
    --rounds) ROUNDS=$2; shift ;;
    --fill-each) FILL_EACH=1 ;;
    --cold) COLD=1 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target arc arc_loadgen arc_wait_ready >/dev/null
WORK=$(mktemp -d /tmp/arc-recovery-XXXXXX)
SERVER_PID=""
SERVER_BIN="$PWD/build/arc"
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT
# start [fill]: with "fill", buffers never flush (the WAL keeps everything for the crash);
# otherwise the server runs with the default ingest settings, as recovery would in production.
start() {
  local fill_env=""
  [ "${1:-}" = fill ] && fill_env="ARC_INGEST_MAX_BUFFER_SIZE=100000000 ARC_INGEST_MAX_BUFFER_AGE_MS=86400000 ARC_INGEST_MAX_PENDING_ROWS=1000000000"
  (cd "$WORK" && export WAL_ENABLED=true WAL_MAX_SIZE_MB=1000 ARC_SERVER_WORKERS=$WORKERS \
    ARC_AUTH_BOOTSTRAP_TOKEN=bench ARC_SERVER_HOST=127.0.0.1 ARC_SERVER_PORT=18001 &&
    for kv in $fill_env; do export "$kv"; done &&
    for kv in ${EXTRA_ENV:-}; do export "$kv"; done &&
    exec "$SERVER_BIN" >> arc.log 2>&1) &
  SERVER_PID=$!
  # One polling process, not a curl per try: those took CPU from the start-up being timed.
  POLL=$(./build/arc_wait_ready 18001 60) || exit 1
}
# fill: the same records every time (arc_loadgen's batches are deterministic), then kill -9.
fill() {
  start fill
  # One 5,000-record msgpack batch is ~340 KB of WAL payload.
  local batches=$(( SIZE_MB * 1024 / 340 ))
  ./build/arc_loadgen --port 18001 --token bench --format msgpack --connections 4 --batch 5000 \
    --duration 600 --max-requests $(( batches / 4 + 1 )) | grep -E "requests|records_per_sec"
  du -sh "$WORK/data/wal"
  kill -9 $SERVER_PID; wait $SERVER_PID 2>/dev/null || true; SERVER_PID=""
}
if [ "$FILL_EACH" = 1 ]; then
  for label in A B; do
    if [ $label = A ]; then SERVER_BIN=$BIN_A; else SERVER_BIN=$BIN_B; fi
    rm -rf "$WORK/data"; echo "fill by $label:"; fill; mv "$WORK/data" "$WORK/base_$label"
  done
else
  fill
fi
drop_cache() { [ "$COLD" = 1 ] || return 0; sync; echo 3 > /proc/sys/vm/drop_caches; }
# report LABEL T0 T1: the last recovery's figures from the server's log, and exec to ready.
report() {
  python3 - "$WORK/arc.log" "$2" "$3" "$1" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
m = re.findall(r"WAL recovery complete: (\d+) batches, (\d+) entries, (\d+) corrupted.* ([\d.]+) MB in ([\d.e-]+) s", log)[-1]
batches, records, corrupted, mb, secs = int(m[0]), int(m[1]), int(m[2]), float(m[3]), float(m[4])
label = sys.argv[4] + " " if sys.argv[4] else ""
print(f"{label}recovered {mb:.1f} MB, {batches} batches, {records} records, {corrupted} corrupted")
print(f"{label}recovery_seconds={secs:.3f} mb_per_sec={mb/secs:.0f} records_per_sec={records/secs:.0f}")
ready = float(sys.argv[3]) - float(sys.argv[2])
print(f"{label}restart_to_ready_seconds={ready:.3f} per_100_mb={ready * 100 / mb:.3f}")
PY
  echo "${1:+$1 }ready poller: $POLL (arc_wait_ready, one process polling every 2 ms)"
}
if [ -n "$BIN_A" ]; then
  [ "$FILL_EACH" = 1 ] || { cp -a "$WORK/data" "$WORK/base_A"; cp -a "$WORK/data" "$WORK/base_B"; }
  for round in $(seq 1 "$ROUNDS"); do
    for label in A B; do
      if [ $label = A ]; then SERVER_BIN=$BIN_A; else SERVER_BIN=$BIN_B; fi
      rm -rf "$WORK/data"; cp -a "$WORK/base_$label" "$WORK/data"; sync
      drop_cache
      T0=$(date +%s.%N)
      start
      T1=$(date +%s.%N)
      report "round $round $label" "$T0" "$T1" | grep -E "seconds|poller"
      kill -TERM $SERVER_PID; wait $SERVER_PID 2>/dev/null || true; SERVER_PID=""
    done
  done
  echo "A = $BIN_A"; echo "B = $BIN_B"
  exit 0
fi
drop_cache
T0=$(date +%s.%N)
start
T1=$(date +%s.%N)
grep -E "WAL recovery (started|complete)" "$WORK/arc.log" | tail -2
report "" "$T0" "$T1"
kill -TERM $SERVER_PID; wait $SERVER_PID 2>/dev/null || true; SERVER_PID=""
