#!/usr/bin/python3
"""python3-torch peer of bench/train_step.cpp: the same LLaMA shape, batch and optimizer step.

Written for qilin-bench: RMSNorm, rotate-half rotary embeddings, SwiGLU, no biases, F.linear,
AdamW with decay on matrices only, global-norm clipping at 1.0. Prints one JSON line per stage
with step time and tokens/s. Usage: bench_train_peer.py THREADS [SECONDS_PER_STAGE]
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

V, H, I, L, NH, B, T = 4096, 256, 688, 4, 8, 8, 128


class Rms(torch.nn.Module):
    def __init__(self, n, eps=1e-6):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def lin(o, i):
    return torch.nn.Parameter(torch.randn(o, i) * 0.02)


class Layer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1, self.ln2 = Rms(H), Rms(H)
        self.q, self.k, self.v, self.o = lin(H, H), lin(H, H), lin(H, H), lin(H, H)
        self.g, self.u, self.d = lin(I, H), lin(I, H), lin(H, I)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        h = self.ln1(x)
        hd = H // NH

        def heads(w):
            return F.linear(h, w).view(b, t, NH, hd).transpose(1, 2)

        def rot(z):
            z1, z2 = z[..., : hd // 2], z[..., hd // 2:]
            return z * cos + torch.cat((-z2, z1), -1) * sin

        q, k, v = rot(heads(self.q)), rot(heads(self.k)), heads(self.v)
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + mask
        a = torch.matmul(torch.softmax(s, -1), v).transpose(1, 2).reshape(b, t, H)
        x = x + F.linear(a, self.o)
        h = self.ln2(x)
        return x + F.linear(F.silu(F.linear(h, self.g)) * F.linear(h, self.u), self.d)


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Parameter(torch.randn(V, H) * 0.02)
        self.layers = torch.nn.ModuleList(Layer() for _ in range(L))
        self.norm = Rms(H)
        self.head = lin(V, H)

    def forward(self, ids):
        t = ids.shape[1]
        hd = H // NH
        inv = 1.0 / (10000 ** (torch.arange(0, hd, 2).float() / hd))
        f = torch.outer(torch.arange(t).float(), inv)
        e = torch.cat((f, f), -1)
        cos, sin = e.cos(), e.sin()
        mask = torch.full((t, t), float("-inf")).triu(1)
        x = F.embedding(ids, self.emb)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return F.linear(self.norm(x), self.head)


def run(stage, seconds):
    torch.manual_seed(1)
    m = Model()
    params = list(m.parameters())
    opt = torch.optim.AdamW(
        [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.01},
         {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}], lr=1e-4)
    rows = 2 * B if stage == "dpo" else B
    ids = torch.randint(4, V, (rows, T))
    mask = torch.ones(rows, T - 1)
    if stage == "dpo":
        mask[:, : T // 4 - 1] = 0
    ref_c, ref_r = -torch.rand(B, dtype=torch.float64) * 100, -torch.rand(B, dtype=torch.float64) * 100

    def step():
        opt.zero_grad()
        logits = m(ids)[:, :-1]
        if stage == "dpo":
            lp = torch.log_softmax(logits, -1).gather(2, ids[:, 1:].unsqueeze(2)).squeeze(2)
            lp = (lp * mask).sum(1).double()
            h = (lp[:B] - lp[B:]) - (ref_c - ref_r)
            loss = -F.logsigmoid(0.1 * h).mean()
        else:
            nll = F.cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1), reduction="none")
            loss = (nll * mask.reshape(-1)).sum() / mask.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss.item()

    step()
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
    dt = (time.perf_counter() - t0) / n
    cpu = (time.process_time() - c0) / n
    return {"stage": stage, "ms_per_step": dt * 1e3, "cpu_ms_per_step": cpu * 1e3,
            "tokens_per_s": rows * T / dt, "steps": n}


def main():
    threads = int(sys.argv[1])
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    torch.set_num_threads(threads)
    for stage in ("dcpt", "dpo"):
        r = run(stage, seconds)
        r["threads"] = threads
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
