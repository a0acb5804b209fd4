#!/usr/bin/python3
"""Independent check of leaderboard.csv against results.json.

Renders the report with the real binary, parses the CSV with Python's csv module (RFC 4180) and
recomputes every cell from results.json and the paper's numbers (SPEC section 2) written out
here again, so a renderer bug cannot be hidden by sharing code with the test.
Usage: check_csv_parity.py QILIN_BENCH RUN_DIR OUT_DIR
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys

qilin_bench, run_dir, out_dir = sys.argv[1:4]
shutil.rmtree(out_dir, ignore_errors=True)
subprocess.run([qilin_bench, "-q", "report", "--run", run_dir, "--out", out_dir], check=True)

raw = open(os.path.join(out_dir, "leaderboard.csv"), "rb").read()
text = raw.decode("utf-8")  # must be valid UTF-8
assert "\n" not in text.replace("\r\n", ""), "every record must end with CRLF"
rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
header, body = rows[0], rows[1:]
assert all(len(r) == len(header) for r in body), "ragged rows"
results = json.load(open(os.path.join(run_dir, "results.json"), encoding="utf-8"))
failures = []


def check(what, got, want):
    if want is None:
        ok = got == ""
    elif isinstance(want, bool):
        ok = got == ("true" if want else "false")
    elif isinstance(want, str):
        ok = got == want
    else:
        ok = got != "" and abs(float(got) - want) <= 1e-9 * max(1.0, abs(want))
    if not ok:
        failures.append(f"{what}: csv has {got!r}, expected {want!r}")


SUITE_ORDER = {"cmexam": 0, "huatuo26m": 1}
MODE_ORDER = {"loglik": 0, "generate": 1}
METRIC_ORDER = ["acc", "acc_norm", "extraction_failure_rate", "bleu1", "bleu2", "bleu3", "bleu4", "rouge1",
                "rouge2", "rougeL", "distinct1", "distinct2", "gleu", "bleu"]
columns = {(e["suite"], e["mode"], k) for m in results["models"] for e in m["evaluations"] for k in e["metrics"]}
columns |= {("cmexam", "generate", "acc"), ("huatuo26m", "generate", "bleu1"), ("huatuo26m", "generate", "rouge1")}
columns = sorted(columns, key=lambda c: (SUITE_ORDER.get(c[0], 2), c[0], MODE_ORDER.get(c[1], 2), c[1],
                                         METRIC_ORDER.index(c[2]) if c[2] in METRIC_ORDER else 99, c[2]))
SUFFIXES = ["", ":ci_low", ":ci_high", ":delta", ":delta_ci_low", ":delta_ci_high", ":p_value", ":significant"]
want_header = ["source", "run", "model", "stage", "rag", "base"] + [
    "/".join(c) + s for c in columns for s in SUFFIXES]
check("header", ",".join(header), ",".join(want_header))

PAPER = [  # name, stage, rag, CMExam acc, BLEU-1, ROUGE-1 (Qilin-Med abstract)
    ("Baichuan-7B", "base", False, 33.5, None, None),
    ("Qilin-Med DCPT", "dcpt", False, 38.4, None, None),
    ("Qilin-Med SFT", "sft", False, 40.0, 12.69, 24.21),
    ("Qilin-Med DPO", "dpo", False, None, 16.66, 27.44),
    ("Qilin-Med-RAG", "rag", True, 42.8, None, None),
]
assert len(body) == len(PAPER) + len(results["models"]), len(body)
run_label = results["manifest"].get("run_name") or os.path.basename(os.path.abspath(run_dir))

for row, (name, stage, rag, acc, b1, r1) in zip(body, PAPER):
    cells = dict(zip(header, row))
    check(f"{name} ident", ",".join(row[:6]), ",".join(
        ["published", "Qilin-Med paper (arXiv 2310.09089)", name, stage, "true" if rag else "false",
         "" if stage == "base" else "Baichuan-7B"]))
    paper_values = {("cmexam", "generate", "acc"): (acc, 33.5), ("huatuo26m", "generate", "bleu1"): (b1, None),
                    ("huatuo26m", "generate", "rouge1"): (r1, None)}
    for c in columns:
        value, base = paper_values.get(c, (None, None))
        delta = value - base if value is not None and base is not None and stage != "base" else None
        key = "/".join(c)
        for s, want in zip(SUFFIXES, [value, None, None, delta, None, None, None, None]):
            check(f"{name} {key}{s}", cells[key + s], want)

models = {m["name"]: m for m in results["models"]}
for row, m in zip(body[len(PAPER):], results["models"]):
    cells = dict(zip(header, row))
    check(f"{m['name']} ident", ",".join(row[:6]), ",".join(
        ["measured", run_label, m["name"], m["stage"], "true" if m.get("rag") else "false", m.get("base", "")]))
    evals = {(e["suite"], e["mode"]): e for e in m["evaluations"]}
    base = models.get(m.get("base", ""))
    base_evals = {(e["suite"], e["mode"]): e for e in base["evaluations"]} if base else {}
    for c in columns:
        key = "/".join(c)
        mv = evals.get(c[:2], {}).get("metrics", {}).get(c[2])
        want = [None] * 8
        if mv is not None:
            want[0:3] = [mv["value"], mv.get("ci_low"), mv.get("ci_high")]
            cmp = [x for x in results.get("comparisons", []) if x["baseline"] == m.get("base") and
                   x["model"] == m["name"] and (x["suite"], x["mode"], x["metric"]) == c]
            bmv = base_evals.get(c[:2], {}).get("metrics", {}).get(c[2])
            if cmp:
                x = cmp[0]
                want[3:8] = [x["delta"], x.get("ci_low"), x.get("ci_high"), x.get("p_value"), x["significant"]]
            elif bmv is not None:
                want[3] = mv["value"] - bmv["value"]
        for s, w in zip(SUFFIXES, want):
            check(f"{m['name']} {key}{s}", cells[key + s], w)

if failures:
    print("\n".join(failures[:40]))
    print(f"{len(failures)} mismatches")
    sys.exit(1)
print(f"leaderboard.csv matches results.json: {len(body)} rows x {len(header)} columns checked")
