#!/usr/bin/python3
"""python3-torch beside bench_real_checkpoint (scripts/bench_real.sh): the same bf16 forward
(RMSNorm in fp32, rotary, fp32 softmax, W_pack or q/k/v, SwiGLU) on the same memory-mapped
weights, timed for a single token and a prefill of T tokens (the best of 3 rounds each); and the machine's limits on this run: bf16 GEMM
GFLOP/s (2048^3), memory read GB/s (fp32 sum over 1 GiB) and copy GB/s (read + write).
Usage: bench_real_peer.py CHECKPOINT_DIR PREFILL_TOKENS THREADS  -> one JSON line"""
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def mapped(path):
    """name -> bf16 tensor viewing a copy-on-write memory map of the file (no read up front)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    mm = np.memmap(path, dtype=np.uint8, mode="c")
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "BF16", (path, name, e["dtype"])
        lo, hi = e["data_offsets"]
        raw = mm[8 + n + lo: 8 + n + hi].view(np.int16)
        out[name] = torch.from_numpy(raw).view(torch.bfloat16).reshape(e["shape"])
    return out


def load(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    idx = os.path.join(d, "model.safetensors.index.json")
    files = sorted(set(json.load(open(idx))["weight_map"].values())) if os.path.exists(idx) else ["model.safetensors"]
    w = {}
    for f in files:
        w.update(mapped(os.path.join(d, f)))
    return cfg, w


def forward(cfg, w, ids):
    H, NH, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
    HD, EPS = H // NH, cfg.get("rms_norm_eps", 1e-6)
    T = ids.numel()
    inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, HD, 2).float() / HD))
    ang = torch.arange(T).float()[:, None] * inv[None, :]
    cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)

    def rms(x, g):
        h = x.float()
        return g * (h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + EPS)).to(x.dtype)

    def rot(x):
        h = x.float()
        a, b = h[..., :HD // 2], h[..., HD // 2:]
        return (h * cos + torch.cat([-b, a], -1) * sin).to(x.dtype)

    mask = torch.full((T, T), float("-inf")).triu(1)
    x = w["model.embed_tokens.weight"][ids]
    for i in range(L):
        p = f"model.layers.{i}."
        h = rms(x, w[p + "input_layernorm.weight"])
        if p + "self_attn.W_pack.weight" in w:
            q, k, v = F.linear(h, w[p + "self_attn.W_pack.weight"]).chunk(3, -1)
        else:
            q, k, v = (F.linear(h, w[p + f"self_attn.{n}_proj.weight"]) for n in "qkv")
        q = rot(q.view(T, NH, HD).transpose(0, 1))
        k = rot(k.view(T, -1, HD).transpose(0, 1))
        v = v.view(T, -1, HD).transpose(0, 1)
        s = (q @ k.transpose(-1, -2)).float() / math.sqrt(HD) + mask
        a = (torch.softmax(s, -1).to(v.dtype) @ v).transpose(0, 1).reshape(T, H)
        x = x + F.linear(a, w[p + "self_attn.o_proj.weight"])
        h = rms(x, w[p + "post_attention_layernorm.weight"])
        x = x + F.linear(F.silu(F.linear(h, w[p + "mlp.gate_proj.weight"])) * F.linear(h, w[p + "mlp.up_proj.weight"]),
                         w[p + "mlp.down_proj.weight"])
    x = rms(x, w["model.norm.weight"])
    return F.linear(x[-1], w["lm_head.weight"]).float()


def limits():
    a = torch.randn(2048, 2048).bfloat16()
    b = torch.randn(2048, 2048).bfloat16()
    a @ b
    t0 = time.perf_counter()
    for _ in range(10):
        a @ b
    gemm = 10 * 2 * 2048 ** 3 / (time.perf_counter() - t0) / 1e9
    big = torch.ones(256 * 1024 * 1024)  # 1 GiB fp32
    big.sum()
    read = 0.0
    for _ in range(5):  # the best pass: a limit, not a typical rate
        t0 = time.perf_counter()
        big.sum()
        read = max(read, big.numel() * 4 / (time.perf_counter() - t0) / 1e9)
    dst = torch.empty_like(big)
    dst.copy_(big)
    t0 = time.perf_counter()
    for _ in range(5):
        dst.copy_(big)
    copy = 5 * 2 * big.numel() * 4 / (time.perf_counter() - t0) / 1e9
    return gemm, read, copy


ROUNDS = 3


def main():
    d, T, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    gemm, read, copy = limits()
    t0 = time.perf_counter()
    cfg, w = load(d)
    load_s = time.perf_counter() - t0
    g = torch.Generator().manual_seed(1)
    with torch.inference_mode():
        forward(cfg, w, torch.tensor([1]))  # fault the pages in, as the C++ first token does
        ids = torch.randint(0, cfg["vocab_size"], (T,), generator=g)
        one_token_s = prefill_s = math.inf
        for _ in range(ROUNDS):  # the best round of each, as bench_real_checkpoint takes
            t0 = time.perf_counter()
            forward(cfg, w, torch.tensor([1]))  # one weight pass with the pages resident
            one_token_s = min(one_token_s, time.perf_counter() - t0)
            t0 = time.perf_counter()
            forward(cfg, w, ids)
            prefill_s = min(prefill_s, time.perf_counter() - t0)
    print(json.dumps({"torch": torch.__version__, "threads": threads, "load_s": load_s, "one_token_s": one_token_s, "prefill_tokens": T,
                      "prefill_s": prefill_s, "prefill_tokens_per_s": T / prefill_s, "bf16_gemm_gflops": gemm,
                      "read_gb_s": read, "copy_gb_s": copy}))


if __name__ == "__main__":
    main()
