#!/usr/bin/python3
"""An independent LLaMA / Baichuan forward pass in Python (Debian python3-torch 1.13),
used as the reference for the C++ model. It shares no code with trainers/: its own
safetensors reader (struct + json), its own rotary, attention and MLP, written from
the Hugging Face LlamaForCausalLM definitions."""
import json
import math
import os
import struct

import torch


def read_safetensors(path):
    """name -> float32 tensor; F32, F16 and BF16 (bf16 = the top half of an fp32)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        lo, hi = e["data_offsets"]
        raw = bytearray(blob[base + lo:base + hi])
        if e["dtype"] == "F32":
            t = torch.frombuffer(raw, dtype=torch.float32)
        elif e["dtype"] == "F16":
            t = torch.frombuffer(raw, dtype=torch.float16).float()
        elif e["dtype"] == "BF16":
            u16 = torch.frombuffer(raw, dtype=torch.int16).to(torch.int32) & 0xFFFF
            t = (u16 << 16).view(torch.float32)
        else:
            raise ValueError(f"{path}: {name}: dtype {e['dtype']}")
        out[name] = t.reshape(e["shape"]).clone()
    return out


def load_checkpoint(d):
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    index = os.path.join(d, "model.safetensors.index.json")
    weights = {}
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        for fn in files:
            weights.update(read_safetensors(os.path.join(d, fn)))
    else:
        weights = read_safetensors(os.path.join(d, "model.safetensors"))
    return cfg, weights


def rms_norm(x, w, eps):
    var = (x * x).mean(dim=-1, keepdim=True)
    return w * (x / torch.sqrt(var + eps))


def rope(x, positions, theta, linear_factor=1.0):
    """x [heads, T, d]; HF convention: rotate the two halves of the head dimension.
    linear_factor: rope_scaling {"type": "linear"} divides the positions by the factor."""
    d = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    ang = (positions.float() / linear_factor)[:, None] * inv[None, :]             # [T, d/2]
    cos, sin = torch.cos(ang), torch.sin(ang)
    a, b = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)


def forward(cfg, w, ids):
    """Logits [T, vocab] for one sequence of token ids."""
    hidden = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads") or nh
    hd = hidden // nh
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    scaling = cfg.get("rope_scaling") or {}
    factor = scaling.get("factor", 1.0) if scaling.get("type") == "linear" else 1.0
    baichuan = cfg.get("model_type") == "baichuan"
    T = len(ids)
    pos = torch.arange(T)
    x = w["model.embed_tokens.weight"][torch.tensor(ids)]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        if baichuan:
            packed = h @ w[p + "self_attn.W_pack.weight"].t()
            q, k, v = packed[:, :hidden], packed[:, hidden:2 * hidden], packed[:, 2 * hidden:]
        else:
            q = h @ w[p + "self_attn.q_proj.weight"].t()
            k = h @ w[p + "self_attn.k_proj.weight"].t()
            v = h @ w[p + "self_attn.v_proj.weight"].t()
        q = rope(q.view(T, nh, hd).transpose(0, 1), pos, theta, factor)
        k = rope(k.view(T, nkv, hd).transpose(0, 1), pos, theta, factor)
        v = v.view(T, nkv, hd).transpose(0, 1)
        heads = []
        for head in range(nh):
            g = head // (nh // nkv)
            s = (q[head] @ k[g].t()) / math.sqrt(hd)
            s = s.masked_fill(~causal, float("-inf"))
            heads.append(torch.softmax(s, dim=-1) @ v[g])
        attn = torch.cat(heads, dim=-1)
        x = x + attn @ w[p + "self_attn.o_proj.weight"].t()
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gate = h @ w[p + "mlp.gate_proj.weight"].t()
        up = h @ w[p + "mlp.up_proj.weight"].t()
        x = x + (gate * torch.sigmoid(gate) * up) @ w[p + "mlp.down_proj.weight"].t()
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight")
    if cfg.get("tie_word_embeddings", False) or head is None:
        head = w["model.embed_tokens.weight"]
    return x @ head.t()
