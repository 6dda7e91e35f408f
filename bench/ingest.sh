#!/usr/bin/env bash
# Ingest benchmark: arc (msgpack columnar and line protocol) and, with --peers,
# VictoriaMetrics and InfluxDB (Debian packages) under the same line-protocol load, one after
# the other in one run. With --wal-modes, arc runs four times: WAL off, async, fdatasync,
# fsync. Prints the load generator's figures for each.
#
#   bench/ingest.sh [--peers] [--wal-modes] [--duration 15] [--connections 8] [--batch 5000]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=15; CONNECTIONS=8; BATCH=5000; PEERS=0; MODES="off"
while [ $# -gt 0 ]; do
  case "$1" in
    --peers) PEERS=1 ;;
    --wal-modes) MODES="off async fdatasync fsync" ;;
    --duration) DURATION=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --batch) BATCH=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target arc arc_loadgen >/dev/null
if [ "$PEERS" = 1 ]; then
  for p in victoria-metrics influxdb; do
    dpkg -s "$p" >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
  done
fi

WORK=$(mktemp -d /tmp/arc-bench-XXXXXX)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

wait_http() {  # url
  for _ in $(seq 1 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "server at $1 did not come up" >&2; return 1
}
LOAD="./build/arc_loadgen --connections $CONNECTIONS --batch $BATCH --duration $DURATION"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

for MODE in $MODES; do
  echo "== arc (WAL $MODE) =="
  rm -rf "$WORK/arc"; mkdir -p "$WORK/arc"
  WAL_ENV="WAL_ENABLED=false"
  [ "$MODE" != off ] && WAL_ENV="WAL_ENABLED=true WAL_SYNC_MODE=$MODE"
  (cd "$WORK/arc" && for kv in $WAL_ENV; do export "$kv"; done &&
    ARC_AUTH_BOOTSTRAP_TOKEN=bench ARC_SERVER_HOST=127.0.0.1 ARC_SERVER_PORT=18000 \
    exec "$OLDPWD/build/arc" > arc.log 2>&1) &
  SERVER_PID=$!
  wait_http http://127.0.0.1:18000/ready
  $LOAD --port 18000 --token bench --format msgpack --pid $SERVER_PID
  $LOAD --port 18000 --token bench --format lp --pid $SERVER_PID
  echo "-- latency at a fixed 100 requests/s (500,000 records/s) of msgpack --"
  $LOAD --port 18000 --token bench --format msgpack --rate 100 | grep -E "records_per_sec|latency"
  if [ "$MODE" != off ]; then
    curl -s -H "Authorization: Bearer bench" http://127.0.0.1:18000/api/wal/status |
      python3 -c 'import json,sys; s=json.load(sys.stdin)["stats"]; print("wal entries=%d syncs=%d bytes=%d" % (s["total_entries"], s["total_syncs"], s["total_bytes"]))'
  fi
  kill -TERM $SERVER_PID; wait $SERVER_PID || true; SERVER_PID=""
done

if [ "$PEERS" = 1 ]; then
  echo "== VictoriaMetrics $(victoria-metrics -version 2>&1 | head -1) =="
  victoria-metrics -storageDataPath "$WORK/vm" -httpListenAddr 127.0.0.1:18428 > "$WORK/vm.log" 2>&1 &
  SERVER_PID=$!
  wait_http http://127.0.0.1:18428/health
  $LOAD --port 18428 --format lp --path "/write?db=bench" --pid $SERVER_PID
  kill $SERVER_PID; wait $SERVER_PID || true; SERVER_PID=""

  echo "== InfluxDB $(influxd version 2>&1 | head -1) =="
  INFLUXDB_META_DIR="$WORK/influx/meta" INFLUXDB_DATA_DIR="$WORK/influx/data" \
  INFLUXDB_DATA_WAL_DIR="$WORK/influx/wal" INFLUXDB_HTTP_BIND_ADDRESS=127.0.0.1:18086 \
  INFLUXDB_BIND_ADDRESS=127.0.0.1:18088 INFLUXDB_REPORTING_DISABLED=true \
  INFLUXDB_HTTP_LOG_ENABLED=false INFLUXDB_DATA_QUERY_LOG_ENABLED=false \
    influxd > "$WORK/influx.log" 2>&1 &
  SERVER_PID=$!
  wait_http http://127.0.0.1:18086/ping
  curl -s -XPOST http://127.0.0.1:18086/query --data-urlencode "q=CREATE DATABASE bench" >/dev/null
  $LOAD --port 18086 --format lp --path "/write?db=bench" --pid $SERVER_PID
  kill $SERVER_PID; wait $SERVER_PID || true; SERVER_PID=""
fi
