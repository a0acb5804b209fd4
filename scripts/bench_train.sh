#!/usr/bin/env bash
# Training-step speed: bench/train_step.cpp (C++) beside scripts/bench_train_peer.py (Debian
# python3-torch) on the same LLaMA shape, batch and threads, in one run. Results go to stdout;
# docs/BENCHMARKS.md ("Training") records them with this command.
#   scripts/bench_train.sh [BUILD_DIR]     (default build/; QILIN_BENCH_THREADS="1 2")
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-${QILIN_BUILD_DIR:-$root/build}}
cmake --build "$build" --target bench_train_step >/dev/null
# The OpenMP environment the qilin-bench binary sets for its torch subcommands
# (harness/torch_exec.cpp: a short spin, then sleep); the Python peer gets the same.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
# The machine is shared: print the load with every half so a disturbed run can be recognised.
for t in ${QILIN_BENCH_THREADS:-1 2}; do
  echo "== threads $t: C++ (bench_train_step); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  QILIN_THREADS=$t "$build/bench/bench_train_step" --benchmark_counters_tabular=true
  echo "== threads $t: python3-torch peer; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/python3 "$root/scripts/bench_train_peer.py" "$t" 5
done
