#!/usr/bin/env bash
# Many-measurement benchmark: 10,000 measurements x 10 rows buffered in the server (nothing
# flushed yet), then
#   1. SIGTERM: seconds until the process exits, files written, files/s;
#   2. (WAL on) the same load, kill -9, restart: seconds until /ready, then seconds until
#      every replayed row is in Parquet (arc_flush_pending_rows = 0), files/s.
# Each case runs RUNS times (default 3); min / median / max are printed.
#
#   bench/cardinality.sh [--measurements 10000] [--rows 10] [--runs 3] [--workers 2]
set -euo pipefail
cd "$(dirname "$0")/.."
MEASUREMENTS=10000; ROWS=10; RUNS=3; WORKERS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --measurements) MEASUREMENTS=$2; shift ;;
    --rows) ROWS=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --workers) WORKERS=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target arc arc_wait_ready >/dev/null
BIN=${ARC_BIN:-$PWD/build/arc}   # ARC_BIN=... measures another build the same way
PORT=18011
WORK=""; SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; [ -n "$WORK" ] && rm -rf "$WORK"; }
trap cleanup EXIT

# Seconds since $1 (date +%s.%N), with $2 decimals. Not python3: where it is a pyenv shim,
# its start-up (up to a second) was added to every figure measured that way.
elapsed() { awk -v t0="$1" -v t1="$(date +%s.%N)" -v d="$2" 'BEGIN {printf "%.*f", d, t1 - t0}'; }
per_second() { awk -v n="$1" -v t="$2" 'BEGIN {printf "%d", n / (t < 0.01 ? 0.01 : t)}'; }

start() {  # start WAL(true|false): waits for /ready; READY_SECONDS is how long that took
  local t0; t0=$(date +%s.%N)
  (cd "$WORK" && export WAL_ENABLED=$1 ARC_SERVER_WORKERS=$WORKERS ARC_AUTH_BOOTSTRAP_TOKEN=bench \
     ARC_SERVER_HOST=127.0.0.1 ARC_SERVER_PORT=$PORT ARC_INGEST_MAX_BUFFER_AGE_MS=600000 \
     ARC_INGEST_MAX_PENDING_FILES=1000000 ARC_SERVER_SHUTDOWN_TIMEOUT_SECONDS=600 &&
   exec "$BIN" >> arc.log 2>&1) &
  SERVER_PID=$!
  # One polling process (bench/wait_ready.cc), not a curl per try: those took CPU from the
  # start-up being timed.
  ./build/arc_wait_ready $PORT 60 >/dev/null || exit 1
  READY_SECONDS=$(elapsed "$t0" 3)
}

load() {  # writes MEASUREMENTS x ROWS rows, 1,000 measurements per request
  python3 - "$PORT" "$MEASUREMENTS" "$ROWS" <<'PY'
import sys, urllib.request
port, measurements, rows = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for start in range(0, measurements, 1000):
    lines = [f"m{m},host=h{r % 3} v={r} {1700000000 + r}" for m in range(start, min(start + 1000, measurements)) for r in range(rows)]
    req = urllib.request.Request(f"http://127.0.0.1:{port}/write?db=card&precision=s", "\n".join(lines).encode(),
                                 headers={"Authorization": "Bearer bench"}, method="POST")
    assert urllib.request.urlopen(req).status == 204
PY
}

pending_rows() { curl -fs http://127.0.0.1:$PORT/metrics | awk '/^arc_flush_pending_rows /{print $2}'; }
files() { find "$WORK/data/arc/card" -name '*.parquet' 2>/dev/null | wc -l; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "min %s  median %s  max %s\n", a[1], a[int((NR+1)/2)], a[NR]}'; }

declare -a SIGTERM_S SIGTERM_FPS READY_S DRAIN_S DRAIN_FPS
for wal in false true; do
  SIGTERM_S=(); SIGTERM_FPS=(); READY_S=(); DRAIN_S=(); DRAIN_FPS=()
  for run in $(seq 1 "$RUNS"); do
    WORK=$(mktemp -d /tmp/arc-card-XXXXXX)
    start $wal
    load
    t0=$(date +%s.%N); kill -TERM $SERVER_PID; wait $SERVER_PID 2>/dev/null || true; SERVER_PID=""
    t=$(elapsed "$t0" 2)
    n=$(files)
    SIGTERM_S+=("$t"); SIGTERM_FPS+=("$(per_second "$n" "$t")")
    if [ $wal = true ]; then
      rm -rf "$WORK"; WORK=$(mktemp -d /tmp/arc-card-XXXXXX)
      start true
      load
      kill -9 $SERVER_PID; wait $SERVER_PID 2>/dev/null || true; SERVER_PID=""
      start true
      r=$READY_SECONDS
      t0=$(date +%s.%N)
      until [ "$(pending_rows)" = "0" ]; do sleep 0.05; done
      d=$(elapsed "$t0" 2)
      n=$(files)
      READY_S+=("$r"); DRAIN_S+=("$d"); DRAIN_FPS+=("$(per_second "$n" "$d")")
      kill -TERM $SERVER_PID; wait $SERVER_PID 2>/dev/null || true; SERVER_PID=""
    fi
    [ -n "${KEEP:-}" ] && cp "$WORK/arc.log" /tmp/card-last.log; rm -rf "$WORK"; WORK=""
  done
  echo "== WAL $wal: $MEASUREMENTS measurements x $ROWS rows, $WORKERS workers, $RUNS runs"
  echo -n "SIGTERM to exit (s):            "; printf '%s\n' "${SIGTERM_S[@]}" | stats
  echo -n "files/s during SIGTERM flush:   "; printf '%s\n' "${SIGTERM_FPS[@]}" | stats
  if [ $wal = true ]; then
    echo -n "kill -9, restart to ready (s):  "; printf '%s\n' "${READY_S[@]}" | stats
    echo -n "ready to all flushed (s):       "; printf '%s\n' "${DRAIN_S[@]}" | stats
    echo -n "files/s replay flush:           "; printf '%s\n' "${DRAIN_FPS[@]}" | stats
  fi
done
