#!/usr/bin/python3
"""The openai backend against servers that behave unlike `qilin-bench serve`, and the API key.

A small proxy in front of a real `qilin-bench serve` changes one behaviour at a time:
  refuse-max-tokens-0  answers 400 to max_tokens 0 (as some servers do): the client retries with
                       max_tokens 1 and ignores the generated token; log-likelihoods still equal
                       the in-process eval's within 1e-4, and later requests ask for 1 directly;
  no-logprobs          drops the choices' logprobs (as llama.cpp's server does for the prompt):
                       a loglik eval fails saying to use generate mode, a generate eval works;
  busy-once            answers 429, then 503, then serves: the client backs off, retries, and
                       its answers equal the in-process eval's;
  slow                 answers after 3 s: --timeout 0.5 fails each attempt, then the eval stops
                       naming the timeout.
A dead replica beside a live one: its requests are retried on the live one, same answers.
The key: a server started with --api-key-env refuses a client without it (the message names the
status and the server's words) and never finds the key in the client's outputs, cache or logs.

Usage: serve_client_compat.py QILIN_BENCH WORK_DIR
"""
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Check, Server, make_checkpoint  # noqa: E402

qb, work = sys.argv[1], sys.argv[2]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
ck = make_checkpoint(qb, os.path.join(work, "ck"))
c = Check()
with open(os.path.join(work, "q.csv"), "w") as f:
    f.write("Question,Options,Answer,Explanation\n"
            "患者发热三天，咳嗽，首选检查是,A 血常规\\nB 胸片\\nC 心电图\\nD 尿常规\\nE 肝功能,B,\n"
            "高血压患者饮食应,A 高盐\\nB 低盐\\nC 高糖\\nD 高脂\\nE 不限,B,\n"
            "糖尿病需要控制,A 血压\\nB 血脂\\nC 血糖\\nD 体重\\nE 以上均是,CE,\n")
data = ["--suite", "cmexam", "--data", os.path.join(work, "q.csv")]


class Proxy(http.server.ThreadingHTTPServer):
    def __init__(self, upstream, mode):
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream, self.mode, self.seen = upstream, mode, []
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def forward(self, body=None):
        req = urllib.request.Request(self.server.upstream + self.path, data=body,
                                     method="POST" if body is not None else "GET")
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())

    def do_GET(self):
        self.reply(200, self.forward())

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.seen.append(body)
        if self.server.mode == "busy-once" and len(self.server.seen) <= 2:
            status = 429 if len(self.server.seen) == 1 else 503
            return self.reply(status, {"error": {"message": f"busy ({status})", "type": "server_error",
                                                 "param": None, "code": None}})
        if self.server.mode == "slow":
            time.sleep(3)  # the client has given up by now: close without an answer
            return
        if self.server.mode == "refuse-max-tokens-0" and body.get("max_tokens") == 0:
            return self.reply(400, {"error": {"message": "max_tokens must be at least 1, got 0.",
                                              "type": "BadRequestError", "param": None, "code": 400}})
        answer = self.forward(json.dumps(body).encode())
        if self.server.mode == "no-logprobs":
            for ch in answer["choices"]:
                ch["logprobs"] = None
        self.reply(200, answer)


def run_eval(out, *args, env=None):
    return subprocess.run([qb, "-q", "eval", "--out", os.path.join(work, out), *args], capture_output=True,
                          text=True, env=env or os.environ)


def rows(out):
    with open(os.path.join(work, out, "samples.jsonl")) as f:
        return [json.loads(line) for line in f]


