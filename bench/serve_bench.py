"""Time the live preview: from saving one changed text to its document's refreshed preview on the page.

    .venv/bin/python bench/serve_bench.py [--runs 7] [--edition 2026]

Starts `python generate.py serve` on a copy of editions/, templates/ and fonts/ (a real
server on 127.0.0.1, in its own process), opens the page in Chromium (Playwright), waits
until everything is built, then, several times: changes one sentence of the letter in the
edition file and measures until the French letter's first page, drawn again, is displayed
on the page (the browser is never reloaded; the moment is taken in the page, when the new
image has loaded and the next frame is drawn). Between two saves it waits for the second pass
(Word and printer's files) to finish, as when the officer reads the page before typing again.
Prints the figures (no assertion).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SENTENCE = "En espérant vous retrouver"
#: run in the page before each save: the moment (ms since the epoch) the French letter's first page, in a new
#: version, is loaded and the next frame drawn. Timed in the browser: Playwright's wait_for_selector polls at
#: 20, 50, 100, 100, then every 500 ms, so a change seen through it could look up to half a second late.
WATCH = """shown => {
  window.benchDisplayed = new Promise((resolve, reject) => {
    const selector = `[data-stem='letter-fr']:not([data-version='${shown}']) img`;
    const displayed = () => requestAnimationFrame(() => resolve(Date.now()));
    const look = () => {
      const image = document.querySelector(selector);
      if (!image) return false;
      if (image.complete && image.naturalWidth > 0) displayed();
      else image.addEventListener("load", displayed, { once: true });
      return true;
    };
    setTimeout(() => reject(new Error("the letter's preview did not change within 120 s")), 120000);
    if (look()) return;
    const observer = new MutationObserver(() => { if (look()) observer.disconnect(); });
    observer.observe(document.getElementById("preview"), { childList: true, subtree: true, attributes: true });
  });
}"""


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--runs", type=int, default=7)
    options.add_argument("--edition", type=int, default=2026)
    args = options.parse_args()
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        for name in ("editions", "templates", "fonts"):
            shutil.copytree(ROOT / name, project / name)
        edition = project / "editions" / f"{args.edition}.yaml"
        assert SENTENCE in edition.read_text(encoding="utf-8"), f"no « {SENTENCE} » in {edition.name}"
        server = subprocess.Popen([sys.executable, str(ROOT / "generate.py"), "--project", str(project), "serve",
                                   str(args.edition), "--no-browser", "--port", "0"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            url = re.search(r"http://\S+", server.stdout.readline()).group(0)
            seconds, passes = measure(url, edition, args.runs)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"save → refreshed preview of the letter, {len(seconds)} runs: median {statistics.median(seconds):.2f} s, "
          f"min {min(seconds):.2f} s, max {max(seconds):.2f} s")
    print(f"of which the server's pass over the French documents (load the edition, find what changed, lay out "
          f"the letter's PDF, write preview/, draw its pages small): median {statistics.median(passes):.2f} s, "
          f"min {min(passes):.2f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def measure(url: str, edition: Path, runs: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright

    base, token = url.split("/?token=")
    cookie = f"eventdocs-token-{base.rsplit(':', 1)[1]}={token}"

    def state() -> dict:
        request = urllib.request.Request(base + "/live/state", headers={"Cookie": cookie})
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    def settled() -> None:
        while True:
            current = state()
            if current["ready"] and not current["building"] and not current["print_building"]:
                return
            time.sleep(0.1)

    text = edition.read_text(encoding="utf-8")
    seconds, passes = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(url)
        settled()
        page.wait_for_selector("[data-stem='letter-fr'] img")
        for run in range(runs):
            shown = page.get_attribute("[data-stem='letter-fr']", "data-version")
            page.evaluate(WATCH, shown)
            started = time.time()
            edition.write_text(text.replace(SENTENCE, f"{SENTENCE} ({run + 1})", 1), encoding="utf-8")
            displayed = page.evaluate("window.benchDisplayed")  # the browser's clock: the same machine's
            seconds.append(displayed / 1000 - started)
            passes.append(state()["first_seconds"])
            print(f"  run {run + 1}: {seconds[-1]:.2f} s (the French documents' pass in the server "
                  f"{passes[-1]:.2f} s)", flush=True)
            settled()
        browser.close()
    return seconds, passes


if __name__ == "__main__":
    main()
