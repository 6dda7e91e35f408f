#!/usr/bin/env bash
# InfluxQL on Arc and on InfluxDB 1.x, side by side in one run:
#   SELECT mean(usage) FROM cpu WHERE time >= A AND time < B GROUP BY time(1m), host
# over the same POINTS points (default 10 M = 10 hosts x 1 M seconds at 1 s spacing; A..B is
# the whole range, so the answer is HOSTS series of ceil(POINTS/HOSTS/60) one-minute buckets:
# 166,670 rows for the defaults, under Arc's query.max_rows of 1,000,000).
#
#   bench/influxql.sh [--points 10000000] [--hosts 10] [--runs 5] [--batch 5000] [--writers 4] [--keep]
#
# Servers: influxd (/usr/bin/influxd, Debian's 1.6) with its own temp dir and config, auth
# off (tests/influx/procs.py), and Arc ($ARC_BINARY, default build/arc, Release; not rebuilt
# here) with token auth, 2 workers. Both stay up for the query runs.
#
# Load generator and what it costs: bench/influxql_bench.py (Python, stdlib) first builds every
# batch in memory as line-protocol text, time-major (each second's line for every host,
# `cpu,host=host-07 usage=42.17 1699999200`), BATCH lines a request, about 40 bytes a point
# (~420 MB for 10 M points, ~10-20 s of one core; printed, and not part of any load time).
# It then POSTs the same bytes to each server in turn (InfluxDB first, then Arc, each loaded
# alone; the other is idle or not yet started) with WRITERS threads on keep-alive HTTP/1.1
# connections, `/write?db=bench&precision=s` (Arc: `Authorization: Token`), retrying 429/503.
# Sending costs the generator little (socket writes of ready bodies; its CPU seconds during
# each load are printed next to the server's) but it runs on the same 2 cores as the servers,
# as do the query client and JSON parsing (parsing is outside the timed part).
#
# Load time = first request to last 204, points/s = POINTS / that; then each server is polled
# until it counts every point (Arc: /api/v1/query count(*); InfluxDB: count(usage)). Arc is
# then given a compaction trigger (so compaction does not run during the timed queries), and
# both servers are waited on until they use < 5% of a core. The query then runs once per
# server untimed (its time is printed as "first"), then RUNS times alternating which server
# goes first; wall time = request sent to the whole answer received (epoch=ms JSON).
# Arc answers through GET /query when that endpoint exists; when it does not (or errs) the Arc
# side times POST /api/v1/query with the equivalent SQL and says so:
#   SELECT time_bucket(INTERVAL 1 minute, time) AS t, host, avg(usage) FROM cpu
#   WHERE time >= 'A' AND time < 'B' GROUP BY ALL ORDER BY host, t
# The two answers are compared: the same hosts, the same bucket times per host, and 7 values
# per host (first, last, thirds, middle) equal to 1e-9. Exits 1 when they differ.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
command -v influxd >/dev/null || { echo "influxd missing: apt-get install influxdb" >&2; exit 2; }
[ -x "${ARC_BINARY:-build/arc}" ] || { echo "no ${ARC_BINARY:-build/arc}: build arc (Release) first" >&2; exit 2; }
exec "$PY" bench/influxql_bench.py "$@"
