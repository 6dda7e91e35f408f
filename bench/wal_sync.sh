#!/bin/bash
# What reusing a WAL segment file saves per group commit (docs/wal-format.md, "Reusing segment
# files"): arc_wal_sync_bench alternates writing a fresh log file and overwriting one of the
# same size, one fdatasync per 64 KB write, in --dir (default: a folder under data/, the disk
# the server uses). Prints, per mode, sync time, context switches and the CPU one sync costs
# (the process's, and the machine's from /proc/stat: coarse, and only meaningful on a quiet
# machine). Run it several times: a virtual disk's latency drifts.
#   bench/wal_sync.sh [--dir DIR] [--passes 6] [--syncs 300] [--write-kb 64] [--runs 3]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=data/wal-sync-bench; RUNS=3; ARGS=()
while [ $# -gt 0 ]; do
  case $1 in
    --dir) DIR=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --passes|--syncs|--write-kb) ARGS+=("$1" "$2"); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
cmake --build build --target arc_wal_sync_bench >/dev/null
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "file system: $(df -T "$DIR" | awk 'NR == 2 {print $2, $1}')"
for run in $(seq "$RUNS"); do
  ./build/arc_wal_sync_bench --dir "$DIR" "${ARGS[@]}" | sed "s/^/run=$run /"
done
