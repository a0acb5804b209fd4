#!/bin/sh
# Side-by-side: `qilin-bench score --suite huatuo` vs the Python references computing the same
# default metrics (tests/metrics/score_parity.py --reference: Python jieba 0.42.1, nmt-style
# BLEU-1..4, ROUGE-1/2/L, NLTK corpus_gleu, Distinct-1/2; --lean: the same numbers from per-item
# statistics in one pass, ~25 % faster; --bootstrap 1000: lean plus numpy-resampled intervals,
# the work of qilin-bench's default) on the 6,000 Huatuo-26M test pairs
# with the parity test's deterministic predictions, wall clock from process start to exit; max
# RSS at 1x and 10x the pairs; then the Google Benchmark micro-benchmarks. Numbers go to
# docs/BENCHMARKS.md, section "Scoring".
# qilin-bench runs are short and the machine is shared, so each is run RUNS times (default 7)
# and the median and best wall are printed; each Python peer runs PY_RUNS times (default 3);
# the ratios use the medians. The jieba dictionary
# cache lives in a fresh directory: the first (cold) run builds it and is reported separately.
# Usage: scripts/bench_score.sh [BUILD_DIR]   (default build/; needs ../shared/data)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
QB=$BUILD/harness/qilin-bench
BENCH=$BUILD/bench/bench_metrics_score_bench
PY=/usr/bin/python3
RUNS=${RUNS:-7}
PY_RUNS=${PY_RUNS:-3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export QILIN_CACHE_DIR=$TMP/cache

"$PY" - "$ROOT" "$TMP" <<'PYEOF'
import json, sys
sys.path.insert(0, sys.argv[1] + "/tests/metrics")
import score_parity
pairs = score_parity.huatuo_pairs(sys.argv[1])
if pairs is None:
    raise SystemExit("../shared/data/huatuo26m is absent")
with open(sys.argv[2] + "/p1.jsonl", "w", encoding="utf-8") as one, open(sys.argv[2] + "/p10.jsonl", "w", encoding="utf-8") as ten:
    for copy in range(10):
        for i, (p, r) in enumerate(pairs):
            line = json.dumps({"id": "%d-%d" % (copy, i), "prediction": p, "reference": r}, ensure_ascii=False) + "\n"
            ten.write(line)
            if copy == 0:
                one.write(line)
PYEOF

timed() {  # command... : runs it; $TMP/time gets "wall user sys maxrss" (wall in ms resolution)
  t0=$(date +%s%N)
  /usr/bin/time -f "%U %S %M" -o "$TMP/time.raw" "$@" > "$TMP/out.json"
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 ))" "$(cat "$TMP/time.raw")" | awk '{printf "%.3f %s %s %s\n", $1 / 1000, $2, $3, $4}' > "$TMP/time"
}

measure() {  # label, command... : one run
  label=$1; shift
  timed "$@"
  read -r wall user sys rss < "$TMP/time"
  printf '%-58s wall %6.3f s  user %6.3f s  sys %5.3f s  max RSS %7d KB\n' "$label" "$wall" "$user" "$sys" "$rss"
}

repeat() {  # label, command... : RUNS runs, median and best wall; sets MEDIAN
  label=$1; shift
  : > "$TMP/walls"
  i=0
  while [ $i -lt "$RUNS" ]; do
    timed "$@"
    cat "$TMP/time" >> "$TMP/walls"
    i=$((i + 1))
  done
  MEDIAN=$(sort -n "$TMP/walls" | awk -v n="$RUNS" 'NR == int((n + 1) / 2) {print $1}')
  sort -n "$TMP/walls" | awk -v n="$RUNS" -v label="$label" '
    NR == 1 {best = $1} NR == int((n + 1) / 2) {med = $1; u = $2; s = $3; rss = $4}
    END {printf "%-58s wall median %6.3f s best %6.3f s (%d runs)  user %5.3f s  sys %5.3f s  max RSS %7d KB\n", label, med, best, n, u, s, rss}'
}

echo "== end to end, 6,000 pairs (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
RUNS_SAVED=$RUNS
RUNS=$PY_RUNS  # the Python peers take seconds each: fewer runs, still the median
repeat "python3 score_parity.py --reference (parity peer)" "$PY" "$ROOT/tests/metrics/score_parity.py" --reference "$TMP/p1.jsonl"
cp "$TMP/out.json" "$TMP/py.json"
PY_WALL=$MEDIAN
repeat "python3 score_parity.py --reference --lean (lean peer)" "$PY" "$ROOT/tests/metrics/score_parity.py" --reference "$TMP/p1.jsonl" --lean
LEAN_WALL=$MEDIAN
repeat "python3 ... --reference --bootstrap 1000 (lean + numpy)" "$PY" "$ROOT/tests/metrics/score_parity.py" --reference "$TMP/p1.jsonl" --bootstrap 1000
LEANB_WALL=$MEDIAN
RUNS=$RUNS_SAVED
measure "qilin-bench score, cold jieba cache (builds it)" "$QB" score --suite huatuo --predictions "$TMP/p1.jsonl"
repeat "qilin-bench --version (start-up only)" "$QB" --version
repeat "qilin-bench -j1 score --bootstrap 0" "$QB" -j 1 score --suite huatuo --predictions "$TMP/p1.jsonl" --bootstrap 0
cp "$TMP/out.json" "$TMP/qb.json"
repeat "qilin-bench -j2 score --bootstrap 0" "$QB" -j 2 score --suite huatuo --predictions "$TMP/p1.jsonl" --bootstrap 0
QB0_WALL=$MEDIAN
repeat "qilin-bench -j1 score (default: 1000 bootstrap)" "$QB" -j 1 score --suite huatuo --predictions "$TMP/p1.jsonl"
repeat "qilin-bench -j2 score (default: 1000 bootstrap)" "$QB" -j 2 score --suite huatuo --predictions "$TMP/p1.jsonl"
QB_WALL=$MEDIAN
ratio() { echo "$1 $2" | awk '{printf "%.1fx", $1 / $2}'; }
echo "ratios (Python wall / qilin-bench -j2 median wall), same work on both sides:"
echo "  point metrics:  parity peer / --bootstrap 0: $(ratio "$PY_WALL" "$QB0_WALL");  lean peer / --bootstrap 0: $(ratio "$LEAN_WALL" "$QB0_WALL")"
echo "  with 1000-resample intervals:  lean + numpy peer / default: $(ratio "$LEANB_WALL" "$QB_WALL")"
echo "  (mixed: parity peer without intervals / default with them: $(ratio "$PY_WALL" "$QB_WALL"))"
echo "== memory in the number of pairs (60,000 = the 6,000 ten times)"
measure "qilin-bench -j2 score --bootstrap 0, 60,000 pairs" "$QB" -j 2 score --suite huatuo --predictions "$TMP/p10.jsonl" --bootstrap 0
measure "qilin-bench -j2 score (1000 bootstrap), 60,000 pairs" "$QB" -j 2 score --suite huatuo --predictions "$TMP/p10.jsonl"
"$PY" - "$TMP/py.json" "$TMP/qb.json" <<'PYEOF'
import json, sys
py, qb = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
worst = max(abs(qb["metrics"][k]["value"] - v) / max(abs(v), 1e-300) for k, v in py["metrics"].items())
print("same numbers: max relative difference %.3g over %d metrics" % (worst, len(py["metrics"])))
PYEOF
echo "(load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "== micro-benchmarks"
QILIN_BENCH_PREDICTIONS=$TMP/p1.jsonl "$BENCH" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
