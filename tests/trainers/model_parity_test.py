#!/usr/bin/python3
"""Parity: C++ `qilin-bench model logits` against llama_reference.py on tiny random
checkpoints (LLaMA with and without GQA, Baichuan W_pack, tied embeddings, bf16 and
sharded storage). Fails when any last-position logit of the fp32 path (`--dtype fp32`)
differs by more than 1e-4. The bf16 path (`--dtype bf16`, and `auto` on bf16 storage) is
checked against the same fp32 reference within BF16_REL (justified below), and a bf16
checkpoint sharded and unsharded gives byte-identical output.
Usage: model_parity_test.py QILIN_BENCH WORKDIR"""
import json
import os
import random
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_reference  # noqa: E402

TOL = 1e-4

# bf16 keeps 8 significant bits: one rounding has relative error <= u = 2^-8 (3.9e-3). On the
# bf16 path a value meets about 17 roundings per layer: the weights themselves when they are
# stored in fp32/fp16 (q/k/v, o, gate/up, down), the norm output, the q/k/v outputs, rotary, the
# scores, the probabilities, the attention output, o_proj's output, the residual add, the second
# norm, gate/up outputs, silu(gate)*up, down's output and the residual add; plus the final norm,
# the lm_head weight and its output: ~37 for these 2-layer models. If every rounding erred the
# same way the logits would be off by ~37u relative to their scale; independent roundings give
# ~sqrt(37)u = 0.024. We allow the worst case, 40u = 0.156 x the reference logits' standard
# deviation (measured worst: 0.081, the fp16-stored tied model, whose 10-bit weights also lose
# 3 bits). The fp32 reference runs on the stored weights.
BF16_REL = 40 * 2.0 ** -8

CASES = {
    "llama_mha": dict(model_type="llama", architectures=["LlamaForCausalLM"], num_attention_heads=4,
                      num_key_value_heads=4),
    "llama_gqa": dict(model_type="llama", architectures=["LlamaForCausalLM"], num_attention_heads=4,
                      num_key_value_heads=2, rope_theta=500000.0),
    "baichuan": dict(model_type="baichuan", architectures=["BaichuanForCausalLM"], num_attention_heads=4),
    # Baichuan-7B's own spelling of the architecture, with linear RoPE scaling (position interpolation).
    "baichuan_lin": dict(model_type="baichuan", architectures=["BaiChuanForCausalLM"], num_attention_heads=4,
                         rope_scaling={"type": "linear", "factor": 4.0}),
    "llama_tied": dict(model_type="llama", architectures=["LlamaForCausalLM"], num_attention_heads=8,
                       num_key_value_heads=1, tie_word_embeddings=True),
}
EXTRA = {"llama_gqa": ["--dtype", "bf16"], "baichuan": ["--shard-bytes", "60000"], "llama_tied": ["--dtype", "fp16"]}


def bf16_check(binary, name, ck, argv, seqs, ref_cfg, weights):
    """--dtype bf16 against the fp32 reference within BF16_REL x logit std; 1 on failure."""
    out = subprocess.run(argv + ["--dtype", "bf16"], check=True, capture_output=True, text=True).stdout
    for ids, line in zip(seqs, out.splitlines()):
        cpp = torch.tensor(json.loads(line), dtype=torch.float64)
        ref = llama_reference.forward(ref_cfg, weights, ids)[-1].double()
        diff = (cpp - ref).abs().max().item()
        rel = diff / ref.std().item()
        print(f"{name:11s} len={len(ids):3d} bf16 max|diff|={diff:.2e} = {rel:.4f} x logit std")
        if rel > BF16_REL:
            print(f"FAIL: {name} length {len(ids)} bf16: {rel} x std > {BF16_REL}")
            return 1
        if diff == 0.0 and len(ids) > 1:
            print(f"FAIL: {name}: bf16 output equals fp32 exactly; bf16 compute did not run")
            return 1
    return 0


