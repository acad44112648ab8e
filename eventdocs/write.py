"""Stage 4: put files on disk: all of a run's changes or none, never outside the output folder.

The one writer of the project, used by ``build`` and ``merge`` alike:

- ``OutputFolder`` locks the output folder (``flock`` on the folder itself): a second run
  waits for the first. The kernel releases the lock when a process ends, even killed with
  ``kill -9``, so a lock is never stale. Once locked, it finishes or undoes what an interrupted
  run left, and deletes the temporary ``.part`` files of killed runs.
- ``Transaction`` applies a set of changes (files written, files removed) all at once:

  1. every new file is written and synced in a staging folder beside the targets
     (``.eventdocs-transaction/``), and every file about to be replaced or removed is
     hard-linked there, to be put back if need be;
  2. a journal listing the changes is written and synced: from then on, the change is decided;
  3. the files are renamed into place; the journal and the staging folder are deleted.

  A failure before 2 leaves the folder as it was; a failure during 3 puts the old files back;
  a run killed during 3 is finished by the next one, which finds the journal (and one killed
  while putting the old files back has them all put back). Either way the folder ends with the
  old set of files or the new one, never a mix.
- ``write_atomic`` writes one file under a temporary name and renames it into place: each of the
  mail merge's letters, which are complete one by one.

Two outputs aiming at the same path, or a path that would leave the output folder, are refused
before anything is written.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import OutputError, Problem

#: the lock file, where a folder itself cannot be locked
LOCK_FILE = ".eventdocs.lock"
STAGING = ".eventdocs-transaction"
JOURNAL = "journal.json"
#: beside the journal while the old files are being put back: the next run goes on putting them back
ROLLING_BACK = "rolling-back"


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


def kept_copy_name(target: Path, data: bytes) -> Path:
    """Where to keep a file changed by hand before replacing it: ``letter-fr.edited-1.docx``.

    Numbered, never dated, so that the archive stays reproducible; an earlier
    copy that holds the same bytes is used again rather than doubled.
    """
    number = 1
    while True:
        candidate = target.with_name(f"{target.stem}.edited-{number}{target.suffix}")
        if not candidate.exists() or _holds(candidate, data):
            return candidate
        number += 1


# --- writing bytes ------------------------------------------------------------------------------------


def _write_bytes(fd: int, data: bytes) -> None:
    """Every byte written to disk goes through here (the tests make it fail like a full disk)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_file(path: Path, data: bytes, durable: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        _write_bytes(fd, data)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make the renames and deletions inside ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, durable: bool = True, shown: str | None = None) -> bool:
    """Write ``data`` to ``path`` atomically; return False when the file already held it.

    ``durable=False`` skips the fsync, for callers writing thousands of files
    that sync the disk once at the end (the mail merge). A failure raises
    ``OutputError`` naming ``shown`` (default: the path), never the temporary file.
    """
    try:
        if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise _output_error(exc, shown or str(path)) from None
    try:
        try:
            _write_bytes(fd, data)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _output_error(exc, shown or str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def _output_error(exc: OSError, shown: str, outcome: str | None = None) -> OutputError:
    advice = {errno.ENOSPC: "free some space on the disk, or choose another --output",
              errno.EDQUOT: "free some space on the disk, or choose another --output",
              errno.EACCES: "check the folder's permissions (is the file open in another program?)",
              errno.EPERM: "check the folder's permissions (is the file open in another program?)",
              errno.EROFS: "the disk is read-only; choose another --output"}.get(exc.errno,
                                                                               "check the folder and the disk")
    return OutputError(Problem(f"cannot write {shown}: {exc.strerror or exc}; {advice}"), outcome=outcome)


# --- the lock ---------------------------------------------------------------------------------------------

#: lock files this process holds: a forked child (a mail merge worker) closes its copies
_held: set[int] = set()


def _forget_locks_in_child() -> None:
    for fd in _held:
        try:
            os.close(fd)  # the parent's descriptor keeps the lock
        except OSError:
            pass
    _held.clear()


os.register_at_fork(after_in_child=_forget_locks_in_child)


class OutputFolder:
    """The output folder, locked for this run, with what an interrupted run left repaired.

    ``on_wait(message)`` is called once when another run holds the lock, before waiting for it.
    ``recovered`` says what was repaired (None: nothing to repair).
    """

    def __init__(self, root: Path, on_wait: Callable[[str], None] | None = None, shown: str | None = None):
        self.root = root
        self.shown = shown or str(root)
        self.on_wait = on_wait
        self.recovered: str | None = None
        self._fd: int | None = None
        self._created = False

    def __enter__(self) -> "OutputFolder":
        try:
            self._created = not self.root.exists()
            self.root.mkdir(parents=True, exist_ok=True)
            self._fd = self._lock()
            self.recovered = recover(self.root)
            remove_partial_files(self.root)
        except OSError as exc:
            self._release()
            raise _output_error(exc, self.shown) from None
        return self

    def __exit__(self, kind, error, trace) -> None:
        if error is not None and self._created:
            self._remove_if_empty()
        self._release()

    def _lock(self) -> int:
        """Lock the folder itself (no lock file to leave behind); a file system that cannot lock a folder
        (some network shares) gets a lock file in it instead."""
        try:
            return self._lock_path(self.root, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            if exc.errno not in (errno.ENOLCK, errno.EBADF, errno.EINVAL, errno.EOPNOTSUPP):
                raise
        return self._lock_path(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT)

    def _lock_path(self, path: Path, flags: int) -> int:
        while True:
            fd = os.open(path, flags | os.O_CLOEXEC, 0o644)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if self.on_wait:
                        self.on_wait(f"another run is writing to {self.shown}; waiting for it to finish "
                                     "(Ctrl-C to give up)")
                    fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            # the run we waited for may have removed the folder it had created (it failed): lock the new one
            try:
                now, held = os.stat(path), os.fstat(fd)
                current = (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)
            except FileNotFoundError:
                current = False
            if current:
                _held.add(fd)
                return fd
            os.close(fd)
            self.root.mkdir(parents=True, exist_ok=True)

    def _remove_if_empty(self) -> None:
        """A failed run that created the output folder leaves no folder behind (only its lock was in it)."""
        try:
            if {p.name for p in self.root.iterdir()} <= {LOCK_FILE}:
                (self.root / LOCK_FILE).unlink(missing_ok=True)
                self.root.rmdir()
        except OSError:
            pass

    def _release(self) -> None:
        if self._fd is not None:
            _held.discard(self._fd)
            os.close(self._fd)  # releases the lock
            self._fd = None


def remove_partial_files(root: Path) -> list[Path]:
    """Temporary files (``.name.xxxx.part``) that a killed run could not remove; only call under the lock."""
    removed = []
    folders = [root]
    while folders:  # os.scandir: a letters folder holds tens of thousands of files
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != STAGING:
                        folders.append(Path(entry.path))
                elif entry.name.startswith(".") and entry.name.endswith(".part"):
                    Path(entry.path).unlink(missing_ok=True)
                    removed.append(Path(entry.path))
    return removed


# --- the transaction ------------------------------------------------------------------------------------------


@dataclass
class _Change:
    relative: Path
    data: bytes | None = None  # bytes to write
    staged: Path | None = None  # or a file already written in the staging folder
    remove: bool = False


@dataclass
class Committed:
    """What a transaction did: paths written (new or changed), removed, and left as they were (identical)."""

    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)


class Transaction:
    """Changes to the files of a locked output folder, applied all at once by ``commit``.

    Nothing is visible in the folder before ``commit``; if the transaction is
    not committed (an error on the way), ``discard`` removes what was staged.
    """

    def __init__(self, folder: OutputFolder):
        self.folder = folder
        self.root = folder.root
        self.changes: list[_Change] = []
        self._staging: Path | None = None
        self._count = 0

    @property
    def staging(self) -> Path:
        if self._staging is None:
            self._staging = self.root / STAGING
            self._staging.mkdir(exist_ok=True)
        return self._staging

    def write(self, relative: Path | str, data: bytes) -> None:
        self.changes.append(_Change(Path(relative), data=data))

    def stage(self, relative: Path | str) -> Path:
        """A path in the staging folder where the caller writes the new file (a big one, written as it is made)."""
        path = self._new_name()
        self.changes.append(_Change(Path(relative), staged=path))
        return path

    def remove(self, relative: Path | str) -> None:
        self.changes.append(_Change(Path(relative), remove=True))

    def _new_name(self) -> Path:
        self._count += 1
        return self.staging / f"new-{self._count}"

    def discard(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None

    def commit(self) -> Committed:
        """Apply every change, or none: see the module's documentation."""
        check_collisions([RenderedFile(c.relative, b"") for c in self.changes])
        result = Committed()
        entries = []
        shown = self.folder.shown
        try:
            for number, change in enumerate(self.changes, start=1):
                target = safe_join(self.root, change.relative)
                shown = str(change.relative)
                if change.remove:
                    if not target.exists():
                        continue
                    entries.append({"target": str(change.relative), "new": None, "old": self._keep_old(target, number)})
                    result.removed.append(target)
                    continue
                if change.data is not None and _holds(target, change.data):
                    result.unchanged.append(target)
                    continue
                staged = change.staged
                if staged is None:
                    staged = self._new_name()
                    _write_file(staged, change.data, durable=True)
                else:
                    _fsync_file(staged)
                    if _same_file(target, staged):
                        staged.unlink()
                        result.unchanged.append(target)
                        continue
                entries.append({"target": str(change.relative), "new": staged.name,
                                "old": self._keep_old(target, number) if target.exists() else None})
                result.written.append(target)
            if not entries:
                self.discard()
                return result
            shown = f"{self.folder.shown}/{STAGING}/{JOURNAL}"
            _write_file(self.staging / (JOURNAL + ".part"), json.dumps(entries).encode(), durable=True)
            os.replace(self.staging / (JOURNAL + ".part"), self.staging / JOURNAL)
            _sync_folder(self.staging)
        except OSError as exc:
            self.discard()
            raise _output_error(exc, shown, outcome="nothing was written") from None
        except BaseException:
            self.discard()
            raise
        try:
            with _ctrl_c_deferred():
                _apply(self.root, entries)
        except OSError as exc:
            try:
                _roll_back(self.root, entries)
                outcome = "nothing was changed (the files already replaced were put back)"
            except OSError:
                outcome = "the change stopped half-way; run the same command again to complete it"
            else:
                self.discard()
            raise _output_error(exc, getattr(exc, "target", self.folder.shown), outcome=outcome) from None
        _finish(self.root)
        return result

    def _keep_old(self, target: Path, number: int) -> str:
        """Hard-link the file about to be replaced into the staging folder, to put it back if need be."""
        old = self.staging / f"old-{number}"
        try:
            os.link(target, old)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            shutil.copy2(target, old)  # a file system without hard links
        return old.name


class _ctrl_c_deferred:
    """Ctrl-C while the files are being put in place takes effect once they all are (a kill -9 cannot wait:
    the next run completes the change from the journal)."""

    def __enter__(self):
        self.pressed = False
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._press)
        return self

    def _press(self, signum, frame):
        self.pressed = True

    def __exit__(self, kind, error, trace):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        if self.pressed and error is None:
            raise KeyboardInterrupt
        return False


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except (FileNotFoundError, NotADirectoryError):
        return False


def _same_file(target: Path, staged: Path) -> bool:
    try:
        if target.stat().st_size != staged.stat().st_size:
            return False
    except FileNotFoundError:
        return False
    return target.read_bytes() == staged.read_bytes()


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _apply(root: Path, entries: list[dict]) -> None:
    """Put every change in place; done again after a kill, each step can run twice."""
    staging = root / STAGING
    for entry in entries:
        target = safe_join(root, entry["target"])
        try:
            if entry["new"] is None:
                target.unlink(missing_ok=True)
                continue
            new = staging / entry["new"]
            if new.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(new, 0o644)
                _replace(new, target)
        except OSError as exc:
            exc.target = entry["target"]  # the message names the document, not the staged file
            raise


def _replace(source: Path, target: Path) -> None:
    """``os.replace``, apart so that the tests can kill the process in the middle of the renames."""
    os.replace(source, target)


def _roll_back(root: Path, entries: list[dict]) -> None:
    """Put back every file that ``_apply`` replaced or removed, and remove the ones it added."""
    staging = root / STAGING
    (staging / ROLLING_BACK).touch()
    _sync_folder(staging)
    for entry in reversed(entries):
        target = safe_join(root, entry["target"])
        old = staging / entry["old"] if entry["old"] else None
        if old is not None and old.exists():
            os.replace(old, target)
        elif old is None and entry["new"] and not (staging / entry["new"]).exists():
            target.unlink(missing_ok=True)  # it was new: it goes
    _sync_folders(root, entries)


def _finish(root: Path, entries: list[dict] | None = None) -> None:
    """Make the renames durable, then delete the journal and the staging folder."""
    staging = root / STAGING
    if entries is None:
        entries = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
    _sync_folders(root, entries)
    (staging / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


def _sync_folders(root: Path, entries: list[dict]) -> None:
    for folder in sorted({safe_join(root, e["target"]).parent for e in entries}):
        if folder.exists():
            _sync_folder(folder)


def recover(root: Path) -> str | None:
    """Finish the change an interrupted run had decided (its journal is there), or drop one it had not.

    Returns what was done, for the summary; None when there was nothing to repair.
    """
    staging = root / STAGING
    if not staging.exists():
        return None
    journal = staging / JOURNAL
    if not journal.exists():
        shutil.rmtree(staging)
        return "an interrupted run had changed nothing; its unfinished files were deleted"
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))
        if not isinstance(entries, list) or not all(isinstance(e, dict) and {"target", "new", "old"} <= e.keys()
                                                    for e in entries):
            raise ValueError("not a list of changes")
    except ValueError as exc:
        raise OutputError(Problem(f"the journal of an interrupted run is damaged ({exc}): the run cannot be completed; "
                                  f"look at the files in {STAGING}/, then delete that folder",
                                  file=str(journal))) from None
    if (staging / ROLLING_BACK).exists():
        _roll_back(root, entries)
        _finish(root, entries)
        return f"an interrupted run had failed: its {len(entries)} change(s) were undone"
    _apply(root, entries)
    _finish(root, entries)
    return f"an interrupted run was completed: its {len(entries)} change(s) are now all in place"
