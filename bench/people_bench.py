"""Benchmark of badges and certificates: N synthetic people, timed, with peak memory.

    .venv/bin/python bench/people_bench.py                 # 1,000 people
    .venv/bin/python bench/people_bench.py 250 1000 2000   # several sizes (memory should stay flat)
    BENCH_DOCS=badge .venv/bin/python bench/people_bench.py   # badges only (or: certificate)

Each size runs the real command (``generate.py merge --only badge``, then
``--only certificate``) in a fresh process, on a copy of the project in
bench/out/ (git-ignored: the certificates' register is written beside the
copied edition, never in editions/), and prints its wall time, the CPU time of
all its processes and their peak memory. Targets (issue 11, 2 cores): 1,000
badges in 10 s, 1,000 certificates in 15 s. Nothing here asserts: the figures
go in the README.
"""

from __future__ import annotations

import csv
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "people"

FIRST = ["Marie", "Jean", "Anne", "Pierre", "Sophie", "Hélène", "François", "Amadou", "Fatou", "Seán", "محمد",
         "花子", "Maximilian-Alexander", "Zoë", "Aïcha", "Björn"]
LAST = ["Dupont", "Martin", "Giscard d'Estaing", "O'Neill", "Diallo", "Nguyễn", "Müller", "Benali", "山田",
        "Wolfeschlegelsteinhausenbergerdorff", "بن عبد الرحمن", "Le Gall"]
CATEGORIES = ["participant", "participant", "participant", "intervenant", "presse", "organisation", "partenaire"]

RUN = """
import resource, sys, time
sys.argv = ["generate.py", "--project", {project!r}, "merge", "2026", {sheet!r}, "--only", {doc!r}, "--output", {out!r}]
sys.path.insert(0, {root!r})
from eventdocs.cli import main
start = time.perf_counter()
code = main(sys.argv[1:])
wall = time.perf_counter() - start
own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
print("BENCH", code, wall, cpu, max(own.ru_maxrss, workers.ru_maxrss) / 1024, file=sys.stderr)
"""


def write_csv(path: Path, n: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(["prénom", "nom", "fonction", "organisation", "pays", "langue", "catégorie", "présent",
                      "n° d'inscription"])
        for i in range(n):
            out.writerow([rng.choice(FIRST), rng.choice(LAST), rng.choice(["Maire", "Adjointe au maire", ""]),
                          f"Collectivité n° {i % 97}", rng.choice(["France", "Sénégal", "Japon", ""]),
                          "en" if rng.random() < 0.2 else "fr", rng.choice(CATEGORIES), "oui", f"R-{i:05d}"])


def project_copy() -> Path:
    project = OUT / "project"
    shutil.rmtree(project, ignore_errors=True)
    for name in ("editions", "templates", "fonts"):
        shutil.copytree(ROOT / name, project / name)
    (project / "editions" / "2026.certificates.jsonl").unlink(missing_ok=True)
    return project


def timed(project: Path, sheet: Path, doc: str, out: Path) -> tuple[float, float, float]:
    shutil.rmtree(out, ignore_errors=True)
    code = RUN.format(project=str(project), sheet=str(sheet), doc=doc, out=str(out), root=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    line = next((l for l in result.stderr.splitlines() if l.startswith("BENCH")), None)
    if line is None or line.split()[1] != "0":
        raise SystemExit(result.stderr[-2000:])
    _, _, wall, cpu, peak = line.split()
    return float(wall), float(cpu), float(peak)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000]
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for n in sizes:
        project = project_copy()
        sheet = OUT / f"people-{n}.csv"
        write_csv(sheet, n)
        for doc in os.environ.get("BENCH_DOCS", "badge certificate").split():
            wall, cpu, peak = timed(project, sheet, doc, OUT / "output")
            print(f"{n:>6} {doc + 's':<13} {wall:6.1f} s wall  {cpu:6.1f} s CPU  {peak:6.0f} MB peak")


if __name__ == "__main__":
    main()
