#!/usr/bin/env bash
# Segmentation speed, side by side in one run, single thread, same text: the 12,000
# Huatuo-26M test question/answer texts (../shared/data), split into lines as
# `qilin-bench segment` reads them (2.9 MB of UTF-8).
#   - qilin-bench's jieba/char/icu (bench/segment_bench.cpp, Google Benchmark),
#   - Python jieba 0.42.1 (Debian python3-jieba, /usr/bin/python3, jieba.lcut per line),
#   - cppjieba from the npm package nodejieba 3.5.8 (installed into a temp dir with
#     --ignore-scripts; a small driver is compiled there against its headers; nothing of it
#     is kept). cppjieba uses its own dictionary, so its tokens differ from Python jieba's.
# Throughput = UTF-8 input bytes / process CPU time, best of 5 repetitions; MB = 10^6 bytes.
# Also: dictionary load time and the end-to-end CLI (`qilin-bench segment < lines`).
# Usage: scripts/bench_segment.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
data=$root/../shared/data/huatuo26m/huatuo26M_test_6000.json
if [ ! -f "$data" ]; then
  echo "bench_segment: $data is absent (it lives in ../shared beside the repository)" >&2
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --build "$build" --target bench_segment_bench qilin-bench >/dev/null

# The text, one line per line of each question/answer ("\r" before "\n" dropped).
/usr/bin/python3 - "$data" "$work/lines.txt" <<'PY'
import json, sys
items = json.load(open(sys.argv[1], encoding="utf-8"))
with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
    for field in ("instruction", "output"):
        for it in items:
            for l in it[field][0].split("\n"):
                out.write((l[:-1] if l.endswith("\r") else l) + "\n")
PY
bytes=$(/usr/bin/python3 -c "import sys; print(sum(len(l.rstrip(b'\n')) for l in open(sys.argv[1],'rb')))" "$work/lines.txt")
lines=$(wc -l < "$work/lines.txt")

# qilin-bench, in process.
QILIN_BENCH_TEXT=$work/lines.txt "$build/bench/bench_segment_bench" --benchmark_repetitions=5 \
  --benchmark_format=json --benchmark_out="$work/qilin.json" --benchmark_out_format=json >/dev/null 2>&1

# Python jieba.
/usr/bin/python3 - "$work/lines.txt" > "$work/python.txt" <<'PY'
import sys, time
t0 = time.process_time()
import jieba
jieba.setLogLevel(60)
jieba.initialize()
load = time.process_time() - t0
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")[:-1]
for hmm in (True, False):
    best = None
    for _ in range(5):
        t = time.process_time()
        n = sum(len(jieba.lcut(l, HMM=hmm)) for l in lines)
        dt = time.process_time() - t
        best = dt if best is None else min(best, dt)
    print("python_hmm%d %.6f %d" % (hmm, best, n))
print("python_load %.6f 0" % load)
PY

