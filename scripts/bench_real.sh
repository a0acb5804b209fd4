#!/usr/bin/env bash
# A 7B-shaped bf16 Baichuan checkpoint (random weights, Baichuan-7B's published shape, sharded):
# how long `model init` takes and how much memory it needs; the Engine's load time, peak RSS,
# prefill tokens/s (beside python3-torch running the same bf16 forward on the same memory-mapped
# weights, scripts/bench_real_peer.py) and greedy decode tokens/s; and this run's machine limits
# (bf16 GEMM GFLOP/s, memory read GB/s), which the rates are quoted against (docs/BENCHMARKS.md);
# then `qilin-bench eval` end to end on 20 CMExam and 2 Huatuo-26M items of ../shared/data (skipped,
# saying so, when that folder is absent). Not a test: it writes ~14 GB under WORK and deletes it at
# the end unless KEEP=1.
# Usage: scripts/bench_real.sh [BUILD_DIR] [WORK_DIR] [PREFILL_TOKENS] [DECODE_TOKENS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
work=${2:-/tmp/qilin-bench-real}
prefill=${3:-64}
decode=${4:-8}
threads=2
# What the qilin-bench binary sets when the user sets neither (harness/torch_exec.h); the peer gets it too.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE} GOMP_SPINCOUNT=${GOMP_SPINCOUNT:-10000}
qb=$build/harness/qilin-bench
ck=$work/baichuan7b-bf16
mkdir -p "$work"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$ck"' EXIT

echo "date: $(date -u +%FT%TZ)  commit: $(git -C "$root" rev-parse --short HEAD)  cpu: $(lscpu | sed -n 's/^Model name: *//p')  load: $(cut -d' ' -f1-3 /proc/loadavg)"
cat > "$work/baichuan7b.json" <<'JSON'
{"architectures": ["BaichuanForCausalLM"], "model_type": "baichuan", "hidden_act": "silu",
 "hidden_size": 4096, "intermediate_size": 11008, "max_position_embeddings": 4096,
 "num_attention_heads": 32, "num_hidden_layers": 32, "rms_norm_eps": 1e-06, "vocab_size": 64000,
 "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "tie_word_embeddings": false,
 "initializer_range": 0.02, "torch_dtype": "bfloat16"}
JSON
if [ ! -f "$ck/config.json" ]; then
  echo "== model init --dtype bf16 --shard-bytes 2000000000 (/usr/bin/time -v)"
  /usr/bin/time -v "$qb" model init --config "$work/baichuan7b.json" --out "$ck" --dtype bf16 \
      --shard-bytes 2000000000 --seed 1 2> "$work/init.time" > /dev/null
  grep -E "Elapsed|Maximum resident" "$work/init.time"
fi
# A character tokenizer (the random weights carry no real vocabulary): Latin letters for the decode
# prompt, and the characters of the two real data files, when present, for the end-to-end evaluation.
data=$root/../shared/data
cmexam=$data/cmexam/cmexam_val_6811.csv
huatuo=$data/huatuo26m/huatuo26M_test_6000.json
echo "abcdefg" > "$work/corpus.txt"
if [ -f "$cmexam" ] && [ -f "$huatuo" ]; then cat "$cmexam" "$huatuo" >> "$work/corpus.txt"; fi
"$qb" model tokenizer --corpus "$work/corpus.txt" --out "$ck/tokenizer.json" > /dev/null
echo "checkpoint bytes: $(du -cb "$ck"/*.safetensors | tail -1 | cut -f1)"

echo "== C++ Engine, --dtype auto (bf16), $threads threads (/usr/bin/time -v)"
/usr/bin/time -v "$build/bench/bench_real_checkpoint" "$ck" auto "$prefill" "$decode" "$threads" \
    2> "$work/engine.time" | tee "$work/engine.json"
grep -E "Elapsed|Maximum resident" "$work/engine.time"

echo "== python3-torch, same bf16 forward on the same mapped files; this run's GEMM and memory limits"
/usr/bin/python3 "$root/scripts/bench_real_peer.py" "$ck" "$prefill" "$threads" | tee "$work/peer.json"

# End to end, as a user runs it: `qilin-bench eval` on 20 CMExam questions (letter log-likelihood;
# --lenient: the 6,811-row file has rows without an answer, which strict reading refuses) and 2
# Huatuo-26M questions (greedy generation to the suite's length cap; random weights never stop early).
if [ -f "$cmexam" ] && [ -f "$huatuo" ]; then
  echo "== qilin-bench eval, 20 CMExam items (loglik) and 2 Huatuo-26M items (generate), --dtype auto (/usr/bin/time -v)"
  /usr/bin/time -v "$qb" eval --model "$ck" --dtype auto --suite cmexam --data "$cmexam" --mode loglik --limit 20 --lenient \
      --out "$work/eval_cmexam" 2> "$work/eval_cmexam.time" > /dev/null
  /usr/bin/time -v "$qb" eval --model "$ck" --dtype auto --suite huatuo --data "$huatuo" --limit 2 \
      --out "$work/eval_huatuo" 2> "$work/eval_huatuo.time" > /dev/null
  for e in cmexam huatuo; do
    echo "$e: $(grep -E "Elapsed" "$work/eval_$e.time" | sed 's/.*: //') wall, peak RSS $(grep -E "Maximum resident" "$work/eval_$e.time" | sed 's/.*: //') KiB, $(wc -l < "$work/eval_$e/samples.jsonl") samples"
  done
else
  echo "== end-to-end eval skipped: ../shared/data (CMExam, Huatuo-26M) is absent"
fi

/usr/bin/python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
e, p = json.load(open(w + "/engine.json")), json.load(open(w + "/peer.json"))
cfg = json.load(open(w + "/baichuan7b.json"))
H, V = cfg["hidden_size"], cfg["vocab_size"]
layer = 4 * H * H + 3 * H * cfg["intermediate_size"]
matmul_weights = cfg["num_hidden_layers"] * layer + V * H      # per token: every layer and lm_head
flop_per_token = 2 * matmul_weights
bytes_per_token = 2 * matmul_weights                              # bf16
gemm_tok_s = p["bf16_gemm_gflops"] * 1e9 / flop_per_token
read_gb_s = max(p["read_gb_s"], e.get("read_gb_s", 0.0))       # the better of two measurements
bw_tok_s = read_gb_s * 1e9 / bytes_per_token
print(f"prefill: C++ {e['prefill_tokens_per_s']:.2f} tok/s, python3-torch {p['prefill_tokens_per_s']:.2f} tok/s "
      f"(C++/python {e['prefill_tokens_per_s'] / p['prefill_tokens_per_s']:.2f}x); GEMM bound "
      f"{gemm_tok_s:.1f} tok/s at {p['bf16_gemm_gflops']:.0f} GFLOP/s: C++ reaches {e['prefill_tokens_per_s'] / gemm_tok_s:.2f}")
print(f"decode: C++ {e['decode_tokens_per_s']:.3f} tok/s; bandwidth bound {bw_tok_s:.2f} tok/s "
      f"({bytes_per_token / 1e9:.2f} GB of weights per token at {read_gb_s:.1f} GB/s read; python3-torch sum "
      f"{p['read_gb_s']:.1f}, C++ AVX-512 sum {e.get('read_gb_s', 0.0):.1f}): "
      f"{e['decode_tokens_per_s'] / bw_tok_s:.2f} of it")
PY
