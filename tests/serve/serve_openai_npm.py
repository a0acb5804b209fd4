#!/usr/bin/python3
"""A real third-party client: the official `openai` npm package (pinned in tests/serve/npm/package.json,
installed by `scripts/setup.sh test`) against `qilin-bench serve`: models list, completions with
echo + logprobs (equal to the same call over plain HTTP), a completion, a chat completion, and the
typed errors it raises for an unknown model (404) and a wrong key (401). Skips with a message when
node/npm or the installed package are missing.

Usage: serve_openai_npm.py QILIN_BENCH WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Check, Server, call, make_checkpoint  # noqa: E402

qb, work = sys.argv[1], sys.argv[2]
npm_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npm")
if not shutil.which("node"):
    print("serve_openai_npm: SKIPPED: node is not installed (scripts/setup.sh test installs it)")
    sys.exit(0)
if not os.path.isdir(os.path.join(npm_dir, "node_modules", "openai")):
    print(f"serve_openai_npm: SKIPPED: the openai package is not installed in {npm_dir} "
          "(scripts/setup.sh test runs npm ci there)")
    sys.exit(0)
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
ck = make_checkpoint(qb, os.path.join(work, "chat"), chat=True)
c = Check()
key = "npm-test-key"
srv = Server(qb, ck, "--served-model-name", "tiny", "--api-key-env", "NPM_KEY", env=dict(os.environ, NPM_KEY=key))
try:
    p = subprocess.run(["node", os.path.join(npm_dir, "client.mjs"), srv.url, "tiny", key], capture_output=True,
                       text=True, cwd=npm_dir, timeout=120)
    c.eq(p.returncode, 0, "node client exit: " + p.stderr[-1500:])
    if p.returncode == 0:
        got = json.loads(p.stdout)
        c.eq(got["models"], ["tiny"], "models.list")
        st, want = call(srv.url, "/v1/completions", {"model": "tiny", "prompt": ["患者发热", "高血压"], "max_tokens": 0,
                                                      "echo": True, "logprobs": 1, "temperature": 0}, key=key)
        c.eq(got["echo"], [{"index": ch["index"], "text": ch["text"], "logprobs": ch["logprobs"]}
                           for ch in want["choices"]], "completions echo+logprobs as the client parsed them")
        c.eq(got["echo"][0]["logprobs"]["tokens"], ["<s>", "患", "者", "发", "热"], "echoed tokens")
        st, want = call(srv.url, "/v1/completions", {"model": "tiny", "prompt": "糖尿病", "max_tokens": 6}, key=key)
        c.eq(got["completion"], want["choices"][0]["text"], "completion text")
        st, want = call(srv.url, "/v1/completions", {"model": "tiny", "prompt": "问：高血压答：", "max_tokens": 5}, key=key)
        c.eq(got["chat"]["role"], "assistant", "chat role")
        c.eq(got["chat"]["content"], want["choices"][0]["text"], "chat content = the template's completion")
        c.eq(got["error"], {"cls": "NotFoundError", "status": 404, "code": "model_not_found",
                            "message": "POST /v1/completions: the model 'no-such-model' does not exist; this server "
                                       "serves 'tiny'"}, "unknown model error")
        c.eq(got["unauthorized"], {"cls": "AuthenticationError", "status": 401,
                                   "message": "incorrect API key in the Authorization header"}, "wrong key error")
finally:
    srv.stop()
c.finish("serve_openai_npm")
