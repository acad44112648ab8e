"""The merge of every per-person document but the letter: badges, place cards, certificates.

    python generate.py merge 2026 participants.xlsx --only badge --only certificate

``merge_people`` reads as the whole story, the same stages as the letter's
merge (merge.py), for any ``PersonDocument``: read and check the rows with the
document's own columns → keep the people it is for (a certificate: those
present) → number them (certificates: the register beside the edition) → plan
(file names, digests, what an earlier run already made) → lay out the people
batch by batch, in worker processes, one WeasyPrint document per batch → write
each person's files as they come (atomically; a file changed by hand is kept)
→ combine the batches into the print file, write the report and the list of
files in one transaction.

Each person's files are recorded (name, size, checksum and the digest of what
they were made from) in ``.merge-written.<pid>.log`` before they are renamed
into place, so an interrupted run keeps the files it finished, and the next run
makes only the missing ones and those whose data or templates changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from pypdf import PdfReader, PdfWriter

from .build import LoadedEdition, Renderer, load_edition
from .docxfill import MarkedDocx, file_mark
from .combined import CombinedPdf
from .stitch import AddressSheet, LetterPdf, LetterTemplate, SheetParts, VariantParts
from .documents import Output, PersonDocument, person_documents
from .errors import OutputError, PipelineError, Problem, RecipientsError
from .fonts import bundled_fonts, font_coverage
from .mergefiles import (
    REPORT_FILE, FilesList, Made, file_stems, files_list_bytes, made_here, may_replace, read_files_list, relative,
    remove_stale, report_cell, stamp,
)
from .model import LANGUAGES
from .recipients import Protocol, Recipient, RecipientList, load_protocol, read_recipients
from .register import Register
from .render import Project, identifier
from .sheets import Backgrounds
from .wordfonts import LATIN
from .workers import Workers
from .write import OutputFolder, Transaction, kept_copy_name, remove_partial_files, safe_join, write_atomic

#: bump when the way these documents are made changes, so that the next run makes them again
PEOPLE_FORMAT = 3  # 2: badges drawn over what they share, laid out once (sheets.py); 3: QR codes by zxing-cpp
#: what a worker process wrote, line by line, before renaming it into place (folded into the list at the end)
WRITTEN_LOG = ".merge-written.{pid}.log"
FILES_LIST = ".merge-files.json"
#: the templates each document is made from, besides its own (<id>.html, css/<id>.css, <id>.docx)
SHARED_TEMPLATES = ("_base.html", "_macros.html", "labels.yaml", "css/fonts.css", "css/base.css")
#: markers of the Word certificate rendered once per language (docxfill.MarkedDocx)
NAME_MARKER, DETAIL_MARKER, NUMBER_MARKER = "\ue0b1", "\ue0b2", "\ue0b3"
WORD_MARKERS = (NAME_MARKER, DETAIL_MARKER, NUMBER_MARKER)
#: people drawn on one page of an overlay sheet (on top of each other)
OVERLAYS_PER_PAGE = 100


@dataclass(frozen=True)
class Item:
    """One person's document: the person, their file name, certificate number, and the digest of its inputs."""

    person: Recipient
    stem: str
    digest: str
    number: str = ""
    files: tuple[str, ...] = ()  # their own files (none for documents printed on shared sheets)


@dataclass
class PeopleResult:
    """What a merge of one per-person document did, for the summary on screen."""

    document: PersonDocument
    source: str
    folder: Path
    items: list[Item] = field(default_factory=list)
    written: set[str] = field(default_factory=set)  # stems whose files were written this time
    rejected: list = field(default_factory=list)  # recipients.Rejected
    left_out: list[tuple[Recipient, str]] = field(default_factory=list)  # good rows it is not for, and why
    combined: list[tuple[Path, int, bool]] = field(default_factory=list)  # path, pages, written this time
    removed: list[Path] = field(default_factory=list)
    kept: list[tuple[Path, str]] = field(default_factory=list)
    copies: list[tuple[Path, Path]] = field(default_factory=list)
    report: Path | None = None
    register: Register | None = None
    numbered: int = 0  # numbers given for the first time
    recovered: str | None = None


