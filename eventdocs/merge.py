"""The mail merge: the president's letter personalised for every recipient of a spreadsheet.

    python generate.py merge 2026 invites.xlsx

``merge`` reads as the whole story: load the edition and the protocol table →
read and check the recipients → plan the letters (file names, which ones an
earlier run already made) → render each variant of the letter once (language
× salutation) → lay out the addresses batch by batch and finish each letter
from its variant (stitch.py) → combine each language's letters for printing →
write the report.

Every file is written to a temporary name and renamed into place: an
interrupted run leaves no half-written file. Each letter ends with a mark of the digest of
what it was made from (its data, the templates, the edition), so the next run
redoes only the letters whose data or templates changed, and the missing ones.
A small list of the files made (.merge-files.json) lets a later run delete the
letters of rows that left the spreadsheet, and nothing else.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import math
import os
import re
import signal
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import EditionError, OutputError, Problem, RecipientsError, TemplateError
from .fonts import bundled_fonts, font_coverage
from .recipients import Recipient, RecipientList, Rejected, load_protocol, read_recipients
from .render import Project
from .text import typography
from .stitch import (
    ADDRESS_MARKER, SALUTATION_MARKER, AddressSheet, CombinedPdf, LetterDocx, LetterPdf, SheetParts, file_mark,
    has_mark,
)
from .wordfonts import LATIN
from .write import safe_join, write_atomic

#: bump when the way letters are made changes, so that the next run redoes them
MERGE_FORMAT = 2  # 2: Word letters embed their fonts
FILES_LIST = ".merge-files.json"
REPORT_FILE = "merge-report.csv"
#: the templates a letter is made from (with the edition, the protocol table and the fonts)
LETTER_TEMPLATES = ("letter.html", "letter-addresses.html", "_base.html", "_macros.html", "_letter_address.html",
                    "letter.docx", "labels.yaml", "css/fonts.css", "css/base.css", "css/letter.css",
                    )
#: the names of the files a merge makes in the letters folder
MADE_HERE = re.compile(r"\d+-[a-z0-9-]+\.(docx|pdf)|letters-\d{4}-[a-z]{2}\.pdf")
#: what the address and the salutation of a letter may hold: the Word variant embeds it in their faces
LETTER_PLACEHOLDERS = {ADDRESS_MARKER: LATIN, SALUTATION_MARKER: LATIN}
#: addresses laid out on one page of an address sheet (they are drawn on top of each other)
ADDRESSES_PER_SHEET_PAGE = 100


@dataclass(frozen=True)
class Letter:
    """One letter to make: its recipient, file name, printed salutation and input digest."""

    recipient: Recipient
    stem: str
    salutation: str  # as printed, typography applied
    digest: str

    @property
    def variant(self) -> tuple[str, str, str | None]:
        """The rendered letter it is made from: its PDF differs only by language and salutation."""
        return ("pdf", self.recipient.lang, self.recipient.salutation)

    @property
    def files(self) -> tuple[str, str]:
        return (f"{self.stem}.docx", f"{self.stem}.pdf")


@dataclass
class MergeResult:
    """What a merge did, for the summary on screen."""

    source: str
    folder: Path
    written: list[Letter] = field(default_factory=list)
    unchanged: list[Letter] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    combined: list[tuple[Path, int, bool]] = field(default_factory=list)  # path, pages, written this time
    removed: list[Path] = field(default_factory=list)
    report: Path | None = None


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def merge(
    project: Project,
    year: int,
    spreadsheet: Path,
    output_dir: Path,
    sheet: str | None = None,
    strict: bool = False,
    workers: int | None = None,
    progress: Callable[[int], Any] = lambda total: _NoProgress(),
) -> MergeResult:
    """Write one DOCX and one PDF per good row of ``spreadsheet`` into OUTPUT/<year>/letters/.

    ``workers``: processes that render (default: one per core for a big
    spreadsheet, this process alone for a small one); they start first, and
    get ready while this process reads the spreadsheet. ``progress(total)``
    returns a progress bar (``update(n)``, ``close()``).
    """
    from .build import load_edition

    loaded = load_edition(project, year)
    if loaded.edition.letter is None:
        raise EditionError(Problem("the edition has no 'letter' section: there is no letter to merge",
                                   file=f"editions/{year}.yaml"))
    protocol = load_protocol(project.editions, project.root)
    folder = safe_join(output_dir, Path(str(year)) / "letters")
    with _Workers(workers or workers_for(spreadsheet), _Workshop(project, loaded, folder)) as run:
        recipients = read_recipients(spreadsheet, protocol, sheet, font_coverage(bundled_fonts(project.fonts)))
        check_recipients(recipients, spreadsheet.name, strict)
        folder.mkdir(parents=True, exist_ok=True)
        remove_partial_files(folder)
        letters = plan_letters(project, loaded.edition, recipients.recipients)
        work = plan_work(letters, folder, year)
        earlier = read_files_list(folder)
        write_files_list(folder, earlier.names | {name for l in letters for name in l.files}
                         | {combined_name(year, lang) for lang in work.combined}, earlier.pages)
        made = make_letters(run, loaded.edition, folder, letters, work, progress)
    pages = {**earlier.pages, **{combined_name(year, lang): count for lang, count in made.pages.items()}}
    removed = remove_stale(folder, earlier.names, letters, [combined_name(year, lang) for lang in work.combined],
                           pages)
    _sync_files()

    result = MergeResult(recipients.source, folder, rejected=recipients.rejected, removed=removed)
    result.written = [l for l in letters if l.stem in made.written]
    result.unchanged = [l for l in letters if l.stem not in made.written]
    for lang in work.combined:
        name = combined_name(year, lang)
        result.combined.append((folder / name, pages.get(name, 0), lang in made.pages))
    result.report = write_report(folder, letters, result)
    return result


def workers_for(spreadsheet: Path) -> int:
    """Processes for a merge: one per core (at most 4) for a spreadsheet of more than a couple of hundred rows."""
    try:
        big = spreadsheet.stat().st_size > 16_000
    except OSError:
        big = False
    return min(os.cpu_count() or 1, 4) if big else 1


def check_recipients(recipients: RecipientList, display: str, strict: bool) -> None:
    """Stop before writing anything when --strict meets a bad row, or when no row makes a letter."""
    if recipients.rejected and strict:
        raise RecipientsError(recipients.problems(display))
    if not recipients.recipients:
        raise RecipientsError([Problem("no row makes a letter", file=display), *recipients.problems(display)])


# --- planning -----------------------------------------------------------------------------------------


def plan_letters(project: Project, edition, recipients: list[Recipient]) -> list[Letter]:
    """Each recipient's letter: file name, printed salutation, and the digest of all it is made from."""
    from .localize import localize

    inputs = inputs_digest(project, edition)
    generic = {lang: str(localize(edition, lang).letter.salutation) for lang in ("fr", "en")}
    stems = file_stems(recipients)
    letters = []
    for r in recipients:
        salutation = typography(r.salutation, r.lang) if r.salutation else generic[r.lang]
        digest = _digest([inputs, r.lang, r.salutation or "", list(r.address), stems[r.row]])
        letters.append(Letter(r, stems[r.row], salutation, digest))
    return letters


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


