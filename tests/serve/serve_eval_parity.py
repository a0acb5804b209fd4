#!/usr/bin/python3
"""`eval --backend openai` against `qilin-bench serve` equals the in-process `eval` of the same
checkpoint: CMExam log-likelihood (text prompts and token-id prompts; every log-likelihood within
1e-4, same answers, same metrics), CMExam generation and Huatuo (identical rows and metrics); the
same with two replicas. The served eval runs in the light binary with no torch binary reachable.
Failures: a 4xx names the item, status and server message; a server killed mid-eval makes the
client retry and then fail clearly; the rerun against a restarted server sends only the requests
that were never answered (counted by the server and the client), and a further rerun sends none.

Usage: serve_eval_parity.py QILIN_BENCH WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Check, Server, call, make_checkpoint  # noqa: E402

qb, work = sys.argv[1], sys.argv[2]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
ck = make_checkpoint(qb, os.path.join(work, "ck"))
c = Check()

# Data written for this test: 12 CMExam questions (4 distinct, with answer variants) and 40 Huatuo pairs.
stems = [("患者发热三天，咳嗽，首选检查是", "A 血常规\\nB 胸片\\nC 心电图\\nD 尿常规\\nE 肝功能"),
         ("高血压患者饮食应", "A 高盐\\nB 低盐\\nC 高糖\\nD 高脂\\nE 不限"),
         ("糖尿病需要控制", "A 血压\\nB 血脂\\nC 血糖\\nD 体重\\nE 以上均是"),
         ("咽痛患者首选", "A 胸片\\nB 血常规\\nC 心电图\\nD 尿常规\\nE 不限")]
with open(os.path.join(work, "cmexam.csv"), "w") as f:
    f.write("Question,Options,Answer,Explanation\n")
    for i in range(12):
        q, opts = stems[i % 4]
        f.write(f"{q}{'？' * (i // 4)},{opts},{'ABCDE'[i % 5]},\n")
with open(os.path.join(work, "huatuo.jsonl"), "w") as f:
    qs = ["高血压患者应注意什么？", "糖尿病患者需要控制什么？", "患者发热咳嗽怎么办？", "咽痛三天首选什么检查？"]
    for i in range(40):
        f.write(json.dumps({"question": qs[i % 4] + "问" * (i // 4), "answer": "低盐饮食，规律服药。"},
                           ensure_ascii=False) + "\n")
cmexam, huatuo = os.path.join(work, "cmexam.csv"), os.path.join(work, "huatuo.jsonl")
light_env = dict(os.environ, QILIN_TORCH_BINARY="/nonexistent/qilin-bench-torch")


def run_eval(out, *args, env=None):
    p = subprocess.run([qb, "-q", "eval", "--out", os.path.join(work, out), *args], capture_output=True, text=True,
                       env=env or os.environ)
    return p


def rows(out):
    with open(os.path.join(work, out, "samples.jsonl")) as f:
        return [json.loads(line) for line in f]


def metrics(out):
    with open(os.path.join(work, out, "metrics.json")) as f:
        return json.load(f)


def same_rows(got, want, what, tol=1e-4):
    c.eq(len(got), len(want), what + " row count")
    for g, w in zip(got, want):
        g, w = dict(g), dict(w)
        if "logprob" in w:
            c.close(g.pop("logprob"), w.pop("logprob"), f"{what} item {w['id']} logprob", tol)
        c.eq(g, w, f"{what} item {w['id']} row")


def must(p, what):
    c.true(p.returncode == 0, f"{what} exited {p.returncode}: {p.stderr[-2000:]}")
    return p.returncode == 0


suites = [("loglik", ["--suite", "cmexam", "--data", cmexam]),
          ("generate", ["--suite", "cmexam", "--mode", "generate", "--max-new-tokens", "8", "--data", cmexam]),
          ("huatuo", ["--suite", "huatuo", "--max-new-tokens", "12", "--bootstrap", "50", "--data", huatuo])]

srv = Server(qb, ck, "--served-model-name", "tiny")
srv2 = Server(qb, ck, "--served-model-name", "tiny")
try:
    for name, args in suites:
        if not must(run_eval("local-" + name, "--model", ck, *args), "local " + name):
            continue
        variants = [("api-" + name, ["--base-url", srv.url])]
        if name == "loglik":
            variants.append(("api-ids-" + name, ["--base-url", srv.url, "--tokenizer", ck]))
            variants.append(("api-server-tok-" + name, ["--base-url", srv.url, "--tokenizer", "server"]))
        variants.append(("api-2rep-" + name, ["--base-url", srv.url, "--base-url", srv2.url, "--concurrency", "3"]))
        for out, extra in variants:
            p = run_eval(out, "--backend", "openai", "--served-model", "tiny", *extra, *args, env=light_env)
            if not must(p, out):
                continue
            same_rows(rows(out), rows("local-" + name), out)
            m, ml = metrics(out), metrics("local-" + name)
            # Metrics come from the answers, so they are equal exactly, loglik included.
            c.eq(json.dumps(m["metrics"], sort_keys=True), json.dumps(ml["metrics"], sort_keys=True), out + " metrics")
            c.eq((m["backend"]["kind"], m["backend"]["model"], m["backend"]["model_id"]), ("openai", "tiny", "tiny"),
                 out + " backend info")
            c.eq(m["backend"]["hosts"], [u.split("/v1")[0] for u in extra if u.startswith("http")], out + " hosts")
            if "2rep" in out:
                by = m["client"]["requests_by_replica"]
                c.true(len(by) == 2 and all(v > 0 for v in by.values()), f"{out}: both replicas used: {by}")

    # A 4xx fails the eval naming the item, the status and the server's words.
    with open(os.path.join(work, "long.jsonl"), "w") as f:
        f.write(json.dumps({"question": "短", "answer": "a"}, ensure_ascii=False) + "\n")
        f.write(json.dumps({"question": "患" * 600, "answer": "a"}, ensure_ascii=False) + "\n")
    p = run_eval("long", "--backend", "openai", "--base-url", srv.url, "--served-model", "tiny", "--suite", "huatuo",
                 "--max-new-tokens", "4", "--data", os.path.join(work, "long.jsonl"))
    c.eq(p.returncode, 1, "4xx exit code")
    c.true(f"openai backend: item '2': POST {srv.url}/v1/completions answered 400: POST /v1/completions: prompt 0 has "
           f"606 tokens and max_tokens is 4: together 610 exceed the model's context of 512 tokens" in p.stderr,
           f"4xx message: {p.stderr[-600:]}")
    # An unknown served model is refused before any item is sent, listing what the server has.
    p = run_eval("nomodel", "--backend", "openai", "--base-url", srv.url, "--served-model", "gpt-4", *suites[0][1])
    c.eq(p.returncode, 1, "unknown model exit code")
    c.true(f"openai backend: the server at {srv.url} does not serve 'gpt-4'; it lists 'tiny'" in p.stderr,
           f"unknown model message: {p.stderr[-400:]}")
    # --chat has no log-likelihood.
    p = run_eval("chat-ll", "--backend", "openai", "--base-url", srv.url, "--served-model", "tiny", "--chat",
                 *suites[0][1])
    c.true(p.returncode != 0 and "--chat applies to generate mode" in p.stderr, f"--chat loglik: {p.stderr[-400:]}")
finally:
    srv.stop()
    srv2.stop()

# Killed mid-eval: retries, then a clear failure; the rerun sends only what was never answered.
cache = os.path.join(work, "cache")
huatuo_args = suites[2][1]
srv = Server(qb, ck, "--served-model-name", "tiny", "--batch-size", "1")
cmd = [qb, "-q", "eval", "--out", os.path.join(work, "fault"), "--backend", "openai", "--base-url", srv.url,
       "--served-model", "tiny", "--cache-dir", cache, "--concurrency", "1", "--retries", "2",
       "--retry-backoff", "0.2", *huatuo_args]
client = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def cached():
    return sum(len(files) for _, _, files in os.walk(cache))


deadline = time.time() + 120
while cached() < 10 and time.time() < deadline and client.poll() is None:
    time.sleep(0.01)
srv.kill()
out, err = client.communicate(timeout=120)
answered = cached()
c.eq(client.returncode, 1, "client exit code after the server died")
c.true("gave up after 3 attempts over 1 replica(s); last: POST " + srv.url + "/v1/completions: no answer (" in err
       and "openai backend: item '" in err, f"server-died message: {err[-600:]}")
c.true(10 <= answered < 40, f"answers cached before the kill: {answered}")

srv = Server(qb, ck, "--served-model-name", "tiny")
try:
    cmd[cmd.index("--base-url") + 1] = srv.url
    p = subprocess.run(cmd, capture_output=True, text=True)
    if must(p, "resumed eval"):
        client_counters = metrics("fault")["client"]
        served = call(srv.url, "/stats")[1]["requests"].get("POST /v1/completions 200", 0)
        c.eq(served, 40 - answered, "the restarted server answered only the missing requests")
        c.eq(client_counters["http_requests"], 40 - answered, "the client sent only the missing requests")
        same_rows(rows("fault"), rows("local-huatuo"), "resumed huatuo")
    shutil.rmtree(os.path.join(work, "fault"))
    p = subprocess.run(cmd, capture_output=True, text=True)
    if must(p, "rerun"):
        c.eq(metrics("fault")["client"]["http_requests"], 0, "a rerun sends nothing")
        c.eq(metrics("fault")["client"]["cache_hits"], 40, "a rerun answers from the cache")
        same_rows(rows("fault"), rows("local-huatuo"), "cached huatuo")
    # A damaged cache entry is a miss: that one request is sent again and the entry rewritten.
    victim = next(os.path.join(r, f) for r, _, fs in os.walk(cache) for f in fs)
    with open(victim, "w") as f:
        f.write('{"choices": [')
    shutil.rmtree(os.path.join(work, "fault"))
    p = subprocess.run(cmd, capture_output=True, text=True)
    if must(p, "rerun with a damaged entry"):
        c.eq(metrics("fault")["client"]["http_requests"], 1, "only the damaged entry is sent again")
        same_rows(rows("fault"), rows("local-huatuo"), "huatuo after a damaged entry")
finally:
    srv.stop()

c.finish("serve_eval_parity")
