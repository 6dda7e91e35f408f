#!/usr/bin/env bash
# Installs what the build needs: Debian packages and the pinned DuckDB 1.4.4.
# Idempotent: when everything is present it only checks and returns (well under a second).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake ninja-build pkg-config git ca-certificates curl
  libboost-dev libdeflate-dev libzstd-dev libsnappy-dev libisal-dev libssl-dev zlib1g-dev
  nlohmann-json3-dev libtomlplusplus-dev libmsgpack-cxx-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev prometheus
  libcurl4-openssl-dev awscli
  libre2-dev influxdb influxdb-client python3-influxdb flatbuffers-compiler libflatbuffers-dev
  clang-14 libfuzzer-14-dev libclang-rt-14-dev)

missing=()
# npm may come with a nodejs package of its own (which conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || missing+=(npm)
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  # influxdb (the tests' InfluxDB 1.x oracle; they start their own influxd on free ports)
  # would start a system service on :8086: a policy-rc.d, only while installing and only when
  # the machine has none, keeps it from starting.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    guard=1
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  if [ -n "$guard" ]; then
    $SUDO rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
fi

# DuckDB 1.4.4: libduckdb.so from the node bindings, headers from the duckdb package.
DUCKDB_DIR=third_party/duckdb
LIB_PKG="@duckdb/node-bindings-linux-x64@1.4.4-r.4"
LIB_SHA=732fac4dc6b8f198870b9c4bb6ddf13544466daca00ad28ba2f1d80de5d7aa4b
HDR_PKG="duckdb@1.4.4"
HDR_SHA=5bb967dcbcd517670ba5f169f238fb9d6787e53752c60ebe24386169d76941ed
if [ ! -f "$DUCKDB_DIR/.complete-1.4.4" ]; then
  echo "setup: fetching DuckDB 1.4.4 into $DUCKDB_DIR"
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "$LIB_PKG" "$HDR_PKG" >/dev/null)
  lib_tgz=$(ls "$tmp"/duckdb-node-bindings-linux-x64-*.tgz); hdr_tgz=$(ls "$tmp"/duckdb-1.4.4.tgz)
  echo "$LIB_SHA  $lib_tgz" | sha256sum -c --quiet
  echo "$HDR_SHA  $hdr_tgz" | sha256sum -c --quiet
  rm -rf "$DUCKDB_DIR"; mkdir -p "$DUCKDB_DIR/lib" "$tmp/x"
  tar xzf "$lib_tgz" -C "$tmp/x" package/libduckdb.so
  tar xzf "$hdr_tgz" -C "$tmp/x" package/src/duckdb/src/include
  mv "$tmp/x/package/libduckdb.so" "$DUCKDB_DIR/lib/"
  mv "$tmp/x/package/src/duckdb/src/include" "$DUCKDB_DIR/include"
  touch "$DUCKDB_DIR/.complete-1.4.4"
fi

# The independent Arrow IPC reader of the tests and benchmarks (pinned by tests/arrow/package-lock.json).
if [ ! -d tests/arrow/node_modules/apache-arrow ]; then
  echo "setup: installing the Arrow reader (npm ci in tests/arrow)"
  (cd tests/arrow && npm ci --no-audit --no-fund --silent >/dev/null)
fi

# The independent Parquet reader of the tests (pinned by tests/parquet/package-lock.json).
if [ ! -d tests/parquet/node_modules/hyparquet ]; then
  echo "setup: installing the Parquet reader (npm ci in tests/parquet)"
  (cd tests/parquet && npm ci --no-audit --no-fund --silent >/dev/null)
fi

# The S3-compatible server the tests start (pinned by tests/s3rver/package-lock.json).
if [ ! -d tests/s3rver/node_modules/@20minutes/s3rver ]; then
  echo "setup: installing the test S3 server (npm ci in tests/s3rver)"
  (cd tests/s3rver && npm ci --no-audit --no-fund --silent >/dev/null)
fi
