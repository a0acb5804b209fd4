#!/usr/bin/env bash
# Model and engine speed, C++ (bench/model_engine.cpp) beside Debian's python3-torch running
# the same weights and the same workloads, in one run (docs/BENCHMARKS.md, "Model and engine").
# Usage: scripts/bench_model.sh [BUILD_DIR] [THREADS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
threads=${2:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One thread means one thread in total: OpenBLAS would otherwise add its own pool.
export OMP_WAIT_POLICY=PASSIVE QILIN_THREADS=$threads OPENBLAS_NUM_THREADS=$threads QILIN_BENCH_MODEL_DIR=$work/model

# ROUNDS rounds, each C++ then python3-torch, so that a slow minute of the shared machine
# hits both sides; each side reports its best repetition over all rounds (C++: Google
# Benchmark's timed loop once per round after a warm-up, the mean of its iterations; Python: the mean of its timed
# calls in the round, after a warm-up call).
rounds=${ROUNDS:-3}
torch_version=$(/usr/bin/python3 -c 'import torch; print(torch.__version__)')
for round in $(seq "$rounds"); do
  echo "== round $round/$rounds: C++ (bench_model_engine, $threads thread(s)); load: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$build/bench/bench_model_engine" --benchmark_min_time=1 --benchmark_min_warmup_time=0.1 --benchmark_format=console \
      --benchmark_out_format=json --benchmark_out="$work/cpp-$round.json" 2>&1 | grep -E "^BM_[^ ]* "
  echo "== round $round/$rounds: python3-torch $torch_version on the same weights; load: $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/python3 "$root/scripts/bench_model_peer.py" "$work/model" "$threads" "$root/tests/trainers" 1 "$work/py-$round.json"
done

echo "== side by side: best of $rounds rounds on each side; rates per process CPU second"
/usr/bin/python3 - "$work" "$rounds" <<'PY'
import json, sys
work, rounds = sys.argv[1], int(sys.argv[2])
cpp, py, units = {}, {}, {}
for k in range(1, rounds + 1):
    for r in json.load(open(f"{work}/cpp-{k}.json"))["benchmarks"]:
        name = r["run_name"].removesuffix("/process_time")
        units[name] = next(u for u in ("tokens/s", "questions/s") if u in r)
        cpp[name] = max(cpp.get(name, 0.0), r[units[name]])
    for name, rate in json.load(open(f"{work}/py-{k}.json")).items():
        py[name] = max(py.get(name, 0.0), rate)
print(f"{'workload':22s} {'C++':>10s} {'python3-torch':>14s} {'C++/Python':>10s}  unit")
for name, rate in cpp.items():
    peer = f"{py[name]:14.2f} {rate / py[name]:9.2f}x" if name in py else f"{'-':>14s} {'-':>10s}"
    print(f"{name:22s} {rate:10.2f} {peer}  {units[name]}")
PY
