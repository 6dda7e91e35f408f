#!/usr/bin/env bash
# Abuse benchmark (issue 11): a legitimate load — arc_loadgen posting msgpack at a fixed rate
# on keep-alive connections, and a /health probe on fresh connections every 100 ms — measured
# alone (quiet) and again while arc_abuse attacks the same server: anonymous 250 MB uploads,
# slow and huge queries with a read token, decompression bombs with a write token, and idle
# connections held up to the connection cap. Prints both runs' figures and the ratios, and
# fails when the server's RSS passes the bound.
#
#   bench/abuse.sh [--duration 20] [--runs 3] [--rate 40] [--batch 5000] [--rss-bound-mb 1024]
#
# Everything runs on this machine: the load generator, the probe and the attacker take CPU
# from the server (their CPU seconds are printed).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=20; RUNS=3; RATE=40; BATCH=5000; RSS_BOUND_MB=1024
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --batch) BATCH=$2; shift ;;
    --rss-bound-mb) RSS_BOUND_MB=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target arc arc_loadgen arc_abuse >/dev/null
ulimit -n 20000 2>/dev/null || true
PORT=18021
MAX_CONNECTIONS=512
WORK=""; SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; [ -n "$WORK" ] && rm -rf "$WORK"; }
trap cleanup EXIT
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "legit load: msgpack, 4 connections, ${RATE} requests/s x ${BATCH} records; /health every 100 ms; ${DURATION} s"

token() {  # name permission → a new token
  curl -fs -X POST -H "Authorization: Bearer bench" "http://127.0.0.1:$PORT/api/v1/auth/tokens" \
    -d "{\"name\":\"$1\",\"permissions\":[\"$2\"]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

phase() {  # label [attack args...]: runs the legit load (and the attack) for DURATION seconds
  local label=$1; shift
  local out="$WORK/$label.txt"
  /usr/bin/time -f "loadgen_cpu_s=%U+%S" ./build/arc_loadgen --port $PORT --token bench --format msgpack \
    --connections 4 --batch "$BATCH" --rate "$RATE" --duration "$DURATION" > "$out.load" 2>&1 &
  local load=$!
  /usr/bin/time -f "abuse_cpu_s=%U+%S" ./build/arc_abuse --port $PORT --duration "$DURATION" --probe \
    --pid "$SERVER_PID" "$@" > "$out.abuse" 2>&1
  wait $load
  cat "$out.load" "$out.abuse" > "$out"
  echo "-- $label --"
  grep -E "records_per_sec|latency_ms|requests=|health|attack|server rss|cpu_s" "$out" | sed 's/^/   /'
}

value() {  # file key → the number after key=
  grep -Eo "$2=[0-9.]+" "$1" | head -1 | cut -d= -f2
}

for run in $(seq 1 "$RUNS"); do
  WORK=$(mktemp -d /tmp/arc-abuse-XXXXXX)
  mkdir -p "$WORK/srv"
  (cd "$WORK/srv" && export ARC_AUTH_BOOTSTRAP_TOKEN=bench ARC_SERVER_HOST=127.0.0.1 ARC_SERVER_PORT=$PORT \
     ARC_SERVER_MAX_CONNECTIONS=$MAX_CONNECTIONS && exec "$OLDPWD/build/arc" > arc.log 2>&1) &
  SERVER_PID=$!
  for _ in $(seq 1 300); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/ready" && break; sleep 0.1; done
  READ=$(token reader read); WRITE=$(token writer write)
  echo "== run $run =="
  phase quiet
  phase attack --uploads 4 --upload-mbps 200 --queries 2 --bombs 2 --hold $((MAX_CONNECTIONS + 100)) \
    --read-token "$READ" --write-token "$WRITE"
  python3 - "$WORK/quiet.txt" "$WORK/attack.txt" "$RSS_BOUND_MB" <<'EOF'
import re, sys
def val(path, key):
    m = re.search(re.escape(key) + r"=([0-9.]+)", open(path).read())
    return float(m.group(1)) if m else float("nan")
q, a, bound = sys.argv[1], sys.argv[2], float(sys.argv[3])
for key in ("records_per_sec", "p99", "p50_ms", "p99_ms"):
    print("   ratio attack/quiet %-16s %.2f  (%g → %g)" % (key, val(a, key) / val(q, key), val(q, key), val(a, key)))
peak = val(a, "peak_rss_mb")
print("   server peak RSS %.0f MB (bound %.0f MB)" % (peak, bound))
sys.exit(0 if peak <= bound else 1)
EOF
  kill -TERM $SERVER_PID; wait $SERVER_PID || true; SERVER_PID=""
  rm -rf "$WORK"; WORK=""
done
