"""Time the everyday commands on this machine and print the figures (no assertion).

    .venv/bin/python bench/build_bench.py

Each command runs in a fresh process, as the officer runs it: a full build of every
edition into an empty folder, the same build again (incremental: nothing to redo),
the build after one text changed, and `check`.
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB) of one command in a child process."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run([sys.executable, str(ROOT / "generate.py"), *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stderr}")
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return elapsed, peak / 1024


def main() -> None:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        for name in ("editions", "templates", "fonts"):
            shutil.copytree(ROOT / name, project / name)
        out = Path(tmp) / "out"
        base = ["--project", str(project)]
        figures = [("build --all (empty output folder)", run(base + ["build", "--all", "--output", str(out)]))]
        files = sum(1 for p in out.rglob("*") if p.suffix in (".pdf", ".docx"))
        figures.append(("build --all again (nothing changed)", run(base + ["build", "--all", "--output", str(out)])))
        edition = project / "editions" / "2026.yaml"
        edition.write_text(edition.read_text(encoding="utf-8").replace("En espérant vous retrouver", "Dans l'espoir de vous retrouver"), encoding="utf-8")
        figures.append(("build --all after one letter text changed", run(base + ["build", "--all", "--output", str(out)])))
        figures.append(("check --all", run(base + ["check", "--all"])))
    print(f"documents: {files} files (DOCX + PDF) for every edition")
    for label, (seconds, mib) in figures:
        print(f"{label:45s} {seconds:6.2f} s   peak {mib:6.0f} MiB")


if __name__ == "__main__":
    main()
