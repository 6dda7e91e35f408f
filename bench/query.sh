#!/usr/bin/env bash
# Query benchmark: loads ROWS (default 10 M) records of the load generator's data into arc,
# flushes them (SIGTERM), restarts arc, then times three queries through /api/v1/query and
# directly in DuckDB on the same files (bench/query_bench.cc), alternating, medians of 7.
#
#   bench/query.sh [--rows 10000000]
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=10000000
[ "${1:-}" = "--rows" ] && ROWS=$2
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target arc arc_loadgen arc_query_bench >/dev/null
WORK=$(mktemp -d /tmp/arc-query-XXXXXX)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
start() {
  (cd "$WORK" && ARC_AUTH_BOOTSTRAP_TOKEN=bench ARC_SERVER_HOST=127.0.0.1 ARC_SERVER_PORT=18003 \
    exec "$OLDPWD/build/arc" >> arc.log 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 600); do curl -fs -o /dev/null http://127.0.0.1:18003/ready && return 0; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
start
REQUESTS=$(( ROWS / 5000 / 4 ))
./build/arc_loadgen --port 18003 --token bench --format msgpack --connections 4 --batch 5000 \
  --duration 600 --max-requests $REQUESTS | grep -E "requests|records_per_sec"
kill -TERM $SERVER_PID; wait $SERVER_PID || true; SERVER_PID=""
start
./build/arc_query_bench --port 18003 --token bench --db bench --root "$WORK/data/arc" --runs 7
