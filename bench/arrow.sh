#!/usr/bin/env bash
# A large result as Arrow IPC (POST /api/v1/query/arrow) and as JSON (POST /api/v1/query),
# side by side in one run:
#
#   bench/arrow.sh [--rows 1000000] [--runs 3] [--port 18765]
#
# Starts Arc ($ARC_BINARY, default build/arc, Release; not rebuilt here) in a temp dir with
# auth off, loads ROWS rows of `cpu` (host tag; usage float, count int, state string, up bool;
# one millisecond apart: one or two hour partitions) as line protocol in 50,000-line requests, waits until every row is counted
# and flushed to Parquet, then runs `SELECT time, host, usage, count, state, up FROM cpu` once
# per format untimed, then RUNS times alternating which format goes first.
#
# Three figures per format, rows/s = ROWS / seconds from the request to:
#   curl:     the whole answer written to /dev/null by curl (the server's pace; curl costs little);
#   received: the whole answer in a Node.js client's memory (node:http);
#   decoded:  that, plus the client's decode (apache-arrow tableFromIPC, or JSON.parse).
# The load generator and the client are one Node.js process on the same 2 cores as the
# server; its CPU for the load is printed; during the timed queries it is the client (the
# receiving and decoding are part of what is measured).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x "${ARC_BINARY:-build/arc}" ] || { echo "no ${ARC_BINARY:-build/arc}: build arc (Release) first" >&2; exit 2; }
[ -d tests/arrow/node_modules/apache-arrow ] || { echo "run ./scripts/setup.sh first (apache-arrow)" >&2; exit 2; }
exec node bench/arrow_bench.mjs "$@"