def merge_documents(project: Project, year: int, spreadsheet: Path, output_dir: Path, ids: list[str],
                    **options: Any) -> list[PeopleResult]:
    """``merge --only badge --only certificate…``: each document (not the letter) for every row it is for."""
    documents = person_documents()
    loaded = load_edition(project, year)
    protocol = load_protocol(project.editions, project.root)
    return [merge_people(project, loaded, protocol, documents[doc_id], spreadsheet, output_dir, **options)
            for doc_id in ids]


#: the person every per-person template is filled with by ``check`` (nothing is laid out)
SAMPLE = Recipient(2, "madame", "Marie", "Dupont", "fr", None, (), "marie.dupont@example.org", (), (),
                   "Maire", "Ville de Lyon", "France", "", True, "R-0001")


def check_templates(project: Project, years: list[int]) -> int:
    """Fill the HTML templates of badges, place cards and certificates with a sample person in every
    language, as ``check`` does for the other documents: a template asking for data that does not exist
    fails here with its name and line, not in the middle of a merge. Returns the number checked."""
    documents = [doc for doc in person_documents().values() if doc.id != "letter"]  # the letter: build's check
    renderer = Renderer(project)
    problems, count = [], 0
    for year in years:
        loaded = load_edition(project, year)
        edition = loaded.edition
        views = {code: PersonDocument.event_lines(edition, code) for code in ("fr", "en")}
        for document in documents:
            for lang in ("fr", "en"):
                person = Recipient(**{**SAMPLE.__dict__, "lang": lang,
                                      "category": edition.categories[0].id if edition.categories else ""})
                ctx = renderer.context(Output(document, edition, lang))
                entry = document.person_context(person, edition, views, fonts_dir=project.fonts, number="0001")
                ctx["people"], ctx["sheets"] = [entry], [[entry]]
                ctx.update(document.batch_context(edition, [entry]))
                if document.background:
                    ctx["backgrounds"] = document.background_context(edition, views)
                try:
                    for template in filter(None, (document.html_template, document.overlay, document.background)):
                        renderer.html.html(template, ctx, loaded.sources)
                except PipelineError as exc:
                    problems += [p for p in exc.problems if p not in problems]
            count += 1
    if problems:
        raise PipelineError(problems)
    return count


