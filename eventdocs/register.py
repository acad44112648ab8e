"""The register of certificate numbers: ``editions/<year>.certificates.jsonl``, beside the edition's data.

Every certificate carries a number given once to one person and kept for good:
the register lives with the edition files, under version control, never in
``output/`` (which can always be rebuilt). A person is known by their
registration number when the spreadsheet has one, otherwise by their name,
organisation and e-mail compared loosely, so a run on the same list (reordered,
with rows added) gives everybody the number they had. Each line is one
certificate: its number, the person's key, and whom it was issued to (so that
``python generate.py certificate 2026 NUMBER`` can say).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import EditionError, Problem
from .recipients import Recipient, _key
from .write import write_atomic

REGISTER_FILE = "{year}.certificates.jsonl"


@dataclass(frozen=True)
class Entry:
    """One certificate issued: its number, the person's key, and whom it was issued to."""

    number: str
    key: str
    name: str
    organisation: str = ""


def person_key(person: Recipient) -> str:
    """Who a certificate is for, stable across runs and spreadsheets: the registration number, or a digest of
    the name, organisation and e-mail (case, accents and spacing aside)."""
    if person.registration:
        return "registration:" + _key(person.registration)
    parts = [_key(person.last_name), _key(person.first_name), _key(person.organisation), person.email.lower()]
    return "person:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


class Register:
    """The certificates of one edition, read from its register file and added to by a merge."""

    def __init__(self, path: Path, shown: str, entries: list[Entry]):
        self.path, self.shown = path, shown
        self.entries = entries
        self._by_key = {e.key: e for e in entries}
        self.added: list[Entry] = []

    @classmethod
    def read(cls, editions: Path, year: int, root: Path) -> "Register":
        """The register of ``year`` (empty when the file does not exist yet); a damaged line is an error with its
        line number, never skipped: a number must not be given twice."""
        path = editions / REGISTER_FILE.format(year=year)
        shown = _shown(path, root)
        entries: list[Entry] = []
        if not path.exists():
            return cls(path, shown, entries)
        problems = []
        seen: dict[str, int] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                entry = Entry(str(data["number"]), str(data["key"]), str(data["name"]), str(data.get("organisation", "")))
            except (ValueError, KeyError, TypeError):
                problems.append(Problem("not a certificate of the register (expected a JSON line with number, key "
                                        "and name); restore the file from version control", file=shown, line=number))
                continue
            if entry.number in seen:
                problems.append(Problem(f"number {entry.number} already given on line {seen[entry.number]}",
                                        file=shown, line=number))
            seen[entry.number] = number
            entries.append(entry)
        if problems:
            raise EditionError(problems)
        return cls(path, shown, entries)

    def number_for(self, person: Recipient, prefix: str, digits: int) -> str:
        """The person's certificate number: the one they were given, or the next one."""
        key = person_key(person)
        entry = self._by_key.get(key)
        if entry is None:
            used = {e.number for e in self.entries}
            sequence = len(self.entries) + 1
            while f"{prefix}{sequence:0{digits}d}" in used:
                sequence += 1
            entry = Entry(f"{prefix}{sequence:0{digits}d}", key, person.name, person.organisation)
            self.entries.append(entry)
            self._by_key[key] = entry
            self.added.append(entry)
        return entry.number

    def find(self, number: str) -> Entry | None:
        wanted = number.strip().casefold()
        return next((e for e in self.entries if e.number.casefold() == wanted), None)

    def save(self) -> None:
        """Write the register with the numbers added (atomically, durably: before any certificate shows them)."""
        if not self.added:
            return
        lines = [json.dumps({"number": e.number, "key": e.key, "name": e.name, "organisation": e.organisation},
                            ensure_ascii=False, sort_keys=True) for e in self.entries]
        write_atomic(self.path, ("\n".join(lines) + "\n").encode("utf-8"), shown=self.shown)
        self.added = []


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
