"""What every merge keeps in its folder: file names from rows, the list of the files it made, the report's cells.

Used by the merge stages of every per-person document (stages.py). The list
(``.merge-files.json``) records the size and checksum of every file a merge
wrote: a later run deletes only the files of rows that left the spreadsheet,
and never replaces a file changed by hand without being told.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import OutputError, Problem
from .load import preview
from .recipients import Recipient
from .write import Transaction, kept_copy_name, safe_join, write_atomic

#: the format of the list of files made (2: with the size and checksum of each)
FILES_LIST_FORMAT = 2
FILES_LIST = ".merge-files.json"
#: what each process wrote, line by line, before renaming it into place (folded into the list at the end)
WRITTEN_LOG = ".merge-written.{pid}.log"
REPORT_FILE = "merge-report.csv"
#: a cell starting with one of these is a formula to Excel (OWASP, CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def file_stems(recipients: list[Recipient]) -> dict[int, str]:
    """The file name (without extension) of each recipient's letter, by row: ``0012-dupont-marie``.

    This is the one place letter files are named. The row number makes names
    sortable and unique even for two identical names; the rest is ASCII letters,
    digits and hyphens, so a name is safe on Windows, macOS and Linux and can
    never leave the letters folder (whatever the spreadsheet holds: ``../../etc``).
    """
    width = max(4, len(str(max((r.row for r in recipients), default=0))))
    stems: dict[int, str] = {}
    seen: set[str] = set()
    for r in recipients:
        stem = f"{r.row:0{width}d}-{slug(r.last_name + ' ' + r.first_name) or 'destinataire'}"
        if stem.casefold() in seen:  # impossible with distinct row numbers: refuse rather than overwrite
            raise OutputError(Problem(f"two letters would be written to the same file {stem}"))
        seen.add(stem.casefold())
        stems[r.row] = stem
    return stems


def slug(text: str, width: int = 40) -> str:
    """ASCII, lower case, words joined by hyphens: « Giscard d'Estaing » → ``giscard-d-estaing``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    result = ""
    for word in re.findall(r"[a-z0-9]+", ascii_text.lower()):
        candidate = f"{result}-{word}" if result else word
        if len(candidate) > width:
            return result or candidate[:width]
        result = candidate
    return result


def stamp(data: bytes) -> list[int]:
    """Size and CRC-32 of a file the merge wrote: enough to tell it from a file changed since (not a security
    hash; the archive's manifests use SHA-256), and cheap for thousands of letters."""
    return [len(data), zlib.crc32(data)]


def made_here(path: Path, stamps: list | None) -> bool:
    """Whether the file at ``path`` is one the merge wrote (its size and checksum are recorded)."""
    if stamps is None:
        return True  # listed by a merge from before the checksums were kept: trusted as the merge's own
    size = path.stat().st_size
    candidates = [s for s in stamps if isinstance(s, list) and len(s) == 2 and s[0] == size]
    if not candidates:
        return False
    crc = zlib.crc32(path.read_bytes())
    return any(s[1] == crc for s in candidates)


@dataclass
class Made:
    """What a merge's making stage did: the stems whose files were written, the page count and stamps of each
    print file, the files changed by hand that were kept, and the copies of hand edits it replaced."""

    written: set[str] = field(default_factory=set)
    pages: dict[str, int] = field(default_factory=dict)
    kept: list[tuple[Path, str]] = field(default_factory=list)
    copies: list[tuple[Path, Path]] = field(default_factory=list)
    combined_stamps: dict[str, list] = field(default_factory=dict)


@dataclass(frozen=True)
class FilesList:
    """The files earlier merges made in a folder: what each holds (its stamps), the combined PDFs' page counts,
    and the copies of hand edits kept there."""

    names: set[str]
    pages: dict[str, int]
    stamps: dict[str, list] | None = None  # None: a list from before stamps were kept
    kept: set[str] = field(default_factory=set)

    def stamps_for(self, name: str) -> list | None:
        if self.stamps is None:
            return None
        stamps = self.stamps.get(name, [])
        return stamps if isinstance(stamps, list) else []

    def pending(self, names: set[str]) -> bytes:
        """The list as written before making the files: the files about to be made are listed too."""
        stamps = dict(self.stamps or {})
        return files_list_bytes({n: stamps.get(n, []) for n in self.names | names}, self.pages, self.kept)

    def updated(self, written: dict[str, list]) -> dict[str, list]:
        """The stamps once this run's (or a killed run's) writes are added: the latest three per file."""
        stamps = dict(self.stamps or {})
        for name, new in written.items():
            merged = [s for s in self.stamps_for(name) or [] if s not in new] + new
            stamps[name] = merged[-3:]
        return stamps


