#!/usr/bin/env bash
# Evaluating through the OpenAI-compatible API against `qilin-bench serve` beside the in-process
# `eval` of the same checkpoint, and serve's batching (concurrent vs one-at-a-time requests).
# docs/BENCHMARKS.md, "Serving". Usage: scripts/bench_serve.sh [BUILD_DIR] [THREADS]
#
# The checkpoint is a seeded random LLaMA (hidden 256, 4 layers, 8 heads, char vocabulary of the
# fixtures below): the timings are the harness's and the server's, not a real model's quality.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
threads=${2:-2}
qb=$build/harness/qilin-bench
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export OMP_WAIT_POLICY=PASSIVE QILIN_THREADS=$threads OPENBLAS_NUM_THREADS=$threads

# Fixtures written for this benchmark: 64 CMExam questions, 48 Huatuo questions, and a tokenizer
# + config covering their characters.
/usr/bin/python3 - "$work" <<'PY'
import json, os, sys
w = sys.argv[1]
stems = [("患者发热三天，咳嗽，首选检查是", "A 血常规\\nB 胸片\\nC 心电图\\nD 尿常规\\nE 肝功能"),
         ("高血压患者饮食应", "A 高盐\\nB 低盐\\nC 高糖\\nD 高脂\\nE 不限"),
         ("糖尿病需要控制", "A 血压\\nB 血脂\\nC 血糖\\nD 体重\\nE 以上均是"),
         ("咽痛患者首选", "A 胸片\\nB 血常规\\nC 心电图\\nD 尿常规\\nE 不限")]
text = ""
with open(f"{w}/cmexam.csv", "w") as f:
    f.write("Question,Options,Answer,Explanation\n")
    for i in range(64):
        q, o = stems[i % 4]
        q = q + "，病程" + "长" * (i % 7) + "？"
        f.write(f"{q},{o},{'ABCDE'[i % 5]},\n"); text += q + o
with open(f"{w}/huatuo.jsonl", "w") as f:
    for i in range(48):
        q = stems[i % 4][0] + "，请问" + "该" * (i % 5) + "怎么办？"
        f.write(json.dumps({"question": q, "answer": "低盐饮食，规律服药。"}, ensure_ascii=False) + "\n"); text += q
chars = sorted(set(text + "低盐饮食，规律服药。问答：ABCDE\n"))
json.dump({"format": "qilin-char-tokenizer", "version": 1, "special_tokens": ["<pad>", "<s>", "</s>", "<unk>"],
           "byte_fallback": True, "chars": chars}, open(f"{w}/tok.json", "w"), ensure_ascii=False)
json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 260 + len(chars),
           "hidden_size": 256, "intermediate_size": 688, "num_hidden_layers": 4, "num_attention_heads": 8,
           "num_key_value_heads": 8, "max_position_embeddings": 1024, "rms_norm_eps": 1e-5,
           "initializer_range": 0.05, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0},
          open(f"{w}/config.json", "w"))
PY
"$qb" -q model init --config "$work/config.json" --tokenizer "$work/tok.json" --out "$work/ck" --seed 3 >/dev/null

"$qb" serve --model "$work/ck" --served-model-name bench --port 0 --max-queue 256 >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/serve.log")

seconds() { /usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(round(m[sys.argv[2]]['seconds'], 3))" "$@"; }
# Wall time of a whole command (process start and, in-process, the model load included).
wall() { local t0 t1 ms; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); ms=$(( (t1 - t0) / 1000000 )); printf "%d.%03d" $((ms / 1000)) $((ms % 1000)); }

echo "== $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $threads compute threads; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== commit $(git -C "$root" rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ)"
printf "%-40s %9s %9s %9s %9s\n" "workload" "wall s" "eval s" "requests" "req/s"
run() {  # name, out, eval args...
  local name=$1 out=$2; shift 2
  local w; w=$(wall "$qb" -q eval --out "$work/$out" "$@")
  local key=engine; grep -q '"client"' "$work/$out/metrics.json" && key=client
  local req; req=$(/usr/bin/python3 -c "import json,sys; m=json.load(open(sys.argv[1])); c=m.get('client'); print(c['http_requests'] if c else '-')" "$work/$out/metrics.json")
  local es; es=$(seconds "$work/$out/metrics.json" $key)
  local rps=-; [ "$req" != - ] && [ "$req" != 0 ] && rps=$(/usr/bin/python3 -c "print(round($req / $es, 1))")
  printf "%-40s %9s %9s %9s %9s\n" "$name" "$w" "$es" "$req" "$rps"
}
api=(--backend openai --base-url "$url" --served-model bench)
ll=(--suite cmexam --data "$work/cmexam.csv")
gen=(--suite cmexam --mode generate --max-new-tokens 16 --data "$work/cmexam.csv")
hua=(--suite huatuo --max-new-tokens 32 --bootstrap 0 --data "$work/huatuo.jsonl")
run "cmexam loglik, in-process"        ll-local --model "$work/ck" "${ll[@]}"
run "cmexam loglik, API (text)"        ll-api "${api[@]}" --concurrency 8 "${ll[@]}"
run "cmexam loglik, API (token ids)"   ll-api-ids "${api[@]}" --concurrency 8 --tokenizer "$work/ck" "${ll[@]}"
run "cmexam generate, in-process"      gen-local --model "$work/ck" "${gen[@]}"
run "cmexam generate, API conc. 1"     gen-api1 "${api[@]}" --concurrency 1 "${gen[@]}"
run "cmexam generate, API conc. 16"    gen-api16 "${api[@]}" --concurrency 16 "${gen[@]}"
run "huatuo generate, in-process"      hua-local --model "$work/ck" "${hua[@]}"
run "huatuo generate, API conc. 1"     hua-api1 "${api[@]}" --concurrency 1 "${hua[@]}"
run "huatuo generate, API conc. 16"    hua-api16 "${api[@]}" --concurrency 16 "${hua[@]}"
# Identical prompts (the fixture repeats questions) share one cache entry: fewer requests than items.
run "huatuo API conc. 16, empty --cache-dir" hua-cache1 "${api[@]}" --concurrency 16 --cache-dir "$work/cache" "${hua[@]}"
run "huatuo rerun, full --cache-dir"   hua-cache2 "${api[@]}" --concurrency 16 --cache-dir "$work/cache" "${hua[@]}"
for m in ll gen hua; do  # the answers must not depend on the path
  /usr/bin/python3 - "$work" "$m" <<'PY'
import json, sys
w, m = sys.argv[1], sys.argv[2]
rows = lambda d: [json.loads(l) for l in open(f"{w}/{d}/samples.jsonl")]
outs = {"ll": ["ll-api", "ll-api-ids"], "gen": ["gen-api1", "gen-api16"], "hua": ["hua-api1", "hua-api16", "hua-cache2"]}[m]
ref = rows(f"{m}-local")
for o in outs:
    for a, b in zip(rows(o), ref):
        a, b = dict(a), dict(b)
        la, lb = a.pop("logprob", []), b.pop("logprob", [])
        assert a == b and all(abs(x - y) < 1e-4 for x, y in zip(la, lb)), f"{o} differs from {m}-local at {b['id']}"
print(f"   {m}: API answers equal the in-process ones ({', '.join(outs)})")
PY
done
echo "== serve's engine: $(/usr/bin/python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))["engine"])' "$url")"
