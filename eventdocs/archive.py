"""The archive: what made each file, so that it can be rebuilt, checked, or skipped.

Each ``output/<year>/manifest.json`` lists every document file with its
document, language, format, pages, size and SHA-256, the versions of the
tools that made it, and hashes of the inputs. It holds no date: building
twice gives the same manifest, byte for byte.

Each document also records a *fingerprint*: a hash of its templates, fonts,
code, the edition's structure (dates, venue, numbers…) and the resolved value
of every text its templates read. A later build whose fingerprint is the same
reuses the files instead of rendering them again; changing one text changes
only the fingerprints of the documents that print it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .errors import OutputError, Problem
from .localize import MissingText, View, resolve_path
from .model import LList, LText
from .text import Text

MANIFEST = "manifest.json"
PACKAGE_DIR = Path(__file__).resolve().parent


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_hash(folder: Path, pattern: str = "*") -> str:
    """One hash for every file under ``folder`` (names and contents).

    The files are read again only when one of them changed, or a file came or went (see ``_signature``):
    the live preview asks at every save, and fonts/ holds megabytes.
    """
    paths = sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts)
    signatures = tuple((str(path), _signature(path)) for path in paths)
    key = (str(folder), pattern)
    with _KNOWN_LOCK:
        known = _KNOWN_TREES.get(key)
    if known and known[0] == signatures and None not in (s for _, s in signatures):
        return known[1]
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    with _KNOWN_LOCK:
        _KNOWN_TREES[key] = (signatures, digest.hexdigest())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read again only when it changed (see ``_signature``)."""
    signature = _signature(path)
    with _KNOWN_LOCK:
        known = _KNOWN_FILES.get(str(path))
    if known and signature is not None and known[0] == signature:
        return known[1]
    digest = sha256(path.read_bytes())
    with _KNOWN_LOCK:
        _KNOWN_FILES[str(path)] = (signature, digest)
    return digest


#: digests already computed, with the signatures of the files they were computed from
_KNOWN_TREES: dict[tuple[str, str], tuple[tuple, str]] = {}
_KNOWN_FILES: dict[str, tuple[tuple | None, str]] = {}
_KNOWN_LOCK = threading.Lock()
#: a file changed more recently than this is read each time: file times have the kernel clock's coarse steps,
#: so two writes of the same size within one step could otherwise leave the same signature (git's "racy" files)
SETTLED_NS = 2_000_000_000


def _signature(path: Path) -> tuple | None:
    """What changes whenever a file's bytes change: its inode, size, modification and change times (the change
    time cannot be set back, unlike the modification time); None for a file changed in the last instants."""
    stat = path.stat()
    if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) < SETTLED_NS:
        return None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


@lru_cache(maxsize=None)
def code_hash() -> str:
    return tree_hash(PACKAGE_DIR, "*.py")


#: the libraries that decide the bytes of a document (pinned exactly in pyproject.toml). The
#: interpreter is not one of them: a rebuild on another Python with these versions gives the same files.
OUTPUT_LIBRARIES = ("weasyprint", "pydyf", "pyphen", "fonttools", "docxtpl", "python-docx", "lxml", "jinja2", "babel",
                    "num2words", "pypdf", "pillow", "pypdfium2")


@lru_cache(maxsize=None)
def _installed_versions() -> tuple[tuple[str, str], ...]:
    """Read once per process (like code_hash): the code that runs is the code imported at its start."""
    versions = []
    for name in OUTPUT_LIBRARIES:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, "not installed"))
    return tuple(versions)


def tool_versions() -> dict[str, str]:
    return dict(_installed_versions())


def structure_digest(model: BaseModel | None) -> str:
    """Hash of an edition without its texts: dates, venue, numbers, links, programme times."""
    if model is None:
        return "none"
    return sha256(json.dumps(_strip_texts(model), sort_keys=True, default=str).encode())


def _strip_texts(node: Any) -> Any:
    if isinstance(node, (LText, LList)):
        return "text"
    if isinstance(node, BaseModel):
        return {name: _strip_texts(getattr(node, name)) for name in type(node).model_fields}
    if isinstance(node, (list, tuple)):
        return [_strip_texts(item) for item in node]
    return node


def value_digest(value: Any) -> Any:
    """A JSON-able summary of what a template read at one path."""
    if isinstance(value, Text):
        return value.markup
    if isinstance(value, MissingText):
        return "<missing>"
    if isinstance(value, View):
        return value.raw.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [value_digest(item) for item in value]
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return str(value)


