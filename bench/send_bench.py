"""Benchmark of sending by e-mail: N synthetic recipients, a dry run to .eml and a real send to a local server.

    .venv/bin/python bench/send_bench.py                 # 1,000 recipients
    .venv/bin/python bench/send_bench.py 1000 5000       # several sizes
    .venv/bin/python bench/send_bench.py --runs 5        # runs timed per step, the best kept (default 3)

Each size uses a copy of the project in bench/out/ (git-ignored) whose smtp:
section points at an aiosmtpd server this script starts on 127.0.0.1 (no
login, no encryption, rate limit off). The letters are merged first (not
timed: bench/merge_bench.py times the merge); then each step runs the real
command (``generate.py send``) in a fresh process and reports its wall time,
CPU time and peak memory:

- a dry run writing one .eml per recipient into an empty mail folder (the letters already there);
- a real send to the local server, journal emptied first (every message sent);
- the same send again (nothing to send: the journal has them all).

Nothing here asserts: the figures go in the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from merge_bench import write_xlsx  # noqa: E402  (the same synthetic recipients as the merge's benchmark)


class Sink:
    """An SMTP handler that counts what it accepts and keeps nothing."""

    def __init__(self):
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.bytes += len(envelope.original_content)
        return "250 2.0.0 Ok: queued"


def project_for(port: int) -> Path:
    """A copy of the project whose smtp: section points at the local server."""
    root = OUT / "send-project"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ROOT / "editions", root / "editions")
    for name in ("templates", "fonts"):
        (root / name).symlink_to(ROOT / name)
    path = root / "editions" / "association.yaml"
    text = path.read_text(encoding="utf-8")
    for key, value in {"host": "127.0.0.1", "port": str(port), "security": "none", "user": "",
                       "rate_per_minute": "0"}.items():
        text = re.sub(rf"^  {key}:.*$", f"  {key}: {value}".rstrip(), text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    return root


def run(root: Path, *args: str) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak resident memory (MiB) and output of one command, in a new process."""
    command = [sys.executable, "-c", _MEASURED, str(ROOT), str(root), *args]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    *output, figures = done.stdout.strip().splitlines()
    cpu, peak = (float(v) for v in figures.split())
    return wall, cpu, peak, "\n".join(output)


# Runs the command line in a child process; prints its CPU time and peak memory (and its workers').
_MEASURED = """
import resource, sys
sys.path.insert(0, sys.argv[1])
from eventdocs.cli import main
code = main(["--project", sys.argv[2], *sys.argv[3:]])
own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
print(cpu, max(own.ru_maxrss, workers.ru_maxrss) / 1024)
sys.exit(code)
"""


def best(runs: list[tuple]) -> tuple:
    return min(runs, key=lambda r: r[0])


def main() -> None:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    parser.add_argument("--runs", type=int, default=3, help="runs timed per step; the best is kept (default 3)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; load average {os.getloadavg()[0]:.2f} at start")
    sink = Sink()
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        root = project_for(port)
        journal = root / "editions" / "2026.sent.jsonl"
        for n in args.sizes:
            spreadsheet = OUT / f"recipients-{n}.xlsx"
            if not spreadsheet.exists():
                write_xlsx(spreadsheet, n)
            output = OUT / f"send-{n}"
            shutil.rmtree(output, ignore_errors=True)
            run(root, "merge", "2026", str(spreadsheet), "--output", str(output))
            letters = output / "2026" / "letters"
            pdf_size = sum(p.stat().st_size for p in letters.glob("[0-9]*.pdf")) / max(n, 1)

            dries = []
            for _ in range(args.runs):
                shutil.rmtree(output / "2026" / "mail", ignore_errors=True)  # every .eml written anew
                dries.append(run(root, "send", "2026", str(spreadsheet), "--output", str(output), "--dry-run"))
            dry = best(dries)
            emls = list((output / "2026" / "mail").glob("*.eml"))
            eml_size = sum(p.stat().st_size for p in emls) / max(len(emls), 1)
            print(f"N={n}: dry run, {len(emls)} .eml files ({eml_size / 1024:.0f} KiB each, letter PDF "
                  f"{pdf_size / 1024:.0f} KiB): {dry[0]:.1f} s wall, {dry[1]:.1f} s CPU, peak RSS {dry[2]:.0f} MiB")

            sends = []
            for _ in range(args.runs):
                journal.unlink(missing_ok=True)
                before = sink.messages
                sends.append(run(root, "send", "2026", str(spreadsheet), "--output", str(output)))
                sent = sink.messages - before
            wall, cpu, peak, _ = best(sends)
            print(f"N={n}: send to aiosmtpd on 127.0.0.1, rate limit off: {sent} messages in {wall:.1f} s wall "
                  f"(the whole command: letters checked, messages composed and sent) = {sent / wall:.0f} msg/s, "
                  f"{cpu:.1f} s CPU, peak RSS {peak:.0f} MiB")
            again = run(root, "send", "2026", str(spreadsheet), "--output", str(output))
            print(f"N={n}: send again, everything in the journal: {again[0]:.1f} s, "
                  f"{sink.messages - before - sent} message(s) sent")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
