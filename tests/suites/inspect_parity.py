#!/usr/bin/python3
"""Independent reference for `qilin-bench data inspect` on the real files in ../shared/data.

Python's csv and json modules re-derive every count, histogram and mean from the raw files,
following the rules written in docs/FORMATS.md, and the script compares them with the
binary's JSON output field by field. Usage: inspect_parity.py QILIN_BENCH SHARED_DATA_DIR.
Exit 77 (skipped) when the shared data folder is absent.
"""
import collections
import csv
import json
import math
import os
import re
import subprocess
import sys

WS = " \t\r\n\u3000"  # the readers' trim set (ASCII whitespace and the ideographic space)


def mean2(values):
    values = list(values)
    if not values:
        return 0.0
    return math.floor(sum(values) / len(values) * 100 + 0.5) / 100  # C++ std::round(x*100)/100


def hist(values):
    c = collections.Counter(values)
    return {str(k): c[k] for k in sorted(c)}


def inspect(binary, path, *extra):
    out = subprocess.run([binary, "data", "inspect", *extra, path], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"inspect {path} failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)


def cmexam(path):
    option_line = re.compile(r"^([A-Z])(?: |\.|:|\t|．|、|：|\u3000)[ \t]*(.*)$", re.S)
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = [h.strip(WS) for h in next(reader)]
        col = {h: i for i, h in enumerate(header)}
        rows, errors = [], []
        start = reader.line_num + 1
        for r in reader:
            line = start
            start = reader.line_num + 1
            answer = r[col["Answer"]].strip(WS)
            options = {}
            for opt in re.split(r"\n|\\n", r[col["Options"]]):
                if opt.strip(WS):
                    m = option_line.match(opt)
                    options[m.group(1)] = m.group(2)
            letters = sorted(set(ch for ch in answer if ch not in ", ，、"))
            if not answer or answer.lower() == "nan" or any(ch not in options for ch in letters):
                errors.append(line)
                continue
            rows.append((r, options, "".join(letters)))
    ann_cols = [h for h in header if h not in ("Question", "Options", "Answer", "Explanation", "id", "ID")]
    ann = {}
    for h in sorted(ann_cols):
        c = collections.Counter(r[col[h]].strip(WS) for r, _, _ in rows)
        # most frequent first; ties in byte order of the value (sorted() is stable)
        ann[h] = {k: v for k, v in sorted(sorted(c.items()), key=lambda kv: -kv[1])}
    letter_counts = collections.Counter(ch for _, _, a in rows for ch in a)
    return {
        "format": "cmexam",
        "layout": f"cmexam-{len(header)}col",
        "rows": len(rows),
        "skipped": len(errors),
        "columns": header,
        "answer_length_histogram": hist(len(a) for _, _, a in rows),
        "option_count_histogram": hist(len(o) for _, o, _ in rows),
        "answer_letter_counts": {k: letter_counts[k] for k in sorted(letter_counts)},
        "multi_answer": sum(1 for _, _, a in rows if len(a) > 1),
        "mean_question_chars": mean2(len(r[col["Question"]]) for r, _, _ in rows),
        "mean_answer_chars": mean2(len(a) for _, _, a in rows),
        "mean_explanation_chars": mean2(len(r[col["Explanation"]].strip(WS)) for r, _, _ in rows),
        "annotation_value_counts": ann,
    }, errors


def huatuo(path):
    items = json.load(open(path, encoding="utf-8"))
    return {
        "format": "huatuo", "layout": "huatuo-json-list", "rows": len(items), "skipped": 0,
        "columns": sorted(items[0].keys()),
        "mean_question_chars": mean2(len(x["instruction"][0].strip(WS)) for x in items),
        "mean_answer_chars": mean2(len(x["output"][0].strip(WS)) for x in items),
        "answers_per_item_histogram": hist(len([a for a in x["output"] if a.strip(WS)]) for x in items),
    }


def dcpt(path):
    lines = open(path, encoding="utf-8", newline="").read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [l[:-1] if l.endswith("\r") else l for l in lines]
    docs = [l for l in lines if l.strip(WS)]
    blank = len(lines) - len(docs)
    assert blank * 10 < len(docs), "this reference covers line mode only"
    return {
        "format": "dcpt", "layout": "dcpt-lines", "rows": len(docs), "skipped": 0, "columns": [],
        "total_chars": sum(len(d) for d in docs),
        "mean_document_chars": mean2(len(d) for d in docs),
        "max_document_chars": max(len(d) for d in docs),
    }


def jsonl(path):
    return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]


