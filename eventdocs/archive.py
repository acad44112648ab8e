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
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .localize import MissingText, View, resolve_path
from .model import LList, LText
from .text import Text

MANIFEST = "manifest.json"
PACKAGE_DIR = Path(__file__).resolve().parent


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_hash(folder: Path, pattern: str = "*") -> str:
    """One hash for every file under ``folder`` (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=None)
def code_hash() -> str:
    return tree_hash(PACKAGE_DIR, "*.py")


#: the libraries that decide the bytes of a document (pinned exactly in pyproject.toml). The
#: interpreter is not one of them: a rebuild on another Python with these versions gives the same files.
OUTPUT_LIBRARIES = ("weasyprint", "pydyf", "pyphen", "fonttools", "docxtpl", "python-docx", "lxml", "jinja2", "babel",
                    "num2words", "pypdf", "pillow", "pypdfium2")


def tool_versions() -> dict[str, str]:
    versions = {}
    for name in OUTPUT_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


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


def fingerprint(document_id: str, lang: str, inputs_hash: str, context: dict, reads: Reads) -> str:
    """Hash of everything one document's files depend on."""
    parts: dict[str, Any] = {"document": document_id, "lang": lang, "inputs": inputs_hash}
    for key in ("edition", "previous"):
        view = context.get(key)
        paths = getattr(reads, key)
        parts[key + "_structure"] = structure_digest(view.raw if isinstance(view, View) else None)
        values = []
        for path in sorted(paths, key=repr):
            try:
                values.append([list(path), value_digest(resolve_path(view, path))])
            except Exception:  # noqa: BLE001 - a path that no longer exists is a change
                values.append([list(path), "<gone>"])
        parts[key] = values
    return sha256(json.dumps(parts, sort_keys=True, default=str).encode())


def read_manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None  # a damaged manifest only means rebuilding everything


def manifest_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
