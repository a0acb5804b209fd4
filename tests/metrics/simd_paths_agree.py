#!/usr/bin/python3
"""Every vector-instruction path of the scoring kernels gives the same output.

Runs `qilin-bench score --suite huatuo` with QILIN_SIMD=none, avx2 and avx512 (each capped at
what this CPU has) on 3,000 generated pairs, with corpus and with sentence BLEU, and requires
byte-identical JSON: the Mersenne Twister block refill and the bootstrap row sums differ by
path, the numbers must not.
Usage: simd_paths_agree.py QILIN_BENCH
"""
import os
import random
import subprocess
import sys
import tempfile

CHARS = "病毒性感冒发烧头痛咳嗽治疗方法医生建议多喝水休息药物副作用症状检查血压糖尿病患者饮食注意"


def text(rng, n):
    out = []
    for _ in range(n):
        r = rng.random()
        out.append(rng.choice(CHARS) if r < 0.85 else rng.choice("abcXYZ0123，。 "))
    return "".join(out)


def main():
    binary = sys.argv[1]
    rng = random.Random(20261124)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pairs.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i in range(3000):
                ref = text(rng, rng.randint(0, 120))
                pred = ref[: len(ref) // 2] + text(rng, rng.randint(0, 60)) if i % 3 else text(rng, rng.randint(1, 80))
                f.write('{"id": "%d", "prediction": "%s", "reference": "%s"}\n' % (i, pred, ref))
        failures = 0
        for mode in (["--bleu-agg", "corpus"], ["--bleu-agg", "sentence", "--smooth", "7", "--rouge", "count"]):
            outputs = {}
            for level in ("none", "avx2", "avx512"):
                env = dict(os.environ, QILIN_SIMD=level, QILIN_CACHE_DIR=os.path.join(tmp, "cache"))
                run = subprocess.run([binary, "-j", "2", "score", "--suite", "huatuo", "--predictions", path] + mode,
                                     env=env, capture_output=True, text=True)
                if run.returncode != 0:
                    print("FAIL: QILIN_SIMD=%s %s exited %d: %s" % (level, " ".join(mode), run.returncode, run.stderr))
                    return 1
                outputs[level] = run.stdout
            for level in ("avx2", "avx512"):
                if outputs[level] != outputs["none"]:
                    print("FAIL: QILIN_SIMD=%s differs from none (%s)" % (level, " ".join(mode)))
                    failures += 1
            if '"interval": [' not in outputs["none"]:
                print("FAIL: no bootstrap intervals in the output (%s)" % " ".join(mode))
                failures += 1
        print("simd paths agree" if failures == 0 else "%d differences" % failures)
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
