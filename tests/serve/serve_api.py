#!/usr/bin/python3
"""`qilin-bench serve` over plain HTTP: the response shapes, greedy batching, and every refusal
with its exact status and message (bad JSON, wrong types, out-of-vocabulary ids, unknown model,
over-long prompt, sampling, full queue, API key) while the server keeps serving.

Usage: serve_api.py QILIN_BENCH WORK_DIR
"""
import concurrent.futures
import math
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Check, Server, call, make_checkpoint  # noqa: E402

qb, work = sys.argv[1], sys.argv[2]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
ck = make_checkpoint(qb, os.path.join(work, "ck"))
chat_ck = make_checkpoint(qb, os.path.join(work, "chat"), chat=True)
c = Check()
C = "POST /v1/completions: "

srv = Server(qb, ck, "--served-model-name", "tiny")
u = srv.url
try:
    c.eq(call(u, "/health"), (200, {"status": "ok"}), "health")
    st, models = call(u, "/v1/models")
    c.eq((st, [m["id"] for m in models["data"]], models["data"][0]["max_model_len"]), (200, ["tiny"], 512), "models")

    # Echo with max_tokens 0: the prompt's own tokens, BOS first with a null log-prob.
    st, r = call(u, "/v1/completions", {"model": "tiny", "prompt": "患者发热", "max_tokens": 0, "echo": True,
                                         "logprobs": 1, "temperature": 0})
    lp = r["choices"][0]["logprobs"]
    c.eq(st, 200, "echo status")
    c.eq(r["choices"][0]["text"], "患者发热", "echo text")
    c.eq(lp["tokens"], ["<s>", "患", "者", "发", "热"], "echo tokens")
    c.eq(lp["text_offset"], [0, 0, 1, 2, 3], "echo text_offset")
    c.eq(lp["token_logprobs"][0], None, "first token logprob is null")
    c.eq(lp["top_logprobs"][0], None, "first top_logprobs is null")
    c.eq(r["usage"], {"prompt_tokens": 5, "completion_tokens": 0, "total_tokens": 5}, "echo usage")
    for i in range(1, 5):
        (tok, best), = lp["top_logprobs"][i].items()
        c.true(best >= lp["token_logprobs"][i] - 1e-6, f"top logprob {i} is the best")
        c.true(lp["token_logprobs"][i] < 0, f"logprob {i} negative")
    # The same prompt as token ids (from /tokenize) gives the same numbers.
    st, t = call(u, "/tokenize", {"model": "tiny", "prompt": "患者发热"})
    c.eq((st, t["count"], t["tokens"][0]), (200, 5, 1), "tokenize")
    st, d = call(u, "/detokenize", {"tokens": t["tokens"]})
    c.eq((st, d), (200, {"prompt": "患者发热"}), "detokenize")
    st, r2 = call(u, "/v1/completions", {"model": "tiny", "prompt": [t["tokens"], t["tokens"][:3]], "max_tokens": 0,
                                          "echo": True, "logprobs": 1})
    c.eq(st, 200, "ids status")
    c.eq([ch["index"] for ch in r2["choices"]], [0, 1], "one choice per prompt, by index")
    # Equal up to float rounding: the two prompts run in one right-padded batch here.
    c.close(r2["choices"][0]["logprobs"]["token_logprobs"], lp["token_logprobs"], "ids prompt = text prompt")
    c.close(r2["choices"][1]["logprobs"]["token_logprobs"], lp["token_logprobs"][:3], "shorter prompt = prefix")
    c.eq(r2["choices"][1]["text"], "患者", "ids prompt echo text is decoded")

    # Generation: greedy, so equal requests give equal text; a list of prompts answers each.
    body = {"model": "tiny", "prompt": ["高血压", "糖尿病"], "max_tokens": 6}
    st, g1 = call(u, "/v1/completions", body)
    st2, g2 = call(u, "/v1/completions", body)
    c.eq((st, st2), (200, 200), "generate status")
    c.eq([x["text"] for x in g1["choices"]], [x["text"] for x in g2["choices"]], "greedy is deterministic")
    c.true(all(x["finish_reason"] in ("length", "stop") for x in g1["choices"]), "finish reasons")
    c.true(g1["usage"]["completion_tokens"] <= 12, "completion tokens bounded by max_tokens")
    # stop: the text ends before the stop string's first occurrence; stop_reason names it.
    st, full = call(u, "/v1/completions", {"model": "tiny", "prompt": "高血压", "max_tokens": 8})
    text = full["choices"][0]["text"]
    stop = text[2] if len(text) > 2 else None
    if stop:
        st, cut = call(u, "/v1/completions", {"model": "tiny", "prompt": "高血压", "max_tokens": 8, "stop": [stop]})
        ch = cut["choices"][0]
        c.eq((ch["text"], ch["finish_reason"], ch["stop_reason"]), (text[:text.index(stop)], "stop", stop), "stop")
    c.true(stop is not None, f"a generation long enough to cut: {text!r}")
    # Concurrent requests share engine batches and get the answers they get alone.
    bodies = [{"model": "tiny", "prompt": p, "max_tokens": 8} for p in ["高血压", "糖尿病", "患者", "咳嗽"] * 4]
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        many = list(ex.map(lambda b: call(u, "/v1/completions", b), bodies))
    alone = {p: call(u, "/v1/completions", {"model": "tiny", "prompt": p, "max_tokens": 8})[1]["choices"][0]["text"]
             for p in ["高血压", "糖尿病", "患者", "咳嗽"]}
    c.eq([m[1]["choices"][0]["text"] for m in many], [alone[b["prompt"]] for b in bodies], "batched = alone")
    st, stats = call(u, "/stats")
    c.true(stats["engine"]["max_batch_jobs"] >= 2, f"concurrent requests were batched: {stats['engine']}")

    # Refusals: exact status and message; the server goes on serving.
    cases = [
        ("bad JSON", {"raw": "{bad"}, 400,
         C + "the body is not valid JSON ([json.exception.parse_error.101] parse error at line 1, column 2: syntax "
             "error while parsing object key - invalid literal; last read: '{b'; expected string literal)", None),
        ("not an object", {"body": [1, 2]}, 400, C + "the body must be a JSON object, got array", None),
        ("max_tokens string", {"body": {"model": "tiny", "prompt": "a", "max_tokens": "3"}}, 400,
         C + "'max_tokens' must be an integer, got string", "max_tokens"),
        ("echo number", {"body": {"model": "tiny", "prompt": "a", "echo": 1}}, 400,
         C + "'echo' must be a boolean, got number", "echo"),
        ("prompt object", {"body": {"model": "tiny", "prompt": {"a": 1}}}, 400,
         C + "'prompt' must be a string, a list of strings, a list of token ids or a list of token-id lists, "
             "got object", "prompt"),
        ("mixed prompt", {"body": {"model": "tiny", "prompt": ["a", [1, 2]]}}, 400,
         C + "'prompt[1]' is array but 'prompt' must be a string, a list of strings, a list of token ids or a "
             "list of token-id lists (not mixed)", "prompt"),
        ("oov id", {"body": {"model": "tiny", "prompt": [[1, 5], [1, 999]]}}, 400,
         C + "prompt 1: token id 999 at position 1 is outside the vocabulary [0, 329)", "prompt"),
        ("negative id", {"body": {"model": "tiny", "prompt": [1, -4]}}, 400,
         C + "prompt 0: token id -4 at position 1 is outside the vocabulary [0, 329)", "prompt"),
        ("unknown model", {"body": {"model": "gpt-4", "prompt": "a"}}, 404,
         C + "the model 'gpt-4' does not exist; this server serves 'tiny'", "model"),
        ("missing model", {"body": {"prompt": "a"}}, 400, C + "'model' is required", "model"),
        ("too long", {"body": {"model": "tiny", "prompt": "患" * 500, "max_tokens": 20}}, 400,
         C + "prompt 0 has 501 tokens and max_tokens is 20: together 521 exceed the model's context of 512 tokens",
         "prompt"),
        ("temperature", {"body": {"model": "tiny", "prompt": "a", "temperature": 0.7}}, 400,
         C + "only greedy decoding is served: 'temperature' must be 0, got 0.7", "temperature"),
        ("stream", {"body": {"model": "tiny", "prompt": "a", "stream": True}}, 400,
         C + "streaming is not supported: 'stream' must be false", "stream"),
        ("logprobs too many", {"body": {"model": "tiny", "prompt": "a", "logprobs": 50}}, 400,
         C + "'logprobs' must be between 0 and 20, got 50", "logprobs"),
        ("max_tokens 0 no echo", {"body": {"model": "tiny", "prompt": "a", "max_tokens": 0}}, 400,
         C + "'max_tokens' is 0 without 'echo': nothing to return", "max_tokens"),
        ("chat without template", {"path": "/v1/chat/completions",
                                   "body": {"model": "tiny", "messages": [{"role": "user", "content": "hi"}]}}, 400,
         "POST /v1/chat/completions: the model 'tiny' has no chat template (its checkpoint has no "
         "chat_template.json); use /v1/completions", None),
        ("chat bad role", {"path": "/v1/chat/completions",
                           "body": {"model": "tiny", "messages": [{"role": "bot", "content": "hi"}]}}, 400,
         "POST /v1/chat/completions: 'messages[0].role' must be system, user or assistant, got 'bot'", "messages"),
        ("detokenize oov", {"path": "/detokenize", "body": {"tokens": [1, 352]}}, 400,
         "POST /detokenize: tokens: token id 352 at position 1 is outside the vocabulary [0, 329)", "tokens"),
        ("unknown path", {"path": "/v1/embeddings", "body": {}}, 404, "POST /v1/embeddings: no such endpoint", None),
    ]
    for name, req, status, message, param in cases:
        st, err = call(u, req.get("path", "/v1/completions"), body=req.get("body"), raw=req.get("raw"))
        c.eq(st, status, name + " status")
        c.eq(err.get("error", {}).get("message"), message, name + " message")
        c.eq(err.get("error", {}).get("param"), param, name + " param")
        c.eq(sorted(err.get("error", {}).keys()), ["code", "message", "param", "type"], name + " error keys")
    c.eq(call(u, "/health")[0], 200, "still serving after the refusals")
