#!/usr/bin/python3
"""Faults a run directory must survive, on the small CI world (ci/gate-config.json):

1. two `run` processes on one run directory: the second is refused at once (exit 2, naming
   the first's pid) and the first finishes undisturbed; this run is the reference;
2. SIGTERM while a stage trains and SIGINT while an evaluation runs: each stops the run with a
   message, dying of the signal; the rerun resumes and equals the reference, and no writer's
   temporary is left anywhere;
3. a damaged cache (a truncated samples.jsonl, a checkpoint file deleted, a done.json that does
   not parse): the rerun says which steps it redoes and why, records it in manifest.json, and
   its numbers equal the reference; a further rerun does nothing;
4. the disk filling up (a size-limited tmpfs; skipped when this process may not mount one):
   a clear error naming the file and "No space left on device", no temporary left, every
   finished step intact; once space is freed the rerun finishes and equals the reference.

Usage: run_faults.py QILIN_BENCH SOURCE_DIR WORK_DIR
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


def cmd(run_dir):
    return [qb, "-q", "run", "all", "--config", config, "--run-dir", run_dir]


def run_all(run_dir):
    p = subprocess.run(cmd(run_dir), capture_output=True, text=True, env=env)
    return p.returncode, p.stderr


def must_finish(run_dir):
    rc, err = run_all(run_dir)
    if rc != 0:
        sys.exit(f"run all in {run_dir} exited {rc}:\n{err[-4000:]}")
    return err


def wait_for(p, run_dir, pattern, timeout=900):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if glob.glob(os.path.join(run_dir, pattern)):
            return
        if p.poll() is not None:
            sys.exit(f"run all finished (exit {p.returncode}) before {pattern} appeared")
        time.sleep(0.05)
    p.kill()
    sys.exit(f"timed out waiting for {pattern}")


def numbers(run_dir):
    r = json.load(open(os.path.join(run_dir, "results.json")))
    out = {}
    for m in r["models"]:
        for e in m["evaluations"]:
            for name, v in e["metrics"].items():
                out[f'{m["name"]}/{e["suite"]}/{e["mode"]}/{name}'] = (v["value"], v.get("ci_low"), v.get("ci_high"))
    for c in r["comparisons"]:
        out[f'cmp/{c["baseline"]}/{c["model"]}/{c["suite"]}/{c["mode"]}/{c["metric"]}'] = (c["delta"], c.get("p_value"))
    return out


def same_as_reference(run_dir, what):
    got = numbers(run_dir)
    if got != reference:
        for k in sorted(set(got) | set(reference)):
            if got.get(k) != reference.get(k):
                print(f"differs: {k}: reference {reference.get(k)} vs {got.get(k)}")
        sys.exit(f"{what}: results differ from the uninterrupted run")
    print(f"{what}: equals the uninterrupted run on {len(got)} numbers")


def temporaries(run_dir):
    return [p for p in glob.glob(os.path.join(run_dir, "**", "*.tmp.*"), recursive=True)]


# 1. A second writer is refused; the first run is the reference. ------------------------------
a = os.path.join(work, "a")
first = subprocess.Popen(cmd(a), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
wait_for(first, a, "cache/demo-world-*")
rc, err = run_all(a)
want = (f"qilin-bench: error: {a}: run.lock: another 'qilin-bench run' (pid {first.pid}) is writing this "
        "run directory; wait for it to finish, or give another --run-dir\n")
if rc != 2 or err != want:
    first.kill()
    sys.exit(f"second run on a busy directory: exit {rc}, stderr {err!r}; wanted exit 2 and {want!r}")
_, first_err = first.communicate()
if first.returncode != 0:
    sys.exit(f"the first run failed after the second was refused (exit {first.returncode}):\n{first_err[-3000:]}")
reference = numbers(a)
print(f"second writer refused with exit 2; the first run finished ({len(reference)} numbers)")

# 2. SIGTERM while training, SIGINT while evaluating, then resume. ----------------------------
b = os.path.join(work, "b")
for sig, pattern in ((signal.SIGTERM, "cache/train-sft-*/work/checkpoint-*/trainer_state.json"),
                     (signal.SIGINT, "cache/eval-dcpt-cmexam-generate-*/out/work/chunk-000000.jsonl")):
    p = subprocess.Popen(cmd(b), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    wait_for(p, b, pattern)
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    name = signal.Signals(sig).name
    said = f"qilin-bench: run stopped by {name}; finished steps are kept: rerun the same command to resume"
    if p.returncode != -sig or said not in err:
        sys.exit(f"{name}: exit {p.returncode} (wanted death by {name}), stderr ends {err[-1000:]!r}")
    print(f"{name} after {pattern}: stopped, said so")
must_finish(b)
if temporaries(b):
    sys.exit(f"temporaries left after the resumed run: {temporaries(b)}")
same_as_reference(b, "resumed after SIGTERM and SIGINT")

# 3. A damaged cache is detected, redone and reported. ----------------------------------------
samples = glob.glob(os.path.join(b, "cache", "eval-sft-cmexam-loglik-*", "out", "samples.jsonl"))
weights = glob.glob(os.path.join(b, "cache", "train-dcpt-*", "work", "final", "*.safetensors"))
dones = glob.glob(os.path.join(b, "cache", "eval-base-huatuo26m-generate-*", "done.json"))
if len(samples) != 1 or not weights or len(dones) != 1:
    sys.exit(f"cache layout changed: samples {samples}, weights {weights}, done {dones}")
full = os.path.getsize(samples[0])
with open(samples[0], "r+b") as f:
    f.truncate(full // 2)
os.remove(weights[0])
with open(dones[0], "r+b") as f:
    f.truncate(10)
weights_dir = os.path.join(b, "cache", os.path.relpath(weights[0], os.path.join(b, "cache")).split(os.sep)[0])
weights_node = os.path.basename(weights_dir).rsplit("-", 1)[0]
weights_rel = os.path.relpath(weights[0], weights_dir)
err = must_finish(b)
sample_node = os.path.basename(os.path.dirname(os.path.dirname(samples[0]))).rsplit("-", 1)[0]
expected = [
    f"[{sample_node}] cached step is damaged (out/samples.jsonl has {full // 2} bytes, {full} when the step "
    "finished): redoing it",
    f"[{os.path.basename(dones[0][:-len('/done.json')]).rsplit('-', 1)[0]}] cached step is damaged "
    "(done.json is not valid JSON): redoing it",
    f"[{weights_node}] cached step is damaged ({weights_rel} is missing): redoing it",
]
for line in expected:
    if line not in err:
        sys.exit(f"the rerun did not say {line!r}; stderr:\n{err[-3000:]}")
manifest = json.load(open(os.path.join(b, "manifest.json")))
redone = {n["name"]: n["redone"] for n in manifest["nodes"] if "redone" in n}
if len(redone) != 3:
    sys.exit(f"manifest.json should list 3 redone steps, lists {redone}")
same_as_reference(b, f"redone damaged steps {sorted(redone)}")
p = subprocess.run([qb, "run", "all", "--config", config, "--run-dir", b], capture_output=True, text=True, env=env)
if p.returncode != 0 or " 0 steps ran" not in p.stderr:
    sys.exit(f"the run after the repair was not a no-op (exit {p.returncode}):\n{p.stderr[-2000:]}")
print("damaged cache: 3 steps redone and reported, then nothing to do")

# 4. The disk fills up. --------------------------------------------------------------------------
used = sum(os.path.getsize(p) for p in glob.glob(os.path.join(a, "**"), recursive=True) if os.path.isfile(p))
mnt = os.path.join(work, "small-disk")
os.makedirs(mnt)
size_kib = used // 2 // 1024
m = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", mnt], capture_output=True, text=True)
if m.returncode != 0:
    print(f"SKIP part 4 (disk full): cannot mount a tmpfs here: {m.stderr.strip()}")
    sys.exit(0)
try:
    c = os.path.join(mnt, "run")
    rc, err = run_all(c)
    if rc == 0 or "No space left on device" not in err or "qilin-bench: error: " not in err:
        sys.exit(f"a full disk: exit {rc}, stderr ends {err[-1500:]!r}")
    print(f"disk of {size_kib} KiB filled up: exit {rc}, {err.strip().splitlines()[-1]}")
    if temporaries(c):
        sys.exit(f"temporaries left on the full disk: {temporaries(c)}")
    finished = glob.glob(os.path.join(c, "cache", "*", "done.json"))
    subprocess.run(["mount", "-o", "remount,size=" + str(used * 2 // 1024) + "k", mnt], check=True)
    err = must_finish(c)
    if "damaged" in err:
        sys.exit(f"a step finished before the disk filled up was damaged:\n{err[-2000:]}")
    same_as_reference(c, f"resumed after the disk filled up ({len(finished)} steps had finished)")
finally:
    subprocess.run(["umount", mnt])
