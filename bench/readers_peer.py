#!/usr/bin/python3
"""Side-by-side peer for bench_suites_readers_bench: the same files read with Python's csv and
json modules doing the same work (CMExam: split options, parse the answer letters; Huatuo:
json.load + pick the strings; SFT: json.loads per line + roles). Prints CPU ms per read (best of
N, time.process_time, comparable with Google Benchmark's CPU column on a loaded machine) and wall ms.
Usage: readers_peer.py SHARED_DATA_DIR [N]"""
import csv
import json
import os
import re
import sys
import time

shared = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
opt_re = re.compile(r"\n|\\n")


def csv_parse(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.reader(f))


def cmexam(path):
    out = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            opts = {}
            for line in opt_re.split(row[1]):
                if line.strip():
                    opts[line[0]] = line[2:]
            ans = "".join(sorted(set(row[2].strip())))
            if all(c in opts for c in ans):
                out.append((row[0], opts, ans, row[3].strip()))
    return len(out)


def huatuo(path):
    items = json.load(open(path, encoding="utf-8"))
    return len([(x["instruction"][0].strip(), [a.strip() for a in x["output"]]) for x in items])


def sft(path):
    roles = {"human": "user", "gpt": "assistant"}
    out = []
    for line in open(path, encoding="utf-8"):
        if line.strip():
            d = json.loads(line)
            out.append([(roles[t["from"]], t["value"]) for t in d["conversations"]])
    return len(out)


for name, fn, rel in [("csv_parse_cmexam_val", csv_parse, "cmexam/cmexam_val_6811.csv"),
                      ("read_cmexam_val", cmexam, "cmexam/cmexam_val_6811.csv"),
                      ("read_huatuo_json_list", huatuo, "huatuo26m/huatuo26M_test_6000.json"),
                      ("read_sft_jsonl", sft, "medicalgpt/medical_sft_1K_format.jsonl")]:
    path = os.path.join(shared, rel)
    best_cpu = best_wall = float("inf")
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn(path)
        best_cpu = min(best_cpu, time.process_time() - c)
        best_wall = min(best_wall, time.perf_counter() - t)
    print(f"python {name}: cpu {best_cpu * 1000:.1f} ms, wall {best_wall * 1000:.1f} ms "
          f"(best of {n}; {os.path.getsize(path) / best_cpu / 1e6:.1f} MB/s cpu)")
