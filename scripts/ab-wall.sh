#!/usr/bin/env bash
# Interleaved A/B wall-clock timing of two commands, for a shared or noisy machine: runs A, B,
# A, B, ... N times each (a slow spell hits both alike) and prints each side's median and
# quartiles in ms. Output of the commands is discarded; a failing run stops the script.
#   scripts/ab-wall.sh N COMMAND-A... -- COMMAND-B...
# e.g. scripts/ab-wall.sh 40 old/qilin-bench -j2 score --suite huatuo --predictions p.jsonl \
#        -- build/harness/qilin-bench -j2 score --suite huatuo --predictions p.jsonl
set -euo pipefail
if [ $# -lt 4 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  sed -n '2,7p' "$0" >&2
  exit 2
fi
n=$1
shift
a=()
b=()
side=a
for x in "$@"; do
  if [ "$x" = "--" ] && [ $side = a ]; then side=b; continue; fi
  if [ $side = a ]; then a+=("$x"); else b+=("$x"); fi
done
if [ ${#a[@]} -eq 0 ] || [ ${#b[@]} -eq 0 ]; then
  echo "ab-wall.sh: need COMMAND-A -- COMMAND-B" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {  # file, command...: appends the wall time in units of 10 microseconds
  local f=$1
  shift
  local s e
  s=$(date +%s%N)
  "$@" > /dev/null 2>&1 || { echo "ab-wall.sh: failed: $*" >&2; exit 1; }
  e=$(date +%s%N)
  echo $(((e - s) / 10000)) >> "$f"
}
for _ in $(seq "$n"); do
  run "$tmp/a" "${a[@]}"
  run "$tmp/b" "${b[@]}"
done
summary() {
  sort -n "$1" | awk '{v[NR] = $1} END {printf "median %.2f ms  q1 %.2f  q3 %.2f  (%d runs)", v[int((NR + 1) / 2)] / 100, v[int(NR / 4) + 1] / 100, v[int(3 * NR / 4)] / 100, NR}'
}
echo "A: $(summary "$tmp/a")  ${a[*]}"
echo "B: $(summary "$tmp/b")  ${b[*]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
