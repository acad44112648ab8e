"""The merge stages every per-person document goes through: letters, badges, place cards, certificates.

    python generate.py merge 2026 invites.xlsx                                # the president's letter
    python generate.py merge 2026 participants.xlsx --only badge --only certificate

``merge_document`` reads as the whole story, for any ``PersonDocument``: read
and check the rows with the document's own columns → keep the people it is for
(a certificate: those present) → number them (certificates: the register
beside the edition) → plan (file names, the digest of what each person's files
are made from, which ones an earlier run already made) → render what the rows
share once (the page of each variant, the Word file with markers, the
backgrounds) → fill what differs, batch by batch in worker processes → write
each person's files atomically as they come → assemble the print files → write
the report and the list of files in one transaction.

The output folder is locked for the run (write.OutputFolder). Each person's
file is written to a temporary name and renamed into place, and ends with the
mark of the digest of what it was made from (docxfill.file_mark: the PDF's /ID,
the DOCX's zip comment), as does each print file: an interrupted run keeps the
files it finished, and the next one makes only the missing ones and those whose
data or templates changed. What each process is about to write is noted in
``.merge-written.<pid>.log`` before it is renamed into place, so a killed run's
files are known as the merge's own; the list of files (.merge-files.json)
records the size and checksum of every file the merge wrote, so that a later
run deletes only the files of rows that left the spreadsheet, and never
replaces a file changed by hand (``force``: the hand edit is kept as a
numbered copy), the report included.
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

from pypdf import PdfReader, PdfWriter

from .build import LoadedEdition, Renderer, load_edition
from .combined import CombinedPdf
from .docxfill import MarkedDocx, file_mark, has_mark
from .documents import Output, PersonDocument, person_documents
from .errors import EditionError, OutputError, PipelineError, Problem, RecipientsError
from .fonts import bundled_fonts, font_coverage
from .mergefiles import (
    FILES_LIST, REPORT_FILE, WRITTEN_LOG, FilesList, Made, file_stems, files_list_bytes, made_here, may_replace,
    read_files_list, read_written_logs, relative, remove_stale, report_cell, stamp,
)
from .model import LANGUAGES
from .recipients import Protocol, Recipient, RecipientList, Rejected, load_protocol, read_recipients
from .register import Register
from .render import Project, identifier
from .sheets import Backgrounds
from .stitch import AddressSheet, LetterPdf, LetterTemplate, SheetParts, VariantParts
from .wordfonts import LATIN
from .workers import Workers
from .write import OutputFolder, Transaction, kept_copy_name, remove_partial_files, safe_join, write_atomic

#: bump when the way these documents are made changes, so that the next run makes them again
MERGE_FORMAT = 4  # 4: one set of stages for every document, the letter included (3 was people.py's: zxing-cpp)
#: the templates every document is made from, besides its own (<id>.html, css/<id>.css, <id>.docx…)
SHARED_TEMPLATES = ("_base.html", "_macros.html", "labels.yaml", "css/fonts.css", "css/base.css")
#: people drawn on one page of an overlay sheet (on top of each other)
OVERLAYS_PER_PAGE = 100


@dataclass(frozen=True)
class Item:
    """One person's document: the person, their file name, the digest of its inputs, the page it is drawn over
    (``overlay`` documents), how it greets them, their certificate number, and their own files."""

    recipient: Recipient
    stem: str
    digest: str
    variant: tuple = ()
    salutation: str = ""  # as printed, typography applied (the letter)
    number: str = ""
    files: tuple[str, ...] = ()  # none for documents printed on shared sheets


@dataclass
class MergeResult:
    """What a merge of one per-person document did, for the summary on screen."""

    document: PersonDocument
    source: str
    folder: Path
    items: list[Item] = field(default_factory=list)
    written: list[Item] = field(default_factory=list)  # whose files were written this time
    unchanged: list[Item] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    left_out: list[tuple[Recipient, str]] = field(default_factory=list)  # good rows it is not for, and why
    combined: list[tuple[Path, int, bool]] = field(default_factory=list)  # path, pages, written this time
    removed: list[Path] = field(default_factory=list)
    kept: list[tuple[Path, str]] = field(default_factory=list)  # files changed by hand, left as they are; why
    copies: list[tuple[Path, Path]] = field(default_factory=list)  # (file replaced, copy of its hand edit)
    report: Path | None = None
    register: Register | None = None
    numbered: int = 0  # numbers given for the first time
    recovered: str | None = None  # what was repaired of an interrupted run


def merge_letters(project: Project, year: int, spreadsheet: Path, output_dir: Path, **options: Any) -> MergeResult:
    """``merge``: the president's letter for every good row of ``spreadsheet`` (OUTPUT/<year>/letters/).

    ``remove_absent=False`` keeps the letters earlier merges made for rows that are not in this spreadsheet
    (``send`` merges a spreadsheet that may be one part of the invitation list)."""
    loaded = load_edition(project, year)
    if loaded.edition.letter is None:
        raise EditionError(Problem("the edition has no 'letter' section: there is no letter to merge",
                                   file=f"editions/{year}.yaml"))
    protocol = load_protocol(project.editions, project.root)
    return merge_document(project, loaded, protocol, person_documents()["letter"], spreadsheet, output_dir, **options)


def merge_documents(project: Project, year: int, spreadsheet: Path, output_dir: Path, ids: list[str],
                    **options: Any) -> list[MergeResult]:
    """``merge --only badge --only certificate…``: each document for every row it is for."""
    documents = person_documents()
    loaded = load_edition(project, year)
    protocol = load_protocol(project.editions, project.root)
    return [merge_document(project, loaded, protocol, documents[doc_id], spreadsheet, output_dir, **options)
            for doc_id in ids]


#: the person every per-person template is filled with by ``check`` (nothing is laid out)
SAMPLE = Recipient(2, "madame", "Marie", "Dupont", "fr", None,
                   ("Madame Marie Dupont", "Maire", "Ville de Lyon", "1 place de la Comédie", "69001 LYON"),
                   "marie.dupont@example.org", (), (),
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


def merge_document(project: Project, loaded: LoadedEdition, protocol: Protocol, document: PersonDocument,
                   spreadsheet: Path, output_dir: Path, sheet: str | None = None, strict: bool = False,
                   workers: int | None = None, progress: Callable[[int], Any] | None = None, force: bool = False,
                   on_wait: Callable[[str], None] | None = None, remove_absent: bool = True) -> MergeResult:
    """Write ``document`` for every good row of ``spreadsheet`` into OUTPUT/<year>/<document.folder>/.

    ``workers``: processes that render (default: one per core for many people, this process alone for a
    few). ``progress(total)`` returns a progress bar (``update(n)``, ``close()``). ``force``: replace the files
    changed by hand too, keeping each hand edit as a numbered copy. ``remove_absent=False``: leave the files
    of rows not in this spreadsheet (and still list them as the merge's).
    """
    edition = loaded.edition
    folder = safe_join(output_dir, Path(str(edition.year)) / document.folder)
    global _state
    _state = _State(project, loaded, document, folder)
    _state.prepare()  # before the workers fork: they inherit what is laid out once
    try:
        # the workers start first, and get ready while this process reads the spreadsheet
        with Workers(workers or workers_for(spreadsheet), start=_state.warm_up, close=_state.close) as pool:
            return _merge(pool, _state, protocol, spreadsheet, output_dir, sheet, strict, progress, force, on_wait,
                          remove_absent)
    finally:
        _state = None


def _merge(pool: Workers, state: "_State", protocol: Protocol, spreadsheet: Path, output_dir: Path,
           sheet: str | None, strict: bool, progress: Callable[[int], Any] | None, force: bool,
           on_wait: Callable[[str], None] | None, remove_absent: bool) -> MergeResult:
    """The stages of ``merge_document``, with its worker processes."""
    project, document, folder, edition = state.project, state.document, state.folder, state.loaded.edition
    recipients = read_recipients(spreadsheet, protocol, sheet, font_coverage(bundled_fonts(project.fonts)),
                                 document.rules(edition))
    check_rows(recipients, spreadsheet.name, strict, document)
    chosen = [r for r in recipients.recipients if document.selects(r) is None]
    left_out = [(r, document.selects(r)) for r in recipients.recipients if document.selects(r) is not None]
    if not chosen:
        raise RecipientsError(Problem(f"no row makes a {document.unit}: "
                                      + (left_out[0][1] if left_out else "no good row"), file=spreadsheet.name))
    with OutputFolder(output_dir, on_wait=on_wait) as out:
        result = MergeResult(document, recipients.source, folder, rejected=recipients.rejected, left_out=left_out,
                             recovered=out.recovered)
        numbers, numbering = {}, document.numbering(edition)
        if numbering:
            result.register = Register.read(project.editions, edition.year, project.root)
            numbers = {r.row: result.register.number_for(r, *numbering) for r in chosen}
            result.numbered = len(result.register.added)
            result.register.save()  # before any certificate shows a number
        folder.mkdir(parents=True, exist_ok=True)
        items = plan_items(project, edition, document, chosen, numbers)
        earlier = read_files_list(folder)
        todo = [i for i in items if not is_done(i, folder)]
        combined = {name: _digest([i.digest for i in group])
                    for name, group in combined_groups(document, items, edition.year)}
        to_combine = {name for name, digest in combined.items() if not has_mark(folder / name, file_mark(digest))}
        transaction = Transaction(out)
        protected = keep_edited(folder, to_combine, earlier, transaction, force)
        result.kept += protected.kept
        result.copies += protected.copies
        to_combine -= protected.left
        making = {n for i in items for n in i.files} | set(combined)
        if not making <= earlier.names:  # the list names a file before it is made
            write_atomic(folder / FILES_LIST, earlier.pending(making))
        try:
            made = make(pool, state, items, todo, to_combine, combined, earlier, transaction, force, progress)
        except (PipelineError, OSError) as exc:
            transaction.discard()
            raise _stopped(exc, folder, document, todo) from None
        except BaseException:  # Ctrl-C: the files finished stay, the staged print files go
            transaction.discard()
            raise
        result.items = items
        result.written = [i for i in items if i.stem in made.written]
        result.unchanged = [i for i in items if i.stem not in made.written]
        result.kept += made.kept
        result.copies += made.copies
        stamps = earlier.updated(read_written_logs(folder))
        stamps.update(made.combined_stamps)
        pages = {**earlier.pages, **made.pages}
        for name in combined:
            result.combined.append((folder / name, pages.get(name, 0), name in made.pages))
        current = {n for i in items for n in i.files} | set(combined)
        others = {name for name in earlier.names - current if made_by_merge(document, edition.year, name)}
        if remove_absent:
            result.removed, stale_kept = remove_stale(folder, transaction, earlier, others)
            result.kept += stale_kept
            current |= {p.name for p, _ in stale_kept}
        else:  # another spreadsheet's files (send's): left alone, and still listed as the merge's
            current |= others
        report = report_bytes(document, items, result)
        report_copy = keep_edited_report(folder, transaction, report, earlier)
        if report_copy:
            result.copies.append(report_copy)
        stamps[REPORT_FILE] = [stamp(report)]
        listed = current | {REPORT_FILE}
        kept_copies = earlier.kept | {copy.name for _, copy in result.copies}
        transaction.write(relative(output_dir, folder / FILES_LIST),
                          files_list_bytes({n: stamps.get(n, []) for n in listed},
                                           {n: c for n, c in pages.items() if n in listed}, kept_copies))
        for log in folder.glob(WRITTEN_LOG.format(pid="*")):
            transaction.remove(relative(output_dir, log))
        if hasattr(os, "sync"):
            os.sync()  # every file written so far made durable, once per merge rather than once per file
        transaction.commit()
        result.report = folder / REPORT_FILE
    return result


def workers_for(spreadsheet: Path) -> int:
    """Processes for a merge: one per core (at most 4) for a spreadsheet of more than a couple of hundred rows."""
    try:
        big = spreadsheet.stat().st_size > 16_000
    except OSError:
        big = False
    return min(os.cpu_count() or 1, 4) if big else 1


def check_rows(recipients: RecipientList, display: str, strict: bool, document: PersonDocument) -> None:
    """Stop before writing anything when --strict meets a bad row, or when no row is good."""
    if recipients.rejected and strict:
        raise RecipientsError(recipients.problems(display))
    if not recipients.recipients:
        raise RecipientsError([Problem(f"no row makes a {document.unit}", file=display),
                               *recipients.problems(display)])


def _stopped(exc: Exception, folder: Path, document: PersonDocument, todo: list[Item]) -> PipelineError:
    """The error of a merge that stopped while making the files, saying exactly what it left on disk."""
    done = sum(1 for i in todo if is_done(i, folder))
    outcome = (f"{done} {document.unit}(s) were written before it stopped, each one complete; the print files, "
               "the report and the list of files were not changed. Once the problem is fixed, run the merge "
               f"again: it makes only the {document.unit}s still missing" if done else "nothing was written")
    if isinstance(exc, PipelineError):
        return type(exc)(exc.problems, outcome=outcome)
    return OutputError(Problem(f"cannot write in {folder}: {exc.strerror}; check the folder's permissions and "
                               "free space"), outcome=outcome)


# --- planning ---------------------------------------------------------------------------------------


def plan_items(project: Project, edition, document: PersonDocument, people: list[Recipient],
               numbers: dict[int, str]) -> list[Item]:
    """Each person's document: file name, variant, salutation, number, and the digest of all it is made from."""
    inputs = inputs_digest(project, edition, document)
    stems = file_stems(people)
    items = []
    for person in people:
        stem, number = stems[person.row], numbers.get(person.row, "")
        files = () if document.sheets else tuple(f"{stem}.{fmt}" for fmt in document.formats)
        digest = _digest([inputs, _person_fields(person), number, stem])
        items.append(Item(person, stem, digest, document.variant_of(person), document.salutation(person, edition),
                          number, files))
    return items


def _person_fields(person: Recipient) -> list:
    return [person.first_name, person.last_name, person.lang, person.function, person.organisation, person.country,
            person.category, person.registration, person.email, person.present, person.salutation or "",
            list(person.address)]


def inputs_digest(project: Project, edition, document: PersonDocument) -> str:
    """A digest of everything a document is made from besides its person: templates, edition, protocol table,
    fonts, images."""
    names = SHARED_TEMPLATES + document.extra_templates + tuple(filter(None, (
        document.html_template, f"css/{document.id}.css", document.docx_template, document.overlay,
        document.background)))
    files = [project.templates / name for name in names]
    files += [project.editions / name for name in ("association.yaml", f"{edition.year}.yaml", "protocole.yaml")]
    files += list(bundled_fonts(project.fonts))
    files += [project.root / image.file for image in (edition.association.logo, edition.president.signature) if image]
    hasher = hashlib.sha256(b"merge format %d" % MERGE_FORMAT)
    for file in files:
        hasher.update(file.name.encode() + b"\0" + (file.read_bytes() if file.exists() else b"(missing)"))
    return hasher.hexdigest()


def combined_groups(document: PersonDocument, items: list[Item], year: int) -> list[tuple[str, list[Item]]]:
    """The print files and the people in each: one file of sheets, or one per language of per-person pages."""
    if document.sheets:
        return [(document.combined_name(year), items)]
    return [(document.combined_name(year, lang), [i for i in items if i.recipient.lang == lang])
            for lang in sorted({i.recipient.lang for i in items})]


def is_done(item: Item, folder: Path) -> bool:
    """Its files were made by an earlier run from the same inputs (each ends with the mark of their digest)."""
    return all(has_mark(folder / name, file_mark(item.digest)) for name in item.files)


#: the name of a person's file (mergefiles.file_stems)
_PERSON_FILE = re.compile(r"\d+-[a-z0-9-]+\.(docx|pdf)")


def made_by_merge(document: PersonDocument, year: int, name: str) -> bool:
    """Whether ``name`` is one the merge of ``document`` gives to a file: a person's, or a print file (never a
    kept copy)."""
    prints = {document.combined_name(year)} | {document.combined_name(year, lang) for lang in LANGUAGES}
    return name in prints or _PERSON_FILE.fullmatch(name) is not None


def _digest(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


# --- making them ----------------------------------------------------------------------------------------
#
# Documents drawn over a page laid out once (``overlay``: letters, certificates), in two rounds shared
# between the processes:
#   1. lay out each batch's overlay sheet, and render each variant of the page and each language's Word
#      file with markers, in any order (a letter has a variant per language and salutation: dozens);
#   2. fill and write each batch's files from its sheet and variants, while this process writes the print
#      files from the same sheets and variants.
# Documents laid out whole (badges, place cards): one round, each batch laid out in one WeasyPrint document,
# its pages added to the print file in order as they come.


@dataclass(frozen=True)
class Batch:
    """People laid out together (one language, unless they share sheets)."""

    number: int
    lang: str
    items: tuple[Item, ...]
    write: frozenset[str]  # stems whose own files are to be written
    stamps: dict  # file name -> stamps of what the merge wrote there (None: trusted, see FilesList)
    force: bool


@dataclass(frozen=True)
class Filling:
    """What a worker needs to write a batch's files drawn over pages laid out once."""

    batch: Batch
    sheet: SheetParts
    pages: dict[tuple, LetterTemplate]  # variant -> its page, ready for each person's PDF
    word: MarkedDocx | None  # the Word file of the batch's language, with markers


@dataclass
class BatchOutcome:
    """What a worker did with a batch: its pages (documents laid out whole), the files written, the files
    kept (changed by hand), the copies of hand edits it replaced."""

    number: int
    pdf: bytes | None = None
    written: set[str] = field(default_factory=set)
    kept: list[tuple[str, str]] = field(default_factory=list)  # file name, why
    copies: list[tuple[str, str]] = field(default_factory=list)  # file name, copy name


def make(pool: Workers, state: "_State", items: list[Item], todo: list[Item], to_combine: set[str],
         digests: dict[str, str], earlier: FilesList, transaction: Transaction, force: bool, progress) -> Made:
    """Render what is shared, fill each batch, write each person's files, and stage the print files.

    Each person's file is complete once renamed into place, so an interrupted run keeps what it finished; a
    print file is written in the transaction's staging folder and put in place by its commit.
    """
    document, edition = state.document, state.loaded.edition
    made = Made()
    todo_stems = {i.stem for i in todo}
    groups = combined_groups(document, items, edition.year)
    needed = [i for name, group in groups for i in group if name in to_combine or i.stem in todo_stems]
    if not needed:
        return made
    size = document.people_per_batch(edition)
    if document.overlay:  # small enough to share the work between the processes
        size = max(20, min(size, math.ceil(len(needed) / (pool.count * 3))))
    batches = make_batches(document, needed, todo_stems, earlier, force, size)
    prints = {name: [b for b in batches if b.items[0].stem in {i.stem for i in group}]
              for name, group in groups if name in to_combine}
    bar = progress(len(needed)) if progress else _NoProgress()
    staged: list[_StampedFile] = []
    try:
        if document.overlay:
            outcomes = make_overlaid(pool, state, batches, prints, digests, transaction, made, staged, bar)
        else:
            outcomes = make_whole(pool, state, batches, prints, digests, transaction, made, staged, bar)
        for outcome in outcomes:
            made.written |= outcome.written
            made.kept += [(state.folder / n, why) for n, why in outcome.kept]
            made.copies += [(state.folder / n, state.folder / c) for n, c in outcome.copies]
    except BaseException:
        for out in staged:
            out.close()
        remove_partial_files(state.folder)
        raise
    finally:
        bar.close()
    return made


def make_overlaid(pool: Workers, state: "_State", batches: list[Batch], prints: dict[str, list[Batch]],
                  digests: dict[str, str], transaction: Transaction, made: Made, staged: list, bar) -> list:
    """The two rounds of documents drawn over a page laid out once; the outcomes of the batches written."""
    document = state.document
    jobs: list[tuple] = [("sheet", b) for b in batches]
    jobs += [("page", variant) for variant in sorted({i.variant for b in batches for i in b.items}, key=repr)]
    if "docx" in document.formats:
        jobs += [("word", lang) for lang in sorted({b.lang for b in batches if b.write})]
    sheets, pages, words = {}, {}, {}
    for job, data in pool.unordered(_render, jobs):  # round 1
        if job[0] == "sheet":
            sheets[job[1].number] = data
            bar.update(len(job[1].items) // 2)
        else:
            (pages if job[0] == "page" else words)[job[1]] = data
    fillings = [Filling(b, sheets[b.number], {i.variant: pages[i.variant][0] for i in b.items if i.stem in b.write},
                        words.get(b.lang)) for b in batches if b.write]
    written = pool.unordered(_fill, fillings)  # round 2, while this process writes the print files
    for name, group in prints.items():
        lang = group[0].lang
        out = _StampedFile(transaction.stage(relative(transaction.root, state.folder / name)))
        staged.append(out)
        combined = CombinedPdf(out, document.print_title(state.loaded.edition, lang),
                               state.loaded.edition.association.name, lang, file_mark(digests[name]),
                               duplex=document.duplex)
        for batch in group:
            for index, item in enumerate(batch.items):
                combined.add_letter(pages[item.variant][1], sheets[batch.number], index,
                                    f"{item.recipient.row}. {item.recipient.name}")
            combined.forget(sheets[batch.number])
        combined.close()
        out.close()
        made.pages[name], made.combined_stamps[name] = combined.page_count, [out.stamp]
    for batch in batches:
        if not batch.write:
            bar.update(len(batch.items) - len(batch.items) // 2)
    outcomes = []
    for outcome in written:
        outcomes.append(outcome)
        items = batches[outcome.number].items
        bar.update(len(items) - len(items) // 2)
    return outcomes


def make_whole(pool: Workers, state: "_State", batches: list[Batch], prints: dict[str, list[Batch]],
               digests: dict[str, str], transaction: Transaction, made: Made, staged: list, bar) -> list:
    """Documents laid out whole, batch by batch; each print file written as the batches come, in order."""
    edition = state.loaded.edition
    # opened once the workers are forked: they never hold the file
    joined = {name: PdfJoiner(transaction.stage(relative(transaction.root, state.folder / name)),
                              [b.number for b in group], state.document.print_title(edition, "fr"),
                              edition.association.name, "fr", file_mark(digests[name]))
              for name, group in prints.items()}
    staged += [joiner.out for joiner in joined.values()]
    outcomes: dict[int, BatchOutcome] = {}
    for outcome in pool.unordered(_make_batch, batches):
        outcomes[outcome.number] = outcome
        for joiner in joined.values():
            joiner.take(outcomes)
        bar.update(len(batches[outcome.number].items))
    for name, joiner in joined.items():
        made.pages[name], made.combined_stamps[name] = joiner.close()
    return list(outcomes.values())


def make_batches(document: PersonDocument, needed: list[Item], todo: set[str], earlier: FilesList,
                 force: bool, size: int) -> list[Batch]:
    """Consecutive people (of one language when each has their own page), ``size`` at most."""
    keys = ["all"] if document.sheets else sorted({i.recipient.lang for i in needed})
    batches = []
    for key in keys:
        same = [i for i in needed if document.sheets or i.recipient.lang == key]
        for start in range(0, len(same), size):
            chunk = tuple(same[start:start + size])
            write = frozenset(i.stem for i in chunk if i.stem in todo)
            stamps = {n: earlier.stamps_for(n) for i in chunk if i.stem in write for n in i.files}
            batches.append(Batch(len(batches), key, chunk, write, stamps, force))
    return batches


class PdfJoiner:
    """The print file of whole pages: each batch's pages written into it as soon as those before it are (then
    dropped), while the workers lay out the next ones; memory stays flat (combined.CombinedPdf)."""

    def __init__(self, path: Path, order: list[int], title: str, author: str, lang: str, mark: bytes):
        self._order = order
        self._next = 0
        self.out = _StampedFile(path)
        self._combined = CombinedPdf(self.out, title, author, lang, mark, duplex=False)

    def take(self, outcomes: dict[int, BatchOutcome]) -> None:
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
            self.out.close()
        return self._combined.page_count, [self.out.stamp]


class _StampedFile:
    """A file written as it comes, its size and checksum kept (the stamp of what the merge wrote)."""

    def __init__(self, path: Path):
        self._file = open(path, "wb", buffering=0)  # unbuffered: no copy of a buffer in a forked process
        self.size, self.crc = 0, 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.crc = zlib.crc32(data, self.crc)
        self._file.write(data)

    @property
    def stamp(self) -> list[int]:
        return [self.size, self.crc]

    def close(self) -> None:
        self._file.close()


def page_pdf(reader: PdfReader, index: int, title: str, author: str, lang: str, mark: bytes) -> bytes:
    """One page of a batch as a PDF of its own (a document laid out whole that each person has a file of),
    ending with ``mark`` as every person's file does (its /ID)."""
    writer = PdfWriter()
    writer.add_page(reader.pages[index])
    page = io.BytesIO()
    writer.write(page)
    buffer = io.BytesIO()
    single = CombinedPdf(buffer, title, author, lang, mark, duplex=False)
    single.add_pdf(page.getvalue(), "page")
    single.close()
    return buffer.getvalue()


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


# --- the rendering side, one per process -------------------------------------------------------------------


class _State:
    """What every process needs to lay out and fill a batch (worker processes are forked with it)."""

    def __init__(self, project: Project, loaded: LoadedEdition, document: PersonDocument, folder: Path):
        self.project, self.loaded, self.document, self.folder = project, loaded, document, folder
        self._renderer: Renderer | None = None
        self._words: dict[str, MarkedDocx] = {}
        self._backgrounds: Backgrounds | None = None
        self._log: int | None = None
        self._log_pid: int | None = None

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(self.project)
        return self._renderer

    def prepare(self) -> None:
        """Documents laid out whole: lay out what every sheet shares, and load WeasyPrint and the fonts, once,
        in this process (the workers inherit them). Documents drawn over a page: nothing (the workers render;
        this process only assembles)."""
        if self.document.overlay:
            return
        if self.document.background:
            self.backgrounds  # noqa: B018 - laid out once, before forking
        self.renderer.html  # noqa: B018 - WeasyPrint and the font configuration, loaded before forking

    def warm_up(self) -> None:
        """In a worker just forked: its own log; for a document drawn over a page, WeasyPrint, the fonts and
        the overlay template loaded once, before the work comes."""
        self._log = None
        if self.document.overlay:
            sample = Item(SAMPLE, "sample", "", self.document.variant_of(SAMPLE), number="0001")
            try:
                self.overlay_sheet(Batch(0, SAMPLE.lang, (sample,), frozenset(), {}, False))
            except Exception:  # noqa: BLE001 - a broken template fails the work itself, with its message
                pass

    def views(self) -> dict[str, Any]:
        return {code: self.document.event_lines(self.loaded.edition, code) for code in LANGUAGES}

    def batch_pdf(self, batch: Batch) -> bytes:
        """The batch's people laid out in one document (templates/<id>.html)."""
        edition, document, sources = self.loaded.edition, self.document, self.loaded.sources
        lang = "fr" if batch.lang == "all" else batch.lang
        ctx = self.renderer.context(Output(document, edition, lang))
        views = self.views()
        ctx["people"] = [document.person_context(i.recipient, edition, views, fonts_dir=self.project.fonts,
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
            ctx = self.renderer.context(Output(document, edition, "fr"))
            ctx["backgrounds"] = document.background_context(edition, self.views())
            html = self.renderer.html.html(document.background, ctx, sources)
            laid_out = self.renderer.html.layout(html, document.background, variant=None, edition=edition,
                                                 sources=sources, name=f"the {document.unit}s")
            data = self.renderer.html.write(laid_out, document.background, identifier(html), variant=None)
            self._backgrounds = Backgrounds(data, len(ctx["backgrounds"]), f"templates/{document.background}",
                                            f"templates/{document.html_template}")
        return self._backgrounds

    def page(self, variant: tuple) -> tuple[LetterTemplate, VariantParts]:
        """The page of ``variant`` laid out once without any person (PDF/A): ready for each person's file
        (LetterTemplate), and for the print file (VariantParts)."""
        edition, document, sources = self.loaded.edition, self.document, self.loaded.sources
        lang = variant[0]
        ctx = self.renderer.context(Output(document, edition, lang), **document.variant_context(variant))
        html = self.renderer.html.html(document.html_template, ctx, sources)
        laid_out = LetterPdf(self.renderer.html.pdf(html, document.html_template, edition, sources,
                                                    f"the {lang} {document.unit}"))
        return laid_out.template(), laid_out.pages_parts(repr((document.id, *variant)))

    def overlay_sheet(self, batch: Batch) -> SheetParts:
        """Each person of the batch drawn in a PDF form of their own, where the page leaves room for them
        (templates/<overlay>, all of a page's people on top of one another)."""
        edition, document, sources = self.loaded.edition, self.document, self.loaded.sources
        ctx = self.renderer.context(Output(document, edition, batch.lang))
        views = self.views()
        people = [document.person_context(i.recipient, edition, views, fonts_dir=self.project.fonts,
                                          number=i.number) for i in batch.items]
        ctx["sheets"] = [people[i:i + OVERLAYS_PER_PAGE] for i in range(0, len(people), OVERLAYS_PER_PAGE)]
        html = self.renderer.html.html(document.overlay, ctx, sources)
        laid_out = self.renderer.html.layout(html, document.overlay, variant=None, edition=edition, sources=sources,
                                             name=f"the {document.unit}s")
        data = self.renderer.html.write(laid_out, document.overlay, identifier(html), variant=None)
        return AddressSheet(data, len(people), f"templates/{document.overlay}").parts(hashlib.sha1(data).hexdigest())

    def word(self, lang: str) -> MarkedDocx:
        """The Word document of ``lang`` rendered once, with markers for each person's text."""
        if lang not in self._words:
            edition, document = self.loaded.edition, self.document
            ctx = self.renderer.context(Output(document, edition, lang), **document.word_context())
            data = self.renderer.word.docx(document.docx_template, ctx,
                                           self.renderer.properties(document, edition, lang), self.loaded.sources,
                                           placeholders={m: LATIN for m in document.word_markers})
            self._words[lang] = MarkedDocx(data, document.word_markers, f"templates/{document.docx_template}",
                                           fonts_dir=self.project.fonts)
        return self._words[lang]

    def write_files(self, batch: Batch, outcome: BatchOutcome, pdf: Callable[[int, Item, bytes], bytes],
                    word: MarkedDocx | None) -> None:
        """The batch's people's own files (``pdf(index, item, mark)`` makes one's PDF)."""
        for index, item in enumerate(batch.items):
            if item.stem in batch.write:
                self.write_person(item, index, batch, outcome, pdf, word)

    def write_person(self, item: Item, index: int, batch: Batch, outcome: BatchOutcome,
                     pdf: Callable[[int, Item, bytes], bytes], word: MarkedDocx | None) -> None:
        """A person's files, each written atomically, unless changed by hand since the merge wrote it."""
        mark = file_mark(item.digest)
        kept_all = True
        for name in item.files:
            content = (pdf(index, item, mark) if name.endswith(".pdf")
                       else word.fill(self.document.word_values(item), comment=mark))
            if not may_replace(self.folder, name, batch.stamps.get(name), batch.force, outcome):
                continue
            self._record(name, content)
            write_atomic(safe_join(self.folder, name), content, durable=not hasattr(os, "sync"),
                         shown=f"{self.folder}/{name}")  # synced once, at the end of the merge
            kept_all = False
        if not kept_all:
            outcome.written.add(item.stem)

    def _record(self, name: str, content: bytes) -> None:
        """Note what is about to be written at ``name`` (before it is renamed into place, so a killed run's
        files are known as the merge's own)."""
        if self._log is None or self._log_pid != os.getpid():
            path = self.folder / WRITTEN_LOG.format(pid=os.getpid())
            self._log = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
            self._log_pid = os.getpid()
        size, crc = stamp(content)
        os.write(self._log, f"{name}\t{size}\t{crc}\n".encode())

    def close(self) -> None:
        if self._log is not None and self._log_pid == os.getpid():
            os.close(self._log)
        self._log = None


_state: _State | None = None


def _render(job: tuple) -> tuple[tuple, Any]:
    """Round 1 in a worker: a batch's overlay sheet, a variant's page, or a language's Word file."""
    kind, what = job
    if kind == "sheet":
        return job, _state.overlay_sheet(what)
    return job, (_state.page(what) if kind == "page" else _state.word(what))


def _fill(filling: Filling) -> BatchOutcome:
    """Round 2 in a worker: a batch's files, each person drawn over their variant's page."""
    outcome = BatchOutcome(filling.batch.number)
    _state.write_files(filling.batch, outcome, lambda index, item, mark: filling.pages[item.variant].with_address(
        filling.sheet, index, file_id=mark), filling.word)
    return outcome


def _make_batch(batch: Batch) -> BatchOutcome:
    """A batch laid out whole, and its people's own files written (if they have any)."""
    outcome = BatchOutcome(batch.number, _state.batch_pdf(batch))
    if batch.write:
        reader = PdfReader(io.BytesIO(outcome.pdf))
        lang = "fr" if batch.lang == "all" else batch.lang
        title, author = _state.document.title(_state.loaded.edition, lang), _state.loaded.edition.association.name
        word = _state.word(lang) if "docx" in _state.document.formats else None
        _state.write_files(batch, outcome, lambda index, item, mark: page_pdf(
            reader, index, f"{title} – {item.recipient.name}", author, lang, mark), word)
    return outcome


# --- files list, report -----------------------------------------------------------------------------------


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


def keep_edited_report(folder: Path, transaction: Transaction, report: bytes,
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


def report_bytes(document: PersonDocument, items: list[Item], result: MergeResult) -> bytes:
    """merge-report.csv, one line per row of the spreadsheet; Excel opens it as is (UTF-8 BOM, semicolons).

    Besides the row, the person, the language, the status, the files and the reason, the document's own
    columns (``report_columns`` before the status, ``report_note_columns`` after the reason)."""
    kept = {p.name for p, _ in result.kept}
    written = {i.stem for i in result.written}
    printed = bool(result.combined) and result.combined[0][2]
    before, after = len(document.report_columns), len(document.report_note_columns)
    lines = [(i.recipient.row, [i.recipient.row, i.recipient.name, i.recipient.lang, *document.report_cells(i),
                                "written" if i.stem in written or (not i.files and printed) else "unchanged",
                                " ".join(i.files) or " ".join(p.name for p, _, _ in result.combined),
                                "; ".join(f"{n}: changed by hand, not replaced" for n in i.files if n in kept),
                                *document.report_notes(i)])
             for i in items]
    lines += [(r.row, [r.row, r.name, r.lang, *document.report_cells(Item(r, "", "")), "left out", "", why,
                       *[""] * after]) for r, why in result.left_out]
    lines += [(r.row, [r.row, r.who, "", *[""] * before, "rejected", "", r.reason, *[""] * after])
              for r in result.rejected]
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    out.writerow(["row", document.report_person, "language", *document.report_columns, "status", "files", "reason",
                  *document.report_note_columns])
    out.writerows([report_cell(cell) for cell in line] for _, line in sorted(lines, key=lambda item: item[0]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
