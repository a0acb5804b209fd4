#!/usr/bin/env bash
# 1 vs 2 data-parallel ranks on this machine (docs/SCALING.md): DCPT on the demo world's text with
# a 4-layer, hidden-256 model, block 128, global batch 8. Prints the median tokens/s of steps
# 3..N, the median all-reduce seconds per step (loss + gradient all-reduces, which include
# waiting for the slower rank) and the load average before each run; then the python3-torch
# peer (scripts/bench_ddp_peer.py: PyTorch DistributedDataParallel over Gloo, same shapes) at
# 1 and 2 ranks in the same run.
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
summary() {  # metrics.jsonl -> "tokens/s  all-reduce s/step"
  /usr/bin/python3 - "$1" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l and '"eval"' not in l][2:]
tps = statistics.median(r["tokens_per_s"] for r in rows)
ar = statistics.median(r.get("allreduce_s", 0.0) for r in rows)
print(f"{tps:10.0f} tok/s   all-reduce {ar*1000:7.1f} ms/step")
PY
}
run() {  # label, then the command
  local label=$1; shift
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  rm -rf "$work/out"
  (cd "$work" && "$@" >/dev/null 2>"$work/err") || { cat "$work/err"; exit 1; }
  printf '%-44s load %-15s %s\n' "$label" "$load" "$(summary "$work/out/metrics.jsonl")"
}
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run "1 rank, --threads 1" "$bin" --threads 1 --quiet train --stage dcpt --config cfg.json --out out
run "1 rank, --threads 2" "$bin" --threads 2 --quiet train --stage dcpt --config cfg.json --out out
run "2 ranks x --threads 1" "$bin" launch --nproc 2 --master-port "$port" -- --threads 1 --quiet train --stage dcpt --config cfg.json --out out
run "2 ranks x --threads 1, OPENBLAS_NUM_THREADS=1" env OPENBLAS_NUM_THREADS=1 "$bin" launch --nproc 2 --master-port "$port" -- --threads 1 --quiet train --stage dcpt --config cfg.json --out out
vocab=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vocab_size"])' "$work/out/final/config.json")
bytes=$(stat -c %s "$work/out/final/model.safetensors")
echo "model: vocab $vocab (the character tokenizer of the demo text), model.safetensors $bytes bytes (fp32)"
peer() {
  local label=$1; shift
  local load; load=$(cut -d' ' -f1-3 /proc/loadavg)
  local out; out=$("$@")
  printf '%-44s load %-15s %s\n' "$label" "$load" \
    "$(/usr/bin/python3 -c 'import json, sys; print("%10.0f tok/s" % json.loads(sys.argv[1])["tokens_per_s"])' "$out")"
}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export OMP_WAIT_POLICY=PASSIVE
peer "peer: python3-torch, 1 process, 1 thread" /usr/bin/python3 "$here/bench_ddp_peer.py" 1 "$vocab" "$steps" "$port"
peer "peer: python3-torch DDP, 2 x 1 thread, OB=1" env OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$here/bench_ddp_peer.py" 2 "$vocab" "$steps" "$port"
