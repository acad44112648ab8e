"""Check a Word file against the schemas Word reads it with, before Word finds « unreadable content ».

The check is openxml-audit's port of Microsoft's Open XML SDK validation,
against the Office 2016 schemas: the order and number of elements, attribute
values, relationships and parts (images and embedded fonts included). A
template saved by Word is valid; one edited by a script, or saved by another
word processor, may not be, and every document made from it would inherit
its errors.
"""

from __future__ import annotations

import functools
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .errors import Problem

ADVICE = ("Word may refuse this file (« unreadable content »): open it in Word, save it, and run check again; "
          "Word writes its XML in the expected order")


def problems(path: Path, shown: str) -> list[Problem]:
    """Every schema error of the DOCX at ``path``, located as ``shown: part: …``, and what to do."""
    from openxml_audit import ValidationSeverity

    found = [e for e in _validator().validate(path).errors if e.severity is ValidationSeverity.ERROR]
    if not found:
        return []
    return [Problem(_message(error), file=shown) for error in found] + [Problem(ADVICE, file=shown)]


@contextmanager
def in_background(files: list[tuple[Path, str]]) -> Iterator[Callable[[], list[Problem]]]:
    """Check ``files`` (path, name in messages) in worker processes while the ``with`` block runs.

    It yields a function that waits for the problems. A template takes the
    better part of a second (its styles.xml alone has thousands of elements),
    so ``check`` renders meanwhile. Only Linux forks safely; elsewhere the
    files are checked in this process when the problems are asked for.
    """
    if not files or not sys.platform.startswith("linux"):
        yield lambda: [p for path, shown in files for p in problems(path, shown)]
        return
    import multiprocessing

    workers = min(len(files), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(problems, path, shown) for path, shown in files]
        try:
            yield lambda: [p for future in futures for p in future.result()]
        finally:
            for future in futures:
                future.cancel()


def _message(error) -> str:
    part = error.part_uri.lstrip("/") or "the package"
    where = f" (at {error.path})" if error.path else ""
    return f"{part}: {error.description}{where}"


@functools.cache
def _validator():
    # imported here: loading the schemas takes a moment that only `check` should pay
    from openxml_audit import FileFormat, OpenXmlValidator

    return OpenXmlValidator(file_format=FileFormat.OFFICE_2016)
