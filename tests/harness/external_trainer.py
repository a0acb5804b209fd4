#!/usr/bin/python3
"""A small external trainer, written for the pipeline's external-trainer tests the way a
LLaMA-Factory/TRL run behaves: it takes a Hugging Face checkpoint (--base), trains next-token
loss on the stage's data text with python3-torch (Debian's; the forward pass is
tests/trainers/llama_reference.py), writes checkpoint-N/ folders with trainer_state.json every
--save-every steps, and at the end the model (safetensors, config.json, tokenizer files) and
trainer_state.json with log_history into --output-dir. --resume-from continues from a
checkpoint-N folder. --adapter writes a PEFT LoRA adapter (adapter_config.json +
adapter_model.safetensors, PEFT's tensor names) instead of full weights.

Test switches: --fail-at N exits 3 after step N; --no-weights leaves the output without weights;
--step-seconds S sleeps S seconds per step (so a test can kill the pipeline mid-stage)."""
import argparse
import json
import os
import shutil
import struct
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "trainers"))
import llama_reference  # noqa: E402


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().float()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def data_text(path):
    """Every string of the stage's data file: plain text lines, or the strings of JSON lines."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                def walk(v):
                    if isinstance(v, str):
                        out.append(v)
                    elif isinstance(v, list):
                        for x in v:
                            walk(x)
                    elif isinstance(v, dict):
                        for x in v.values():
                            walk(x)
                walk(json.loads(line))
            else:
                out.append(line)
    return "\n".join(out)


def encode(tokenizer, text):
    chars = {c: 260 + i for i, c in enumerate(tokenizer["chars"])}
    ids = []
    for ch in text:
        if ch in chars:
            ids.append(chars[ch])
        else:
            ids.extend(4 + b for b in ch.encode("utf-8"))
    return ids


def lora_targets(weights):
    return sorted(n for n in weights if n.endswith("self_attn.q_proj.weight") or n.endswith("self_attn.v_proj.weight"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--output-dir", required=True)
    ap.add_argument("--resume-from", default="")
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--save-every", type=int, default=2)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seq", type=int, default=32)
    ap.add_argument("--adapter", action="store_true")
    ap.add_argument("--fail-at", type=int, default=0)
    ap.add_argument("--no-weights", action="store_true")
    ap.add_argument("--step-seconds", type=float, default=0.0)
    a = ap.parse_args()
    torch.manual_seed(0)
    cfg, base_w = llama_reference.load_checkpoint(a.base)
    with open(os.path.join(a.base, "tokenizer.json"), encoding="utf-8") as f:
        tokenizer = json.load(f)
    ids = encode(tokenizer, data_text(a.data))
    if len(ids) < a.seq + 1:
        print("too little data", file=sys.stderr)
        return 2

    # Trainable tensors: every weight, or LoRA A/B (rank 4, alpha 8) on q_proj and v_proj.
    rank, alpha = 4, 8.0
    if a.adapter:
        train = {}
        for n in lora_targets(base_w):
            out_f, in_f = base_w[n].shape
            train[n + ".A"] = (torch.randn(rank, in_f) * 0.02).requires_grad_()
            train[n + ".B"] = torch.zeros(out_f, rank).requires_grad_()
    else:
        train = {n: t.clone().requires_grad_() for n, t in base_w.items()}
    start, history = 0, []
    if a.resume_from:
        state = json.load(open(os.path.join(a.resume_from, "trainer_state.json")))
        start, history = state["global_step"], state["log_history"]
        saved = llama_reference.read_safetensors(os.path.join(a.resume_from, "trainable.safetensors"))
        for n in train:
            train[n] = saved[n].clone().requires_grad_()
        print(f"resumed from step {start}", flush=True)

    def weights():
        if not a.adapter:
            return train
        w = dict(base_w)
        for n in lora_targets(base_w):
            w[n] = base_w[n] + (alpha / rank) * train[n + ".B"] @ train[n + ".A"]
        return w

    def save_model(d):
        os.makedirs(d, exist_ok=True)
        for fn in ("tokenizer.json", "config.json"):
            shutil.copy(os.path.join(a.base, fn), os.path.join(d, fn))
        if a.adapter:
            os.remove(os.path.join(d, "config.json"))
            tensors = {}
            for n in lora_targets(base_w):
                module = "base_model.model." + n[: -len(".weight")]
                tensors[module + ".lora_A.weight"] = train[n + ".A"]
                tensors[module + ".lora_B.weight"] = train[n + ".B"]
            write_safetensors(os.path.join(d, "adapter_model.safetensors"), tensors)
            with open(os.path.join(d, "adapter_config.json"), "w") as f:
                json.dump({"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": rank, "lora_alpha": alpha,
                           "lora_dropout": 0.0, "target_modules": ["q_proj", "v_proj"], "bias": "none",
                           "fan_in_fan_out": False, "use_rslora": False, "base_model_name_or_path": a.base}, f)
        elif not a.no_weights:
            write_safetensors(os.path.join(d, "model.safetensors"), train)

    def save_state(d, step):
        with open(os.path.join(d, "trainer_state.json"), "w") as f:
            json.dump({"global_step": step, "max_steps": a.steps, "log_history": history}, f)

    for step in range(start, a.steps):
        off = (step * a.seq) % (len(ids) - a.seq - 1)
        seq = ids[off:off + a.seq + 1]
        logits = llama_reference.forward(cfg, weights(), seq[:-1])
        loss = torch.nn.functional.cross_entropy(logits, torch.tensor(seq[1:]))
        for t in train.values():
            t.grad = None
        loss.backward()
        with torch.no_grad():
            norm = torch.sqrt(sum((t.grad ** 2).sum() for t in train.values())).item()
            for t in train.values():
                t -= a.lr * t.grad
        history.append({"loss": round(loss.item(), 6), "learning_rate": a.lr, "grad_norm": norm,
                        "epoch": step / a.steps, "step": step + 1})
        print(f"step {step + 1}/{a.steps} loss {loss.item():.4f}", flush=True)
        if a.step_seconds:
            time.sleep(a.step_seconds)
        if a.fail_at and step + 1 == a.fail_at:
            print("simulated trainer failure", file=sys.stderr, flush=True)
            return 3
        if (step + 1) % a.save_every == 0 and step + 1 < a.steps:
            d = os.path.join(a.output_dir, f"checkpoint-{step + 1}")
            save_model(d)
            write_safetensors(os.path.join(d, "trainable.safetensors"), train)
            save_state(d, step + 1)
    history.append({"train_runtime": 1.0, "train_loss": history[-1]["loss"], "epoch": 1.0, "step": a.steps})
    save_model(a.output_dir)
    save_state(a.output_dir, a.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
