"""Benchmark of the mail merge: N synthetic recipients, timed, against the naive way.

    .venv/bin/python bench/merge_bench.py                 # 1,000 recipients
    .venv/bin/python bench/merge_bench.py 1000 10000      # several sizes
    .venv/bin/python bench/merge_bench.py --runs 5        # merges timed per size, the best kept (default 3)
    .venv/bin/python bench/merge_bench.py --sample 40     # letters made the naive way (default 20)

Each size runs the real command (``generate.py merge``) in a fresh process,
into bench/out/ (git-ignored), and reports its wall time, the CPU time of all
its processes and their peak memory; then runs it again on the finished
folder. The naive way, a fresh docxtpl render and a fresh WeasyPrint document
per letter (``Renderer.render``, as ``build`` makes the letter), is timed on a
sample of letters in this process; the speed-up is the naive time per letter
divided by the merge's. Nothing here asserts: the figures go in the README.
The machine is shared with other work, so the best of a few runs is kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

FIRST = ["Marie", "Jean", "Anne", "Pierre", "Sophie", "Luc", "Hélène", "François", "Élise", "Amadou", "Fatou",
         "Seán", "Nguyễn Văn", "محمد", "Keiko", "Zoë", "Jérôme", "Aïcha", "Björn", "Chloé"]
LAST = ["Dupont", "Martin", "Giscard d'Estaing", "O'Neill", "Lefèvre", "Diallo", "Nguyễn", "Müller", "Traoré",
        "Roux & Fils", "Benali", "山田", "Dubois", "Moreau", "Le Gall", "Faure", "Ndiaye", "Haddad"]
#: an invitation list: mostly mayors and presidents of local authorities, some ambassadors and ministers
FUNCTIONS = ["Maire de {c}", "Maire de {c}", "Président du Conseil départemental", "Présidente de la Région",
             "Ambassadeur de {k} en France", "Ministre de la Coopération", "Adjointe au maire de {c}",
             "Conseillère municipale", ""]
CITIES = [("75018", "Paris"), ("69001", "Lyon"), ("13001", "Marseille"), ("34000", "Montpellier"),
          ("01000", "Bourg-en-Bresse"), ("97110", "Pointe-à-Pitre"), ("67000", "Strasbourg"), ("44000", "Nantes")]
ABROAD = [("Dakar", "Sénégal", "BP 4039"), ("Tunis", "Tunisie", "1002"), ("Hanoi", "Viêt Nam", "100000"),
          ("Osaka", "Japon", "530-0001"), ("Québec", "Canada", "G1R 4S9")]


def synthetic_rows(n: int, seed: int = 2026):
    """Recipients as an officer would type them: mostly French mayors and presidents, some abroad, some in English."""
    rng = random.Random(seed)
    for i in range(n):
        title = rng.choice(["Madame", "Mme", "Monsieur", "M."])
        function = rng.choice(FUNCTIONS).format(c=rng.choice(CITIES)[1], k=rng.choice(ABROAD)[1])
        if rng.random() < 0.12:
            city, country, postcode = rng.choice(ABROAD)
        else:
            (postcode, city), country = rng.choice(CITIES), ""
        yield [title, rng.choice(FIRST), rng.choice(LAST), function, f"Collectivité n° {i % 97}",
               f"{rng.randint(1, 200)} rue de la République", "", postcode, city, country,
               f"contact{i}@example.org", "en" if rng.random() < 0.15 else "fr"]


HEADERS = ["Civilité", "Prénom", "Nom", "Fonction", "Collectivité", "Adresse 1", "Adresse 2", "Code postal",
           "Ville", "Pays", "E-mail", "Langue"]


def write_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Invités")
    sheet.append(HEADERS)
    for row in synthetic_rows(n):
        sheet.append(row)
    workbook.save(path)


def time_merge(spreadsheet: Path, output: Path, fresh: bool = True) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (all processes) and peak resident memory (MiB, largest process)
    of one ``generate.py merge`` run, in a new process."""
    if fresh:
        shutil.rmtree(output, ignore_errors=True)
    command = [sys.executable, "-c", _MEASURED, str(ROOT), str(spreadsheet), str(output)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"merge failed:\n{done.stdout}\n{done.stderr}")
    cpu, peak = (float(v) for v in done.stdout.strip().splitlines()[-1].split())
    return wall, cpu, peak


# Runs the command line in a child process; prints the CPU time and peak memory of it and its workers.
_MEASURED = """
import resource, sys
sys.path.insert(0, sys.argv[1])
from eventdocs.cli import main
code = main(["merge", "2026", sys.argv[2], "--output", sys.argv[3]])
own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
print(cpu, max(own.ru_maxrss, workers.ru_maxrss) / 1024)
sys.exit(code)
"""


def time_naive(sample: int) -> float:
    """Median seconds per letter the naive way: a fresh DocxTemplate and a fresh WeasyPrint document each."""
    import statistics

    from eventdocs.build import Renderer, load_edition
    from eventdocs.documents import Output, registry
    from eventdocs.recipients import Cell, check_row, load_protocol
    from eventdocs.render import Project

    project = Project(ROOT)
    loaded = load_edition(project, 2026)
    renderer = Renderer(project)
    document = registry()["letter"]
    protocol = load_protocol(project.editions, project.root)
    keys = ["title", "first_name", "last_name", "function", "organisation", "address1", "address2", "postcode",
            "city", "country", "email", "lang"]
    recipients = [check_row(i + 2, {k: Cell(v) for k, v in zip(keys, row)}, protocol)
                  for i, row in enumerate(synthetic_rows(sample))]
    renderer.render(Output(document, loaded.edition, "fr"), loaded.sources)  # warm-up, as the merge has its own
    times = []
    for r in recipients:
        if not hasattr(r, "address"):
            continue  # a row the merge would reject
        start = time.perf_counter()
        renderer.render(Output(document, loaded.edition, r.lang), loaded.sources, salutation=r.salutation,
                        recipient=list(r.address))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    parser.add_argument("--sample", type=int, default=20, help="letters made the naive way (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="merges timed per size; the best is kept (default 3)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}; load average {os.getloadavg()[0]:.2f} at start")
    naive = time_naive(args.sample)
    print(f"naive: {naive * 1000:.0f} ms per letter (DOCX + PDF; median of a sample of {args.sample})")
    for n in args.sizes:
        spreadsheet = OUT / f"recipients-{n}.xlsx"
        if not spreadsheet.exists():
            write_xlsx(spreadsheet, n)
        output = OUT / f"merge-{n}"
        runs = sorted(time_merge(spreadsheet, output) for _ in range(args.runs))
        wall, cpu, peak = runs[0]
        letters = len(list((output / "2026" / "letters").glob("[0-9]*.pdf")))
        per_letter = wall / max(letters, 1)
        print(f"N={n}: {letters} letters (DOCX + PDF each) + combined PDFs in {wall:.1f} s wall "
              f"(best of {len(runs)}: {', '.join(f'{r[0]:.1f}' for r in runs)}), {cpu:.1f} s CPU, "
              f"peak RSS {max(r[2] for r in runs):.0f} MiB; {per_letter * 1000:.1f} ms per letter, "
              f"speed-up ×{naive / per_letter:.0f} over the naive way")
        again, _, _ = time_merge(spreadsheet, output, fresh=False)
        print(f"N={n}: run again, nothing changed: {again:.1f} s")


if __name__ == "__main__":
    main()
