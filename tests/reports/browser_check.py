#!/usr/bin/python3
"""Opens leaderboard.html in headless Chromium: a screenshot, and DOM checks after the scripts ran.

Renders the demo fixture with the real binary, writes OUT_DIR/leaderboard.png (look at it), then
dumps the DOM twice (as opened, and opened with #sort=board-cmexam:5:desc so the sort code runs)
and checks the rows, the sort order, that the page finished its scripts and recorded no error.
Exits 77 (ctest: skipped) when Chromium is absent.
Usage: browser_check.py QILIN_BENCH RUN_DIR OUT_DIR
"""
import html.parser
import os
import shutil
import struct
import subprocess
import sys
import tempfile

CHROMIUM = "/usr/bin/chromium"
qilin_bench, run_dir, out_dir = sys.argv[1:4]
if not os.access(CHROMIUM, os.X_OK):
    print(f"{CHROMIUM} is absent (scripts/setup.sh test installs it); skipping the browser check")
    sys.exit(77)

shutil.rmtree(out_dir, ignore_errors=True)
subprocess.run([qilin_bench, "-q", "report", "--run", run_dir, "--out", out_dir], check=True)
page = "file://" + os.path.abspath(os.path.join(out_dir, "leaderboard.html"))


def chromium(*args):
    profile = tempfile.mkdtemp(prefix="qilin-chromium-")
    try:
        r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--no-first-run",
                            "--host-resolver-rules=MAP * ~NOTFOUND",  # any network access would fail visibly
                            f"--user-data-dir={profile}", *args],
                           capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if r.returncode != 0:
        sys.exit(f"chromium failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


failures = []

# 1. Screenshot at a laptop-ish width.
png = os.path.join(out_dir, "leaderboard.png")
chromium("--hide-scrollbars", "--window-size=1440,2600", f"--screenshot={png}", page)
data = open(png, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    failures.append("screenshot is not a PNG")
else:
    width, height = struct.unpack(">II", data[16:24])
    if (width, height) != (1440, 2600):
        failures.append(f"screenshot is {width}x{height}, expected 1440x2600")
print(f"screenshot: {png}")


class Dom(html.parser.HTMLParser):
    """Rows (first-cell data-v) of every table with an id, plus the few attributes checked below."""

    def __init__(self):
        super().__init__()
        self.tables, self.stack, self.th = {}, [], {}
        self.body, self.errors, self.in_errors, self.current_row = {}, "", False, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if tag == "pre" and a.get("id") == "script-errors":
            self.in_errors = True
        if tag == "table":
            self.stack.append(a.get("id"))
            if a.get("id"):
                self.tables[a["id"]] = []
                self.th[a["id"]] = []
        table = self.stack[-1] if self.stack else None
        if not table:
            return
        if tag == "th":
            self.th[table].append(a.get("aria-sort"))
        if tag == "tr":
            self.current_row = []
        if tag == "td" and self.current_row is not None:
            self.current_row.append(a.get("data-v"))

    def handle_endtag(self, tag):
        if tag == "pre":
            self.in_errors = False
        if tag == "tr" and self.stack and self.stack[-1] and self.current_row:
            self.tables[self.stack[-1]].append(self.current_row)
            self.current_row = None
        if tag == "table" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.in_errors:
            self.errors += data


def dom(url):
    d = Dom()
    d.feed(chromium("--dump-dom", url))
    if d.body.get("data-ready") != "1":
        failures.append(f"{url}: the page's scripts did not finish (no data-ready on body)")
    if d.errors.strip():
        failures.append(f"{url}: script errors: {d.errors.strip()}")
    return d


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, expected {want!r}")


as_opened = dom(page)
cmexam = [r[0] for r in as_opened.tables.get("board-cmexam", [])]
expect("CMExam rows as opened", cmexam, ["Baichuan-7B", "Qilin-Med DCPT", "Qilin-Med SFT", "Qilin-Med-RAG",
                                         "base", "dcpt", "sft", "dpo", "sft+rag", "dpo+rag"])
expect("Huatuo-26M rows", [r[0] for r in as_opened.tables.get("board-huatuo26m", [])],
       ["Qilin-Med SFT", "Qilin-Med DPO", "base", "dcpt", "sft", "dpo", "sft+rag", "dpo+rag"])
expect("Huatuo-26M row width", {len(r) for r in as_opened.tables.get("board-huatuo26m", [])}, {3 + 9})
expect("paired tests", len(as_opened.tables.get("paired-tests", [])), 20)

# Column 5 of the CMExam table is generate-mode accuracy; sorting descending interleaves paper and
# measured rows by value.
by_generate = dom(page + "#sort=board-cmexam:5:desc")
rows = by_generate.tables.get("board-cmexam", [])
expect("CMExam rows sorted by generate accuracy", [(r[0], r[5]) for r in rows],
       [("Qilin-Med-RAG", "42.8"), ("dpo+rag", "42"), ("sft+rag", "40.5"), ("Qilin-Med SFT", "40"),
        ("Qilin-Med DCPT", "38.4"), ("dpo", "37.5"), ("sft", "36.5"), ("Baichuan-7B", "33.5"), ("dcpt", "26"),
        ("base", "22")])
expect("sort indicator", by_generate.th.get("board-cmexam", [None] * 6)[5], "descending")

# A column with missing values (loglik accuracy: the paper rows have none) keeps them last.
by_loglik = dom(page + "#sort=board-cmexam:3:asc")
expect("rows without a value stay last", [r[0] for r in by_loglik.tables.get("board-cmexam", [])],
       ["base", "dcpt", "sft", "dpo", "sft+rag", "dpo+rag", "Baichuan-7B", "Qilin-Med DCPT", "Qilin-Med SFT",
        "Qilin-Med-RAG"])

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("leaderboard.html: rows, sorting and script state as expected in headless Chromium")
