"""Long work started from the page, each in a process of its own: a build, the printer's files, a mail merge.

A job runs in a fresh (spawned) process, never a fork of the server: the server's
threads (the web server, the watcher, the preview builder) hold locks a fork would
copy half-taken, and the mail merge forks workers of its own. A job can also be
stopped at once (the preview's printer files, when the edition changes again): the
one writer (write.py) makes a killed run safe, the next run finishes or undoes it.

The child reports through a queue: progress, a message while it waits for another
run's lock, then its result or its problems (``file:line: field:`` messages).
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

_spawn = multiprocessing.get_context("spawn")

RUNNING, DONE, FAILED, STOPPED = "running", "done", "failed", "stopped"


@dataclass
class JobState:
    """What the page shows of a job."""

    kind: str
    status: str = RUNNING
    done: int = 0
    total: int = 0
    waiting: str = ""  # another run holds the output folder: this one waits
    result: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    outcome: str = ""  # what a failed run left on disk

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class Job:
    """A function of this module to run in a spawned process (``start()``); ``on_change(job)`` at each news."""

    def __init__(self, kind: str, target: Callable, kwargs: dict, on_change: Callable[["Job"], None] = lambda job: None):
        self.state = JobState(kind)
        self._on_change = lambda: on_change(self)
        self._queue = _spawn.Queue()
        self._process = _spawn.Process(target=_child, args=(target, kwargs, self._queue), daemon=True,
                                       name=f"eventdocs-{kind}")
        self._reader = threading.Thread(target=self._read, daemon=True, name=f"eventdocs-{kind}-reader")

    def start(self) -> "Job":
        self._process.start()
        self._reader.start()
        return self

    @property
    def running(self) -> bool:
        return self.state.status == RUNNING

    def stop(self) -> None:
        """Stop the job now (its files are left as the writer guarantees: the old set or the new one)."""
        if self._process.is_alive():
            self.state.status = STOPPED
            self._process.kill()
        self._process.join()

    def wait(self, timeout: float | None = None) -> None:
        self._reader.join(timeout)

    def _read(self) -> None:
        while True:
            try:
                event, *data = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self._process.is_alive():
                    continue
                if self.state.status == RUNNING:  # ended without a word: killed, or crashed in C
                    self.state.status = STOPPED if self._process.exitcode and self._process.exitcode < 0 else FAILED
                    if self.state.status == FAILED:
                        self.state.problems = [f"the {self.state.kind} process ended unexpectedly "
                                               f"(exit code {self._process.exitcode})"]
                    self._on_change()
                return
            except (EOFError, OSError):  # the queue went away with a killed process
                return
            if self.state.status == STOPPED:
                continue
            if event == "progress":
                self.state.done, self.state.total = data
            elif event == "waiting":
                self.state.waiting = data[0]
            elif event == "done":
                self.state.status, self.state.result, self.state.waiting = DONE, data[0], ""
            elif event == "failed":
                self.state.status, self.state.waiting = FAILED, ""
                self.state.problems, self.state.outcome = data
            self._on_change()
            if event in ("done", "failed"):
                self._process.join()
                return


def _child(target: Callable, kwargs: dict, events) -> None:
    """The spawned process: run ``target``, send its result or its problems."""
    from ..errors import PipelineError

    try:
        events.put(("done", target(events, **kwargs)))
    except PipelineError as exc:
        events.put(("failed", [str(p) for p in exc.problems], exc.outcome or ""))
    except Exception:  # noqa: BLE001 - a bug: its traceback goes to the terminal, a sentence to the page
        traceback.print_exc()
        events.put(("failed", ["unexpected error (the traceback is in the terminal where serve runs)"], ""))
    finally:
        events.close()
        events.join_thread()


class _Progress:
    """A progress bar whose updates go to the server (at most one message per 1 %)."""

    def __init__(self, events, total: int):
        self.events, self.total, self.done, self._sent = events, total, 0, -1
        events.put(("progress", 0, total))

    def update(self, n: int = 1) -> None:
        self.done += n
        step = self.done * 100 // max(self.total, 1)
        if step != self._sent:
            self._sent = step
            self.events.put(("progress", self.done, self.total))

    def close(self) -> None:
        self.events.put(("progress", self.done, self.total))


def _iterate(events):
    """build()'s progress: wraps the documents as they are rendered."""
    def progress(items, total):
        bar = _Progress(events, total)
        for item in items:
            yield item
            bar.update()
        bar.close()
    return progress


def build_job(events, root: str, year: int, output: str, force: bool = False) -> dict:
    """``python generate.py build YEAR`` into ``output``, under the same lock as the command line."""
    from ..build import build
    from ..render import Project

    result = build(Project(Path(root)), [year], Path(output), progress=_iterate(events), force=force,
                   on_wait=lambda message: events.put(("waiting", message)))
    out = Path(output)
    return {
        "written": [str(path.relative_to(out)) for path, changed in result.written if changed],
        "unchanged": sum(1 for _, changed in result.written if not changed),
        "kept": [str(path.relative_to(out)) for path in result.kept],
        "skipped": [f"{doc_id}: {reason}" for _, doc_id, reason in result.skipped],
        "warnings": list(result.warnings),
    }


def merge_job(events, root: str, year: int, spreadsheet: str, output: str, sheet: str | None = None,
              strict: bool = False, force: bool = False) -> dict[str, Any]:
    """``python generate.py merge YEAR SPREADSHEET [--sheet NAME] [--strict] [--force]``: the same reader,
    checks, files and lock as the command line."""
    from ..stages import merge_letters
    from ..render import Project

    result = merge_letters(Project(Path(root)), year, Path(spreadsheet), Path(output), sheet=sheet, strict=strict,
                           force=force, progress=lambda total: _Progress(events, total),
                           on_wait=lambda message: events.put(("waiting", message)))
    letters = sorted([(l, True) for l in result.written] + [(l, False) for l in result.unchanged],
                     key=lambda item: item[0].recipient.row)
    return {
        "folder": str(result.folder),
        "letters": [{"row": l.recipient.row, "name": l.recipient.name, "lang": l.recipient.lang,
                     "files": list(l.files), "written": written, "compacted": list(l.recipient.compacted)}
                    for l, written in letters],
        "rejected": [{"row": r.row, "who": r.who, "reason": r.reason} for r in result.rejected],
        "combined": [{"name": path.name, "pages": pages} for path, pages, _ in result.combined],
        "report": result.report.name if result.report else None,
        "kept": [f"{path.name}: {why}" for path, why in result.kept],
        "removed": [path.name for path in result.removed],
    }