# cppjieba (nodejieba's copy), built here with the same compiler and -O2.
mkdir -p "$work/npm"
(cd "$work/npm" && npm install nodejieba@3.5.8 --ignore-scripts --no-audit --no-fund >/dev/null 2>&1)
cj=$work/npm/node_modules/nodejieba/submodules/cppjieba
cat > "$work/cppjieba_driver.cpp" <<'CPP'
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>
#include "cppjieba/MixSegment.hpp"
static double cpu() { timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(int argc, char** argv) {
  std::vector<std::string> lines;
  std::ifstream in(argv[3]);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  double t = cpu();
  cppjieba::MixSegment seg(argv[1], argv[2]);
  const double load = cpu() - t;
  for (int hmm = 1; hmm >= 0; --hmm) {
    double best = 1e9;
    size_t n = 0;
    for (int rep = 0; rep < 5; ++rep) {
      n = 0;
      t = cpu();
      std::vector<std::string> words;
      for (const auto& l : lines) { seg.Cut(l, words, hmm != 0); n += words.size(); }
      best = std::min(best, cpu() - t);
    }
    std::cout << "cppjieba_hmm" << hmm << " " << best << " " << n << "\n";
  }
  std::cout << "cppjieba_load " << load << " 0\n";
}
CPP
clang++ -std=c++17 -O2 -DNDEBUG -w -I"$cj/include" -I"$cj/deps/limonp/include" \
  "$work/cppjieba_driver.cpp" -o "$work/cppjieba_driver"
"$work/cppjieba_driver" "$cj/dict/jieba.dict.utf8" "$cj/dict/hmm_model.utf8" "$work/lines.txt" > "$work/cppjieba.txt"

# The CLI end to end (process start, dictionary load, reading, writing), best of 3.
cli_best=""
for _ in 1 2 3; do
  /usr/bin/time -f "%e %U %S" -o "$work/time.txt" "$build/harness/qilin-bench" segment <"$work/lines.txt" >"$work/cli.out"
  cpu=$(awk '{print $2 + $3}' "$work/time.txt")
  if [ -z "$cli_best" ] || awk -v a="$cpu" -v b="$cli_best" 'BEGIN{exit !(a < b)}'; then cli_best=$cpu; fi
done
/usr/bin/time -f "%e %U %S" -o "$work/time_empty.txt" "$build/harness/qilin-bench" segment </dev/null >/dev/null
empty_cpu=$(awk '{print $2 + $3}' "$work/time_empty.txt")

/usr/bin/python3 - "$work" "$bytes" "$lines" "$cli_best" "$empty_cpu" <<'PY'
import json, sys
work, nbytes, nlines, cli, empty = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
rows = {}
for name in ("python", "cppjieba"):
    for line in open("%s/%s.txt" % (work, name)):
        k, secs, n = line.split()
        rows[k] = (float(secs), int(n))
q = json.load(open(work + "/qilin.json"))
best = {}
for b in q["benchmarks"]:
    if b.get("run_type") != "iteration":
        continue
    name = b["run_name"].split("/min_time")[0]
    secs = b["cpu_time"] * {"ms": 1e-3, "us": 1e-6, "ns": 1e-9, "s": 1.0}[b["time_unit"]]
    best[name] = min(best.get(name, secs), secs)
mb = nbytes / 1e6
def rate(secs): return mb / secs
print("text: %d lines, %.2f MB (UTF-8 bytes without newlines)" % (nlines, mb))
print("%-44s %10s %8s" % ("segmenter (single thread, CPU time)", "MB/s", "tokens"))
table = [
    ("qilin jieba, HMM on (segment -> strings)", best["BM_JiebaHmm"], None),
    ("qilin jieba, HMM on (token spans, CLI path)", best["BM_JiebaHmmSpans"], None),
    ("qilin jieba, HMM off", best["BM_JiebaNoHmm"], None),
    ("cppjieba MixSegment, HMM on", rows["cppjieba_hmm1"][0], rows["cppjieba_hmm1"][1]),
    ("cppjieba MixSegment, HMM off", rows["cppjieba_hmm0"][0], rows["cppjieba_hmm0"][1]),
    ("Python jieba 0.42.1, HMM on", rows["python_hmm1"][0], rows["python_hmm1"][1]),
    ("Python jieba 0.42.1, HMM off", rows["python_hmm0"][0], rows["python_hmm0"][1]),
    ("qilin char", best["BM_Char"], None),
    ("qilin icu", best["BM_Icu"], None),
]
for name, secs, n in table:
    print("%-44s %10.1f %8s" % (name, rate(secs), n if n is not None else ""))
h = rate(best["BM_JiebaHmm"])
print("ratio qilin jieba HMM on / cppjieba HMM on:  %.2fx" % (h / rate(rows["cppjieba_hmm1"][0])))
print("ratio qilin jieba HMM off / cppjieba HMM off: %.2fx" % (rate(best["BM_JiebaNoHmm"]) / rate(rows["cppjieba_hmm0"][0])))
print("ratio qilin jieba HMM on / Python jieba HMM on: %.1fx" % (h / rate(rows["python_hmm1"][0])))
print("dictionary load (CPU s): qilin jieba+HMM %.3f, qilin jieba no HMM %.3f, cppjieba %.3f, Python jieba (from its cache) %.3f"
      % (best["BM_JiebaLoad/hmm:1"], best["BM_JiebaLoad/hmm:0"], rows["cppjieba_load"][0], rows["python_load"][0]))
print("CLI end to end: qilin-bench segment < lines: %.2f s CPU (%.1f MB/s incl. start-up); empty input: %.2f s CPU"
      % (cli, mb / cli, empty))
PY
