#!/bin/sh
# Dataset-reader throughput, C++ (Google Benchmark) and the Python csv/json peer in one run.
# Usage: bench/run_readers_bench.sh BUILD_DIR [SHARED_DATA_DIR]
set -eu
build=${1:?usage: run_readers_bench.sh BUILD_DIR [SHARED_DATA_DIR]}
shared=${2:-$(dirname "$0")/../../shared/data}
QILIN_SHARED_DATA=$shared "$build/bench/bench_suites_readers_bench" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true 2>&1 | grep -E "_median|^Run|^CPU|Load"
/usr/bin/python3 "$(dirname "$0")/readers_peer.py" "$shared" 10
