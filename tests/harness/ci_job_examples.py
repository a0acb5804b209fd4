#!/usr/bin/env python3
"""The copy-paste CI jobs of docs/CI.md, run end to end.

Parses the GitHub Actions and GitLab CI YAML blocks of docs/CI.md with a YAML parser, then runs
the GitHub step "Gate against the baseline" and the GitLab job's `qilin-bench gate` line verbatim
(`bash -e`, as both runners do) in a copy of ci/baseline/, once with a clean current run (a copy of
the baseline: exit 0) and once with a regressed one (the SFT row's CMExam generate answers made
wrong: exit 1). Checks the JUnit file with xmllint against tests/reports/junit.xsd and with Python's
XML parser, the GitHub annotations and step summary, and that GitLab's run prints no annotations.

Usage: ci_job_examples.py QILIN_BENCH SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

qb, src, work = sys.argv[1], sys.argv[2], sys.argv[3]
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def yaml_blocks(markdown):
    """Every ```yaml block, with the heading (## ...) it sits under."""
    blocks, heading = [], None
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("## "):
            heading = lines[i][3:].strip()
        if lines[i].strip() == "```yaml":
            j = i + 1
            while lines[j].strip() != "```":
                j += 1
            blocks.append((heading, "\n".join(lines[i + 1:j])))
            i = j
        i += 1
    return blocks


doc = open(os.path.join(src, "docs", "CI.md"), encoding="utf-8").read()
blocks = dict(yaml_blocks(doc))
github = yaml.safe_load(blocks["GitHub Actions"])
gitlab = yaml.safe_load(blocks["GitLab CI"])

steps = [s for job in github["jobs"].values() for s in job["steps"]]
gate_step = next(s for s in steps if s.get("name") == "Gate against the baseline")
github_script = gate_step["run"]
publish = [s for s in steps if "junit" in str(s.get("uses", "")) or "junit" in str(s.get("with", ""))]
check(publish and publish[0].get("if") == "always()" and "gate-junit.xml" in str(publish[0]["with"]),
      "GitHub: a JUnit report step that runs always() on gate-junit.xml")
job = next(j for j in gitlab.values() if isinstance(j, dict) and "script" in j)
gitlab_script = "\n".join(line for line in job["script"] if line.startswith("qilin-bench gate"))
check(gitlab_script != "", "GitLab: the job script has a qilin-bench gate line")
check(job["artifacts"]["reports"]["junit"] == "gate-junit.xml" and job["artifacts"]["when"] == "always",
      "GitLab: artifacts:reports:junit gate-junit.xml, when: always")


def regress(run_dir):
    """Makes every right answer of sft / cmexam / generate wrong, in samples and results.json."""
    path = os.path.join(run_dir, "results.json")
    r = json.load(open(path, encoding="utf-8"))
    for m in r["models"]:
        if m["name"] != "sft":
            continue
        for e in m["evaluations"]:
            if e["suite"] != "cmexam" or e["mode"] != "generate":
                continue
            samples = os.path.join(run_dir, e["samples"])
            rows = [json.loads(line) for line in open(samples, encoding="utf-8")]
            for row in rows:
                if row["correct"]:
                    wrong = next(c for c in row["options"] if c != row["gold"])
                    row.update(output=wrong, predicted=wrong, correct=False)
            with open(samples, "w", encoding="utf-8") as f:
                f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
            acc = e["metrics"]["acc"]
            acc["value"] = 0.0
            acc.pop("ci_low", None)
            acc.pop("ci_high", None)
    json.dump(r, open(path, "w", encoding="utf-8"), ensure_ascii=False, indent=2)


def prepare(name, regressed):
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(os.path.join(src, "ci", "baseline"), os.path.join(d, "ci", "baseline"))
    shutil.copytree(os.path.join(src, "ci", "baseline"), os.path.join(d, "gate-run"))
    if regressed:
        regress(os.path.join(d, "gate-run"))
    return d


