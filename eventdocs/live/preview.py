"""The live preview: the edition's documents rebuilt into a preview folder whenever their sources change.

Two passes, each the ordinary incremental build (build.py: a document whose
fingerprint did not change is not rendered again):

1. the on-screen PDFs, in this process, with a renderer kept warm while only the
   edition files change (templates compiled, fonts loaded), the French ones first:
   one changed text is back on the page within about a second;
2. every file (Word, printer's PDF/X, A4 booklet), in a separate process (jobs.py),
   stopped and started again when the sources change before it is done.

Each pass writes its own folder under ``preview/`` (``pdf/`` and ``all/``), never
``output/``: a half-typed edit never replaces a file meant for the printer. A
problem keeps the last good previews and is shown above them until it is fixed.
"""

from __future__ import annotations

import fnmatch
import gc
import io
from collections import OrderedDict
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import archive
from ..build import LoadedEdition, Renderer, build, lint_word_templates
from ..errors import PipelineError
from ..render import Project
from . import jobs

#: the first pass makes only these formats (documents.FORMAT_FILES)
PREVIEW_FORMATS = ("pdf",)
#: and the French documents first (the officer writes in French; a French text often changes an English
#: document's fingerprint too, and its PDF, the same again, need not delay the French one), then the others
FIRST_LANGUAGES = (["fr"], None)
#: the folders watched, inside the project: the edition files, the layout, the fonts, the images
WATCHED = ("editions", "templates", "fonts", "images")
#: files editors and Office write beside the one being edited, and files the pipeline writes there
IGNORED = ("~$*", ".~lock*", ".#*", "*.swp", "*.swo", "*.swx", "*~", "*.tmp", "*.part", "*.crdownload",
           "4913", ".goutputstream-*", "*.sent.jsonl", ".DS_Store", "Thumbs.db")
#: pages drawn as soon as a PDF is made (the page shows them at once; the others when scrolled to)
EAGER_PAGES = 4
#: width of a page drawn for the page, in pixels (shown at half of it: sharp on high-density screens)
PAGE_IMAGE_WIDTH = 264
MAX_IMAGES = 600
#: seconds left to the page to show the French previews before the other languages are made
PAGE_MOMENT = 0.25
#: watchfiles' grouping of changes: yield 25 ms after the last one (a save is a few writes and a rename, all within
#: a few milliseconds), 150 ms after the first at most
DEBOUNCE_MS, STEP_MS = 150, 25


def is_source(path: str) -> bool:
    """Whether a changed file may change a document (not an editor's lock or temporary file)."""
    parts = Path(path).parts
    return not any(part == "__pycache__" for part in parts) and not any(
        fnmatch.fnmatch(parts[-1], pattern) for pattern in IGNORED)


@dataclass
class Snapshot:
    """The preview as the page shows it at one moment."""

    version: int
    building: bool  # the first pass is running
    ready: bool  # at least one good first pass
    problems: list[str]  # of the last first pass (empty: the previews are up to date)
    print_problems: list[str]  # of the last second pass
    print_building: bool
    screen: dict | None  # the manifest of preview/pdf/<year>
    full: dict | None  # the manifest of preview/all/<year>
    loaded: LoadedEdition | None  # the edition as last built well
    skipped: list[tuple[str, str]] = field(default_factory=list)  # document id, reason
    warnings: list[str] = field(default_factory=list)
    word_findings: list[str] = field(default_factory=list)  # check's reading of the Word templates (wordlint)
    seconds: float = 0.0  # the last first pass took
    first_seconds: float = 0.0  # the last first pass took to show its first previews (the French documents)
    passes: int = 0  # first passes finished, well or not