def read_files_list(folder: Path) -> FilesList:
    """What earlier merges made in this folder, with what each process noted as it wrote (a killed run's
    letters included). A missing or unreadable list: nothing known."""
    try:
        data = json.loads((folder / FILES_LIST).read_text(encoding="utf-8"))
        files = data["files"]
        pages = {n: c for n, c in data.get("pages", {}).items() if isinstance(c, int)}
        kept = {n for n in data.get("kept", []) if isinstance(n, str)}
        if isinstance(files, list):  # format 1: names only
            listed = FilesList({n for n in files if isinstance(n, str)}, pages, None, kept)
        else:  # the stamps are checked where they are used (made_here)
            listed = FilesList(set(files), pages, dict(files), kept)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        listed = FilesList(set(), {}, {}, set())
    logs = read_written_logs(folder)
    if logs:
        listed = FilesList(listed.names | set(logs), listed.pages, listed.updated(logs), listed.kept)
    return listed


def read_written_logs(folder: Path) -> dict[str, list]:
    """name -> stamps noted by the processes that wrote letters (the lines of .merge-written.<pid>.log)."""
    written: dict[str, list] = {}
    for log in sorted(folder.glob(WRITTEN_LOG.format(pid="*"))):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                written.setdefault(parts[0], []).append([int(parts[1]), int(parts[2])])
    return written


def files_list_bytes(stamps: dict[str, list], pages: dict[str, int], kept: set[str]) -> bytes:
    data = {"format": FILES_LIST_FORMAT, "files": dict(sorted(stamps.items())),
            "pages": dict(sorted((n, c) for n, c in pages.items() if n in stamps)), "kept": sorted(kept)}
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()  # the C encoder: 20,000 entries


def report_cell(value: Any) -> Any:
    """A cell of merge-report.csv that Excel shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def relative(output_dir: Path, path: Path) -> Path:
    """``path`` as a transaction on ``output_dir`` names it."""
    return path.resolve().relative_to(output_dir.resolve())


def remove_stale(folder: Path, transaction: Transaction, earlier: FilesList,
                 names: set[str]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Delete (in the transaction) the files ``names`` that earlier merges made for rows, or a language, no
    longer in the spreadsheet; a file changed by hand since is kept, and said so."""
    removed, kept = [], []
    for name in sorted(names):
        path = safe_join(folder, name)
        if not path.is_file():
            continue
        if made_here(path, earlier.stamps_for(name)):
            transaction.remove(relative(transaction.root, path))
            removed.append(path)
        else:
            kept.append((path, "its row is no longer in the spreadsheet, but the file was changed by hand, so it was "
                               "not deleted: delete it yourself if it is no longer needed"))
    return removed, kept


def may_replace(folder: Path, name: str, stamps: list | None, force: bool, outcome) -> bool:
    """Whether a person's file may be written: yes when the merge made the one there (or there is none); for one
    changed by hand, no (``outcome.kept`` says why), or, with ``force``, yes once the edit is kept as a
    numbered copy (``outcome.copies``)."""
    path = safe_join(folder, name)
    if not path.exists() or made_here(path, stamps):
        return True
    if not force:
        outcome.kept.append((name, "changed by hand since the merge wrote it, so not replaced "
                                   "(--force replaces it, keeping your version as a numbered copy)"))
        return False
    edited = path.read_bytes()
    copy = kept_copy_name(path, edited)
    write_atomic(copy, edited, durable=False, shown=f"{folder}/{copy.name}")
    outcome.copies.append((name, copy.name))
    return True


def owned_files(folder: Path) -> tuple[set[str], list[str]]:
    """The files of a merge's folder that its list accounts for, and the problems found with the list."""
    if not (folder / FILES_LIST).exists():
        return set(), []
    try:
        data = json.loads((folder / FILES_LIST).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {FILES_LIST}, [f"{FILES_LIST}: damaged ({preview(str(exc), 60)}); run the merge again to rewrite it"]
    names = set(files) if isinstance(files, (list, dict)) else set()
    kept = set(data.get("kept", [])) if isinstance(data.get("kept", []), list) else set()
    logs = {p.name for p in folder.glob(WRITTEN_LOG.format(pid="*"))}
    return {FILES_LIST, REPORT_FILE} | {n for n in names | kept if isinstance(n, str)} | logs, []
