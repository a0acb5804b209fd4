#!/usr/bin/python3
"""End-to-end pipeline test on the small CI world (ci/gate-config.json):

1. an uninterrupted `run all`;
2. a second run directory whose `run all` is killed with SIGKILL twice — once while the SFT
   stage is training (after its first checkpoint) and once in the middle of an evaluation —
   and then completed: every metric and comparison must equal the uninterrupted run exactly
   (resume loses nothing and changes nothing);
3. `run all` again on the finished directory: no step may run (the cache answers everything);
4. `qilin-bench gate` of the uninterrupted run against the committed baseline
   ci/baseline/results.json: exit 0 (scripts/refresh-ci-baseline.sh renews it on purpose).

Usage: pipeline_resume_gate.py QILIN_BENCH SOURCE_DIR WORK_DIR
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

qb, src, work = sys.argv[1], sys.argv[2], sys.argv[3]
config = os.path.join(src, "ci", "gate-config.json")
env = dict(os.environ, QILIN_THREADS="2")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)


def run_all(run_dir, log_name):
    with open(os.path.join(work, log_name), "w") as log:
        p = subprocess.run([qb, "-q", "run", "all", "--config", config, "--run-dir", run_dir],
                           stdout=log, stderr=subprocess.STDOUT, env=env)
    if p.returncode != 0:
        print(open(os.path.join(work, log_name)).read()[-4000:])
        sys.exit(f"run all in {run_dir} exited {p.returncode}")


def kill_when(run_dir, pattern, log_name, timeout=900):
    """Starts run all and SIGKILLs it as soon as a file matching `pattern` exists."""
    log = open(os.path.join(work, log_name), "w")
    p = subprocess.Popen([qb, "-q", "run", "all", "--config", config, "--run-dir", run_dir],
                         stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if glob.glob(os.path.join(run_dir, pattern)):
            p.send_signal(signal.SIGKILL)
            p.wait()
            print(f"killed run all after {pattern} appeared")
            return
        if p.poll() is not None:
            sys.exit(f"run all finished (exit {p.returncode}) before {pattern} appeared; "
                     "make the kill point earlier")
        time.sleep(0.05)
    p.kill()
    sys.exit(f"timed out waiting for {pattern}")


def numbers(results_path):
    r = json.load(open(results_path))
    out = {}
    for m in r["models"]:
        for e in m["evaluations"]:
            for name, v in e["metrics"].items():
                out[f'{m["name"]}/{e["suite"]}/{e["mode"]}/{name}'] = (v["value"], v.get("ci_low"), v.get("ci_high"))
    for c in r["comparisons"]:
        out[f'cmp/{c["baseline"]}/{c["model"]}/{c["suite"]}/{c["mode"]}/{c["metric"]}'] = (c["delta"], c.get("p_value"))
    return out


a, b = os.path.join(work, "a"), os.path.join(work, "b")
t0 = time.time()
run_all(a, "a.log")
print(f"uninterrupted run: {time.time() - t0:.1f} s")

kill_when(b, "cache/train-sft-*/work/checkpoint-*/trainer_state.json", "b1.log")
kill_when(b, "cache/eval-dcpt-cmexam-generate-*/out/work/chunk-000000.jsonl", "b2.log")
run_all(b, "b3.log")

na, nb = numbers(os.path.join(a, "results.json")), numbers(os.path.join(b, "results.json"))
if na != nb:
    for k in sorted(set(na) | set(nb)):
        if na.get(k) != nb.get(k):
            print(f"differs: {k}: uninterrupted {na.get(k)} vs resumed {nb.get(k)}")
    sys.exit("a killed-and-resumed run differs from the uninterrupted run")
print(f"resumed run equals the uninterrupted run on {len(na)} numbers")

t1 = time.time()
p = subprocess.run([qb, "run", "all", "--config", config, "--run-dir", b], capture_output=True, text=True, env=env)
if p.returncode != 0 or " 0 steps ran" not in p.stderr:
    sys.exit(f"second run was not a no-op (exit {p.returncode}):\n{p.stderr[-2000:]}")
print(f"second run: no step ran, {time.time() - t1:.1f} s")

baseline = os.path.join(src, "ci", "baseline", "results.json")
g = subprocess.run([qb, "gate", "--baseline", baseline, "--current", os.path.join(a, "results.json")],
                   capture_output=True, text=True, env=env)
print(g.stdout)
if g.returncode != 0:
    sys.exit(f"gate against ci/baseline failed (exit {g.returncode}) {g.stderr}\n"
             "If the change is meant to move the numbers, run scripts/refresh-ci-baseline.sh and commit.")
print("gate: no regression against ci/baseline")