def merge_people(project: Project, loaded: LoadedEdition, protocol: Protocol, document: PersonDocument,
                 spreadsheet: Path, output_dir: Path, sheet: str | None = None, strict: bool = False,
                 workers: int | None = None, progress: Callable[[int], Any] | None = None, force: bool = False,
                 on_wait: Callable[[str], None] | None = None) -> PeopleResult:
    """Write ``document`` for every good row of ``spreadsheet`` into OUTPUT/<year>/<document.folder>/."""
    edition = loaded.edition
    recipients = read_recipients(spreadsheet, protocol, sheet, font_coverage(bundled_fonts(project.fonts)),
                                 document.rules(edition))
    check_rows(recipients, spreadsheet.name, strict, document)
    chosen = [r for r in recipients.recipients if document.selects(r) is None]
    left_out = [(r, document.selects(r)) for r in recipients.recipients if document.selects(r) is not None]
    if not chosen:
        raise RecipientsError(Problem(f"no row makes a {document.unit}: "
                                      + (left_out[0][1] if left_out else "no good row"), file=spreadsheet.name))
    folder = safe_join(output_dir, Path(str(edition.year)) / document.folder)
    with OutputFolder(output_dir, on_wait=on_wait) as out:
        result = PeopleResult(document, recipients.source, folder, rejected=recipients.rejected, left_out=left_out,
                              recovered=out.recovered)
        numbers = {}
        if document.id == "certificate":
            result.register = Register.read(project.editions, edition.year, project.root)
            prefix = edition.certificates.prefix.replace("{year}", str(edition.year))
            numbers = {r.row: result.register.number_for(r, prefix, edition.certificates.digits) for r in chosen}
            result.numbered = len(result.register.added)
            result.register.save()  # before any certificate shows a number
        folder.mkdir(parents=True, exist_ok=True)
        items = plan_items(project, edition, document, chosen, numbers)
        earlier = files_made(folder)
        digests = read_digests(folder)
        todo = [i for i in items if not is_done(i, folder, earlier, digests)]
        combined = {name: _digest([i.digest for i in group]) for name, group in combined_groups(document, items, edition.year)}
        to_combine = {name for name, digest in combined.items()
                      if not (folder / name).exists() or digests.get(name) != digest}
        transaction = Transaction(out)
        protected = keep_edited(folder, to_combine, earlier, transaction, force)
        result.kept += protected.kept
        result.copies += protected.copies
        to_combine -= protected.left
        try:
            made = make(project, loaded, document, folder, items, todo, to_combine, earlier, transaction, force,
                        workers, progress)
        except (PipelineError, OSError) as exc:
            transaction.discard()
            raise _stopped(exc, folder, document) from None
        except BaseException:
            transaction.discard()
            raise
        result.items, result.written = items, made.written
        result.kept += made.kept
        result.copies += made.copies
        stamps = earlier.updated(read_logged(folder))
        stamps.update(made.combined_stamps)
        digests.update(read_logged_digests(folder))
        digests.update({name: combined[name] for name in made.pages})
        pages = {**earlier.pages, **made.pages}
        for name in combined:
            result.combined.append((folder / name, pages.get(name, 0), name in made.pages))
        current = {n for i in items for n in i.files} | set(combined)
        result.removed, stale_kept = remove_stale(folder, transaction, earlier, {
            name for name in earlier.names - current - {REPORT_FILE, FILES_LIST} if name not in earlier.kept})
        result.kept += stale_kept
        report = report_bytes(document, items, result)
        transaction.write(relative(output_dir, folder / REPORT_FILE), report)
        stamps[REPORT_FILE] = [stamp(report)]
        listed = current | {p.name for p, _ in stale_kept} | {REPORT_FILE}
        kept_copies = earlier.kept | {copy.name for _, copy in result.copies}
        transaction.write(relative(output_dir, folder / FILES_LIST),
                          list_bytes({n: stamps.get(n, []) for n in listed}, {n: c for n, c in pages.items() if n in listed},
                                     kept_copies, {n: d for n, d in digests.items() if n in listed}))
        for log in folder.glob(WRITTEN_LOG.format(pid="*")):
            transaction.remove(relative(output_dir, log))
        if hasattr(os, "sync"):
            os.sync()
        transaction.commit()
        result.report = folder / REPORT_FILE
    return result


def check_rows(recipients: RecipientList, display: str, strict: bool, document: PersonDocument) -> None:
    """Stop before writing anything when --strict meets a bad row, or when no row is good."""
    if recipients.rejected and strict:
        raise RecipientsError(recipients.problems(display))
    if not recipients.recipients:
        raise RecipientsError([Problem(f"no row makes a {document.unit}", file=display),
                               *recipients.problems(display)])


def _stopped(exc: Exception, folder: Path, document: PersonDocument) -> PipelineError:
    outcome = ("nothing was written" if document.sheets else
               f"the {document.unit}s finished before it stopped were kept, each one complete; the print file, the "
               "report and the list of files were not changed. Run the merge again once the problem is fixed: it "
               "makes only what is missing")
    if isinstance(exc, PipelineError):
        return type(exc)(exc.problems, outcome=outcome)
    return OutputError(Problem(f"cannot write in {folder}: {exc.strerror}; check the folder's permissions and "
                               "free space"), outcome=outcome)


# --- planning ---------------------------------------------------------------------------------------


def plan_items(project: Project, edition, document: PersonDocument, people: list[Recipient],
               numbers: dict[int, str]) -> list[Item]:
    """Each person's document: file name, number, and the digest of everything it is made from."""
    inputs = inputs_digest(project, edition, document)
    stems = file_stems(people)
    items = []
    for person in people:
        number = numbers.get(person.row, "")
        files = () if document.sheets else tuple(f"{stems[person.row]}.{fmt}" for fmt in document.formats)
        digest = _digest([inputs, _person_fields(person), number, stems[person.row]])
        items.append(Item(person, stems[person.row], digest, number, files))
    return items


def _person_fields(person: Recipient) -> list:
    return [person.first_name, person.last_name, person.lang, person.function, person.organisation, person.country,
            person.category, person.registration, person.email, person.present]


