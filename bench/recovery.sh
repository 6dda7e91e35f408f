#!/usr/bin/env bash
# Recovery benchmark: fills a WAL of about SIZE MB (default 100) with msgpack batches that are
# never flushed, kills the server with SIGKILL, restarts it and reports how long recovery took
# (from the server's own log line) in MB/s and records/s.
#
#   bench/recovery.sh [--size-mb 100] [--workers 2]
#   EXTRA_ENV="ARC_INGEST_FLUSH_WORKERS=2" bench/recovery.sh   # more server settings
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=100; WORKERS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mb) SIZE_MB=$2; shift ;;
    --workers) WORKERS=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target arc arc_loadgen >/dev/null
WORK=$(mktemp -d /tmp/arc-recovery-XXXXXX)
SERVER_PID=""
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
    exec "$OLDPWD/build/arc" >> arc.log 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 1200); do curl -fs -o /dev/null http://127.0.0.1:18001/ready && return 0; sleep 0.05; done
  echo "server did not become ready" >&2; exit 1
}
start fill
# One 5,000-record msgpack batch is ~340 KB of WAL payload.
BATCHES=$(( SIZE_MB * 1024 / 340 ))
REQUESTS_PER_CONN=$(( BATCHES / 4 + 1 ))
./build/arc_loadgen --port 18001 --token bench --format msgpack --connections 4 --batch 5000 \
  --duration 600 --max-requests $REQUESTS_PER_CONN | grep -E "requests|records_per_sec"
du -sh "$WORK/data/wal"
kill -9 $SERVER_PID; wait $SERVER_PID 2>/dev/null || true; SERVER_PID=""
T0=$(date +%s.%N)
start
T1=$(date +%s.%N)
grep -E "WAL recovery (started|complete)" "$WORK/arc.log" | tail -2
python3 - "$WORK/arc.log" "$T0" "$T1" <<'PY'
import re, sys
log = open(sys.argv[1]).read()
m = re.findall(r"WAL recovery complete: (\d+) batches, (\d+) entries, (\d+) corrupted.* ([\d.]+) MB in ([\d.e-]+) s", log)[-1]
batches, records, corrupted, mb, secs = int(m[0]), int(m[1]), int(m[2]), float(m[3]), float(m[4])
print(f"recovered {mb:.1f} MB, {batches} batches, {records} records, {corrupted} corrupted")
print(f"recovery_seconds={secs:.3f} mb_per_sec={mb/secs:.0f} records_per_sec={records/secs:.0f}")
print(f"restart_to_ready_seconds={float(sys.argv[3]) - float(sys.argv[2]):.3f}")
PY
kill -TERM $SERVER_PID; wait $SERVER_PID 2>/dev/null || true; SERVER_PID=""
