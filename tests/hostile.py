"""Helpers of the hostile-input tests (tests/test_hostile_*.py): real processes, snapshots, spreadsheets."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HEADERS = ["Civilité", "Prénom", "Nom", "Fonction", "Adresse 1", "Code postal", "Ville", "Pays", "Langue",
           "Formule d'appel"]
ROWS = [
    ["Madame", "Anne", "Hidalgo", "Maire de Paris", "Place de l'Hôtel de Ville", "75004", "Paris", "", "fr", ""],
    ["M.", "Valéry", "Giscard d'Estaing", "Président", "13 avenue de Fontmaure", "63400", "Chamalières", "", "", ""],
    ["M.", "Mamadou", "Diallo", "Ambassadeur du Sénégal", "14 avenue Robert Schuman", "75007", "Paris", "", "", ""],
    ["", "Seán", "O'Neill", "", "1 Main Street", "D02 X285", "Dublin", "Irlande", "en", ""],
]

#: runs the command line in a child process, then prints its peak memory (MiB) on the last line of stdout
_MEASURED = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))  # a safety net: a runaway child fails, the machine lives
sys.path.insert(0, sys.argv[1])
from eventdocs.cli import main
try:
    code = main(sys.argv[2:])
finally:  # VmHWM starts afresh at exec (ru_maxrss would count the forking test process)
    status = open("/proc/self/status").read()
    print(int(status.split("VmHWM:")[1].split()[0]) // 1024, flush=True)
sys.exit(code)
"""


def cli(project: Path | None, *args, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python generate.py [--project P] ARGS`` in a real process."""
    command = [sys.executable, str(ROOT / "generate.py")]
    if project is not None:
        command += ["--project", str(project)]
    return subprocess.run(command + [str(a) for a in args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=str(ROOT))


def cli_measured(project: Path, *args, timeout: float = 120) -> tuple[subprocess.CompletedProcess, int]:
    """The command line in a real process, and its peak memory in MiB. ``timeout`` only guards against a hang."""
    argv = ["--project", str(project), *map(str, args)]
    done = subprocess.run([sys.executable, "-c", _MEASURED, str(ROOT), *argv], capture_output=True, text=True,
                          timeout=timeout, cwd=str(ROOT))
    lines = done.stdout.strip().splitlines()
    return done, int(lines[-1]) if lines and lines[-1].isdigit() else -1


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) with its bytes."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    """Temporary files and staging folders a run could have left behind."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.name.endswith(".part") or p.name.startswith(".eventdocs-transaction"))


def edit_text(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"test setup: {old!r} is not in {path.name} once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, snippet: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if snippet in line)


def write_csv(path: Path, rows: list[list[str]], headers: list[str] = HEADERS, delimiter: str = ";") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def write_xlsx(path: Path, rows: list[list[str]], headers: list[str] = HEADERS) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def many_rows(n: int) -> list[list[str]]:
    """``n`` distinct, good recipients."""
    return [["M.", f"Jean{i}", f"Martin{i}", "", f"{i} rue de la Paix", "75002", "Paris", "", "", ""]
            for i in range(n)]


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


#: runs the command line, killing itself (SIGKILL) just before the N-th file is put in place by a transaction
KILL_AT_RENAME = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from eventdocs import write
count, real = [0], write._replace
def replace(source, target):
    count[0] += 1
    if count[0] == int(sys.argv[2]):
        os.kill(os.getpid(), signal.SIGKILL)
    real(source, target)
write._replace = replace
from eventdocs.cli import main
sys.exit(main(sys.argv[3:]))
"""
