#!/usr/bin/python3
"""Parity of `qilin-bench segment --segmenter jieba` with Python jieba 0.42.1 (Debian python3-jieba).

Usage: segment_jieba_parity.py QILIN_BENCH [SOURCE_DIR]

Texts compared, each with HMM on and off:
  - every question and answer of ../shared/data/huatuo26m/huatuo26M_test_6000.json
    (instruction[0] and output[0]); a text with newlines is fed as its lines, both sides
    splitting on "\\n" and dropping one "\\r" before it, as `qilin-bench segment` reads lines;
  - every Unicode scalar value except "\\n" and surrogates, in runs of 251 consecutive code
    points (character classes: which characters are Han, whitespace, block characters);
  - 4,000 seeded random strings over an alphabet of tricky characters (ASCII punctuation,
    "\\r", full-width forms, emoji, Han, digits with '.' and '%');
  - the Huatuo questions and the random strings again with a user dictionary (words with a
    frequency, without one (suggest_freq), with frequency 0 (force split), with a tag).
Prints the first differences and exits 1 on any; exits 77 (ctest SKIP) without ../shared.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

SKIP = 77


def lines_of(text):
    return [l[:-1] if l.endswith("\r") else l for l in text.split("\n")]


def run_cli(qilin, lines, extra):
    data = "".join(l + "\n" for l in lines).encode("utf-8")
    proc = subprocess.run([qilin, "segment", "--segmenter", "jieba", "--format", "json"] + extra,
                          input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
        raise SystemExit("qilin-bench segment %s exited with %d" % (" ".join(extra), proc.returncode))
    out = proc.stdout.decode("utf-8").split("\n")
    if out[-1] != "":
        raise SystemExit("qilin-bench output does not end with a newline")
    return [json.loads(l) for l in out[:-1]]


def compare(name, lines, expected, got):
    if len(got) != len(expected):
        print("%s: %d output lines for %d input lines" % (name, len(got), len(expected)))
        return 1
    bad = [i for i in range(len(lines)) if expected[i] != got[i]]
    for i in bad[:8]:
        a, b = expected[i], got[i]
        k = next((j for j in range(min(len(a), len(b))) if a[j] != b[j]), min(len(a), len(b)))
        print("%s: line %d differs at token %d\n  text:   %r\n  python: %r\n  qilin:  %r"
              % (name, i + 1, k, lines[i][:200], a[max(0, k - 3):k + 5], b[max(0, k - 3):k + 5]))
    tokens = sum(len(e) for e in expected)
    print("%s: %d lines, %d tokens, %d lines differ" % (name, len(lines), tokens, len(bad)))
    return len(bad)


def random_lines(n, seed):
    rng = random.Random(seed)
    alphabet = (list("abcXYZ019+#&._%-/,;:!?()[]'\" \t\r") + ["\r\n", "  ", "3.14", "2.5%", "1.2.3", "...",
                "\u3000", "\u00a0", "\u2028", "\u0085", "\x1c", "\ufeff", "\u200b",
                "\uff21", "\uff41", "\uff10", "\uff0c", "\u3002", "\U0001F600", "\U0001F469\u200d\U0001F4BB",
                "\u3400", "\u9fd5", "\u9fd6", "\u4e00", "\u00e9", "e\u0301", "\u0e01"] +
                list("我来到北京清华大学他网易杭研大厦治好了的啊头痛发烧咳嗽患者医生建议服用布洛芬胶囊每日次"))
    out = []
    for _ in range(n):
        k = rng.randint(0, 40)
        line = "".join(rng.choice(alphabet) for _ in range(k)).replace("\n", " ")
        # A "\r" right before the end of a line is part of the line terminator on the CLI side.
        out.append(line + "x" if line.endswith("\r") else line)
    return out


USER_DICT = "\n".join([
    "\ufeff杭研 5 nz",          # with frequency and tag (and a BOM on the first line)
    "网易杭研大厦",             # no frequency: suggest_freq
    "布洛芬胶囊 20",
    "头痛发烧 n",               # tag only: suggest_freq
    "清华 0",                   # frequency 0: force split in finalseg
    "每日次 0",
    "",
    "  ",
    "3.14 100",                 # digits and '.' are block characters
    "New York 7",               # never matches (space is no block character)
    "5 5 5",                    # lazy word: "5 5" with frequency 5
]) + "\n"


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    qilin = sys.argv[1]
    source = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    data = os.path.join(source, "..", "shared", "data", "huatuo26m", "huatuo26M_test_6000.json")
    if not os.path.isfile(data):
        print("../shared/data/huatuo26m/huatuo26M_test_6000.json is absent (a user's clone has no "
              "../shared); skipping the jieba parity check")
        return SKIP
    import jieba
    jieba.setLogLevel(60)
    if jieba.__version__ != "0.42.1":
        raise SystemExit("expected Python jieba 0.42.1, found %s" % jieba.__version__)

    with open(data, encoding="utf-8") as f:
        items = json.load(f)
    questions, answers = [], []
    for it in items:
        questions += lines_of(it["instruction"][0])
        answers += lines_of(it["output"][0])
    huatuo = questions + answers
    if len(items) != 6000:
        raise SystemExit("expected 6000 Huatuo items, found %d" % len(items))

    allcp = []
    cps = [c for c in range(0x110000) if c != 0x0A and not 0xD800 <= c <= 0xDFFF]
    for i in range(0, len(cps), 251):
        line = "".join(map(chr, cps[i:i + 251]))
        allcp.append(line[:-1] + "x" if line.endswith("\r") else line)
    rnd = random_lines(4000, 20261124)

    failures = 0
    for name, lines in (("huatuo", huatuo), ("all-code-points", allcp), ("random", rnd)):
        for hmm in (True, False):
            expected = [list(jieba.cut(l, HMM=hmm)) for l in lines]
            got = run_cli(qilin, lines, [] if hmm else ["--no-hmm"])
            failures += compare("%s hmm=%d" % (name, hmm), lines, expected, got)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "user.dict")
        with open(path, "w", encoding="utf-8") as f:
            f.write(USER_DICT)
        tok = jieba.Tokenizer()
        tok.load_userdict(path)
        lines = questions + rnd + ["网易杭研大厦的清华大学头痛发烧", "每日次服用布洛芬胶囊", "3.14 5 5 New York"]
        for hmm in (True, False):
            expected = [list(tok.cut(l, HMM=hmm)) for l in lines]
            got = run_cli(qilin, lines, ["--user-dict", path] + ([] if hmm else ["--no-hmm"]))
            failures += compare("user-dict hmm=%d" % hmm, lines, expected, got)

    if failures:
        print("FAIL: %d lines differ from Python jieba" % failures)
        return 1
    print("OK: identical to Python jieba %s" % jieba.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