def inputs_digest(project: Project, edition, document: PersonDocument) -> str:
    """A digest of everything a document is made from besides its person: templates, edition, fonts, images."""
    names = SHARED_TEMPLATES + tuple(filter(None, (document.html_template, f"css/{document.id}.css",
                                                  document.docx_template, document.overlay, document.background)))
    files = [project.templates / name for name in names]
    files += [project.editions / name for name in ("association.yaml", f"{edition.year}.yaml")]
    files += list(bundled_fonts(project.fonts))
    files += [project.root / image.file for image in (edition.association.logo, edition.president.signature) if image]
    hasher = hashlib.sha256(b"people format %d" % PEOPLE_FORMAT)
    for file in files:
        hasher.update(file.name.encode() + b"\0" + (file.read_bytes() if file.exists() else b"(missing)"))
    return hasher.hexdigest()


def combined_groups(document: PersonDocument, items: list[Item], year: int) -> list[tuple[str, list[Item]]]:
    """The print files and the people in each: one file of sheets, or one per language of per-person pages."""
    if document.sheets:
        return [(document.combined_name(year), items)]
    return [(document.combined_name(year, lang), [i for i in items if i.person.lang == lang])
            for lang in sorted({i.person.lang for i in items})]


def is_done(item: Item, folder: Path, earlier: FilesList, digests: dict[str, str]) -> bool:
    """Its files exist as an earlier run made them, from the same inputs."""
    return all(digests.get(name) == item.digest and (folder / name).exists()
               and made_here(folder / name, earlier.stamps_for(name)) for name in item.files)