@dataclass
class Reads:
    """The fields a document's templates read, in its edition and the previous one."""

    edition: list[tuple] = field(default_factory=list)
    previous: list[tuple] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"edition": [list(p) for p in self.edition], "previous": [list(p) for p in self.previous]}

    @classmethod
    def from_json(cls, data: dict) -> "Reads":
        return cls([tuple(p) for p in data.get("edition", [])], [tuple(p) for p in data.get("previous", [])])


def fingerprint(document_id: str, lang: str, inputs_hash: str, context: dict, reads: Reads,
                structures: dict[int, tuple[BaseModel, str]] | None = None) -> str:
    """Hash of everything one document's files depend on.

    ``structures``: the editions' structure digests already made, kept by the caller for the fingerprints of
    one build (every document of an edition has the same).
    """
    parts: dict[str, Any] = {"document": document_id, "lang": lang, "inputs": inputs_hash}
    for key in ("edition", "previous"):
        view = context.get(key)
        paths = getattr(reads, key)
        parts[key + "_structure"] = _structure_digest(view.raw if isinstance(view, View) else None, structures)
        values = []
        for path in sorted(paths, key=repr):
            try:
                values.append([list(path), value_digest(resolve_path(view, path))])
            except Exception:  # noqa: BLE001 - a path that no longer exists is a change
                values.append([list(path), "<gone>"])
        parts[key] = values
    return sha256(json.dumps(parts, sort_keys=True, default=str).encode())


def _structure_digest(model: BaseModel | None, known: dict[int, tuple[BaseModel, str]] | None) -> str:
    if known is None or model is None:
        return structure_digest(model)
    seen = known.get(id(model))
    if seen is None or seen[0] is not model:  # the very same object, not one that took the id of a freed one
        seen = known[id(model)] = (model, structure_digest(model))
    return seen[1]


def read_manifest(folder: Path, shown: str | None = None) -> dict | None:
    """The manifest of an edition's folder; None when there is none.

    A manifest that cannot be read, or that does not have the shape a build
    writes, raises ``OutputError``: it records which files the pipeline made,
    so a build must not take a damaged one for "no manifest".
    """
    path = folder / MANIFEST
    shown = shown or str(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise _damaged(shown, "it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _damaged(shown, f"not JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except OSError as exc:
        raise OutputError(Problem(f"cannot be read: {exc.strerror}", file=shown)) from None
    problem = manifest_problem(data)
    if problem:
        raise _damaged(shown, problem)
    return data


def _damaged(shown: str, reason: str) -> OutputError:
    return OutputError(Problem(f"damaged ({reason}). It records which files the build made; restore it from a backup, "
                               "or rebuild the edition with --force (files that differ from the rebuild are kept as "
                               "copies, nothing is lost)", file=shown))


_HEX64 = re.compile(r"[0-9a-f]{64}")


def manifest_problem(data: Any) -> str | None:
    """What is wrong with the shape of a manifest, or None."""
    if not isinstance(data, dict):
        return "not a JSON object"
    files, documents = data.get("files"), data.get("documents", {})
    if not isinstance(files, list) or not isinstance(documents, dict):
        return "no 'files' list or 'documents' object"
    for i, entry in enumerate(files + data.get("kept", [])):
        if not isinstance(entry, dict):
            return f"file entry {i} is not an object"
        name = entry.get("path")
        if not isinstance(name, str) or not _plain_name(name):
            return f"file entry {i} has no plain file name"
        if not isinstance(entry.get("sha256"), str) or not _HEX64.fullmatch(entry["sha256"]):
            return f"{name}: no SHA-256"
        if not isinstance(entry.get("size"), int):
            return f"{name}: no size"
    if not isinstance(data.get("kept", []), list):
        return "'kept' is not a list"
    for stem, entry in documents.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str) \
                or not isinstance(entry.get("reads", {}), dict):
            return f"document {stem}: no fingerprint"
    return None


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..") and "\x00" not in name


THUMBNAILS = "thumbnails"


def owned_files(manifest: dict) -> set[str]:
    """The files of an edition's folder that its manifest accounts for, as paths relative to the folder:
    the documents, their kept copies, their thumbnails and the manifest itself."""
    owned = {MANIFEST}
    for entry in manifest.get("files", []):
        owned.add(entry["path"])
        if entry.get("format") == "pdf":
            owned.add(f"{THUMBNAILS}/{Path(entry['path']).stem}.png")
    owned |= {entry["path"] for entry in manifest.get("kept", [])}
    return owned


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