def sharding_check(binary, work):
    """The same bf16 weights in one file and in shards: byte-identical logits (bf16 and fp32)."""
    cfg_path = os.path.join(work, "llama_gqa.json")
    outs = {}
    for label, extra in (("one", []), ("sharded", ["--shard-bytes", "40000"])):
        ck = os.path.join(work, "bf16_" + label)
        subprocess.run([binary, "model", "init", "--config", cfg_path, "--out", ck, "--seed", "3", "--dtype", "bf16"]
                       + extra, check=True, stdout=subprocess.DEVNULL)
        files = os.listdir(ck)
        if label == "sharded" and "model.safetensors.index.json" not in files:
            print("FAIL: the sharded checkpoint has no index")
            return 1
        for dtype in ("auto", "fp32"):
            outs[(label, dtype)] = subprocess.run(
                [binary, "-j", "1", "model", "logits", "--model", ck, "--dtype", dtype, "--ids", "1,5,9,2,7,3"],
                check=True, capture_output=True, text=True).stdout
    for dtype in ("auto", "fp32"):
        if outs[("one", dtype)] != outs[("sharded", dtype)]:
            print(f"FAIL: --dtype {dtype}: sharded and unsharded logits differ")
            return 1
    if outs[("one", "auto")] == outs[("one", "fp32")]:
        print("FAIL: auto on a bf16 checkpoint gave the fp32 output; it should compute in bf16")
        return 1
    print("OK: sharded == unsharded, byte for byte, in bf16 and fp32")
    return 0


def main():
    binary, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    rng = random.Random(7)
    worst = 0.0
    for name, over in CASES.items():
        cfg = dict(vocab_size=97, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                   rms_norm_eps=1e-5, initializer_range=0.15, max_position_embeddings=256)
        cfg.update(over)
        cfg_path = os.path.join(work, name + ".json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        ck = os.path.join(work, name)
        subprocess.run([binary, "model", "init", "--config", cfg_path, "--out", ck, "--seed", "11"]
                       + EXTRA.get(name, []), check=True, stdout=subprocess.DEVNULL)
        ref_cfg, weights = llama_reference.load_checkpoint(ck)
        seqs = [[rng.randrange(cfg["vocab_size"]) for _ in range(n)] for n in (1, 2, 7, 33)]
        argv = [binary, "-j", "1", "model", "logits", "--model", ck]
        for ids in seqs:
            argv += ["--ids", ",".join(map(str, ids))]
        lines = subprocess.run(argv + ["--dtype", "fp32"], check=True, capture_output=True,
                               text=True).stdout.splitlines()
        if "--dtype" not in EXTRA.get(name, []):  # fp32 storage: auto is fp32, the same bytes
            auto = subprocess.run(argv, check=True, capture_output=True, text=True).stdout.splitlines()
            if auto != lines:
                print(f"FAIL: {name}: --dtype auto on fp32 storage differs from --dtype fp32")
                return 1
        if bf16_check(binary, name, ck, argv, seqs, ref_cfg, weights):
            return 1
        if len(lines) != len(seqs):
            print(f"FAIL: {name}: {len(lines)} output lines for {len(seqs)} sequences")
            return 1
        for ids, out in zip(seqs, lines):
            cpp = torch.tensor(json.loads(out), dtype=torch.float64)
            ref = llama_reference.forward(ref_cfg, weights, ids)[-1].double()
            diff = (cpp - ref).abs().max().item() if cpp.shape == ref.shape else float("inf")
            spread = ref.std().item()
            worst = max(worst, diff)
            print(f"{name:11s} len={len(ids):3d} max|diff|={diff:.2e} (logit std {spread:.3f})")
            if diff > TOL:
                print(f"FAIL: {name} length {len(ids)}: max abs diff {diff} > {TOL}")
                return 1
            if spread < 0.05:
                print(f"FAIL: {name}: logits nearly constant (std {spread}); the test would not discriminate")
                return 1
    if sharding_check(binary, work):
        return 1
    print(f"OK: worst max|diff| {worst:.2e} <= {TOL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
