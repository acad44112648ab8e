"""Stage 4: put rendered files on disk, all or nothing per file, never outside the output folder.

Every file is written to a temporary name beside its target and renamed
into place, so an interrupted run never leaves a half-written document.
Two outputs aiming at the same path, or a path that would leave the output
folder, are refused before anything is written.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError, Problem


@dataclass(frozen=True)
class RenderedFile:
    """A finished file waiting to be written: its path inside the output folder and its bytes."""

    relative: Path
    data: bytes


def safe_join(root: Path, relative: Path | str) -> Path:
    """``root / relative``, refusing any path that escapes ``root``."""
    root = root.resolve()
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise OutputError(Problem(f"refusing to write outside the output folder: {relative}"))
    return target


def check_collisions(files: list[RenderedFile]) -> None:
    seen: dict[str, RenderedFile] = {}
    problems = []
    for f in files:
        key = str(f.relative).lower()  # Windows and macOS ignore case
        if key in seen:
            problems.append(Problem(f"two documents would be written to the same file {f.relative}"))
        seen[key] = f
    if problems:
        raise OutputError(problems)


def write_atomic(path: Path, data: bytes, durable: bool = True) -> bool:
    """Write ``data`` to ``path`` atomically; return False when the file already held it.

    ``durable=False`` skips the fsync, for callers writing thousands of files
    that sync the disk once at the end (the mail merge).
    """
    if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def write_all(output_dir: Path, files: list[RenderedFile]) -> list[tuple[Path, bool]]:
    """Write every file; return (path, changed) for each, in order."""
    check_collisions(files)
    targets = [(safe_join(output_dir, f.relative), f) for f in files]
    written = []
    try:
        for target, f in targets:
            written.append((target, write_atomic(target, f.data)))
    except OSError as exc:
        raise OutputError(
            Problem(f"cannot write {exc.filename or output_dir}: {exc.strerror}; check the folder's permissions and free space")
        ) from None
    return written