local = run_eval("local", "--model", ck, *data)
c.eq(local.returncode, 0, "local eval: " + local.stderr[-500:])
srv = Server(qb, ck, "--served-model-name", "tiny")
try:
    proxy = Proxy(srv.url, "refuse-max-tokens-0")
    p = run_eval("refuse0", "--backend", "openai", "--base-url", proxy.url, "--served-model", "tiny",
                 "--concurrency", "1", *data)
    c.eq(p.returncode, 0, "eval through a server refusing max_tokens 0: " + p.stderr[-500:])
    if p.returncode == 0:
        for g, w in zip(rows("refuse0"), rows("local")):
            c.close(g["logprob"], w["logprob"], f"item {w['id']} logprob with max_tokens 1", 1e-4)
            c.eq((g["predicted"], g["n_tokens"]), (w["predicted"], w["n_tokens"]), f"item {w['id']} answer")
        c.eq([b["max_tokens"] for b in proxy.seen], [0, 1, 1, 1], "asked 0 once, then 1")
        with open(os.path.join(work, "refuse0", "metrics.json")) as f:
            c.eq(json.load(f)["client"]["max_tokens_zero_refused"], True, "fallback recorded")
    proxy.shutdown()

    proxy = Proxy(srv.url, "no-logprobs")
    p = run_eval("nolp", "--backend", "openai", "--base-url", proxy.url, "--served-model", "tiny", *data)
    c.eq(p.returncode, 1, "loglik without prompt logprobs fails")
    c.true("the server returned no prompt log-probabilities (choice 0 has no logprobs.token_logprobs for "
           "echo=true), so it cannot score log-likelihood; use --mode generate" in p.stderr and "item '" in p.stderr,
           "no-logprobs message: " + p.stderr[-500:])
    p = run_eval("nolp-gen", "--backend", "openai", "--base-url", proxy.url, "--served-model", "tiny", "--mode",
                 "generate", "--max-new-tokens", "4", *data)
    c.eq(p.returncode, 0, "generate works without logprobs: " + p.stderr[-500:])
    proxy.shutdown()

    proxy = Proxy(srv.url, "busy-once")
    p = run_eval("busy", "--backend", "openai", "--base-url", proxy.url, "--served-model", "tiny",
                 "--concurrency", "1", "--retry-backoff", "0.1", *data)
    c.eq(p.returncode, 0, "eval through 429 and 503: " + p.stderr[-500:])
    if p.returncode == 0:
        with open(os.path.join(work, "busy", "metrics.json")) as f:
            c.eq(json.load(f)["client"]["retries"], 2, "two retries (429, 503)")
        for g, w in zip(rows("busy"), rows("local")):
            c.close(g["logprob"], w["logprob"], f"item {w['id']} logprob after retries", 1e-4)
    proxy.shutdown()

    proxy = Proxy(srv.url, "slow")
    t0 = time.time()
    p = run_eval("slow", "--backend", "openai", "--base-url", proxy.url, "--served-model", "tiny", "--timeout", "0.5",
                 "--retries", "1", "--retry-backoff", "0.1", *data)
    c.eq(p.returncode, 1, "timeout exit code")
    c.true(f"gave up after 2 attempts over 1 replica(s); last: POST {proxy.url}/v1/completions: no answer "
           "(Operation timed out after" in p.stderr, "timeout message: " + p.stderr[-500:])
    c.true(time.time() - t0 < 10, "per-request timeout honoured")
    proxy.shutdown()

    # A dead replica (a port nobody listens on) beside the live server.
    import socket
    s_ = socket.socket()
    s_.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{s_.getsockname()[1]}"
    s_.close()
    p = run_eval("failover", "--backend", "openai", "--base-url", dead, "--base-url", srv.url, "--served-model",
                 "tiny", "--retry-backoff", "0.05", *data)
    c.eq(p.returncode, 0, "eval with a dead replica: " + p.stderr[-500:])
    if p.returncode == 0:
        with open(os.path.join(work, "failover", "metrics.json")) as f:
            m = json.load(f)
        c.true(m["client"]["retries"] >= 1, f"dead replica's requests retried: {m['client']}")
        c.eq(m["backend"]["hosts"], [dead, srv.url], "both replicas recorded")
        for g, w in zip(rows("failover"), rows("local")):
            c.close(g["logprob"], w["logprob"], f"item {w['id']} logprob with failover", 1e-4)
finally:
    srv.stop()

