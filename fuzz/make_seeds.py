#!/usr/bin/env python3
"""Seed corpora for the fuzzers of fuzz/: small, valid inputs of every layout each target reads,
taken from the test fixtures and from the embedded demo world (`qilin-bench data demo`, which is
deterministic). Targets whose first input byte picks a reader or a mode get that byte prefixed.
Usage: make_seeds.py QILIN_BENCH SOURCE_DIR OUT_DIR  (OUT_DIR/<target>/ is replaced)."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

qilin, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
fixtures = os.path.join(src, "tests", "suites", "fixtures", "predictions")
demo = tempfile.mkdtemp(prefix="qilin-fuzz-seeds.")
subprocess.run([qilin, "data", "demo", "--out", demo], check=True, stdout=subprocess.DEVNULL)


def head(path, lines):
    with open(path, "rb") as f:
        return b"".join(f.readline() for _ in range(lines))


def read(path):
    with open(path, "rb") as f:
        return f.read()


seeds = {t: [] for t in ["fuzz_cmexam_csv", "fuzz_huatuo", "fuzz_training_data", "fuzz_flat_json",
                         "fuzz_safetensors", "fuzz_configs", "fuzz_results_json", "fuzz_jieba_dict",
                         "fuzz_predictions", "fuzz_serve_requests"]}

# CMExam: the released layout (demo files carry the annotation columns) and the prediction fixtures.
seeds["fuzz_cmexam_csv"] += [head(os.path.join(demo, "cmexam_test.csv"), 25),
                             read(os.path.join(fixtures, "data", "cmexam_5.csv")),
                             read(os.path.join(fixtures, "cmexam", "test_with_gpt.csv"))]
seeds["fuzz_huatuo"] += [head(os.path.join(demo, "huatuo_test.jsonl"), 6),
                         read(os.path.join(fixtures, "data", "huatuo_5.jsonl")),
                         b'[{"instruction": ["q"], "output": ["a", "b"]},\n {"question": "q2", "answer": "a2", "id": 7}]\n']
# Training data: selector byte (0/1 DCPT with split auto/paragraphs, 2 SFT, 4 DPO, 5 RAG), then the file.
seeds["fuzz_training_data"] += [b"\x00" + head(os.path.join(demo, "dcpt.txt"), 6),
                                b"\x01" + b"first paragraph line\nsecond line\n\nnext paragraph\n",
                                b"\x06" + b'{"text": "one document"}\n{"text": "two"}\n',
                                b"\x02" + head(os.path.join(demo, "sft.jsonl"), 3),
                                b"\x04" + head(os.path.join(demo, "dpo.jsonl"), 3),
                                b"\x05" + head(os.path.join(demo, "rag_corpus.txt"), 5)]
# Flat JSON lines: one record per seed.
for name in ["cmexam_loglik.jsonl", "cmexam_generate.jsonl", "huatuo.jsonl"]:
    seeds["fuzz_flat_json"].append(head(os.path.join(fixtures, "qilin", name), 1).rstrip(b"\n"))
seeds["fuzz_flat_json"] += [b'{"id": -12, "x": 0.5, "t": true, "f": false, "n": null, "s": "\\u00e9\\ud83d\\ude00\\n"}']
# safetensors: 0 = header JSON + 8-byte size, 1 = whole file, 2 = shard index.
header = json.dumps({"__metadata__": {"format": "pt"},
                     "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                     "b": {"dtype": "BF16", "shape": [2], "data_offsets": [16, 20]}}).encode()
seeds["fuzz_safetensors"] += [b"\x00" + struct.pack("<Q", 8 + len(header) + 20) + header,
                              b"\x01" + struct.pack("<Q", len(header)) + header + bytes(20),
                              b"\x02" + json.dumps({"metadata": {"total_size": 20}, "weight_map": {
                                  "w": "model-00001-of-00001.safetensors"}}).encode()]
# Configs: 0 pipeline (the CI world's), 1 training, 2 a checkpoint's config.json.
seeds["fuzz_configs"] += [b"\x00" + read(os.path.join(src, "ci", "gate-config.json")),
                          b"\x00" + read(os.path.join(src, "docs", "examples", "real-data.json")),
                          b"\x01" + json.dumps({"stage": "sft", "lr": 0.001, "epochs": 2, "batch_size": 4,
                                                "lora": {"rank": 8, "alpha": 16}}).encode(),
                          b"\x02" + json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                                                "hidden_size": 64, "intermediate_size": 128,
                                                "num_attention_heads": 4, "num_hidden_layers": 2,
                                                "vocab_size": 100, "rms_norm_eps": 1e-6,
                                                "max_position_embeddings": 128, "torch_dtype": "float32"}).encode()]
seeds["fuzz_results_json"] += [read(os.path.join(src, "tests", "reports", "fixtures", "run_demo", "results.json")),
                               read(os.path.join(src, "ci", "baseline", "results.json"))]
seeds["fuzz_jieba_dict"] += ["高血压 1200 n\n患者 800 n\n应当 300 v\n服药 50\n".encode()]
# Predictions: selector byte = format index (0..5) or 6 = detect; bit 4 picks a .json name.
formats = ["llamafactory", "lm-eval", "opencompass", "evalscope", "cmexam-csv", "fields"]
samples = {
    "llamafactory": "llamafactory/sft-predict/generated_predictions.jsonl",
    "lm-eval": "lm-eval/demo-model/samples_cmexam_mc_2026-01-02T04-00-00.000001.jsonl",
    "opencompass": "opencompass/predictions/demo-model/cmexam_gen.json",
    "evalscope": "evalscope/reviews/demo-model/cmexam_default.jsonl",
    "cmexam-csv": "cmexam/test_with_gpt.csv",
    "fields": "fields/huatuo_nested.jsonl",
}
for i, name in enumerate(formats):
    body = read(os.path.join(fixtures, samples[name]))[:4000]
    selector = i | (16 if samples[name].endswith(".json") else 0)
    seeds["fuzz_predictions"] += [bytes([selector]) + body, bytes([6 | (selector & 16)]) + body]

# serve: 0 completions, 1 chat, 2 tokenize, 3 detokenize, then the request body.
for selector, body in [
        (0, {"model": "fuzz-model", "prompt": "abc", "max_tokens": 0, "echo": True, "logprobs": 2, "temperature": 0}),
        (0, {"model": "fuzz-model", "prompt": [[128, 97, 98], [99]], "max_tokens": 3, "stop": ["b", "x"]}),
        (0, {"model": "fuzz-model", "prompt": ["q1", "q2"], "max_tokens": 1, "echo": True, "logprobs": 1}),
        (1, {"model": "fuzz-model", "messages": [{"role": "system", "content": "s"},
                                                   {"role": "user", "content": "hi"}], "max_tokens": 4}),
        (2, {"model": "fuzz-model", "prompt": "hello"}),
        (3, {"model": "fuzz-model", "tokens": [104, 105]})]:
    seeds["fuzz_serve_requests"].append(bytes([selector]) + json.dumps(body).encode())

for target, items in seeds.items():
    d = os.path.join(out, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for k, data in enumerate(items):
        with open(os.path.join(d, "seed-%02d" % k), "wb") as f:
            f.write(data)
shutil.rmtree(demo)
print("seeds: %s" % ", ".join("%s %d" % (t, len(v)) for t, v in seeds.items()))
