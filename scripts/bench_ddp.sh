#!/usr/bin/env bash
# 1 vs 2 data-parallel ranks on this machine (docs/SCALING.md): DCPT on the demo world's text with
# a 4-layer, hidden-256 model, block 128, global batch 8, beside the python3-torch peer
# (scripts/bench_ddp_peer.py: PyTorch DistributedDataParallel over Gloo, same shapes). Each run
# gives the median tokens/s of steps 3..N and the median milliseconds per step inside the
# all-reduce (one per step; it includes waiting for the slower rank). QILIN_BENCH_ROUNDS rounds
# (default 3) interleave all configurations; the table shows the best round of each and every
# round with the 1-minute load average before it.
# Usage: scripts/bench_ddp.sh [BUILD_DIR] [STEPS]
set -euo pipefail
build=${1:-build}
steps=${2:-20}
bin=$(realpath "$build/harness/qilin-bench")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" data demo --out "$work/demo" >/dev/null
cat >"$work/model.json" <<'JSON'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 4096, "hidden_size": 256,
 "intermediate_size": 688, "num_hidden_layers": 4, "num_attention_heads": 8, "num_key_value_heads": 8,
 "max_position_embeddings": 512, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": false,
 "torch_dtype": "float32"}
JSON
cat >"$work/cfg.json" <<JSON
{"data": "demo/dcpt.txt", "model_config": "model.json", "max_steps": $steps, "batch_size": 8,
 "block_size": 128, "lr": 0.0003, "warmup_steps": 2, "heldout_fraction": 0.02, "seed": 1}
JSON
summary() {  # metrics.jsonl -> "tokens/s all-reduce-ms"
  /usr/bin/python3 - "$1" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l and '"eval"' not in l][2:]
print(round(statistics.median(r["tokens_per_s"] for r in rows)),
      round(statistics.median(r.get("allreduce_s", 0.0) for r in rows) * 1000, 1))
PY
}
results="$work/results"
ours() {  # label, then the command; appends "label|load|tok/s|ms"
  local label=$1; shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  rm -rf "$work/out"
  (cd "$work" && "$@" >/dev/null 2>"$work/err") || { cat "$work/err"; exit 1; }
  read -r tps ms < <(summary "$work/out/metrics.jsonl")
  echo "$label|$load|$tps|$ms" >>"$results"
}
peer() {
  local label=$1; shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local out; out=$("$@")
  echo "$label|$load|$(/usr/bin/python3 -c 'import json, sys; print(round(json.loads(sys.argv[1])["tokens_per_s"]))' "$out")|-" >>"$results"
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rounds=${QILIN_BENCH_ROUNDS:-3}
vocab=
# Rounds interleave every configuration, so a burst of load from other jobs hits all of them;
# the best round of each is the least disturbed one.
for ((round = 1; round <= rounds; round++)); do
  ours "qilin-bench 1 rank, --threads 1" "$bin" --threads 1 --quiet train --stage dcpt --config cfg.json --out out
  if [ -z "$vocab" ]; then
    vocab=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vocab_size"])' "$work/out/final/config.json")
    echo "model: vocab $vocab (the character tokenizer of the demo text), model.safetensors $(stat -c %s "$work/out/final/model.safetensors") bytes (fp32)"
  fi
  ours "qilin-bench 1 rank, --threads 2" "$bin" --threads 2 --quiet train --stage dcpt --config cfg.json --out out
  ours "qilin-bench 1 rank, 1 thread, OPENBLAS_NUM_THREADS=1" env OPENBLAS_NUM_THREADS=1 "$bin" --threads 1 --quiet train --stage dcpt --config cfg.json --out out
  ours "qilin-bench 2 ranks x --threads 1" "$bin" launch --nproc 2 --master-port "$port" -- --threads 1 --quiet train --stage dcpt --config cfg.json --out out
  ours "qilin-bench 2 ranks x 1 thread, OPENBLAS_NUM_THREADS=1" env OPENBLAS_NUM_THREADS=1 "$bin" launch --nproc 2 --master-port "$port" -- --threads 1 --quiet train --stage dcpt --config cfg.json --out out
  OMP_WAIT_POLICY=PASSIVE peer "python3-torch 1 process, 1 thread" /usr/bin/python3 "$here/bench_ddp_peer.py" 1 "$vocab" "$steps" "$port"
  OMP_WAIT_POLICY=PASSIVE peer "python3-torch DDP 2 x 1 thread, OPENBLAS_NUM_THREADS=1" env OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$here/bench_ddp_peer.py" 2 "$vocab" "$steps" "$port"
done
/usr/bin/python3 - "$results" <<'PY'
import sys
runs = {}
for line in open(sys.argv[1]):
    label, load, tps, ms = line.rstrip("\n").split("|")
    runs.setdefault(label, []).append((int(tps), load, ms))
print(f"{'configuration':56} {'best tok/s':>10} {'all-reduce ms':>13}  every round (tok/s @ 1-min load)")
for label, rs in runs.items():
    best = max(rs)
    print(f"{label:56} {best[0]:10d} {best[2]:>13}  " + ", ".join(f"{t} @ {l}" for t, l, _ in rs))
PY
