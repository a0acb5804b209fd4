#!/usr/bin/python3
"""python3-torch beside bench_model_engine (scripts/bench_model.sh): the same weights and the same
workloads, in a straightforward batched PyTorch implementation (F.linear, KV cache as a list of
tensors, token ids in). Rates per process CPU second: the mean of at least REPS timed calls after a warm-up call.
Usage: bench_model_peer.py MODEL_DIR THREADS TESTS_TRAINERS_DIR REPS OUT_JSON"""
import json, math, sys, time
import torch
import torch.nn.functional as F
sys.path.insert(0, sys.argv[3])
from llama_reference import load_checkpoint  # the test suite's independent safetensors reader

torch.set_num_threads(int(sys.argv[2]))
cfg, w = load_checkpoint(sys.argv[1])
H, NH, L = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_hidden_layers"]
HD, V, EPS = H // NH, cfg["vocab_size"], cfg["rms_norm_eps"]
inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, HD, 2).float() / HD))
P = [{k: w[f"model.layers.{i}.{k}.weight"] for k in (
    "input_layernorm", "post_attention_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
    "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")} for i in range(L)]
EMB, NORM, HEAD = w["model.embed_tokens.weight"], w["model.norm.weight"], w["lm_head.weight"]

def rms(x, g):
    return g * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS))

def rot(x, cos, sin):
    a, b = x[..., :HD // 2], x[..., HD // 2:]
    return x * cos + torch.cat([-b, a], -1) * sin

def hidden(ids, cache=None):
    """ids [B,T]; cache: list of (k, v) per layer or None (then filled). Returns final hidden."""
    B, T = ids.shape
    past = 0 if not cache or cache[0] is None else cache[0][0].shape[2]
    pos = torch.arange(past, past + T).float()
    ang = torch.cat([pos[:, None] * inv] * 2, -1)
    cos, sin = ang.cos(), ang.sin()
    mask = None
    if T > 1:
        mask = torch.full((T, past + T), float("-inf")).triu(past + 1)
    x = EMB[ids]
    for i, p in enumerate(P):
        h = rms(x, p["input_layernorm"])
        q = rot(F.linear(h, p["self_attn.q_proj"]).view(B, T, NH, HD).transpose(1, 2), cos, sin)
        k = rot(F.linear(h, p["self_attn.k_proj"]).view(B, T, NH, HD).transpose(1, 2), cos, sin)
        v = F.linear(h, p["self_attn.v_proj"]).view(B, T, NH, HD).transpose(1, 2)
        if cache is not None:
            if cache[i] is not None:
                k, v = torch.cat([cache[i][0], k], 2), torch.cat([cache[i][1], v], 2)
            cache[i] = (k, v)
        s = q @ k.transpose(-1, -2) / math.sqrt(HD)
        if mask is not None:
            s = s + mask
        a = (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(B, T, H)
        x = x + F.linear(a, p["self_attn.o_proj"])
        h = rms(x, p["post_attention_layernorm"])
        x = x + F.linear(F.silu(F.linear(h, p["mlp.gate_proj"])) * F.linear(h, p["mlp.up_proj"]), p["mlp.down_proj"])
    return rms(x, NORM)

REPS, rates = int(sys.argv[4]), {}
def timed(fn, min_time=1.0):
    """Process CPU seconds (all threads) of one call, as the C++ side measures them: after one
    warm-up call, calls until min_time has passed (at least REPS), and their mean, as Google
    Benchmark reports a repetition."""
    fn()
    n, start = 0, time.process_time()
    while time.process_time() - start < min_time or n < REPS:
        fn()
        n += 1
    return (time.process_time() - start) / n

g = torch.Generator().manual_seed(0)
rand = lambda *s: torch.randint(260, 2260, s, generator=g)
with torch.inference_mode():
    for T, B in ((256, 1), (64, 4)):
        ids = rand(B, T)
        t = timed(lambda: F.linear(hidden(ids)[:, -1], HEAD))
        print(f"py_Forward/{T}/{B}: {t*1e3:.0f} ms, tokens/s={T*B/t:.1f}")
        rates[f"BM_Forward/{T}/{B}"] = T * B / t
    qs = [torch.cat([torch.tensor([[1]]), rand(1, 120)], 1) for _ in range(8)]
    letters = torch.tensor([[2260], [2261], [2262], [2263], [2264]])
    def shared():
        for ctx in qs:
            cache = [None] * L
            lp = F.log_softmax(F.linear(hidden(ctx, cache)[:, -1], HEAD), -1)
            fan = [(k.expand(5, -1, -1, -1), v.expand(5, -1, -1, -1)) for k, v in cache]
            F.log_softmax(F.linear(hidden(letters, fan), HEAD), -1)
    def naive():
        for ctx in qs:
            for l in letters:
                F.log_softmax(F.linear(hidden(torch.cat([ctx, l[None]], 1)), HEAD), -1)
    def gen_nocache():
        seq = torch.cat([torch.ones(1, 1, dtype=torch.long), rand(1, 32)], 1)
        for _ in range(128):
            seq = torch.cat([seq, F.linear(hidden(seq)[:, -1], HEAD).argmax(-1, keepdim=True)], 1)
    t = timed(gen_nocache, 0)
    print(f"py_Generate no cache batch 1: {t*1e3:.0f} ms, tokens/s={128/t:.1f}")
    rates["BM_Generate/0/1"] = 128 / t
    for name, fn, arg in (("shared prefix", shared, 1), ("naive per-option", naive, 0)):
        t = timed(fn)
        print(f"py_CMExamLoglik ({name}): {t*1e3:.0f} ms, questions/s={8/t:.2f}")
        rates[f"BM_CMExamLoglik/{arg}"] = 8 / t
    for B in (1, 4):
        prompt = torch.cat([torch.ones(B, 1, dtype=torch.long), rand(B, 32)], 1)
        def gen():
            cache = [None] * L
            nxt = F.linear(hidden(prompt, cache)[:, -1], HEAD).argmax(-1, keepdim=True)
            for _ in range(127):
                nxt = F.linear(hidden(nxt, cache)[:, -1], HEAD).argmax(-1, keepdim=True)
        t = timed(gen)
        print(f"py_Generate KV cache batch {B}: {t*1e3:.0f} ms, tokens/s={128*B/t:.1f}")
        rates[f"BM_Generate/1/{B}"] = 128 * B / t
json.dump(rates, open(sys.argv[5], "w"))
