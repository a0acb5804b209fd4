#!/bin/sh
# Side-by-side: `qilin-bench score --suite huatuo` vs the Python reference computing the same
# default metrics (tests/metrics/score_parity.py --reference: Python jieba 0.42.1, nmt-style
# BLEU-1..4, ROUGE-1/2/L, NLTK corpus_gleu, Distinct-1/2) on the 6,000 Huatuo-26M test pairs
# with the parity test's deterministic predictions; max RSS at 1x and 10x the pairs; then the
# Google Benchmark micro-benchmarks. Numbers go to docs/BENCHMARKS.md, section "Scoring".
# Usage: scripts/bench_score.sh [BUILD_DIR]   (default build/; needs ../shared/data)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
QB=$BUILD/harness/qilin-bench
BENCH=$BUILD/bench/bench_metrics_score_bench
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

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

measure() {  # label, command...
  label=$1; shift
  /usr/bin/time -f "%e %U %M" -o "$TMP/time" "$@" > "$TMP/out.json"
  read -r wall user rss < "$TMP/time"
  printf '%-52s wall %6.2f s  user %6.2f s  max RSS %7d KB\n' "$label" "$wall" "$user" "$rss"
}

echo "== end to end, 6,000 pairs (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
measure "python3 score_parity.py --reference (Python peer)" "$PY" "$ROOT/tests/metrics/score_parity.py" --reference "$TMP/p1.jsonl"
cp "$TMP/out.json" "$TMP/py.json"
measure "qilin-bench --version (start-up only)" "$QB" --version
measure "qilin-bench -j1 score --bootstrap 0" "$QB" -j 1 score --suite huatuo --predictions "$TMP/p1.jsonl" --bootstrap 0
cp "$TMP/out.json" "$TMP/qb.json"
measure "qilin-bench -j2 score --bootstrap 0" "$QB" -j 2 score --suite huatuo --predictions "$TMP/p1.jsonl" --bootstrap 0
measure "qilin-bench -j2 score (default: 1000 bootstrap)" "$QB" -j 2 score --suite huatuo --predictions "$TMP/p1.jsonl"
echo "== memory in the number of pairs (60,000 = the 6,000 ten times)"
measure "qilin-bench -j2 score --bootstrap 0, 60,000 pairs" "$QB" -j 2 score --suite huatuo --predictions "$TMP/p10.jsonl" --bootstrap 0
measure "qilin-bench -j2 score (1000 bootstrap), 60,000 pairs" "$QB" -j 2 score --suite huatuo --predictions "$TMP/p10.jsonl"
"$PY" - "$TMP/py.json" "$TMP/qb.json" <<'PYEOF'
import json, sys
py, qb = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
worst = max(abs(qb["metrics"][k]["value"] - v) / max(abs(v), 1e-300) for k, v in py["metrics"].items())
print("same numbers: max relative difference %.3g over %d metrics" % (worst, len(py["metrics"])))
PYEOF
echo "== micro-benchmarks"
QILIN_BENCH_PREDICTIONS=$TMP/p1.jsonl "$BENCH" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