finally:
    c.eq(srv.stop(), 0, "serve exits 0 on SIGTERM")

# The chat template: a chat request equals the completion of the rendered turn.
srv = Server(qb, chat_ck, "--served-model-name", "chat")
try:
    st, ch = call(srv.url, "/v1/chat/completions", {"model": "chat", "max_tokens": 5,
                                                    "messages": [{"role": "user", "content": "高血压"}]})
    st2, co = call(srv.url, "/v1/completions", {"model": "chat", "prompt": "问：高血压答：", "max_tokens": 5})
    c.eq((st, st2), (200, 200), "chat status")
    c.eq(ch["choices"][0]["message"], {"role": "assistant", "content": co["choices"][0]["text"]}, "chat = template")
    c.eq(ch["object"], "chat.completion", "chat object")
finally:
    srv.stop()

# A full queue answers 503 at once; a key is required when --api-key-env is given.
env = dict(os.environ, QILIN_TEST_KEY="sekrit-123")
srv = Server(qb, ck, "--max-queue", "1", "--batch-size", "1", "--api-key-env", "QILIN_TEST_KEY", env=env)
u = srv.url
try:
    c.eq(call(u, "/health"), (200, {"status": "ok"}), "health needs no key")
    st, err = call(u, "/v1/models")
    c.eq((st, err["error"]["message"], err["error"]["code"]),
         (401, "no API key: send the header 'Authorization: Bearer KEY'", "invalid_api_key"), "no key")
    st, err = call(u, "/v1/models", key="wrong")
    c.eq((st, err["error"]["message"]), (401, "incorrect API key in the Authorization header"), "wrong key")
    c.eq(call(u, "/v1/models", key="sekrit-123")[0], 200, "right key")
    # One long job runs (batch size 1: 48 prompts one after the other), one waits, the rest are refused.
    long_job = {"model": ck, "prompt": ["患者"] * 48, "max_tokens": 200}
    short = {"model": ck, "prompt": "高血压", "max_tokens": 2}
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        first = ex.submit(call, u, "/v1/completions", long_job, None, "sekrit-123")
        import time
        time.sleep(0.5)
        rest = list(ex.map(lambda _: call(u, "/v1/completions", short, key="sekrit-123"), range(6)))
        c.eq(first.result()[0], 200, "long job answered")
    busy = [r for r in rest if r[0] == 503]
    c.true(len(busy) >= 4 and all(r[0] in (200, 503) for r in rest), f"503s: {[r[0] for r in rest]}")
    if busy:
        c.eq(busy[0][1]["error"]["message"],
             "the server is busy: 1 requests are already queued (--max-queue 1); retry later", "503 message")
        c.eq(busy[0][1]["error"]["code"], "queue_full", "503 code")
    c.eq(call(u, "/v1/completions", short, key="sekrit-123")[0], 200, "serving again after the burst")
finally:
    srv.stop()

c.finish("serve_api")