class Preview:
    """Keeps ``preview/`` up to date with one edition's sources; ``on_change()`` after each news."""

    def __init__(self, project: Project, year: int, folder: Path, on_change: Callable[[], None] = lambda: None):
        self.project, self.year, self.folder = project, year, folder
        self.screen_dir, self.full_dir = folder / "pdf", folder / "all"
        self.on_change = on_change
        self.lock = threading.Lock()  # pdfium is not thread-safe: the builds and the page thumbnails take turns
        self._state = threading.Condition()
        self._pending: set[str] = {"(start)"}
        self._lint_due = True  # the Word templates are read again (wordlint) after a pass when one changed
        self._renderer: Renderer | None = None
        self._editions: dict = {}  # the editions as last read, not read again while their files are the same
        self._frozen = False  # the caches are out of the garbage collector's sight (_freeze_caches)
        self._print_job: jobs.Job | None = None
        self._stop = threading.Event()
        self._snapshot = Snapshot(0, True, False, [], [], False, None, None, None)
        self._images: OrderedDict[tuple, bytes] = OrderedDict()
        self._publishing = threading.Lock()
        self._threads = [threading.Thread(target=self._watch, daemon=True, name="eventdocs-watch"),
                         threading.Thread(target=self._rebuild, daemon=True, name="eventdocs-preview")]

    # --- life -------------------------------------------------------------------------------------

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._state:
            self._state.notify_all()
        if self._print_job:
            self._print_job.stop()
        # a first pass under way is not waited for: the writer leaves preview/ whole even if it is cut short
        self._threads[0].join(timeout=1)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def changed(self, paths: set[str]) -> None:
        """Sources changed: rebuild (the changes that come meanwhile are gathered into the next pass)."""
        with self._state:
            self._pending |= paths
            self._state.notify_all()

    # --- watching ---------------------------------------------------------------------------------

    def _watch(self) -> None:
        from watchfiles import watch

        folders = [str(self.project.root / name) for name in WATCHED if (self.project.root / name).is_dir()]
        for changes in watch(*folders, watch_filter=lambda change, path: is_source(path), debounce=DEBOUNCE_MS,
                             step=STEP_MS, stop_event=self._stop, rust_timeout=500, yield_on_timeout=False):
            self.changed({path for _, path in changes})

    # --- building ---------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        while not self._stop.is_set():
            with self._state:
                while not self._pending and not self._stop.is_set():
                    self._state.wait()
                changes, self._pending = self._pending, set()
            if self._stop.is_set():
                return
            if any(not _is_edition_file(path, self.project) for path in changes):
                self._drop_caches()  # a template, a font or an image changed: start from fresh caches
            self._lint_due |= any(path.endswith(".docx") for path in changes)
            try:
                self._first_pass()
            except Exception:  # noqa: BLE001 - a bug: its traceback to the terminal, a sentence to the page
                traceback.print_exc()
                self._drop_caches()
                self._publish(building=False, passes=self._snapshot.passes + 1, problems=[
                    "unexpected error while making the previews (the traceback is in the terminal where serve "
                    "runs); save the file again to retry"])

    def _drop_caches(self) -> None:
        self._renderer = None
        self._editions.clear()
        gc.unfreeze()  # the old caches, frozen by _freeze_caches, can be collected
        self._frozen = False

    def _first_pass(self) -> None:
        if self._print_job:
            self._print_job.stop()  # its work is out of date: the CPU goes to the preview first
            self._print_job = None
        self._publish(building=True)
        started = time.monotonic()
        self._renderer = self._renderer or Renderer(self.project, PREVIEW_FORMATS)
        for langs in FIRST_LANGUAGES:
            try:
                with self.lock:
                    result = build(self.project, [self.year], self.screen_dir, langs=langs, renderer=self._renderer,
                                   archive_page=False, memo=self._editions)
            except PipelineError as exc:
                self._publish(building=False, problems=[str(p) for p in exc.problems],
                              seconds=time.monotonic() - started, passes=self._snapshot.passes + 1)
                return
            last = langs is None
            screen = self._manifest(self.screen_dir)
            self._draw_first_pages(screen, 1)  # the page asks for them as soon as it hears: first pages first
            if last and not self._frozen:
                _freeze_caches()  # before the news that all is ready: the page and the next save find it done
                self._frozen = True
            self._publish(building=not last, ready=True, problems=[], loaded=result.editions.get(self.year),
                          screen=screen, seconds=time.monotonic() - started,
                          **({"first_seconds": time.monotonic() - started} if langs == FIRST_LANGUAGES[0] else {}),
                          **({"skipped": [(d, r) for _, d, r in result.skipped], "warnings": list(result.warnings),
                              "passes": self._snapshot.passes + 1} if last else {}))
            self._draw_first_pages(screen, EAGER_PAGES)  # the next ones while the page fetches the first
            if not last:
                self._stop.wait(PAGE_MOMENT)  # the CPU to the page while it fetches the new previews
        if self._lint_due:  # after the previews: what check says of the Word templates, as warnings on the page
            self._lint_due = False
            self._publish(word_findings=[str(f.problem) for f in lint_word_templates(self.project)])
        self._second_pass()

    def _second_pass(self) -> None:
        """Every file of the edition, in the background."""
        full = self._manifest(self.full_dir)
        if full and _same_documents(full, self._snapshot.screen):
            self._publish(print_building=False, print_problems=[], full=full)
            return
        self._print_job = jobs.Job("preview", jobs.build_job, {"root": str(self.project.root), "year": self.year,
                                                               "output": str(self.full_dir), "force": True},
                                   on_change=self._second_pass_news)
        self._publish(print_building=True)
        self._print_job.start()

    def _second_pass_news(self, job: jobs.Job) -> None:
        if job is not self._print_job or job.running:
            return
        if job.state.status == jobs.DONE:
            self._publish(print_building=False, print_problems=[], full=self._manifest(self.full_dir))
        elif job.state.status == jobs.FAILED:
            self._publish(print_building=False, print_problems=job.state.problems)

    # --- pages drawn small, for the page ---------------------------------------------------------

    def page_image(self, entry: dict, number: int) -> bytes:
        """Page ``number`` of the preview PDF ``entry`` (of the manifest), drawn small (cached by its SHA-256)."""
        key = (entry["sha256"], number)
        image = self._images.get(key)  # drawn already: no need to wait for a build that holds pdfium
        if image is None:
            with self.lock:
                image = self._images.get(key) or _draw_page(self.screen_dir / str(self.year) / entry["path"], number)
                self._images[key] = image
                while len(self._images) > MAX_IMAGES:
                    self._images.popitem(last=False)
        return image

    def _draw_first_pages(self, manifest: dict | None, pages: int) -> None:
        """Draw the first ``pages`` pages of every new PDF before the page asks for them (while pdfium is free)."""
        for entry in (manifest or {}).get("files", []):
            if entry.get("format") == "pdf":
                for number in range(1, min(entry.get("pages") or 0, pages) + 1):
                    self.page_image(entry, number)

    def _manifest(self, folder: Path) -> dict | None:
        try:
            return archive.read_manifest(folder / str(self.year))
        except PipelineError:
            return None

    def _publish(self, **changes) -> None:
        """A new snapshot (the builder and the second pass's reader both publish: one at a time)."""
        with self._publishing:
            current = self._snapshot.__dict__ | changes
            current["version"] = self._snapshot.version + 1
            self._snapshot = Snapshot(**current)
        self.on_change()


