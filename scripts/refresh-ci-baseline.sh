#!/usr/bin/env bash
# Renews ci/baseline/ (the numbers CI gates against) from a fresh run of the small CI pipeline.
# Run it only when a change is meant to move the numbers, and say so in the commit message.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${QILIN_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh" run
run=$(mktemp -d)
QILIN_THREADS=2 "$build/harness/qilin-bench" -q run all --config "$root/ci/gate-config.json" --run-dir "$run"
rm -rf "$root/ci/baseline"
mkdir -p "$root/ci/baseline"
cp "$run/results.json" "$root/ci/baseline/"
# The per-sample logs the paired tests read, at the paths results.json names.
/usr/bin/python3 - "$run" "$root/ci/baseline" <<'PY'
import json, os, shutil, sys
run, out = sys.argv[1], sys.argv[2]
for m in json.load(open(os.path.join(run, "results.json")))["models"]:
    for e in m["evaluations"]:
        if e.get("samples"):
            dst = os.path.join(out, e["samples"])
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(os.path.join(run, e["samples"]), dst)
PY
rm -rf "$run"
echo "ci/baseline renewed: $(du -sh "$root/ci/baseline" | cut -f1)"
