#!/usr/bin/env bash
# A long fuzzing session (docs/RELIABILITY.md records each one): every target of fuzz/ for
# SECONDS (default 900) from the corpus ctest has grown plus its seeds, JOBS targets at a time
# (default 2), at nice 19. Needs the sanitizer build (scripts/run-sanitizers makes it).
# Prints one line per target: executions, time, corpus size, and any crash artifact. One input may
# take up to 60 s (not ctest's 10 s): at nice 19 on a busy machine a 0.2 s input was once stalled
# past 10 s inside ASan's allocator.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${QILIN_ASAN_BUILD_DIR:-$root/build-asan}
seconds=${1:-900}
jobs=${2:-2}
log=$build/fuzz/long
mkdir -p "$log"
# FUZZ_TARGETS="fuzz_a fuzz_b" picks targets (default: all).
targets=${FUZZ_TARGETS:-$(cd "$build/fuzz" && ls fuzz_* | grep -v '\.')}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
run_one() {
  local t=$1
  mkdir -p "$build/fuzz/corpus/$t"
  set +e
  nice -n 19 "$build/fuzz/$t" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz/artifacts/$t-" "$build/fuzz/corpus/$t" "$build/fuzz/seeds/$t" \
    >"$log/$t.log" 2>&1
  local rc=$?
  set -e
  local runs time corpus
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log/$t.log")
  time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log/$t.log")
  corpus=$(ls "$build/fuzz/corpus/$t" | wc -l)
  echo "$t rc=$rc executions=${runs:-?} seconds=${time:-?} corpus=$corpus $(grep -o 'Test unit written to .*' "$log/$t.log" || true)"
}
export -f run_one
export build seconds log
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run_one {}'