def _digest(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


# --- making them ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """People laid out in one WeasyPrint document (one language, unless they share sheets)."""

    number: int
    lang: str
    items: tuple[Item, ...]
    write: frozenset[str]  # stems whose own files are to be written
    stamps: dict  # file name -> stamps of what the merge wrote there
    force: bool


@dataclass
class BatchOutcome:
    number: int
    pdf: bytes | None  # the batch's pages (None: drawn over a page laid out once, see ``sheet``)
    sheet: SheetParts | None = None  # each person's form, to draw over the page laid out once
    written: set[str] = field(default_factory=set)
    kept: list[tuple[str, str]] = field(default_factory=list)
    copies: list[tuple[str, str]] = field(default_factory=list)


def make(project, loaded, document, folder, items, todo, to_combine, earlier, transaction, force, workers,
         progress) -> Made:
    """Lay out the batches that are needed, write each person's files, and stage the print files."""
    made = Made()
    todo_stems = {i.stem for i in todo}
    groups = combined_groups(document, items, loaded.edition.year)
    needed = [i for name, group in groups for i in group if name in to_combine or i.stem in todo_stems]
    if not needed:
        return made
    batches = make_batches(document, needed, todo_stems, earlier, force, document.people_per_batch(loaded.edition))
    bar = progress(len(needed)) if progress else None
    global _state
    _state = _State(project, loaded, document, folder)
    joined: dict[str, PdfJoiner] = {}
    try:
        _state.prepare(batches)  # before the workers fork: they inherit what is laid out once
        mine = {name: [b for b in batches if b.items and b.items[0].stem in {i.stem for i in group}]
                for name, group in groups if name in to_combine}
        with Workers(workers or (min(os.cpu_count() or 1, 4) if len(needed) > 150 else 1),
                     start=_state.forked, close=_state.close) as pool:
            # the print files of whole pages are written as the batches come, in order, while the workers go on
            # (opened once the workers are forked: they never hold the file)
            joined.update({name: PdfJoiner(transaction.stage(relative(transaction.root, folder / name)),
                                           [b.number for b in group], document.title(loaded.edition, "fr"),
                                           loaded.edition.association.name, "fr")
                           for name, group in mine.items() if not document.overlay})
            outcomes: dict[int, BatchOutcome] = {}
            for outcome in pool.unordered(_make_batch, batches):
                outcomes[outcome.number] = outcome
                made.written |= outcome.written
                made.kept += [(folder / n, why) for n, why in outcome.kept]
                made.copies += [(folder / n, folder / c) for n, c in outcome.copies]
                for joiner in joined.values():
                    joiner.take(outcomes)
                if bar:
                    bar.update(len(batches[outcome.number].items))
        for name, group in mine.items():
            if document.overlay:
                lang = group[0].lang
                pages, made.combined_stamps[name] = combine_overlays(
                    transaction.stage(relative(transaction.root, folder / name)),
                    [(b, outcomes[b.number].sheet) for b in group], _state.variant(lang)[1],
                    document.title(loaded.edition, lang), loaded.edition.association.name, lang)
            else:
                pages, made.combined_stamps[name] = joined.pop(name).close()
            made.pages[name] = pages
    except BaseException:
        for joiner in joined.values():
            joiner.discard()
        remove_partial_files(folder)
        raise
    finally:
        if bar:
            bar.close()
        _state = None
    return made


def make_batches(document: PersonDocument, needed: list[Item], todo: set[str], earlier: FilesList,
                 force: bool, size: int) -> list[Batch]:
    """Consecutive people (of one language when each has their own page), ``size`` at most."""
    keys = ["all"] if document.sheets else sorted({i.person.lang for i in needed})
    batches = []
    for key in keys:
        same = [i for i in needed if document.sheets or i.person.lang == key]
        for start in range(0, len(same), size):
            chunk = tuple(same[start:start + size])
            write = frozenset(i.stem for i in chunk if i.stem in todo)
            stamps = {n: earlier.stamps_for(n) for i in chunk if i.stem in write for n in i.files}
            batches.append(Batch(len(batches), key, chunk, write, stamps, force))
    return batches


class PdfJoiner:
    """The print file of whole pages: each batch's pages written into it as soon as those before it are (then
    dropped), while the workers lay out the next ones; memory stays flat (combined.CombinedPdf)."""

    def __init__(self, path: Path, order: list[int], title: str, author: str, lang: str):
        self._order = order
        self._next = 0
        self._out = _StampedFile(path)
        self._combined = CombinedPdf(self._out, title, author, lang, file_mark(title), duplex=False)

    def take(self, outcomes: dict[int, "BatchOutcome"]) -> None:
        """Write every batch that is ready and next in order."""
        while self._next < len(self._order) and self._order[self._next] in outcomes:
            outcome = outcomes[self._order[self._next]]
            self._combined.add_pdf(outcome.pdf, f"batch-{outcome.number}")
            outcome.pdf = None
            self._next += 1

    def close(self) -> tuple[int, list]:
        """Finish the file: its page count and stamp."""
        if self._next != len(self._order):
            raise RuntimeError("a batch of the print file is missing")  # a bug, never the user's
        try:
            self._combined.close()
        finally:
            self._out.close()
        return self._combined.page_count, [[self._out.size, self._out.crc]]

    def discard(self) -> None:
        self._out.close()


class _StampedFile:
    """A file written as it comes, its size and checksum kept (the stamp of what the merge wrote)."""

    def __init__(self, path: Path):
        self._file = open(path, "wb", buffering=0)  # unbuffered: no copy of a buffer in a forked process
        self.size, self.crc = 0, 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.crc = zlib.crc32(data, self.crc)
        self._file.write(data)

    def close(self) -> None:
        self._file.close()


def combine_overlays(path: Path, sheets: list[tuple["Batch", SheetParts]], variant: VariantParts, title: str,
                     author: str, lang: str) -> tuple[int, list]:
    """The print file of a language: its page laid out once, each person's form drawn over it, written as it
    goes (stitch.CombinedPdf: fonts stored once, memory flat); its page count and stamp."""
    out = _StampedFile(path)
    try:
        combined = CombinedPdf(out, title, author, lang, file_mark(title), duplex=False)
        for batch, sheet in sheets:
            for index, item in enumerate(batch.items):
                combined.add_letter(variant, sheet, index, f"{item.person.row}. {item.person.name}")
            combined.forget(sheet)
        combined.close()
    finally:
        out.close()
    return combined.page_count, [[out.size, out.crc]]


def page_pdf(reader: PdfReader, index: int, title: str, author: str) -> bytes:
    """One page of a batch as a PDF of its own (a person's certificate)."""
    writer = PdfWriter()
    writer.add_page(reader.pages[index])
    writer.add_metadata({"/Title": title, "/Author": author, "/Producer": "eventdocs"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# --- the rendering side, one per process -------------------------------------------------------------------


class _State:
    """What every process needs to lay out a batch (worker processes are forked with it)."""

    def __init__(self, project: Project, loaded: LoadedEdition, document: PersonDocument, folder: Path):
        self.project, self.loaded, self.document, self.folder = project, loaded, document, folder
        self.year = loaded.edition.year
        self._renderer: Renderer | None = None
        self._docx: dict[str, MarkedDocx] = {}
        self._variants: dict[str, tuple[LetterTemplate, VariantParts]] = {}
        self._backgrounds: Backgrounds | None = None
        self._log: int | None = None

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(self.project)
        return self._renderer

    def batch_pdf(self, batch: Batch) -> bytes:
        """The batch's people laid out in one document (templates/<id>.html)."""
        edition, document, sources = self.loaded.edition, self.document, self.loaded.sources
        lang = "fr" if batch.lang == "all" else batch.lang
        views = {code: document.event_lines(edition, code) for code in ("fr", "en")}
        ctx = self.renderer.context(Output(document, edition, lang))
        ctx["people"] = [document.person_context(i.person, edition, views, fonts_dir=self.project.fonts,
                                                 number=i.number) for i in batch.items]
        ctx.update(document.batch_context(edition, ctx["people"]))
        html = self.renderer.html.html(document.html_template, ctx, sources)
        laid_out = self.renderer.html.layout(html, document.html_template, variant=None, edition=edition,
                                             sources=sources, name=f"the {document.unit}s")
        data = self.renderer.html.write(laid_out, document.html_template, identifier(html), variant=None)
        if document.background:
            data = self.backgrounds.assemble(data, document.sheet_pages(edition, ctx["people"]))
        return data

    @property
    def backgrounds(self) -> Backgrounds:
        """What the documents of a sheet share, laid out once, one page per kind (sheets.py)."""
        if self._backgrounds is None:
            edition, document, sources = self.loaded.edition, self.document, self.loaded.sources
            views = {code: document.event_lines(edition, code) for code in LANGUAGES}
            ctx = self.renderer.context(Output(document, edition, "fr"))
            ctx["backgrounds"] = document.background_context(edition, views)
            html = self.renderer.html.html(document.background, ctx, sources)
            laid_out = self.renderer.html.layout(html, document.background, variant=None, edition=edition,
                                                 sources=sources, name=f"the {document.unit}s")
            data = self.renderer.html.write(laid_out, document.background, identifier(html), variant=None)
            self._backgrounds = Backgrounds(data, len(ctx["backgrounds"]), f"templates/{document.background}",
                                            f"templates/{document.html_template}")
        return self._backgrounds

    def prepare(self, batches: list[Batch]) -> None:
        """Lay out what every batch of a language shares (the page without a person, the Word file with markers),
        and load WeasyPrint and the fonts, once, in this process."""
        langs = sorted({b.lang for b in batches})
        if self.document.background:
            self.backgrounds  # noqa: B018 - laid out once, before forking
        if self.document.overlay:
            for lang in langs:
                self.variant(lang)
        if "docx" in self.document.formats and any(b.write for b in batches):
            for lang in langs:
                self.word_variant(lang)
        self.renderer.html  # noqa: B018 - WeasyPrint and the font configuration, loaded before forking

    def variant(self, lang: str) -> tuple[LetterTemplate, VariantParts]:
        """The page of ``lang`` laid out once without any person (PDF/A): ready for each person's file, and for
        the print file."""
        if lang not in self._variants:
            edition, document, sources = self.loaded.edition, self.document, self.loaded.sources
            ctx = self.renderer.context(Output(document, edition, lang))
            html = self.renderer.html.html(document.html_template, ctx, sources)
            laid_out = LetterPdf(self.renderer.html.pdf(html, document.html_template, edition, sources,
                                                        f"the {lang} {document.unit}"))
            self._variants[lang] = (laid_out.template(), laid_out.pages_parts(f"{document.id}-{lang}"))
        return self._variants[lang]

    def overlay_sheet(self, batch: Batch) -> SheetParts:
        """Each person of the batch drawn in a PDF form of their own, where the page leaves room for them."""
        edition, document, sources = self.loaded.edition, self.document, self.loaded.sources
        views = {code: document.event_lines(edition, code) for code in ("fr", "en")}
        ctx = self.renderer.context(Output(document, edition, batch.lang))
        people = [document.person_context(i.person, edition, views, fonts_dir=self.project.fonts, number=i.number)
                  for i in batch.items]
        ctx["sheets"] = [people[i:i + OVERLAYS_PER_PAGE] for i in range(0, len(people), OVERLAYS_PER_PAGE)]
        html = self.renderer.html.html(document.overlay, ctx, sources)
        laid_out = self.renderer.html.layout(html, document.overlay, variant=None, edition=edition, sources=sources,
                                             name=f"the {document.unit}s")
        data = self.renderer.html.write(laid_out, document.overlay, identifier(html), variant=None)
        return AddressSheet(data, len(people), f"templates/{document.overlay}").parts(hashlib.sha1(data).hexdigest())

    def word_variant(self, lang: str) -> MarkedDocx:
        """The Word document rendered once per language, with markers for each person's text."""
        if lang not in self._docx:
            edition, document = self.loaded.edition, self.document
            ctx = self.renderer.context(Output(document, edition, lang), person_name=NAME_MARKER,
                                        person_detail=DETAIL_MARKER, certificate_number=NUMBER_MARKER)
            data = self.renderer.word.docx(document.docx_template, ctx,
                                           self.renderer.properties(document, edition, lang), self.loaded.sources,
                                           placeholders={m: LATIN for m in WORD_MARKERS})
            self._docx[lang] = MarkedDocx(data, WORD_MARKERS, f"templates/{document.docx_template}",
                                          fonts_dir=self.project.fonts)
        return self._docx[lang]

    def write_files(self, batch: Batch, outcome: BatchOutcome) -> None:
        """Each person's own files, written atomically, unless changed by hand since the merge wrote them."""
        reader = PdfReader(io.BytesIO(outcome.pdf)) if outcome.pdf is not None else None
        template = self.variant(batch.lang)[0] if outcome.sheet is not None else None
        title = self.document.title(self.loaded.edition, "fr" if batch.lang == "all" else batch.lang)
        author = self.loaded.edition.association.name
        for index, item in enumerate(batch.items):
            if item.stem not in batch.write:
                continue
            person = item.person
            contents = {}
            if "pdf" in self.document.formats:
                contents[f"{item.stem}.pdf"] = (
                    template.with_address(outcome.sheet, index, file_id=file_mark(item.digest)) if template
                    else page_pdf(reader, index, f"{title} – {person.name}", author))
            if "docx" in self.document.formats:
                detail = ", ".join(p for p in (person.function, person.organisation) if p)
                contents[f"{item.stem}.docx"] = self.word_variant(batch.lang).fill(
                    {NAME_MARKER: person.name, DETAIL_MARKER: detail, NUMBER_MARKER: item.number},
                    comment=file_mark(item.digest))
            kept_all = True
            for name, content in contents.items():
                if not may_replace(self.folder, name, batch.stamps.get(name), batch.force, outcome):
                    continue
                path = safe_join(self.folder, name)
                self._record(name, content, item.digest)
                write_atomic(path, content, durable=not hasattr(os, "sync"), shown=f"{self.folder}/{name}")
                kept_all = False
            if not kept_all:
                outcome.written.add(item.stem)

    def _record(self, name: str, content: bytes, digest: str) -> None:
        """Note what is about to be written at ``name``, before it is renamed into place."""
        if self._log is None:
            path = self.folder / WRITTEN_LOG.format(pid=os.getpid())
            self._log = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
        size, crc = stamp(content)
        os.write(self._log, f"{name}\t{size}\t{crc}\t{digest}\n".encode())

    def forked(self) -> None:
        """In a worker just forked: each process writes its own log."""
        self._log = None

    def close(self) -> None:
        if self._log is not None:
            os.close(self._log)
            self._log = None


_state: _State | None = None


def _make_batch(batch: Batch) -> BatchOutcome:
    """A batch laid out, and its people's own files written."""
    if _state.document.overlay:
        outcome = BatchOutcome(batch.number, None, _state.overlay_sheet(batch))
    else:
        outcome = BatchOutcome(batch.number, _state.batch_pdf(batch))
    if batch.write:
        _state.write_files(batch, outcome)
    return outcome


# --- files list, report -----------------------------------------------------------------------------------


def files_made(folder: Path) -> FilesList:
    """What earlier runs made in the folder: its list, and what a run killed since noted as it wrote."""
    listed = read_files_list(folder)
    logged = read_logged(folder)
    if not logged:
        return listed
    return FilesList(listed.names | set(logged), listed.pages, listed.updated(logged), listed.kept)


def read_logged(folder: Path) -> dict[str, list]:
    """name -> stamps noted by the processes that wrote files."""
    written: dict[str, list] = {}
    for name, size, crc, _ in _log_lines(folder):
        written.setdefault(name, []).append([size, crc])
    return written


def read_logged_digests(folder: Path) -> dict[str, str]:
    return {name: digest for name, _, _, digest in _log_lines(folder)}


def _log_lines(folder: Path) -> Iterator[tuple[str, int, int, str]]:
    for log in sorted(folder.glob(WRITTEN_LOG.format(pid="*"))):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) == 4 and parts[1].isdigit() and parts[2].isdigit():
                yield parts[0], int(parts[1]), int(parts[2]), parts[3]


def read_digests(folder: Path) -> dict[str, str]:
    """The digest each file was made from: as listed by the last run, and as logged by a run killed since."""
    try:
        digests = json.loads((folder / FILES_LIST).read_text(encoding="utf-8")).get("digests", {})
        digests = {n: d for n, d in digests.items() if isinstance(n, str) and isinstance(d, str)}
    except (OSError, ValueError, AttributeError):
        digests = {}
    digests.update(read_logged_digests(folder))
    return digests


def list_bytes(stamps: dict[str, list], pages: dict[str, int], kept: set[str], digests: dict[str, str]) -> bytes:
    """The list of files (as merge.py writes it), with the digest each was made from."""
    data = json.loads(files_list_bytes(stamps, pages, kept))
    data["digests"] = dict(sorted(digests.items()))
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class Protected:
    left: set[str] = field(default_factory=set)  # print files not to replace
    kept: list[tuple[Path, str]] = field(default_factory=list)
    copies: list[tuple[Path, Path]] = field(default_factory=list)


def keep_edited(folder: Path, names: set[str], earlier: FilesList, transaction: Transaction,
                force: bool) -> Protected:
    """Leave out the print files changed by hand since the merge wrote them (``force``: copy, then replace)."""
    protected = Protected()
    for name in sorted(names):
        path = folder / name
        if not path.exists() or made_here(path, earlier.stamps_for(name)):
            continue
        if force:
            data = path.read_bytes()
            copy = kept_copy_name(path, data)
            transaction.write(relative(transaction.root, copy), data)
            protected.copies.append((path, copy))
        else:
            protected.left.add(name)
            protected.kept.append((path, "changed by hand since the merge wrote it, so not replaced (--force "
                                         "replaces it, keeping your version as a numbered copy)"))
    return protected


def report_bytes(document: PersonDocument, items: list[Item], result: PeopleResult) -> bytes:
    """merge-report.csv, one line per row of the spreadsheet; Excel opens it as is (UTF-8 BOM, semicolons)."""
    kept = {p.name for p, _ in result.kept}
    lines = [(i.person.row, [i.person.row, i.person.name, i.person.lang, i.person.category, i.number,
                             "written" if i.stem in result.written or (not i.files and result.combined and
                                                                       result.combined[0][2]) else "unchanged",
                             " ".join(i.files) or " ".join(p.name for p, _, _ in result.combined),
                             "; ".join(f"{n}: changed by hand, not replaced" for n in i.files if n in kept)])
             for i in items]
    lines += [(r.row, [r.row, r.name, r.lang, r.category, "", "left out", "", why]) for r, why in result.left_out]
    lines += [(r.row, [r.row, r.who, "", "", "", "rejected", "", r.reason]) for r in result.rejected]
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    out.writerow(["row", "person", "language", "category", "number", "status", "files", "reason"])
    out.writerows([report_cell(cell) for cell in line] for _, line in sorted(lines, key=lambda item: item[0]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
