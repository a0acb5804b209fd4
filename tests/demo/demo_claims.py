#!/usr/bin/python3
"""The guard on the demo's story (issue 21): the default `qilin-bench run all` (the embedded demo,
default config, what `scripts/run-demo` runs) from a clean run directory, then
`qilin-bench gate --claims ci/demo-claims.json` on its results: every claim listed there must
still show as a significant gain. A change to the trainer, the demo world or the defaults that
loses one fails CI here, even where the small CI world's metrics stay within tolerance.

Usage: demo_claims.py QILIN_BENCH SOURCE_DIR WORK_DIR
"""
import os
import shutil
import subprocess
import sys
import time

qb, src, work = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
run_dir = os.path.join(work, "demo")
log_path = os.path.join(work, "run-all.log")
env = dict(os.environ, QILIN_THREADS=os.environ.get("QILIN_THREADS", "2"))
t0 = time.monotonic()
with open(log_path, "w") as log:
    p = subprocess.run([qb, "-q", "run", "all", "--run-dir", run_dir], stdout=log, stderr=subprocess.STDOUT,
                       env=env, cwd=work)
print(f"run all (default demo): exit {p.returncode} in {time.monotonic() - t0:.0f} s")
if p.returncode != 0:
    print(open(log_path).read()[-4000:])
    sys.exit(f"run all exited {p.returncode}")
print(open(log_path).read()[-2500:])
g = subprocess.run([qb, "gate", "--claims", os.path.join(src, "ci", "demo-claims.json"), "--current",
                    os.path.join(run_dir, "results.json")], capture_output=True, text=True)
print(g.stdout, g.stderr, sep="")
sys.exit(g.returncode)
