#!/usr/bin/python3
"""python3-torch peer of scripts/bench_ddp.sh: PyTorch's own DistributedDataParallel over Gloo.

Written for qilin-bench. The model is scripts/bench_train_peer.py's LLaMA (imported, with the
vocabulary size set to the C++ run's), DCPT loss, AdamW, clipping at 1.0; global batch 8 x 128
tokens, split over the ranks. Prints one JSON line: median tokens/s over the timed steps (global
tokens / rank 0's step time). Usage: bench_ddp_peer.py WORLD_SIZE VOCAB STEPS PORT
"""
import json
import os
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_train_peer as peer  # noqa: E402

GLOBAL_BATCH, T = 8, 128


def worker(rank, world, vocab, steps, port, out):
    torch.set_num_threads(1)
    peer.V = vocab
    if world > 1:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    torch.manual_seed(1)
    model = peer.Model()
    params = list(model.parameters())
    net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
    opt = torch.optim.AdamW(
        [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.01},
         {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}], lr=3e-4)
    rows = GLOBAL_BATCH // world
    g = torch.Generator().manual_seed(100 + rank)
    times = []
    for i in range(steps):
        ids = torch.randint(4, vocab, (rows, T), generator=g)
        t0 = time.perf_counter()
        opt.zero_grad()
        logits = net(ids)[:, :-1]
        loss = F.cross_entropy(logits.reshape(-1, vocab), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        times.append(time.perf_counter() - t0)
    if rank == 0:
        dt = statistics.median(times[2:])
        out.put({"peer": "python3-torch DDP" if world > 1 else "python3-torch", "world_size": world,
                 "tokens_per_s": GLOBAL_BATCH * T / dt, "steps": steps})
    if world > 1:
        dist.destroy_process_group()


def main():
    world, vocab, steps, port = (int(a) for a in sys.argv[1:5])
    ctx = mp.get_context("spawn")
    q = ctx.SimpleQueue()
    procs = [ctx.Process(target=worker, args=(r, world, vocab, steps, port, q)) for r in range(world)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode != 0:
            sys.exit(f"rank exited with {p.exitcode}")
    print(json.dumps(q.get()), flush=True)


if __name__ == "__main__":
    main()