def _freeze_caches() -> None:
    """Leave what a first pass with new caches keeps (the renderer, its fonts and compiled templates, the
    editions) out of the garbage collector's full collections from now on: each one looks at every object of
    the process, 0.1 to 0.25 s, and comes every 5 to 10 saves, in the middle of a pass."""
    gc.collect()
    gc.freeze()


def _is_edition_file(path: str, project: Project) -> bool:
    """A change the warm renderer can follow: an edition file (anything else may be cached in it)."""
    candidate = Path(path)
    return candidate.parent == project.editions and candidate.suffix == ".yaml"


def _same_documents(full: dict, screen: dict | None) -> bool:
    """Whether the second pass's files are those of the documents the first pass shows."""
    if not screen:
        return False
    return all(full.get("documents", {}).get(stem, {}).get("fingerprint") == entry.get("fingerprint")
               for stem, entry in screen.get("documents", {}).items())


def up_to_date(stem: str, snapshot: Snapshot) -> bool:
    """Whether the Word and printer's files of one document match its on-screen preview."""
    if not snapshot.full or not snapshot.screen:
        return False
    screen = snapshot.screen.get("documents", {}).get(stem, {}).get("fingerprint")
    return screen is not None and snapshot.full.get("documents", {}).get(stem, {}).get("fingerprint") == screen


def _draw_page(path: Path, number: int) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        page = document[number - 1]
        image = page.render(scale=PAGE_IMAGE_WIDTH / page.get_width()).to_pil()
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()
    finally:
        document.close()