# --chat: generation through /v1/chat/completions, the prompt as one user message rendered by the
# checkpoint's chat template on the server: equal to completing the rendered turn.
chat_ck = make_checkpoint(qb, os.path.join(work, "chat"), chat=True)
with open(os.path.join(work, "h.jsonl"), "w") as f:
    for q in ["高血压患者应注意什么？", "糖尿病需要控制什么？", "患者发热咳嗽怎么办？"]:
        f.write(json.dumps({"question": q, "answer": "低盐饮食。"}, ensure_ascii=False) + "\n")
srv = Server(qb, chat_ck, "--served-model-name", "chat")
try:
    p = run_eval("chat-gen", "--backend", "openai", "--base-url", srv.url, "--served-model", "chat", "--chat",
                 "--suite", "huatuo", "--max-new-tokens", "6", "--bootstrap", "0",
                 "--data", os.path.join(work, "h.jsonl"))
    c.eq(p.returncode, 0, "--chat generate eval: " + p.stderr[-500:])
    if p.returncode == 0:
        from serve_util import call
        for r in rows("chat-gen"):
            st, want = call(srv.url, "/v1/completions", {"model": "chat", "prompt": "问：" + r["prompt"] + "答：",
                                                         "max_tokens": 6})
            c.eq(r["prediction"], want["choices"][0]["text"], f"--chat item {r['id']} = the template's completion")
finally:
    srv.stop()

# The key: required by the server, sent by the client from the environment only, written nowhere.
key = "qb-test-key-7f3a9c"
env = dict(os.environ, SERVE_KEY=key, CLIENT_KEY=key, WRONG_KEY="not-the-key")
srv = Server(qb, ck, "--served-model-name", "tiny", "--api-key-env", "SERVE_KEY", env=env)
try:
    p = run_eval("nokey", "--backend", "openai", "--base-url", srv.url, "--served-model", "tiny", *data, env=env)
    c.eq(p.returncode, 1, "no key exit code")
    c.true(f"GET {srv.url}/v1/models answered 401: no API key: send the header 'Authorization: Bearer KEY'"
           in p.stderr, "no key message: " + p.stderr[-400:])
    p = run_eval("wrongkey", "--backend", "openai", "--base-url", srv.url, "--served-model", "tiny",
                 "--api-key-env", "WRONG_KEY", *data, env=env)
    c.true(p.returncode == 1 and "answered 401: incorrect API key in the Authorization header" in p.stderr,
           "wrong key message: " + p.stderr[-400:])
    p = run_eval("key", "--backend", "openai", "--base-url", srv.url, "--served-model", "tiny", "--api-key-env",
                 "CLIENT_KEY", "--cache-dir", os.path.join(work, "keycache"), *data, env=env)
    c.eq(p.returncode, 0, "eval with the key: " + p.stderr[-400:])
    c.true(key not in p.stdout + p.stderr, "the key is not printed")
    for d in ("key", "keycache"):
        for root, _, files in os.walk(os.path.join(work, d)):
            for name in files:
                with open(os.path.join(root, name), "rb") as f:
                    c.true(key.encode() not in f.read(), f"the key is not in {os.path.join(root, name)}")
    # Flags of the other backend are usage errors, not ignored.
    p = run_eval("mixed", "--model", ck, "--base-url", srv.url, *data)
    c.eq((p.returncode, p.stderr.strip()), (2, "qilin-bench: error: --base-url: applies to --backend openai only"),
         "--base-url without --backend openai")
    p = run_eval("mixed2", "--backend", "openai", "--model", ck, "--base-url", srv.url, "--served-model", "tiny", *data)
    c.eq((p.returncode, p.stderr.strip()),
         (2, "qilin-bench: error: --model: names a checkpoint for --backend local; a served model is named by "
             "--served-model"), "--model with --backend openai")
    p = run_eval("nourl", "--backend", "openai", "--served-model", "tiny", *data)
    c.eq((p.returncode, p.stderr.strip()), (2, "qilin-bench: error: --base-url: is required with --backend openai"),
         "missing --base-url")
    c.eq(run_eval("missingenv", "--backend", "openai", "--base-url", srv.url, "--served-model", "tiny",
                  "--api-key-env", "NO_SUCH_VAR_QB", *data).returncode, 2, "an unset key variable is a usage error")
finally:
    srv.stop()

c.finish("serve_client_compat")
