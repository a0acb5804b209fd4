#!/usr/bin/python3
"""`serve --adapter` and `serve --dtype` reach both of the server's model copies (the engine that
generates and the scorer that answers echo/logprobs): CMExam log-likelihood evaluated through
`eval --backend openai` against `serve --model BASE --adapter AD` equals the in-process
`eval --model BASE --adapter AD` within 1e-4 per option and gives the same answers; against
`serve --dtype bf16` it is close to the in-process `eval --dtype bf16` (bf16 rounding differs
between batch compositions: within 1 % + 0.02 nats, a plumbing check; the per-logit bf16 tolerance
is asserted in trainers.model_parity_python) and differs from fp32 serving (bf16 really ran).
Usage: serve_adapter_dtype.py QILIN_BENCH WORK_DIR"""
import json
import os
import shutil
import struct
import subprocess
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "trainers"))
from serve_util import Check, Server, make_checkpoint  # noqa: E402
from peft_adapter_test import make_adapter  # noqa: E402

qb, work = sys.argv[1], sys.argv[2]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
ck = make_checkpoint(qb, os.path.join(work, "ck"))
c = Check()


def read_f32_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", t["dtype"]
        b, e = t["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(t["shape"])
    return out


weights = read_f32_safetensors(os.path.join(ck, "model.safetensors"))
modules = [f"model.layers.{i}.{m}" for i in range(2) for m in ("self_attn.q_proj", "mlp.down_proj")]
make_adapter(os.path.join(work, "ad"), ck, weights, modules, r=2, alpha=4, rslora=False,
             gen=torch.Generator().manual_seed(3))
ad = os.path.join(work, "ad")

with open(os.path.join(work, "cmexam.csv"), "w") as f:
    f.write("Question,Options,Answer,Explanation\n")
    f.write("患者发热三天，咳嗽，首选检查是,A 血常规\\nB 胸片\\nC 心电图\\nD 尿常规\\nE 肝功能,B,\n")
    f.write("高血压患者饮食应,A 高盐\\nB 低盐\\nC 高糖\\nD 高脂\\nE 不限,B,\n")
    f.write("糖尿病需要控制,A 血压\\nB 血脂\\nC 血糖\\nD 体重\\nE 以上均是,C,\n")


def run_eval(out, *args):
    p = subprocess.run([qb, "-q", "eval", "--suite", "cmexam", "--data", os.path.join(work, "cmexam.csv"),
                        "--out", os.path.join(work, out), *args], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: eval {out}: exit {p.returncode}: {p.stderr}")
    with open(os.path.join(work, out, "samples.jsonl")) as f:
        return [json.loads(line) for line in f]


def served(out, url):
    return run_eval(out, "--backend", "openai", "--base-url", url, "--served-model", "tiny")


local_base = run_eval("local-base", "--model", ck)
local_ad = run_eval("local-adapter", "--model", ck, "--adapter", ad)
local_bf16 = run_eval("local-bf16", "--model", ck, "--dtype", "bf16")

srv = Server(qb, ck, "--served-model-name", "tiny", "--adapter", ad)
try:
    api_ad = served("api-adapter", srv.url)
finally:
    srv.stop()
srv = Server(qb, ck, "--served-model-name", "tiny", "--dtype", "bf16")
try:
    api_bf16 = served("api-bf16", srv.url)
finally:
    srv.stop()
srv = Server(qb, ck, "--served-model-name", "tiny")
try:
    api_fp32 = served("api-fp32", srv.url)
finally:
    srv.stop()

moved = 0.0
bf16_differs = False
for i, (la, aa, lb, ab, af, l0) in enumerate(zip(local_ad, api_ad, local_bf16, api_bf16, api_fp32, local_base)):
    c.eq(aa["predicted"], la["predicted"], f"item {i} adapter answer")
    c.close(aa["logprob"], la["logprob"], f"item {i} adapter logprobs", tol=1e-4)
    for k, (x, y, z) in enumerate(zip(ab["logprob"], lb["logprob"], af["logprob"])):
        c.true(abs(x - y) <= 0.01 * abs(y) + 0.02, f"item {i} option {k} bf16 logprob {x} vs in-process {y}")
        bf16_differs = bf16_differs or abs(x - z) > 1e-6
    moved = max(moved, max(abs(x - y) for x, y in zip(la["logprob"], l0["logprob"])))
c.true(len(api_ad) == 3, "3 items answered")
c.true(moved > 0.1, f"the adapter changes the log-likelihoods (max change {moved})")
c.true(bf16_differs, "serve --dtype bf16 differs from fp32 serving")
c.finish("serve_adapter_dtype")