def inputs_digest(project: Project, edition) -> str:
    """A digest of everything a letter is made from, besides its recipient."""
    files = [project.templates / name for name in LETTER_TEMPLATES]
    files += [project.editions / name for name in ("association.yaml", f"{edition.year}.yaml", "protocole.yaml")]
    files += list(bundled_fonts(project.fonts))
    files += [project.root / image for image in (edition.association.logo, edition.president.signature) if image]
    hasher = hashlib.sha256(b"merge format %d" % MERGE_FORMAT)
    for file in files:
        hasher.update(file.name.encode() + b"\0" + (file.read_bytes() if file.exists() else b"(missing)"))
    return hasher.hexdigest()


def is_done(letter: Letter, folder: Path) -> bool:
    """Both files were made by an earlier run from the same inputs (they carry the mark of its digest)."""
    return all(has_mark(folder / name, file_mark(letter.digest)) for name in letter.files)


@dataclass(frozen=True)
class Work:
    """What this run has to make."""

    to_write: frozenset[str]  # stems of the letters to (re)write
    combined: dict[str, str]  # language -> digest of its letters, in order
    to_combine: frozenset[str]  # languages whose combined PDF is to (re)write


def plan_work(letters: list[Letter], folder: Path, year: int) -> Work:
    """The letters not done yet, and the combined PDFs whose letters changed."""
    to_write = frozenset(l.stem for l in letters if not is_done(l, folder))
    combined = {lang: _digest([l.digest for l in letters if l.recipient.lang == lang])
                for lang in sorted({l.recipient.lang for l in letters})}
    to_combine = frozenset(lang for lang, digest in combined.items()
                           if not has_mark(folder / combined_name(year, lang), file_mark(digest)))
    return Work(to_write, combined, to_combine)


