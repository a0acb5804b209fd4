#!/usr/bin/python3
"""Parity of `qilin-bench score --suite huatuo` with an independent Python reference.

Usage: score_parity.py QILIN_BENCH [SOURCE_DIR] [--adversarial-only | --huatuo-only]
       score_parity.py --reference PREDICTIONS.jsonl [--lean] [--bootstrap N]   (benchmark peers)

--reference computes the default metrics of a predictions file (the Python side of
scripts/bench_score.sh) with this file's parity code (NLTK corpus_gleu, one Counter pass per
BLEU call). --lean computes the same numbers from per-item statistics taken in one pass per
item (GLEU counts written out instead of NLTK's): the fastest plain-Python form we have, ~25 %
faster. --bootstrap N (N > 0, implies --lean) adds 95 % percentile intervals from N resamples,
as `qilin-bench score` computes by default: resamples drawn and summed with numpy (numpy's
generator, so the intervals are close to, not equal to, qilin-bench's).

The reference is written here from the definitions, not from the C++ code:
  - whitespace: the 25 Unicode White_Space code points listed below are removed first;
  - words: Python jieba 0.42.1 (Debian python3-jieba) jieba.lcut(text, HMM=...);
  - corpus BLEU-1..4: a re-implementation of tensorflow/nmt scripts/bleu.py compute_bleu
    (Counter-based clipped counts, geo_mean 0 when a precision is 0, bp = exp(1 - 1/ratio));
  - sentence BLEU: NLTK 3.8 sentence_bleu with SmoothingFunction().method0..5, 7;
  - GLEU: NLTK corpus_gleu; Distinct-1/2: distinct / total word n-grams over predictions;
  - ROUGE-1/2 over character n-gram sets (and Counters for --rouge count), F = 2PR/(P+R+1e-8);
    ROUGE-L from a big-integer bit-vector LCS that is itself checked against the textbook
    O(nm) table on the adversarial pairs and the first 300 Huatuo pairs.
Every value must agree within 1e-9 relative (counts exactly). The adversarial pairs always
run; the 6,000 Huatuo pairs need ../shared/data and are skipped (exit 77) without it.
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import warnings
from collections import Counter

SKIP = 77
REL = 1e-9

WHITE_SPACE = set(chr(c) for c in list(range(0x09, 0x0E)) + [0x20, 0x85, 0xA0, 0x1680] +
                  list(range(0x2000, 0x200B)) + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000])

ADVERSARIAL = [
    ("", "头痛怎么办"),
    ("头痛怎么办", ""),
    ("", ""),
    (" \t\n\u3000", "发烧"),
    ("  ", "   "),
    ("头", "头"),
    ("头", "痛"),
    ("a", "a"),
    ("哈哈哈哈哈哈", "哈哈"),
    ("的的的的", "的的的的的的的的"),
    ("头痛" * 50, "头痛发烧" * 20),
    ("CT检查显示ECG正常，血压120/80mmHg，体温38.5℃", "建议做CT检查，血压120/80mmHg"),
    ("The patient has a fever of 39 degrees", "patient fever 39 degrees, take ibuprofen"),
    ("😀😀发烧了👍", "发烧了😀"),
    ("👨\u200d👩\u200d👧发烧", "👨\u200d👩\u200d👧"),
    ("ＡＢＣ１２３，发烧", "ABC123,发烧"),
    ("cafe\u0301 咖啡", "café咖啡"),
    ("头痛\u00a0发烧\u2028咳嗽\u205f", "头痛发烧咳嗽"),
    ("。。。！！！", "。！"),
    ("吃了布洛芬还是发烧38.5度怎么办", "布洛芬退烧，体温超过38.5度可以再吃一次"),
    ("多喝水多休息多喝水多休息", "多休息"),
    ("x", "y"),
]


def strip_ws(s):
    return "".join(c for c in s if c not in WHITE_SPACE)


def ngrams(tokens, n):
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def nmt_bleu(refs, hyps, max_order):
    matches = [0] * max_order
    possible = [0] * max_order
    ref_len = hyp_len = 0
    for r, h in zip(refs, hyps):
        ref_len += len(r)
        hyp_len += len(h)
        rc = Counter(g for n in range(1, max_order + 1) for g in ngrams(r, n))
        hc = Counter(g for n in range(1, max_order + 1) for g in ngrams(h, n))
        for g, c in (hc & rc).items():
            matches[len(g) - 1] += c
        for n in range(1, max_order + 1):
            if len(h) - n + 1 > 0:
                possible[n - 1] += len(h) - n + 1
    precisions = [matches[i] / possible[i] if possible[i] > 0 else 0.0 for i in range(max_order)]
    if min(precisions) > 0:
        geo = math.exp(sum((1.0 / max_order) * math.log(p) for p in precisions))
    else:
        geo = 0.0
    if geo == 0.0 or hyp_len == 0 or ref_len == 0:
        return 0.0, matches, possible, hyp_len, ref_len
    ratio = hyp_len / ref_len
    bp = 1.0 if ratio > 1.0 else math.exp(1 - 1.0 / ratio)
    return geo * bp, matches, possible, hyp_len, ref_len


def rouge_n(h, r, n, counted):
    if counted:
        hc, rc = Counter(ngrams(h, n)), Counter(ngrams(r, n))
        overlap, hn, rn = sum((hc & rc).values()), sum(hc.values()), sum(rc.values())
    else:
        hs, rs = set(ngrams(h, n)), set(ngrams(r, n))
        overlap, hn, rn = len(hs & rs), len(hs), len(rs)
    p = overlap / hn if hn else 0.0
    rr = overlap / rn if rn else 0.0
    return 2 * p * rr / (p + rr + 1e-8)


def lcs_bits(a, b):
    """LCS length with Python integers as bit vectors (Allison-Dix)."""
    if not a or not b:
        return 0
    masks = {}
    for j, c in enumerate(b):
        masks[c] = masks.get(c, 0) | (1 << j)
    full = (1 << len(b)) - 1
    v = full
    for c in a:
        m = masks.get(c, 0)
        u = v & m
        v = ((v + u) | (v - u)) & full
    return len(b) - bin(v).count("1")


def lcs_table(a, b):
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_l(h, r):
    lcs = lcs_bits(h, r)
    if lcs == 0:
        return 0.0
    p, rr = lcs / len(h), lcs / len(r)
    beta = p / rr
    return (1 + beta ** 2) * p * rr / (rr + beta ** 2 * p)


def reference_scores(pairs, hmm, rouge_counted, sentence_methods):
    import jieba
    from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
    from nltk.translate.gleu_score import corpus_gleu

    jieba.setLogLevel(60)
    hyps_c = [strip_ws(p) for p, _ in pairs]
    refs_c = [strip_ws(r) for _, r in pairs]
    hyps_w = [jieba.lcut(h, HMM=hmm) if h else [] for h in hyps_c]
    refs_w = [jieba.lcut(r, HMM=hmm) if r else [] for r in refs_c]
    n = len(pairs)
    out = {"n": n, "n_empty": sum(1 for h in hyps_c if not h), "metrics": {}}
    for order in range(1, 5):
        bleu, matches, possible, hyp_len, ref_len = nmt_bleu(refs_w, hyps_w, order)
        out["metrics"]["bleu%d" % order] = 100 * bleu
        if order == 4:
            out["bleu_details"] = {"matches": matches, "possible": possible, "hyp_len": hyp_len, "ref_len": ref_len}
    out["metrics"]["rouge1"] = 100 * sum(rouge_n(list(h), list(r), 1, rouge_counted) for h, r in zip(hyps_c, refs_c)) / n
    out["metrics"]["rouge2"] = 100 * sum(rouge_n(list(h), list(r), 2, rouge_counted) for h, r in zip(hyps_c, refs_c)) / n
    out["metrics"]["rougeL"] = 100 * sum(rouge_l(list(h), list(r)) for h, r in zip(hyps_c, refs_c)) / n
    out["metrics"]["gleu"] = 100 * corpus_gleu([[r] for r in refs_w], hyps_w)
    for k in (1, 2):
        grams = [g for h in hyps_w for g in ngrams(h, k)]
        out["metrics"]["distinct%d" % k] = 100 * (len(set(grams)) / len(grams) if grams else 0.0)
        out["distinct%d_counts" % k] = (len(set(grams)), len(grams))
    sf = SmoothingFunction()
    sentence = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m in sentence_methods:
            fn = getattr(sf, "method%d" % m)
            for order in range(1, 5):
                w = (1.0 / order,) * order
                total = 0.0
                for h, r in zip(hyps_w, refs_w):
                    total += sentence_bleu([r], h, weights=w, smoothing_function=fn)
                sentence[(m, order)] = 100 * total / n
    out["sentence"] = sentence
    return out


def run_cli(qilin, path, extra):
    proc = subprocess.run([qilin, "score", "--suite", "huatuo", "--predictions", path, "--bootstrap", "0"] + extra,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
        raise SystemExit("qilin-bench score %s exited with %d" % (" ".join(extra), proc.returncode))
    return json.loads(proc.stdout.decode("utf-8"))


class Checker:
    def __init__(self):
        self.failures = 0
        self.compared = 0

    def close(self, what, got, want):
        self.compared += 1
        scale = max(abs(got), abs(want))
        if abs(got - want) > REL * scale and abs(got - want) > 1e-12:
            self.failures += 1
            if self.failures <= 20:
                print("MISMATCH %s: qilin-bench %r, reference %r" % (what, got, want))

    def equal(self, what, got, want):
        self.compared += 1
        if got != want:
            self.failures += 1
            if self.failures <= 20:
                print("MISMATCH %s: qilin-bench %r, reference %r" % (what, got, want))


def check_set(qilin, label, pairs, tmp, check):
    path = os.path.join(tmp, label + ".jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for i, (p, r) in enumerate(pairs):
            f.write(json.dumps({"id": "%s-%d" % (label, i), "prediction": p, "reference": r}, ensure_ascii=False) + "\n")
    # Sentence BLEU smoothing and count-ROUGE with jieba's default HMM on; --no-hmm once.
    configs = [(True, False, [0, 1, 2, 3, 4, 5, 7]), (True, True, []), (False, False, [])]
    for hmm, counted, methods in configs:
        want = reference_scores(pairs, hmm, counted, methods)
        extra = ([] if hmm else ["--no-hmm"]) + (["--rouge", "count"] if counted else [])
        got = run_cli(qilin, path, extra)
        tag = "%s %s" % (label, " ".join(extra) or "default")
        check.equal(tag + " n", got["n"], want["n"])
        check.equal(tag + " n_empty", got["n_empty"], want["n_empty"])
        for k in ("hyp_len", "ref_len", "matches", "possible"):
            check.equal(tag + " bleu " + k, got["bleu_details"][k], want["bleu_details"][k])
        for name, value in want["metrics"].items():
            check.close(tag + " " + name, got["metrics"][name]["value"], value)
        for k in (1, 2):
            m = got["metrics"]["distinct%d" % k]
            check.equal(tag + " distinct%d counts" % k, (m["unique"], m["total"]), want["distinct%d_counts" % k])
        for m in sorted({m for m, _ in want["sentence"]}):
            got_s = run_cli(qilin, path, extra + ["--bleu-agg", "sentence", "--smooth", str(m)])
            for order in range(1, 5):
                check.close("%s sentence method%d bleu%d" % (tag, m, order),
                            got_s["metrics"]["bleu%d" % order]["value"], want["sentence"][(m, order)])


def huatuo_pairs(source_dir):
    path = os.path.join(source_dir, "..", "shared", "data", "huatuo26m", "huatuo26M_test_6000.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    pairs = []
    for i, item in enumerate(items):
        q, a = item["instruction"][0], item["output"][0]
        kind = i % 4
        if kind == 0:
            p = q  # the question as the answer
        elif kind == 1:
            p = "".join(c for j, c in enumerate(a) if j % 5 != 4)  # every 5th character dropped
        elif kind == 2:
            p = a[len(a) // 2:] + a[:len(a) // 2]  # halves swapped
        else:
            chunks = [a[j:j + 4] for j in range(0, len(a), 4)]
            random.Random(i).shuffle(chunks)  # 4-character chunks shuffled, seeded by position
            p = "".join(chunks)
        pairs.append((p, a))
    return pairs


def item_rows(pairs):
    """Per-item sufficient statistics of the default metrics, one row per item: BLEU clipped
    matches and possible n-grams for orders 1-4, hypothesis and reference length in words,
    GLEU tp and n_all (NLTK corpus_gleu's per-sentence counts), ROUGE-1/2/L F. Summing rows
    gives the corpus numbers reference_scores computes; Distinct has no interval."""
    import jieba
    jieba.setLogLevel(60)
    rows, hyps_w = [], []
    for p, r in pairs:
        hc_, rc_ = strip_ws(p), strip_ws(r)
        h = jieba.lcut(hc_, HMM=True) if hc_ else []
        w = jieba.lcut(rc_, HMM=True) if rc_ else []
        hyps_w.append(h)
        hc = Counter(g for n in range(1, 5) for g in ngrams(h, n))
        rc = Counter(g for n in range(1, 5) for g in ngrams(w, n))
        matches = [0] * 4
        for g, c in (hc & rc).items():
            matches[len(g) - 1] += c
        possible = [max(0, len(h) - n + 1) for n in range(1, 5)]
        tp, tpfp, tpfn = sum(matches), sum(possible), sum(max(0, len(w) - n + 1) for n in range(1, 5))
        n_all = max(tpfp, tpfn)
        hl, rl = list(hc_), list(rc_)
        rows.append(matches + possible + [len(h), len(w), tp if n_all else 0, n_all,
                                          rouge_n(hl, rl, 1, False), rouge_n(hl, rl, 2, False), rouge_l(hl, rl)])
    return rows, hyps_w


def values_from_totals(t, n):
    """BLEU-1..4 (nmt corpus), ROUGE-1/2/L (means), GLEU from summed rows; t: numpy [..., 15]."""
    import numpy as np
    m, poss, hyp_len, ref_len = t[..., 0:4], t[..., 4:8], t[..., 8], t[..., 9]
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ref_len > 0, hyp_len / np.where(ref_len > 0, ref_len, 1), 0)
        bp = np.where(ratio > 1.0, 1.0, np.exp(1 - 1.0 / np.where(ratio > 0, ratio, 1)))
        for order in range(1, 5):
            ok = np.all((m[..., :order] > 0) & (poss[..., :order] > 0), axis=-1) & (hyp_len > 0) & (ref_len > 0)
            logp = np.sum(np.log(np.where(ok[..., None], m[..., :order] / np.where(poss[..., :order] > 0,
                                                                              poss[..., :order], 1), 1)), axis=-1)
            out["bleu%d" % order] = np.where(ok, 100 * np.exp(logp / order) * bp, 0.0)
        out["rouge1"], out["rouge2"], out["rougeL"] = 100 * t[..., 12] / n, 100 * t[..., 13] / n, 100 * t[..., 14] / n
        out["gleu"] = np.where(t[..., 11] > 0, 100 * t[..., 10] / np.where(t[..., 11] > 0, t[..., 11], 1), 0.0)
    return out


def reference_lean(pairs, resamples, seed):
    import numpy as np
    rows, hyps_w = item_rows(pairs)
    x = np.array(rows, dtype=np.float64).reshape(len(rows), 15)
    n = len(rows)
    point = {k: float(v) for k, v in values_from_totals(x.sum(axis=0), n).items()}
    for k in (1, 2):
        grams = [g for h in hyps_w for g in ngrams(h, k)]
        point["distinct%d" % k] = 100 * (len(set(grams)) / len(grams) if grams else 0.0)
    if resamples == 0:
        return {"n": n, "n_empty": sum(1 for p, _ in pairs if not strip_ws(p)), "metrics": point}
    rng = np.random.default_rng(seed)
    totals = np.empty((resamples, 15))
    for b in range(resamples):  # counts of each item in one resample, then one matrix-vector product
        totals[b] = np.bincount(rng.integers(0, n, n), minlength=n) @ x
    samples = values_from_totals(totals, n)
    metrics = {}
    for k, v in point.items():
        iv = None
        if k in samples:
            lo, hi = np.percentile(samples[k], [2.5, 97.5])
            iv = [float(lo), float(hi)]
        metrics[k] = {"value": v, "interval": iv}
    return {"n": n, "n_empty": sum(1 for p, _ in pairs if not strip_ws(p)), "metrics": metrics,
            "bootstrap": {"resamples": resamples, "seed": seed}}


def reference_only(path, lean, resamples):
    """The Python side of scripts/bench_score.sh: the default metrics of a predictions JSONL;
    lean: from per-item rows, with bootstrap intervals when resamples > 0."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            j = json.loads(line)
            pairs.append((j["prediction"], j["reference"]))
    if lean or resamples > 0:
        print(json.dumps(reference_lean(pairs, resamples, 12345), ensure_ascii=False))
        return 0
    want = reference_scores(pairs, True, False, [])
    print(json.dumps({"n": want["n"], "n_empty": want["n_empty"], "metrics": want["metrics"]}, ensure_ascii=False))
    return 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--reference":
        rest, lean, resamples = sys.argv[3:], False, 0
        while rest:
            if rest[0] == "--lean":
                lean, rest = True, rest[1:]
            elif rest[0] == "--bootstrap" and len(rest) > 1 and rest[1].isdigit():
                resamples, rest = int(rest[1]), rest[2:]
            else:
                raise SystemExit(__doc__)
        return reference_only(sys.argv[2], lean, resamples)
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    qilin = sys.argv[1]
    source_dir = sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("--") else os.getcwd()
    adversarial_only = "--adversarial-only" in sys.argv
    huatuo_only = "--huatuo-only" in sys.argv
    check = Checker()
    for h, r in ADVERSARIAL:
        a, b = list(strip_ws(h)), list(strip_ws(r))
        check.equal("lcs %r %r" % (h, r), lcs_bits(a, b), lcs_table(a, b))
    # The benchmark's lean peer computes the same numbers as the parity reference (each pair
    # alone and all together, so empty texts hit every zero guard).
    for subset in [[p] for p in ADVERSARIAL] + [ADVERSARIAL]:
        want = reference_scores(subset, True, False, [])["metrics"]
        got = reference_lean(subset, 0, 0)["metrics"]
        for k, v in want.items():
            check.close("lean %s %r" % (k, subset[0]), got[k], v)
    with tempfile.TemporaryDirectory() as tmp:
        if not huatuo_only:
            check_set(qilin, "adversarial", ADVERSARIAL, tmp, check)
        pairs = None if adversarial_only else huatuo_pairs(source_dir)
        if pairs is not None:
            for p, r in pairs[:300]:
                a, b = list(strip_ws(p)), list(strip_ws(r))
                check.equal("lcs huatuo", lcs_bits(a, b), lcs_table(a, b))
            check_set(qilin, "huatuo", pairs, tmp, check)
    print("compared %d values, %d mismatches" % (check.compared, check.failures))
    if check.failures:
        return 1
    if pairs is None and not adversarial_only:
        print("../shared/data/huatuo26m is absent: the 6,000 Huatuo pairs were skipped (adversarial pairs passed)")
        return SKIP
    return 0


if __name__ == "__main__":
    sys.exit(main())
