#!/usr/bin/python3
"""PEFT LoRA adapters: this script writes random adapters in PEFT's on-disk format
(adapter_config.json + adapter_model.safetensors, tensor names
base_model.model.<module>.lora_A|lora_B.weight) and, independently of the C++ code, the merged
checkpoint W + scale * B @ A (scale = alpha/r, or alpha/sqrt(r) with use_rslora). `model logits`
of base + adapter must equal the merged checkpoint's within 1e-5 (fp32), for --adapter DIR and
for the adapter directory given as --model (base from base_model_name_or_path or --base).
Then bad adapters: each exits 2 with the exact message.
Usage: peft_adapter_test.py QILIN_BENCH WORKDIR"""
import json
import math
import os
import shutil
import struct
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama_reference  # noqa: E402

TOL = 1e-5


def write_safetensors(path, tensors):
    """Our own minimal writer: F32 only, header padded to 8 bytes."""
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def make_adapter(out, base_dir, weights, modules, r, alpha, rslora, gen, targets=None):
    os.makedirs(out, exist_ok=True)
    tensors, merged = {}, dict(weights)
    scale = alpha / math.sqrt(r) if rslora else alpha / r
    for m in modules:
        w = weights[m + ".weight"]
        a = torch.randn(r, w.shape[1], generator=gen) * 0.3
        b = torch.randn(w.shape[0], r, generator=gen) * 0.3  # nonzero: the adapter must change the output
        tensors[f"base_model.model.{m}.lora_A.weight"] = a
        tensors[f"base_model.model.{m}.lora_B.weight"] = b
        merged[m + ".weight"] = (w.double() + scale * (b.double() @ a.double())).float()
    write_safetensors(os.path.join(out, "adapter_model.safetensors"), tensors)
    cfg = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r, "lora_alpha": alpha, "use_rslora": rslora,
           "lora_dropout": 0.05, "bias": "none", "fan_in_fan_out": False, "modules_to_save": None,
           "target_modules": targets or sorted({m.split(".")[-1] for m in modules}),
           "base_model_name_or_path": base_dir, "inference_mode": True}
    with open(os.path.join(out, "adapter_config.json"), "w") as f:
        json.dump(cfg, f)
    return merged


def logits(binary, args):
    p = subprocess.run([binary, "-j", "1", "model", "logits", "--dtype", "fp32", "--ids", "1,4,9,2,7,3,5"] + args,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"FAIL: model logits {args}: exit {p.returncode}: {p.stderr}")
    return torch.tensor(json.loads(p.stdout), dtype=torch.float64)


def expect_error(binary, args, message):
    p = subprocess.run([binary, "model", "logits", "--ids", "1,2"] + args, capture_output=True, text=True)
    want = "qilin-bench: error: " + message
    if p.returncode != 2 or p.stderr.strip() != want:
        print(f"FAIL: {args}: exit {p.returncode}, stderr\n  {p.stderr.strip()}\nwanted\n  {want}")
        return 1
    return 0


def layer_modules(n, names):
    return [f"model.layers.{i}.{m}" for i in range(n) for m in names]


