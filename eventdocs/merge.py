"""The mail merge: the president's letter personalised for every recipient of a spreadsheet.

    python generate.py merge 2026 invites.xlsx

``merge`` reads as the whole story: load the edition and the protocol table →
read and check the recipients → plan the letters (file names, which ones an
earlier run already made) → render each variant of the letter once (language
× salutation) → lay out the addresses batch by batch and finish each letter
from its variant (stitch.py) → combine each language's letters for printing →
write the report.

The output folder is locked for the run (write.OutputFolder). Each letter is
written to a temporary name and renamed into place: an interrupted run leaves
no half-written file, and the letters it finished stay. Each letter ends with a
mark of the digest of what it was made from (its data, the templates, the
edition), so the next run redoes only the letters whose data or templates
changed, and the missing ones. The combined PDFs, the report and the list of
the files made (.merge-files.json) change together at the end, in one
write.Transaction. The list records the size and checksum of every file the
merge wrote: a later run deletes only the letters of rows that left the
spreadsheet, and never replaces a file changed by hand (a letter saved again
in Word) unless told to (``force``: the hand edit is kept as a numbered copy).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .build import Renderer, load_edition
from .documents import Output, person_documents
from .errors import EditionError, OutputError, PipelineError, Problem, RecipientsError, TemplateError
from .fonts import bundled_fonts, font_coverage
from .recipients import Recipient, RecipientList, Rejected, load_protocol, read_recipients
from .localize import localize
from .render import Project, capture_weasyprint_logs, layout_problems
from .load import preview
from .text import typography
from .docxfill import ADDRESS_MARKER, SALUTATION_MARKER, LetterDocx, file_mark, has_mark
from .combined import CombinedPdf
from .stitch import AddressSheet, LetterPdf, SheetParts
from .mergefiles import (  # noqa: F401 (FORMULA_START, slug: re-exported)
    FILES_LIST, FILES_LIST_FORMAT, FORMULA_START, REPORT_FILE, WRITTEN_LOG, FilesList, Made, file_stems,
    files_list_bytes, made_here, may_replace, read_files_list, read_written_logs, relative, remove_stale, report_cell,
    slug, stamp,
)
from .wordfonts import LATIN
from .workers import Workers
from .write import OutputFolder, Transaction, kept_copy_name, remove_partial_files, safe_join, write_atomic

#: bump when the way letters are made changes, so that the next run redoes them
MERGE_FORMAT = 2  # 2: Word letters embed their fonts
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
    kept: list[tuple[Path, str]] = field(default_factory=list)  # files changed by hand, left as they are; why
    copies: list[tuple[Path, Path]] = field(default_factory=list)  # (file replaced, copy of its hand edit)
    recovered: str | None = None  # what was repaired of an interrupted run


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
    remove_absent: bool = True,
    force: bool = False,
    on_wait: Callable[[str], None] | None = None,
) -> MergeResult:
    """Write one DOCX and one PDF per good row of ``spreadsheet`` into OUTPUT/<year>/letters/.

    ``remove_absent=False`` keeps the letters earlier merges made for rows that
    are not in this spreadsheet (``send`` merges a spreadsheet that may be one
    part of the invitation list, and must not delete the others' letters).

    ``workers``: processes that render (default: one per core for a big
    spreadsheet, this process alone for a small one); they start first, and
    get ready while this process reads the spreadsheet. ``progress(total)``
    returns a progress bar (``update(n)``, ``close()``). ``force``: replace
    the files changed by hand too, keeping each hand edit as a numbered copy.
    """
    loaded = load_edition(project, year)
    if loaded.edition.letter is None:
        raise EditionError(Problem("the edition has no 'letter' section: there is no letter to merge",
                                   file=f"editions/{year}.yaml"))
    protocol = load_protocol(project.editions, project.root)
    folder = safe_join(output_dir, Path(str(year)) / "letters")
    global _workshop
    _workshop = _Workshop(project, loaded, folder)
    with Workers(workers or workers_for(spreadsheet), start=_workshop.warm_up, close=_workshop.close_log) as run:
        recipients = read_recipients(spreadsheet, protocol, sheet, font_coverage(bundled_fonts(project.fonts)))
        check_recipients(recipients, spreadsheet.name, strict)
        with OutputFolder(output_dir, on_wait=on_wait) as out:
            result = MergeResult(recipients.source, folder, rejected=recipients.rejected, recovered=out.recovered)
            folder.mkdir(parents=True, exist_ok=True)
            letters = plan_letters(project, loaded.edition, recipients.recipients)
            earlier = read_files_list(folder)
            work = plan_work(letters, folder, year)
            combined_names = {combined_name(year, lang) for lang in work.combined}
            transaction = Transaction(out)
            work, result.kept, result.copies = _keep_edited_combined(folder, work, earlier, transaction, force, year)
            making = {name for l in letters for name in l.files} | combined_names
            if not making <= earlier.names:  # the list must name a file before it is made
                write_files_list(folder, earlier.pending(making))
            try:
                made = make_letters(run, loaded.edition, folder, letters, work, progress, transaction,
                                    earlier.stamps_for, force)
            except (PipelineError, OSError) as exc:
                transaction.discard()
                raise _stopped(exc, folder, letters, work) from None
            except BaseException:  # Ctrl-C: the letters finished stay, the staged print files go
                transaction.discard()
                raise
            result.kept += made.kept
            result.copies += made.copies
            stamps = earlier.updated(read_written_logs(folder))
            stamps.update(made.combined_stamps)
            pages = {**earlier.pages, **{combined_name(year, lang): count for lang, count in made.pages.items()}}
            result.written = [l for l in letters if l.stem in made.written]
            result.unchanged = [l for l in letters if l.stem not in made.written]
            for lang in work.combined:
                name = combined_name(year, lang)
                result.combined.append((folder / name, pages.get(name, 0), lang in made.pages))
            if remove_absent:
                current = {name for l in letters for name in l.files} | combined_names
                removed, kept_stale = remove_stale(folder, transaction, earlier, {
                    name for name in earlier.names - current if MADE_HERE.fullmatch(name)})  # only names it gives
            else:  # another run's letters (send's): left alone, and still listed as the merge's
                removed, kept_stale = [], []
            result.removed, result.kept = removed, result.kept + kept_stale
            report = report_bytes(letters, result)
            report_copy = _keep_edited_report(folder, transaction, report, earlier)
            if report_copy:
                result.copies.append(report_copy)
            stamps[REPORT_FILE] = [stamp(report)]
            kept_copies = earlier.kept | {copy.name for _, copy in result.copies}
            current = {name for l in letters for name in l.files} | combined_names | {p.name for p, _ in kept_stale}
            if not remove_absent:
                current |= {name for name in earlier.names if MADE_HERE.fullmatch(name)}
            transaction.write(relative(output_dir, folder / FILES_LIST),
                              files_list_bytes({n: stamps.get(n, []) for n in current | {REPORT_FILE}},
                                               {n: c for n, c in pages.items() if n in current}, kept_copies))
            for log in folder.glob(WRITTEN_LOG.format(pid="*")):
                transaction.remove(relative(output_dir, log))
            _sync_files()
            transaction.commit()
            result.report = folder / REPORT_FILE
    return result


def _stopped(exc: Exception, folder: Path, letters: list[Letter], work: "Work") -> PipelineError:
    """The error of a merge that stopped while making the letters, saying exactly what it left on disk."""
    done = sum(1 for l in letters if l.stem in work.to_write and is_done(l, folder))
    outcome = (f"{done} letter(s) were written before it stopped, each one complete; the combined PDFs, the report "
               "and the list of files were not changed. Once the problem is fixed, run the merge again: it makes "
               "only the letters still missing" if done else "nothing was written")
    if isinstance(exc, PipelineError):
        return type(exc)(exc.problems, outcome=outcome)
    return OutputError(Problem(f"cannot write in {folder}: {exc.strerror}; check the folder's permissions and "
                               "free space"), outcome=outcome)


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
    inputs = inputs_digest(project, edition)
    generic = {lang: str(localize(edition, lang).letter.salutation) for lang in ("fr", "en")}
    stems = file_stems(recipients)
    letters = []
    for r in recipients:
        salutation = typography(r.salutation, r.lang) if r.salutation else generic[r.lang]
        digest = _digest([inputs, r.lang, r.salutation or "", list(r.address), stems[r.row]])
        letters.append(Letter(r, stems[r.row], salutation, digest))
    return letters


def inputs_digest(project: Project, edition) -> str:
    """A digest of everything a letter is made from, besides its recipient."""
    files = [project.templates / name for name in LETTER_TEMPLATES]
    files += [project.editions / name for name in ("association.yaml", f"{edition.year}.yaml", "protocole.yaml")]
    files += list(bundled_fonts(project.fonts))
    files += [project.root / image.file for image in (edition.association.logo, edition.president.signature) if image]
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


def _keep_edited_combined(folder: Path, work: Work, earlier: "FilesList", transaction: Transaction, force: bool,
                          year: int) -> tuple[Work, list[tuple[Path, str]], list[tuple[Path, Path]]]:
    """Leave out the combined PDFs changed by hand since the merge wrote them (``force``: copy, then replace)."""
    kept, copies = [], []
    to_combine = set(work.to_combine)
    for lang in sorted(work.to_combine):
        path = folder / combined_name(year, lang)
        if not path.exists() or made_here(path, earlier.stamps_for(path.name)):
            continue
        if force:
            data = path.read_bytes()
            copy = kept_copy_name(path, data)
            transaction.write(relative(transaction.root, copy), data)
            copies.append((path, copy))
        else:
            to_combine.discard(lang)
            kept.append((path, "changed by hand since the merge wrote it, so not replaced (--force replaces it, "
                               "keeping your version as a numbered copy)"))
    return Work(work.to_write, work.combined, frozenset(to_combine)), kept, copies


def combined_name(year: int, lang: str) -> str:
    return f"letters-{year}-{lang}.pdf"


def combined_title(edition, lang: str) -> str:
    """The title of a language's combined PDF: the label title_letters (templates/labels.yaml)."""
    return str(localize(edition, lang).labels.title_letters)


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
    stamps: dict  # file name -> stamps of what the merge wrote there (None: trusted, see FilesList)
    force: bool = False


@dataclass
class _Written:
    """What a worker did with a batch: letters written, files kept (changed by hand), copies of hand edits."""

    batch: _Batch
    stems: frozenset[str]
    kept: list[tuple[str, str]] = field(default_factory=list)  # file name, why
    copies: list[tuple[str, str]] = field(default_factory=list)  # file name, copy name


def make_letters(run: Workers, edition, folder: Path, letters: list[Letter], work: Work, progress,
                 transaction: Transaction, stamps: "Callable[[str], list | None]", force: bool = False) -> Made:
    """Render the variants and the address sheets, then write the letters, and stage the combined PDFs.

    Each letter is complete once renamed into place, so an interrupted run keeps
    what it finished; a combined PDF is written in the transaction's staging
    folder and put in place by its commit. ``stamps(name)``: what the merge
    wrote at that name, to tell its files from files changed by hand.
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
                                                for k in _variant_keys(b)},
                                 {name: stamps(name) for l in b.letters if l.stem in b.write for name in l.files}, force)
                      for i, b in enumerate(batches) if b.write]
        written = run.unordered(_write_letters, stitchings)
        for lang in sorted(work.to_combine):
            name = combined_name(edition.year, lang)
            combined[lang] = _CombinedFile(transaction.stage(relative(transaction.root, folder / name)),
                                           combined_title(edition, lang), edition.association.name, lang,
                                           file_mark(work.combined[lang]))
            combine(combined[lang], [(b, sheets[i]) for i, b in enumerate(batches) if b.lang == lang], variants)
        for batch in batches:
            if not batch.write:
                bar.update(len(batch.letters) - len(batch.letters) // 2)
        for outcome in written:
            made.written |= outcome.stems
            made.kept += [(folder / name, why) for name, why in outcome.kept]
            made.copies += [(folder / name, folder / copy) for name, copy in outcome.copies]
            bar.update(len(outcome.batch.letters) - len(outcome.batch.letters) // 2)
        for lang, target in combined.items():
            made.pages[lang] = target.finish()
            made.combined_stamps[combined_name(edition.year, lang)] = [target.stamp]
    except BaseException:
        for target in combined.values():
            target.close()
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
    """A combined PDF written to a staging path as the letters come; the transaction puts it in place."""

    def __init__(self, path: Path, title: str, author: str, lang: str, mark: bytes):
        self.path = path
        self._file = open(path, "wb")
        self._size, self._crc = 0, 0
        self.pdf = CombinedPdf(self, title, author, lang, mark)

    def write(self, data: bytes) -> None:
        """Called by CombinedPdf: the bytes go to the file, and into the stamp of what the merge wrote."""
        self._size += len(data)
        self._crc = zlib.crc32(data, self._crc)
        self._file.write(data)

    @property
    def stamp(self) -> list[int]:
        return [self._size, self._crc]

    def finish(self) -> int:
        """Complete the file (the transaction syncs and renames it); return its page count."""
        self.pdf.close()
        self._file.close()
        return self.pdf.page_count

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


# --- the rendering side, one per process -------------------------------------------------------------------


class _Workshop:
    """Renders variants and address sheets, and finishes letters; one per process."""

    def __init__(self, project: Project, loaded, folder: Path):
        self.project = project
        self.edition, self.sources = loaded.edition, loaded.sources
        self.document = person_documents()["letter"]  # the letter as a per-person document
        self.folder = folder
        self._renderer = None
        self._log: int | None = None
        self._log_pid: int | None = None

    @property
    def renderer(self):
        """The renderers of the build (made on first use: a merge with worker processes never needs them here)."""
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
        output = Output(self.document, self.edition, lang)
        if kind == "docx":
            ctx = self.renderer.context(output, salutation=SALUTATION_MARKER, recipient=[ADDRESS_MARKER])
            return LetterDocx(self.renderer.word.docx(self.document.docx_template, ctx,
                                                      self.renderer.properties(self.document, self.edition, lang),
                                                      self.sources, placeholders=LETTER_PLACEHOLDERS),
                              fonts_dir=self.project.fonts)
        ctx = self.renderer.context(output, salutation=salutation, recipient=[])
        html = self.renderer.html.html(self.document.html_template, ctx, self.sources)
        variant = LetterPdf(self.renderer.html.pdf(html, self.document.html_template, self.edition, self.sources,
                                                   f"the {lang} letter"))
        return variant.template(), variant.pages_parts(repr((kind, lang, salutation)))

    def render_sheet(self, lang: str, addresses: tuple[tuple[str, ...], ...]) -> SheetParts:
        """Every address of a batch, each drawn in its own PDF form (templates/letter-addresses.html).

        The sheet is only read by the merge, so it is a plain PDF (no PDF/A
        tags), quicker to make and to read than the letters themselves.
        """
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher


        template = "letter-addresses.html"
        ctx = self.renderer.context(Output(self.document, self.edition, lang), recipient=[])
        ctx["sheets"] = [addresses[i:i + ADDRESSES_PER_SHEET_PAGE]
                         for i in range(0, len(addresses), ADDRESSES_PER_SHEET_PAGE)]
        html = self.renderer.html.html(template, ctx, self.sources)
        with capture_weasyprint_logs() as logs:
            document = HTML(string=html, base_url=str(self.project.templates) + "/",
                            url_fetcher=URLFetcher(allowed_protocols=("file", "data")))
            data = document.write_pdf(font_config=self.renderer.html.font_config)
        problems = layout_problems(logs, template, self.project.templates)
        if problems:
            raise TemplateError(problems)
        return AddressSheet(data, len(addresses)).parts(key=hashlib.sha1(data).hexdigest())

    def write_letters(self, stitching: _Stitching) -> _Written:
        """Write the batch's letters to be written, leaving alone the files changed by hand."""
        batch = stitching.batch
        outcome = _Written(batch, batch.write)
        for index, letter in enumerate(batch.letters):
            if letter.stem in batch.write:
                self.write_letter(letter, stitching.sheet, index, stitching.variants, stitching, outcome)
        kept = {name for name, _ in outcome.kept}
        outcome.stems = frozenset(l.stem for l in batch.letters if l.stem in batch.write
                                  and not all(name in kept for name in l.files))
        return outcome

    def write_letter(self, letter: Letter, sheet, index: int, variants: dict, stitching: _Stitching,
                     outcome: _Written) -> None:
        """The recipient's DOCX and PDF, each written atomically, unless changed by hand since the merge wrote it."""
        docx, pdf = variants[("docx", letter.recipient.lang, None)], variants[letter.variant]
        mark = file_mark(letter.digest)
        contents = (docx.fill(letter.recipient.address, letter.salutation, comment=mark),
                    pdf.with_address(sheet, index, file_id=mark))
        for name, content in zip(letter.files, contents):
            if not may_replace(self.folder, name, stitching.stamps.get(name), stitching.force, outcome):
                continue
            path = safe_join(self.folder, name)
            self._record(name, content)
            _write_unsynced(path, content, shown=f"{self.folder}/{name}")

    def _record(self, name: str, content: bytes) -> None:
        """Note what is about to be written at ``name`` (before it is renamed into place, so a killed run's
        letters are known as the merge's own)."""
        if self._log is None or self._log_pid != os.getpid():
            path = self.folder / WRITTEN_LOG.format(pid=os.getpid())
            self._log = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            self._log_pid = os.getpid()
        size, crc = stamp(content)
        os.write(self._log, f"{name}\t{size}\t{crc}\n".encode())

    def close_log(self) -> None:
        if self._log is not None and self._log_pid == os.getpid():
            os.close(self._log)
        self._log = None


_workshop: _Workshop | None = None


def _render(job: tuple) -> tuple[tuple, Any]:
    """Round 1 in a worker: an address sheet, or a variant of the letter."""
    if job[0] == "sheet":
        return job, _workshop.render_sheet(job[2], job[3])
    return job, _workshop.render_variant(*job[1])


def _write_letters(stitching: _Stitching) -> _Written:
    """Round 2 in a worker: a batch's letters written."""
    return _workshop.write_letters(stitching)


# --- writing files -------------------------------------------------------------------------------------------


def _write_unsynced(path: Path, data: bytes, shown: str | None = None) -> None:
    """An atomic write without its fsync: the files are synced once, at the end.

    One fsync per file makes a merge of thousands of letters wait on the disk
    journal most of the time. A letter lost or damaged by a power cut before the
    final sync lacks its mark at its end (file_mark), and the next run makes it again.
    """
    write_atomic(path, data, durable=not hasattr(os, "sync"), shown=shown)


def _sync_files() -> None:
    """Make every file written so far durable (once per merge, not once per file)."""
    if hasattr(os, "sync"):
        os.sync()


# --- files list, report, cleaning --------------------------------------------------------------------------------


def write_files_list(folder: Path, data: bytes) -> None:
    """Remember the files a merge makes, before making them (a killed run's files are listed too)."""
    write_atomic(folder / FILES_LIST, data)


def owned_files(folder: Path) -> tuple[set[str], list[str]]:
    """The files of a letters folder that the merge's list accounts for, and the problems found with the list."""
    if not folder.is_dir():
        return set(), []
    if not (folder / FILES_LIST).exists():
        return set(), []
    try:
        data = json.loads((folder / FILES_LIST).read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return {FILES_LIST}, [f"{FILES_LIST}: damaged ({preview(str(exc), 60)}); run the merge again to rewrite it"]
    names = set(files) if isinstance(files, (list, dict)) else set()
    kept = set(data.get("kept", [])) if isinstance(data.get("kept", []), list) else set()
    logs = {p.name for p in folder.glob(WRITTEN_LOG.format(pid="*"))}
    return {FILES_LIST, REPORT_FILE} | {n for n in names | kept if isinstance(n, str)} | logs, []


def compacted_note(recipient: Recipient) -> str:
    """What the report says of an address compacted to fit the window (empty when it fitted as it was)."""
    if not recipient.compacted:
        return ""
    return f"compacted to {len(recipient.address)} lines: {', '.join(recipient.compacted)}"




def report_bytes(letters: list[Letter], result: MergeResult) -> bytes:
    """merge-report.csv, one line per row of the spreadsheet; Excel opens it as is (UTF-8 BOM, semicolons)."""
    written = {l.stem for l in result.written}
    kept = {p.name for p, _ in result.kept}
    lines = [(l.recipient.row, [l.recipient.row, l.recipient.name, l.recipient.lang, l.salutation,
                                "written" if l.stem in written else "unchanged", " ".join(l.files),
                                "; ".join(f"{name}: changed by hand, not replaced" for name in l.files
                                          if name in kept), compacted_note(l.recipient)])
             for l in letters]
    lines += [(r.row, [r.row, r.who, "", "", "rejected", "", r.reason, ""]) for r in result.rejected]
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    out.writerow(["row", "recipient", "language", "salutation", "status", "files", "reason", "address"])
    out.writerows([report_cell(cell) for cell in line] for _, line in sorted(lines, key=lambda item: item[0]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _keep_edited_report(folder: Path, transaction: Transaction, report: bytes,
                        earlier: FilesList) -> tuple[Path, Path] | None:
    """Write the new report; a report changed by hand (saved from Excel) is kept first as a numbered copy."""
    path = folder / REPORT_FILE
    copy = None
    if path.exists() and path.read_bytes() != report and not made_here(path, earlier.stamps_for(REPORT_FILE)):
        edited = path.read_bytes()
        copy = kept_copy_name(path, edited)
        transaction.write(relative(transaction.root, copy), edited)
    transaction.write(relative(transaction.root, path), report)
    return (path, copy) if copy else None