def check_junit(d, label, regressed):
    junit = os.path.join(d, "gate-junit.xml")
    if not os.path.exists(junit):
        check(False, f"{label}: gate-junit.xml written")
        return
    v = subprocess.run(["xmllint", "--noout", "--schema", os.path.join(src, "tests", "reports", "junit.xsd"), junit],
                       capture_output=True, text=True)
    check(v.returncode == 0, f"{label}: xmllint --schema junit.xsd accepts gate-junit.xml: {v.stderr[-500:]}")
    root = ET.parse(junit).getroot()
    cases = root.findall("./testsuite/testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    expected_rows = sum(len(e["metrics"]) for m in json.load(open(os.path.join(d, "ci", "baseline", "results.json")))["models"]
                        for e in m["evaluations"])
    check(root.tag == "testsuites" and int(root.get("tests")) == len(cases) == expected_rows,
          f"{label}: one testcase per row x suite x metric ({len(cases)} vs {expected_rows})")
    check(int(root.get("failures")) == len(failed) == sum(int(s.get("failures")) for s in root.findall("testsuite")),
          f"{label}: failure counts agree")
    check(all(c.get("name") and c.get("classname") and c.get("time") is not None for c in cases),
          f"{label}: every testcase has name, classname, time")
    if regressed:
        check(len(failed) == 1, f"{label}: exactly one failure ({len(failed)})")
        if failed:
            c, f = failed[0], failed[0].find("failure")
            check(c.get("name") == "acc" and c.get("classname") == "qilin-bench.gate.sft.cmexam.generate",
                  f"{label}: the failure is sft cmexam generate acc")
            msg = f.get("message")
            # The baseline's own value and interval: the regressed run answers every item wrong.
            base = next(e["metrics"]["acc"] for m in json.load(open(os.path.join(d, "ci", "baseline", "results.json")))["models"]
                        if m["name"] == "sft" for e in m["evaluations"] if e["suite"] == "cmexam" and e["mode"] == "generate")
            want = (f"worsened by {base['value']:.3f} points (tolerance 1.00): {base['value']:.3f} "
                    f"[{base['ci_low']:.3f}, {base['ci_high']:.3f}] → 0.000")
            check(f.get("type") == "REGRESSION" and want in msg
                  and re.search(r"mcnemar-exact p = [0-9.e-]+ < alpha 0\.05", msg) is not None,
                  f"{label}: failure message with delta, interval and p-value: {msg}")
            check("signature: acc|" in (f.text or ""), f"{label}: failure body names the signature")
    else:
        check(not failed, f"{label}: no failure")


bin_dir = os.path.dirname(os.path.abspath(qb))
base_env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_") and not k.startswith("GITLAB")}
base_env["PATH"] = bin_dir + os.pathsep + base_env.get("PATH", "")
for regressed in (False, True):
    scenario = "regressed" if regressed else "clean"
    # GitHub Actions: `bash -e {0}` with GITHUB_ACTIONS and a step summary file holding an earlier step's text.
    d = prepare("github-" + scenario, regressed)
    summary = os.path.join(d, "step_summary.md")
    open(summary, "w").write("earlier step\n")
    env = dict(base_env, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=summary, CI="true")
    p = subprocess.run(["bash", "-e", "-c", github_script], cwd=d, env=env, capture_output=True, text=True)
    label = f"GitHub {scenario}"
    check(p.returncode == (1 if regressed else 0), f"{label}: exit {p.returncode}; stderr {p.stderr[-800:]}")
    check_junit(d, label, regressed)
    errors = [line for line in p.stdout.splitlines() if line.startswith("::error")]
    if regressed:
        check(len(errors) == 1 and errors[0].startswith(
            "::error title=qilin-bench gate%3A REGRESSION sft cmexam/generate acc::sft cmexam/generate acc worsened by"),
            f"{label}: one escaped ::error annotation: {errors}")
    else:
        check(errors == [], f"{label}: no annotation")
    text = open(summary, encoding="utf-8").read()
    own = open(os.path.join(d, "gate-summary.md"), encoding="utf-8").read() if os.path.exists(
        os.path.join(d, "gate-summary.md")) else ""
    check(text == "earlier step\n" + own and own != "", f"{label}: the summary is appended to $GITHUB_STEP_SUMMARY")
    heading = "## :x: qilin-bench gate: 1 regression(s)" if regressed else "## :white_check_mark: qilin-bench gate: no regression"
    check(own.startswith(heading + "\n"), f"{label}: summary heading {own[:80]!r}")

    # GitLab CI: each script line in a shell with errexit, no GitHub variables.
    d = prepare("gitlab-" + scenario, regressed)
    env = dict(base_env, CI="true", GITLAB_CI="true")
    p = subprocess.run(["bash", "-e", "-c", gitlab_script], cwd=d, env=env, capture_output=True, text=True)
    label = f"GitLab {scenario}"
    check(p.returncode == (1 if regressed else 0), f"{label}: exit {p.returncode}; stderr {p.stderr[-800:]}")
    check_junit(d, label, regressed)
    check("::error" not in p.stdout, f"{label}: no GitHub annotations outside GitHub Actions")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("docs/CI.md: GitHub Actions and GitLab CI gate jobs pass on a clean run and fail on a regressed one")
