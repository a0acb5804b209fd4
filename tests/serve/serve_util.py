"""Helpers for the serve tests: a small random checkpoint, a `qilin-bench serve` on a free loopback
port, and plain-urllib HTTP calls (no third-party client, so every status and body is seen as sent)."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

# Written for these tests: the characters of the CMExam / Huatuo fixtures become the vocabulary.
CORPUS = ("患者发热三天，咳嗽，咽痛。答案：A B C D E。高血压患者应低盐饮食。糖尿病需要控制血糖。"
          "问答首选检查是血常规胸片心电图尿肝功能不限高糖脂体重以上均注意什么？规律服药\n")


def make_checkpoint(qb, out_dir, chat=False, seed=5):
    """A 2-layer random LLaMA (hidden 64) with a char tokenizer, written by `qilin-bench model init`."""
    os.makedirs(out_dir + ".src", exist_ok=True)
    tok = os.path.join(out_dir + ".src", "tokenizer.json")
    cfg = os.path.join(out_dir + ".src", "config.json")
    with open(tok, "w") as f:
        json.dump({"format": "qilin-char-tokenizer", "version": 1,
                   "special_tokens": ["<pad>", "<s>", "</s>", "<unk>"], "byte_fallback": True,
                   "chars": sorted(set(CORPUS))}, f, ensure_ascii=False)
    with open(cfg, "w") as f:
        json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 352,
                   "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
                   "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 512,
                   "rms_norm_eps": 1e-5, "initializer_range": 0.2, "bos_token_id": 1, "eos_token_id": 2,
                   "pad_token_id": 0}, f)
    subprocess.run([qb, "-q", "model", "init", "--config", cfg, "--out", out_dir, "--seed", str(seed),
                    "--tokenizer", tok], check=True, capture_output=True)
    if chat:
        with open(os.path.join(out_dir, "chat_template.json"), "w") as f:
            json.dump({"system_prefix": "", "system_suffix": "", "user_prefix": "问：", "user_suffix": "",
                       "assistant_prefix": "答：", "assistant_suffix": ""}, f, ensure_ascii=False)
    return out_dir


class Server:
    """`qilin-bench serve --port 0`; the port is read from its 'listening on' line."""

    def __init__(self, qb, model, *extra, env=None):
        self.proc = subprocess.Popen([qb, "serve", "--model", model, "--port", "0", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env=env or os.environ)
        line = self.proc.stdout.readline()
        if "listening on http://" not in line:
            self.proc.kill()
            sys.exit(f"serve did not start: {line!r} {self.proc.stderr.read()}")
        self.url = line.split("listening on ")[1].split()[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        return self.proc.returncode

    def kill(self):
        self.proc.kill()
        self.proc.wait()


def call(url, path, body=None, raw=None, key=None, method=None, timeout=120):
    """(status, parsed JSON body) of one request; body is dumped as JSON, raw is sent as is."""
    data = raw.encode() if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url + path, data=data, method=method or ("POST" if data is not None else "GET"))
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", "Bearer " + key)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class Check:
    """Collects failures so one run reports all of them."""

    def __init__(self):
        self.failures = []

    def eq(self, got, want, what):
        if got != want:
            self.failures.append(f"{what}: got {got!r}, want {want!r}")

    def close(self, got, want, what, tol=1e-5):
        """Lists of numbers (None where both are None) equal within tol."""
        ok = len(got) == len(want) and all(
            (g is None and w is None) or (g is not None and w is not None and abs(g - w) <= tol)
            for g, w in zip(got, want))
        if not ok:
            self.failures.append(f"{what}: got {got!r}, want {want!r} (within {tol})")

    def true(self, cond, what):
        if not cond:
            self.failures.append(what)

    def finish(self, name):
        if self.failures:
            print(f"{name}: {len(self.failures)} failure(s):")
            for f in self.failures:
                print("  " + f)
            sys.exit(1)
        print(f"{name}: all checks passed")