def combined_name(year: int, lang: str) -> str:
    return f"letters-{year}-{lang}.pdf"


def combined_title(year: int, lang: str) -> str:
    return {"fr": f"Lettres d’invitation – Rencontres {year}", "en": f"Invitation letters – Rencontres {year}"}[lang]


def _digest(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


# --- making the letters -------------------------------------------------------------------------------
#
# Two rounds of work, shared between processes:
#   1. lay out each batch's address sheet, and render each variant (any order);
#   2. finish and write each batch's letters from its sheet and variants,
#      while this process appends the letters to the combined PDFs.


@dataclass(frozen=True)
class _Batch:
    """Letters of one language whose addresses are laid out together."""

    lang: str
    letters: tuple[Letter, ...]
    write: frozenset[str]  # stems of the letters whose files are to be written


@dataclass(frozen=True)
class _Stitching:
    """What a worker needs to write a batch's letters."""

    batch: _Batch
    sheet: SheetParts
    variants: dict  # ("pdf", lang, salutation) -> LetterTemplate; ("docx", lang, None) -> LetterDocx


@dataclass
class Made:
    """What make_letters wrote: the stems of the letters, the page count of each combined PDF."""

    written: set[str] = field(default_factory=set)
    pages: dict[str, int] = field(default_factory=dict)


def make_letters(run: "_Workers", edition, folder: Path, letters: list[Letter], work: Work, progress) -> Made:
    """Render the variants and the address sheets, then write the letters and the combined PDFs.

    Each letter is complete once renamed into place, so an interrupted run keeps
    what it finished; a combined PDF is renamed into place only once complete.
    """
    todo = [l for l in letters if l.stem in work.to_write or l.recipient.lang in work.to_combine]
    made = Made()
    if not todo:
        return made
    batches = make_batches(todo, work, run.count)
    bar = progress(len(todo))
    combined: dict[str, _CombinedFile] = {}
    try:
        # round 1: address sheets and variants
        sheets, variants = {}, {}
        jobs = [("sheet", i, b.lang, tuple(l.recipient.address for l in b.letters)) for i, b in enumerate(batches)]
        jobs += [("variant", key) for key in variant_tasks(todo, work)]
        for job, data in run.unordered(_render, jobs):
            if job[0] == "sheet":
                sheets[job[1]] = data
                bar.update(len(batches[job[1]].letters) // 2)
            else:
                variants[job[1]] = data
        # round 2: the workers write the letters, this process the combined PDFs
        stitchings = [_Stitching(b, sheets[i], {k: variants[k][0] if k[0] == "pdf" else variants[k]
                                                for k in _variant_keys(b)})
                      for i, b in enumerate(batches) if b.write]
        written = run.unordered(_write_letters, stitchings)
        for lang in sorted(work.to_combine):
            combined[lang] = _CombinedFile(folder / combined_name(edition.year, lang), combined_title(edition.year, lang),
                                           edition.association.name, lang, file_mark(work.combined[lang]))
            combine(combined[lang], [(b, sheets[i]) for i, b in enumerate(batches) if b.lang == lang], variants)
        for batch in batches:
            if not batch.write:
                bar.update(len(batch.letters) - len(batch.letters) // 2)
        for batch, stems in written:
            made.written |= stems
            bar.update(len(batch.letters) - len(batch.letters) // 2)
        made.pages = {lang: target.finish() for lang, target in combined.items()}
    except BaseException:
        for target in combined.values():
            target.discard()
        remove_partial_files(folder)
        raise
    finally:
        bar.close()
    return made


def make_batches(todo: list[Letter], work: Work, workers: int) -> list[_Batch]:
    """Consecutive letters of one language, in batches small enough to share the work between processes."""
    size = max(20, min(250, math.ceil(len(todo) / (workers * 3))))
    batches = []
    for lang in sorted({l.recipient.lang for l in todo}):
        same = [l for l in todo if l.recipient.lang == lang]
        for start in range(0, len(same), size):
            chunk = tuple(same[start:start + size])
            batches.append(_Batch(lang, chunk, frozenset(l.stem for l in chunk if l.stem in work.to_write)))
    return batches


def variant_tasks(todo: list[Letter], work: Work) -> list[tuple]:
    """The variants to render: a PDF per (language, salutation), a DOCX with markers per language."""
    pdfs = {l.variant for l in todo}
    docxs = {("docx", l.recipient.lang, None) for l in todo if l.stem in work.to_write}
    return sorted(pdfs | docxs, key=lambda task: (task[0], task[1], task[2] or ""))


def _variant_keys(batch: _Batch) -> set[tuple]:
    """The variants a batch's letters are made from."""
    return {l.variant for l in batch.letters if l.stem in batch.write} | {("docx", batch.lang, None)}


def combine(target: "_CombinedFile", sheets: list[tuple[_Batch, SheetParts]], variants: dict) -> None:
    """Append every letter of one language to its combined PDF, in spreadsheet order."""
    for batch, sheet in sheets:
        for index, letter in enumerate(batch.letters):
            target.pdf.add_letter(variants[letter.variant][1], sheet, index,
                                  f"{letter.recipient.row}. {letter.recipient.name}")
        target.pdf.forget(sheet)


class _CombinedFile:
    """A combined PDF written to a temporary file beside its target, renamed into place when complete."""

    def __init__(self, path: Path, title: str, author: str, lang: str, mark: bytes):
        self.path = path
        fd, self._tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        self._file = os.fdopen(fd, "wb")
        self.pdf = CombinedPdf(self._file, title, author, lang, mark)

    def finish(self) -> int:
        """Complete the file, put it in place; return its page count."""
        self.pdf.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.chmod(self._tmp, 0o644)
        os.replace(self._tmp, self.path)
        return self.pdf.page_count

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        Path(self._tmp).unlink(missing_ok=True)


class _Workers:
    """Where the rendering happens: a pool of processes, or this process for a small merge.

    Worker processes are forked, so they inherit the workshop made here, and
    get WeasyPrint ready while this process reads the spreadsheet. Only Linux
    forks safely; elsewhere (Windows, macOS) a new process would have to import
    generate.py again, and the merge runs in this process.
    """

    def __init__(self, count: int, workshop: "_Workshop"):
        self.count = count if sys.platform.startswith("linux") else 1
        self.workshop = workshop
        self.pool = None

    def __enter__(self) -> "_Workers":
        global _workshop
        _workshop = self.workshop
        if self.count > 1:
            import multiprocessing

            gc.freeze()  # the workers' garbage collector leaves the inherited objects (and their pages) alone
            self.pool = multiprocessing.get_context("fork").Pool(self.count, initializer=_start_worker)
            gc.unfreeze()
        return self

    def unordered(self, function: Callable, jobs: list) -> Iterator:
        """``function(job)`` for every job, as the results come."""
        if self.pool is None:
            return map(function, jobs)
        return self.pool.imap_unordered(function, jobs, chunksize=1)

    def __exit__(self, kind, error, trace) -> None:
        if self.pool is None:
            return
        if error is None:
            self.pool.close()
        else:  # the workers turn SIGTERM into SystemExit: a file being written is removed on the way out
            self.pool.terminate()
        self.pool.join()


# --- the rendering side, one per process -------------------------------------------------------------------


class _Workshop:
    """Renders variants and address sheets, and finishes letters; one per process."""

    def __init__(self, project: Project, loaded, folder: Path):
        from .documents.letter import LetterDocument

        self.project = project
        self.edition, self.sources = loaded.edition, loaded.sources
        self.document = LetterDocument()
        self.folder = folder
        self._renderer = None

    @property
    def renderer(self):
        """The renderers of the build (made on first use: a merge with worker processes never needs them here)."""
        from .build import Renderer

        if self._renderer is None:
            self._renderer = Renderer(self.project)
        return self._renderer

    def warm_up(self) -> None:
        """Load WeasyPrint, the fonts and the templates once, before the work comes."""
        self.render_sheet("fr", (("Madame Marie Dupont", "18 rue Christiani", "75018 PARIS"),))

    def render_variant(self, kind: str, lang: str, salutation: str | None):
        """The letter in ``lang`` with this salutation, without address, ready to be completed: a
        LetterTemplate for the recipients' files and VariantParts for the combined PDF; or for ``kind``
        "docx", the Word letter with markers for address and salutation (a LetterDocx)."""
        from .documents import Output

        output = Output(self.document, self.edition, lang)
        if kind == "docx":
            ctx = self.renderer.context(output, salutation=SALUTATION_MARKER, recipient=[ADDRESS_MARKER])
            return LetterDocx(self.renderer.word.docx(self.document.docx_template, ctx,
                                                      self.renderer.properties(self.document, self.edition, lang),
                                                      self.sources, placeholders=LETTER_PLACEHOLDERS),
                              fonts_dir=self.project.fonts)
        ctx = self.renderer.context(output, salutation=salutation, recipient=[])
        html = self.renderer.html.html(self.document.html_template, ctx, self.sources)
        variant = LetterPdf(self.renderer.html.pdf(html, self.document.html_template))
        return variant.template(), variant.pages_parts(repr((kind, lang, salutation)))

    def render_sheet(self, lang: str, addresses: tuple[tuple[str, ...], ...]) -> SheetParts:
        """Every address of a batch, each drawn in its own PDF form (templates/letter-addresses.html).

        The sheet is only read by the merge, so it is a plain PDF (no PDF/A
        tags), quicker to make and to read than the letters themselves.
        """
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        from .documents import Output
        from .render import capture_weasyprint_logs

        template = "letter-addresses.html"
        ctx = self.renderer.context(Output(self.document, self.edition, lang), recipient=[])
        ctx["sheets"] = [addresses[i:i + ADDRESSES_PER_SHEET_PAGE]
                         for i in range(0, len(addresses), ADDRESSES_PER_SHEET_PAGE)]
        html = self.renderer.html.html(template, ctx, self.sources)
        with capture_weasyprint_logs() as logs:
            document = HTML(string=html, base_url=str(self.project.templates) + "/",
                            url_fetcher=URLFetcher(allowed_protocols=("file", "data")))
            data = document.write_pdf(font_config=self.renderer.html.font_config)
        problems = [m for m in logs if not m.startswith("Ignored")]
        if problems:
            raise TemplateError([Problem(f"layout problem: {m}", file=f"templates/{template}") for m in problems])
        return AddressSheet(data, len(addresses)).parts(key=hashlib.sha1(data).hexdigest())

    def write_letters(self, stitching: _Stitching) -> frozenset[str]:
        """Write the batch's letters to be written; return their stems."""
        batch = stitching.batch
        try:
            for index, letter in enumerate(batch.letters):
                if letter.stem in batch.write:
                    self.write_letter(letter, stitching.sheet, index, stitching.variants)
        except OSError as exc:
            raise OutputError(Problem(f"cannot write {exc.filename or 'the letters'}: {exc.strerror}; check the "
                                      "folder's permissions and free space", file=str(self.folder))) from None
        return batch.write

    def write_letter(self, letter: Letter, sheet, index: int, variants: dict) -> None:
        """The recipient's DOCX and PDF, each written atomically."""
        docx, pdf = variants[("docx", letter.recipient.lang, None)], variants[letter.variant]
        mark = file_mark(letter.digest)
        contents = (docx.fill(letter.recipient.address, letter.salutation, comment=mark),
                    pdf.with_address(sheet, index, file_id=mark))
        for name, content in zip(letter.files, contents):
            _write_unsynced(safe_join(self.folder, name), content)


_workshop: _Workshop | None = None


def _start_worker() -> None:
    """Set up a forked worker process (it inherits the workshop) and get it ready to render."""
    # Ctrl-C is for the main process, which then ends the workers with SIGTERM (Pool.terminate):
    # that exits quietly, through the file writers' clean-up, so no file is left half-written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)
    _workshop.warm_up()


def _interrupt(signum, frame):
    raise SystemExit(1)


def _render(job: tuple) -> tuple[tuple, Any]:
    """Round 1 in a worker: an address sheet, or a variant of the letter."""
    if job[0] == "sheet":
        return job, _workshop.render_sheet(job[2], job[3])
    return job, _workshop.render_variant(*job[1])


def _write_letters(stitching: _Stitching) -> tuple[_Batch, frozenset[str]]:
    """Round 2 in a worker: a batch's letters written."""
    return stitching.batch, _workshop.write_letters(stitching)


# --- writing files -------------------------------------------------------------------------------------------


def _write_unsynced(path: Path, data: bytes) -> None:
    """An atomic write without its fsync: the files are synced once, at the end.

    One fsync per file makes a merge of thousands of letters wait on the disk
    journal most of the time. A letter lost or damaged by a power cut before the
    final sync lacks its mark at its end (file_mark), and the next run makes it again.
    """
    write_atomic(path, data, durable=not hasattr(os, "sync"))


def _sync_files() -> None:
    """Make every file written so far durable (once per merge, not once per file)."""
    if hasattr(os, "sync"):
        os.sync()


# --- files list, report, cleaning --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilesList:
    """The files earlier merges made in a folder, and the page count of the combined PDFs."""

    names: set[str]
    pages: dict[str, int]


def read_files_list(folder: Path) -> FilesList:
    """What earlier merges made in this folder (nothing when the list is missing or unreadable)."""
    try:
        data = json.loads((folder / FILES_LIST).read_text(encoding="utf-8"))
        return FilesList({n for n in data["files"] if isinstance(n, str)},
                         {n: c for n, c in data.get("pages", {}).items() if isinstance(c, int)})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return FilesList(set(), {})


def write_files_list(folder: Path, names: set[str], pages: dict[str, int]) -> None:
    """Remember the files a merge makes, before making them (a killed run's files are listed too)."""
    data = {"format": MERGE_FORMAT, "files": sorted(names), "pages": {n: c for n, c in pages.items() if n in names}}
    write_atomic(folder / FILES_LIST, json.dumps(data, indent=0, sort_keys=True).encode())


def remove_partial_files(folder: Path) -> None:
    """Temporary files (``.name.xxxx.part``) that a killed run could not remove."""
    for path in folder.glob(".*.part"):
        path.unlink(missing_ok=True)


def remove_stale(folder: Path, earlier: set[str], letters: list[Letter], combined: list[str],
                 pages: dict[str, int]) -> list[Path]:
    """Delete what earlier merges made for rows, or a language, no longer in the spreadsheet."""
    current = {name for l in letters for name in l.files} | set(combined)
    removed = []
    for name in sorted(earlier - current):
        if not MADE_HERE.fullmatch(name):
            continue  # not a name the merge gives: leave it alone
        path = safe_join(folder, name)
        if path.is_file():
            path.unlink()
            removed.append(path)
    write_files_list(folder, current, pages)
    return removed


def compacted_note(recipient: Recipient) -> str:
    """What the report says of an address compacted to fit the window (empty when it fitted as it was)."""
    if not recipient.compacted:
        return ""
    return f"compacted to {len(recipient.address)} lines: {', '.join(recipient.compacted)}"


def write_report(folder: Path, letters: list[Letter], result: MergeResult) -> Path:
    """merge-report.csv, one line per row of the spreadsheet; Excel opens it as is (UTF-8 BOM, semicolons)."""
    written = {l.stem for l in result.written}
    lines = [(l.recipient.row, [l.recipient.row, l.recipient.name, l.recipient.lang, l.salutation,
                                "written" if l.stem in written else "unchanged", " ".join(l.files), "",
                                compacted_note(l.recipient)])
             for l in letters]
    lines += [(r.row, [r.row, r.who, "", "", "rejected", "", r.reason, ""]) for r in result.rejected]
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    out.writerow(["row", "recipient", "language", "salutation", "status", "files", "reason", "address"])
    out.writerows(line for _, line in sorted(lines, key=lambda item: item[0]))
    path = folder / REPORT_FILE
    write_atomic(path, ("\ufeff" + buffer.getvalue()).encode("utf-8"))
    return path
