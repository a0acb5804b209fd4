#!/usr/bin/python3
"""Drives leaderboard.html through chromedriver (W3C WebDriver over localhost, stdlib only):
real clicks on a column header sort the table and toggle the direction, the print stylesheet
hides the navigation, and the page prints to a PDF (OUT_DIR/leaderboard.pdf) and a print-media
screenshot (OUT_DIR/leaderboard-print.png).
Exits 77 (ctest: skipped) when chromium or chromedriver is absent.
Usage: browser_click_check.py QILIN_BENCH RUN_DIR OUT_DIR
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
qilin_bench, run_dir, out_dir = sys.argv[1:4]
for tool in (CHROMIUM, DRIVER):
    if not os.access(tool, os.X_OK):
        print(f"{tool} is absent (scripts/setup.sh test installs it); skipping the click check")
        sys.exit(77)

shutil.rmtree(out_dir, ignore_errors=True)
subprocess.run([qilin_bench, "-q", "report", "--run", run_dir, "--out", out_dir], check=True)
page = "file://" + os.path.abspath(os.path.join(out_dir, "leaderboard.html"))

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
driver = subprocess.Popen([DRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
profile = tempfile.mkdtemp(prefix="qilin-chromedriver-")
base = f"http://127.0.0.1:{port}"


def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())["value"]


failures = []


def expect(what, got, want):
    if got != want:
        failures.append(f"{what}: got {got!r}, expected {want!r}")


try:
    for _ in range(100):
        try:
            if call("GET", "/status").get("ready"):
                break
        except OSError:
            pass
        time.sleep(0.1)
    session = call("POST", "/session", {"capabilities": {"alwaysMatch": {"browserName": "chrome",
        "goog:chromeOptions": {"binary": CHROMIUM, "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1440,1000",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}"]}}}})["sessionId"]
    sp = f"/session/{session}"

    def run(script):
        return call("POST", sp + "/execute/sync", {"script": script, "args": []})

    def click_header(table, index):
        el = call("POST", sp + "/element", {"using": "css selector",
                                            "value": f"#{table} thead tr:first-child th:nth-child({index + 1})"})
        call("POST", sp + f"/element/{list(el.values())[0]}/click", {})

    def models(table):
        return run(f"return Array.from(document.querySelectorAll('#{table} tbody tr'))"
                   ".map(r => r.cells[0].getAttribute('data-v'))")

    call("POST", sp + "/url", {"url": page})
    expect("script errors", run("return window.__qbErrors"), [])
    # Huatuo-26M column 3 is BLEU-1: first click sorts descending, the second ascending.
    click_header("board-huatuo26m", 3)
    expect("BLEU-1 after one click", models("board-huatuo26m"),
           ["Qilin-Med DPO", "dpo+rag", "dpo", "Qilin-Med SFT", "sft+rag", "sft", "dcpt", "base"])
    click_header("board-huatuo26m", 3)
    expect("BLEU-1 after two clicks", models("board-huatuo26m"),
           ["base", "dcpt", "sft", "sft+rag", "Qilin-Med SFT", "dpo", "dpo+rag", "Qilin-Med DPO"])
    expect("aria-sort", run("return document.querySelector('#board-huatuo26m th:nth-child(4)')"
                            ".getAttribute('aria-sort')"), "ascending")
    # A text column sorts ascending first.
    click_header("board-cmexam", 0)
    expect("Model column after one click", models("board-cmexam")[:3], ["Baichuan-7B", "base", "dcpt"])

    # Print stylesheet: navigation hidden, landscape PDF produced.
    call("POST", sp + "/goog/cdp/execute", {"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}})
    expect("nav display in print", run("return getComputedStyle(document.querySelector('nav')).display"), "none")
    png = base64.b64decode(call("GET", sp + "/screenshot"))
    open(os.path.join(out_dir, "leaderboard-print.png"), "wb").write(png)
    call("POST", sp + "/goog/cdp/execute", {"cmd": "Emulation.setEmulatedMedia", "params": {"media": ""}})
    pdf = base64.b64decode(call("POST", sp + "/print", {"orientation": "landscape", "background": True}))
    open(os.path.join(out_dir, "leaderboard.pdf"), "wb").write(pdf)
    expect("PDF header", pdf[:5], b"%PDF-")
    pages = pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page/") + pdf.count(b"/Type /Page ")
    if not 3 <= pages <= 40:
        failures.append(f"printed PDF has {pages} pages (expected a handful)")
    call("DELETE", sp)
finally:
    driver.terminate()
    driver.wait(timeout=30)
    shutil.rmtree(profile, ignore_errors=True)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"clicks sort, print CSS applies, PDF printed ({pages} pages): {out_dir}")