def main():
    binary, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    gen = torch.Generator().manual_seed(5)
    cases = {
        "llama": (dict(model_type="llama", architectures=["LlamaForCausalLM"], num_key_value_heads=2),
                  ["self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj"], False),
        "baichuan": (dict(model_type="baichuan", architectures=["BaichuanForCausalLM"]),
                     ["self_attn.W_pack", "self_attn.o_proj"], True),
    }
    bases = {}
    for name, (over, modules, rslora) in cases.items():
        cfg = dict(vocab_size=97, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                   rms_norm_eps=1e-5, initializer_range=0.15)
        cfg.update(over)
        cfg_path = os.path.join(work, name + ".json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        base = os.path.join(work, name + "_base")
        subprocess.run([binary, "model", "init", "--config", cfg_path, "--out", base, "--seed", "2"], check=True,
                       stdout=subprocess.DEVNULL)
        bases[name] = base
        _, weights = llama_reference.load_checkpoint(base)
        adapter = os.path.join(work, name + "_adapter")
        merged = make_adapter(adapter, base, weights, layer_modules(2, modules), r=4, alpha=8, rslora=rslora, gen=gen)
        merged_dir = os.path.join(work, name + "_merged")
        os.makedirs(merged_dir)
        shutil.copy(os.path.join(base, "config.json"), merged_dir)
        write_safetensors(os.path.join(merged_dir, "model.safetensors"), merged)

        ref = logits(binary, ["--model", merged_dir])
        plain = logits(binary, ["--model", base])
        for label, args in (("--adapter", ["--model", base, "--adapter", adapter]),
                            ("adapter as --model", ["--model", adapter]),
                            ("adapter as --model + --base", ["--model", adapter, "--base", base])):
            got = logits(binary, args)
            diff = (got - ref).abs().max().item()
            print(f"{name:8s} {label:28s} max|diff| vs merged {diff:.2e}; adapter moved logits by "
                  f"{(plain - ref).abs().max().item():.3f}")
            if diff > TOL:
                print(f"FAIL: {name} {label}: {diff} > {TOL}")
                return 1
        if (plain - ref).abs().max().item() < 1e-2:
            print(f"FAIL: {name}: the adapter hardly changes the logits; the test would not discriminate")
            return 1

    # Bad adapters: exit 2, the file and the tensor or key named.
    fails = 0
    lb, bb = bases["llama"], bases["baichuan"]
    la = os.path.join(work, "llama_adapter")
    fails += expect_error(binary, ["--model", bb, "--adapter", la],
                          f"{os.path.join(la, 'adapter_model.safetensors')}: tensor "
                          "'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': module "
                          "'model.layers.0.self_attn.q_proj' is not in the base model (baichuan): an adapter for "
                          "another base?")
    # A target that names nothing in this base (Baichuan's W_pack on a LLaMA base).
    ta = os.path.join(work, "wpack_on_llama_adapter")
    shutil.copytree(la, ta)
    with open(os.path.join(ta, "adapter_config.json")) as f:
        c = json.load(f)
    c["target_modules"] = ["q_proj", "v_proj", "down_proj", "W_pack"]
    with open(os.path.join(ta, "adapter_config.json"), "w") as f:
        json.dump(c, f)
    fails += expect_error(binary, ["--model", lb, "--adapter", ta],
                          f"{os.path.join(ta, 'adapter_config.json')}: target_modules 'W_pack': "
                          "matches no module of the base model (llama)")
    # An adapter for a wider base: same names, shapes that do not fit.
    wide_cfg = os.path.join(work, "wide.json")
    with open(os.path.join(work, "llama.json")) as f:
        cfg = json.load(f)
    cfg.update(hidden_size=128, intermediate_size=256)
    with open(wide_cfg, "w") as f:
        json.dump(cfg, f)
    wide = os.path.join(work, "wide_base")
    subprocess.run([binary, "model", "init", "--config", wide_cfg, "--out", wide], check=True, stdout=subprocess.DEVNULL)
    _, ww = llama_reference.load_checkpoint(wide)
    wa = os.path.join(work, "wide_adapter")
    make_adapter(wa, wide, ww, layer_modules(2, ["self_attn.q_proj"]), r=4, alpha=8, rslora=False, gen=gen)
    fails += expect_error(binary, ["--model", lb, "--adapter", wa],
                          f"{os.path.join(wa, 'adapter_model.safetensors')}: tensor "
                          "'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight': shape [4, 128] but the "
                          "base weight model.layers.0.self_attn.q_proj.weight [64, 64] and r = 4 need [4, 64]: "
                          "an adapter for another base?")
    # Unsupported peft_type.
    pa = os.path.join(work, "prefix_adapter")
    shutil.copytree(la, pa)
    with open(os.path.join(pa, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "PREFIX_TUNING", "num_virtual_tokens": 20}, f)
    fails += expect_error(binary, ["--model", lb, "--adapter", pa],
                          f"{os.path.join(pa, 'adapter_config.json')}: key 'peft_type': 'PREFIX_TUNING' is not "
                          "supported (only LORA adapters are merged)")
    # A target module whose tensors are missing (config names gate_proj, the file has none).
    ma = os.path.join(work, "missing_adapter")
    shutil.copytree(la, ma)
    with open(os.path.join(ma, "adapter_config.json")) as f:
        c = json.load(f)
    c["target_modules"] = ["q_proj", "v_proj", "down_proj", "gate_proj"]
    with open(os.path.join(ma, "adapter_config.json"), "w") as f:
        json.dump(c, f)
    fails += expect_error(binary, ["--model", lb, "--adapter", ma],
                          f"{os.path.join(ma, 'adapter_model.safetensors')}: tensor "
                          "'base_model.model.model.layers.0.mlp.gate_proj.lora_A.weight': missing for target module "
                          "'model.layers.0.mlp.gate_proj'")
    # A tensor for a module that is not a target (config lists q_proj only).
    ua = os.path.join(work, "untargeted_adapter")
    shutil.copytree(la, ua)
    c["target_modules"] = ["q_proj"]
    with open(os.path.join(ua, "adapter_config.json"), "w") as f:
        json.dump(c, f)
    fails += expect_error(binary, ["--model", lb, "--adapter", ua],
                          f"{os.path.join(ua, 'adapter_model.safetensors')}: tensor "
                          "'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight': module "
                          "'model.layers.0.mlp.down_proj' is not among adapter_config.json's target_modules")
    # An adapter directory as --model whose base path does not exist.
    na = os.path.join(work, "nobase_adapter")
    shutil.copytree(la, na)
    c = json.load(open(os.path.join(la, "adapter_config.json")))
    c["base_model_name_or_path"] = "baichuan-inc/Baichuan-7B"
    with open(os.path.join(na, "adapter_config.json"), "w") as f:
        json.dump(c, f)
    fails += expect_error(binary, ["--model", na],
                          f"{os.path.join(na, 'adapter_config.json')}: key 'base_model_name_or_path': "
                          "'baichuan-inc/Baichuan-7B' is not a local directory: give the base checkpoint with --base")
    if fails:
        return 1
    print("OK: base + adapter == merged within 1e-5; bad adapters exit 2 with exact messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
