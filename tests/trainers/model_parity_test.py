#!/usr/bin/python3
"""Parity: C++ `qilin-bench model logits` against llama_reference.py on tiny random
checkpoints (LLaMA with and without GQA, Baichuan W_pack, tied embeddings, bf16 and
sharded storage). Fails when any last-position logit differs by more than 1e-4.
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

CASES = {
    "llama_mha": dict(model_type="llama", architectures=["LlamaForCausalLM"], num_attention_heads=4,
                      num_key_value_heads=4),
    "llama_gqa": dict(model_type="llama", architectures=["LlamaForCausalLM"], num_attention_heads=4,
                      num_key_value_heads=2, rope_theta=500000.0),
    "baichuan": dict(model_type="baichuan", architectures=["BaichuanForCausalLM"], num_attention_heads=4),
    "llama_tied": dict(model_type="llama", architectures=["LlamaForCausalLM"], num_attention_heads=8,
                       num_key_value_heads=1, tie_word_embeddings=True),
}
EXTRA = {"llama_gqa": ["--dtype", "bf16"], "baichuan": ["--shard-bytes", "60000"], "llama_tied": ["--dtype", "fp16"]}


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
        lines = subprocess.run(argv, check=True, capture_output=True, text=True).stdout.splitlines()
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
    print(f"OK: worst max|diff| {worst:.2e} <= {TOL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
