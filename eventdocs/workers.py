"""Worker processes for the merges of per-person documents (stages.py).

The workers are forked, so they inherit what the main process prepared (the edition, a page laid
out once, WeasyPrint and its fonts). Only Linux forks safely; elsewhere (Windows, macOS) a new
process would have to import generate.py again, and the work is done in this process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from typing import Callable, Iterator


class Workers:
    """A pool of forked processes, or this process alone (``count`` 1, or not Linux).

    ``start()`` runs in each worker as it starts; ``close()`` in this process when the work ends,
    done or not.
    """

    def __init__(self, count: int, start: Callable[[], None] | None = None,
                 close: Callable[[], None] | None = None):
        self.count = count if sys.platform.startswith("linux") else 1
        self.start, self.close = start, close
        self.pool = None

    def __enter__(self) -> "Workers":
        if self.count > 1:
            gc.freeze()  # the workers' garbage collector leaves the inherited objects (and their pages) alone
            self.pool = multiprocessing.get_context("fork").Pool(self.count, initializer=_start_worker,
                                                                 initargs=(self.start,))
            gc.unfreeze()
        return self

    def unordered(self, function: Callable, jobs: list) -> Iterator:
        """``function(job)`` for every job, as the results come."""
        if self.pool is None:
            return map(function, jobs)
        return self.pool.imap_unordered(function, jobs, chunksize=1)

    def __exit__(self, kind, error, trace) -> None:
        if self.close is not None:
            self.close()
        if self.pool is None:
            return
        if error is None:
            self.pool.close()
        else:  # the workers turn SIGTERM into SystemExit: a file being written is removed on the way out
            self.pool.terminate()
        self.pool.join()


def _start_worker(start: Callable[[], None] | None) -> None:
    # Ctrl-C is for the main process, which then ends the workers with SIGTERM (Pool.terminate):
    # that exits quietly, through the file writers' clean-up, so no file is left half-written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)
    _end_with_parent()
    if start is not None:
        start()


def _end_with_parent() -> None:
    """A worker whose main process is killed (kill -9) gets SIGTERM at once, rather than writing on unlocked."""
    parent = os.getppid()
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG, Linux only
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call
        raise SystemExit(1)


def _interrupt(signum, frame):
    raise SystemExit(1)