ROLE = {"human": "user", "user": "user", "input": "user", "gpt": "assistant", "assistant": "assistant",
        "output": "assistant", "system": "system"}


def sft(path):
    recs = jsonl(path)
    turns = [[(ROLE[t["from"]], t["value"]) for t in r["conversations"]] for r in recs]
    return {
        "format": "sft", "layout": "sft-sharegpt", "rows": len(recs), "skipped": 0,
        "columns": sorted(recs[0].keys()),
        "turns_histogram": hist(len(t) for t in turns),
        "with_system": sum(1 for t in turns if t[0][0] == "system"),
        "mean_user_chars": mean2(len(v) for t in turns for role, v in t if role == "user"),
        "mean_assistant_chars": mean2(len(v) for t in turns for role, v in t if role == "assistant"),
    }


def dpo(path):
    recs = jsonl(path)
    prompts = [[(ROLE[t["from"]], t["value"]) for t in r["conversations"]] for r in recs]
    return {
        "format": "dpo", "layout": "dpo-conversations", "rows": len(recs), "skipped": 0,
        "columns": sorted(recs[0].keys()),
        "prompt_turns_histogram": hist(len(p) for p in prompts),
        "with_system": sum(1 for p in prompts if p[0][0] == "system"),
        "mean_prompt_chars": mean2(len(p[-1][1]) for p in prompts),
        "mean_chosen_chars": mean2(len(r["chosen"]) for r in recs),
        "mean_rejected_chars": mean2(len(r["rejected"]) for r in recs),
    }


def rag(path):
    recs = jsonl(path)
    texts = [r["问"] + "\n" + r["答"] for r in recs]
    return {
        "format": "rag", "layout": "rag-qa-zh", "rows": len(recs), "skipped": 0,
        "columns": sorted(recs[0].keys()),
        "total_chars": sum(len(t) for t in texts),
        "mean_passage_chars": mean2(len(t) for t in texts),
    }


def compare(name, got, want):
    bad = 0
    for key, value in want.items():
        if got.get(key) != value:
            print(f"MISMATCH {name} {key}: qilin-bench {json.dumps(got.get(key), ensure_ascii=False)[:300]}"
                  f" != python {json.dumps(value, ensure_ascii=False)[:300]}")
            bad += 1
    print(f"{name}: {len(want)} fields compared, {bad} mismatches")
    return bad


def main():
    binary, shared = sys.argv[1], sys.argv[2]
    if not os.path.isdir(shared):
        print(f"{shared} is absent (a user's clone has no ../shared); skipping")
        return 77
    p = lambda rel: os.path.join(shared, rel)
    bad = 0
    for rel in ("cmexam/qilinmed_test_10.csv", "cmexam/cmexam_val_6811.csv"):
        want, error_lines = cmexam(p(rel))
        got = inspect(binary, p(rel), "--lenient")
        bad += compare(rel, got, want)
        got_lines = [int(re.search(r": line (\d+): ", e).group(1)) for e in got["errors"]]
        if got_lines != error_lines:
            print(f"MISMATCH {rel} error lines: {got_lines} != {error_lines}")
            bad += 1
    bad += compare("huatuo", inspect(binary, p("huatuo26m/huatuo26M_test_6000.json")),
                   huatuo(p("huatuo26m/huatuo26M_test_6000.json")))
    bad += compare("fever", inspect(binary, p("medicalgpt/fever.txt")), dcpt(p("medicalgpt/fever.txt")))
    bad += compare("sft", inspect(binary, p("medicalgpt/medical_sft_1K_format.jsonl")),
                   sft(p("medicalgpt/medical_sft_1K_format.jsonl")))
    bad += compare("dpo", inspect(binary, p("medicalgpt/dpo_zh_500.jsonl")), dpo(p("medicalgpt/dpo_zh_500.jsonl")))
    bad += compare("rag", inspect(binary, p("medicalgpt/medical_corpus.txt")), rag(p("medicalgpt/medical_corpus.txt")))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
