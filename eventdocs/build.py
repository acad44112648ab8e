"""The whole pipeline: load → validate → render → write.

``build`` renders every requested document in memory first; only when all
of them succeeded does it write anything. ``check`` does the same without
laying out PDFs and without writing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Iterable

from . import archive, booklet, hyphenation, index, pdfx, wordcheck, wordlint
from .documents import DocumentType, Output, person_documents, registry
from .mergefiles import owned_files as merged_files
from .errors import OutputError, PipelineError, Problem, TemplateError, UsageError
from .images import ImageStore
from .load import SourceMap, edition_years, load_raw
from .model import LANGUAGES, Edition
from .render import PDF_VARIANT, DocxRenderer, HtmlRenderer, Project, identifier
from .validate import validate
from .write import OutputFolder, RenderedFile, Transaction, kept_copy_name

LABELS_FILE = "labels.yaml"


@dataclass
class LoadedEdition:
    edition: Edition
    sources: SourceMap
    previous: "LoadedEdition | None" = None


@dataclass
class BuildResult:
    """What a build did, for the summary on screen."""

    written: list[tuple[Path, bool]] = field(default_factory=list)  # path, new or changed
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # year, document id, reason
    kept: list[Path] = field(default_factory=list)  # changed by hand since the last build: left as they are
    copies: list[tuple[Path, Path]] = field(default_factory=list)  # (document, copy of its hand edit) with --force
    warnings: list[str] = field(default_factory=list)
    recovered: str | None = None  # what was repaired of an interrupted run
    editions: dict[int, "LoadedEdition"] = field(default_factory=dict)  # the editions built, as loaded


def load_edition(project: Project, year: int) -> LoadedEdition:
    """Read and check one edition (stages 1 and 2)."""
    raw = load_raw(project.editions, year, project.root, project.templates / LABELS_FILE)
    return LoadedEdition(validate(raw), raw.sources)


def load_editions(project: Project, years: Iterable[int],
                  memo: dict[int, tuple[str, LoadedEdition]] | None = None) -> dict[int, LoadedEdition]:
    """Load several editions, and each one's previous edition, reporting every problem at once.

    ``memo`` keeps the editions loaded by earlier calls, each with the digest of the files it was read
    from: an edition whose files did not change is not read again (the live preview builds after
    every save, and the previous edition, association.yaml and the labels rarely change). Images
    are checked when an edition is read: a caller that keeps a memo empties it when they change.
    """
    years = list(years)
    available = set(edition_years(project.editions))
    wanted = sorted(set(years) | {y - 1 for y in years if y - 1 in available})
    cache, problems = {}, []
    for year in wanted:
        try:
            if memo is None:
                cache[year] = load_edition(project, year)
                continue
            digest = _sources_digest(project, year)
            if year not in memo or memo[year][0] != digest:
                memo[year] = (digest, load_edition(project, year))
            cache[year] = memo[year][1]
        except PipelineError as exc:
            # association.yaml's problems come once, not once per edition
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise PipelineError(problems)
    loaded = {}
    for year in years:
        loaded[year] = cache[year]
        loaded[year].previous = cache.get(year - 1)
    return loaded


def _sources_digest(project: Project, year: int) -> str:
    """The digest of the files an edition is read from (they are small: reading them costs nothing, parsing does)."""
    files = (project.templates / LABELS_FILE, project.editions / "association.yaml", project.editions / f"{year}.yaml")
    return archive.sha256(b"\0".join(path.read_bytes() if path.is_file() else b"(none)" for path in files))


def resolve_years(project: Project, years: list[int], all_editions: bool) -> list[int]:
    available = edition_years(project.editions)
    if all_editions:
        if not available:
            raise UsageError(f"no edition file in {project.editions} (files are named like 2026.yaml)")
        return available
    if not years:
        raise UsageError("say which edition to build (for example: build 2026) or use --all")
    return years


def plan(
    editions: dict[int, LoadedEdition], only: list[str] | None, langs: list[str] | None
) -> tuple[list[Output], list[tuple[int, str, str]]]:
    """Which documents to make, and which to skip with the reason why."""
    documents = registry()
    for doc_id in only or []:
        if doc_id not in documents:
            raise UsageError(f"unknown document '{doc_id}'; the documents are: {', '.join(documents)}")
    for lang in langs or []:
        if lang not in LANGUAGES:
            raise UsageError(f"unknown language '{lang}'; the languages are: {', '.join(LANGUAGES)}")
    outputs, skipped = [], []
    for year, loaded in editions.items():
        for doc in documents.values():
            if doc.per_recipient:  # made by merge, from a spreadsheet
                continue
            if only and doc.id not in only:
                continue
            reason = doc.skip_reason(loaded.edition)
            if reason:
                skipped.append((year, doc.id, reason))
                continue
            previous = loaded.previous.edition if loaded.previous else None
            for lang in doc.languages:
                if langs and lang not in langs and not (lang == "bilingual" and set(langs) >= {"fr", "en"}):
                    continue
                outputs.append(Output(doc, loaded.edition, lang, previous))
    return outputs, skipped


class Renderer:
    """Renders one Output to its files, with renderers shared across outputs.

    ``formats`` restricts the files made to some formats (FORMAT_FILES): the live preview
    makes the on-screen PDFs first, the Word and printer's files after.
    """

    def __init__(self, project: Project, formats: Collection[str] | None = None):
        self.project = project
        self.formats = frozenset(formats) if formats is not None else None
        self.images = ImageStore(project.root)
        self.word = DocxRenderer(project, self.images)
        self._html: HtmlRenderer | None = None

    @property
    def html(self) -> HtmlRenderer:
        """Created on first use: WeasyPrint takes a while to start, and a build that reuses every file never needs it."""
        if self._html is None:
            self._html = HtmlRenderer(self.project, self.images)
        return self._html

    def context(self, output: Output, **extra) -> dict:
        return output.document.context(output.edition, output.lang, previous=output.previous, **extra)

    def formats_of(self, output: Output) -> tuple[str, ...]:
        """The formats of ``output`` this renderer makes."""
        formats = output.document.formats_for(output.lang)
        return formats if self.formats is None else tuple(f for f in formats if f in self.formats)

    def render(self, output: Output, sources: SourceMap, layout: bool = True, context: dict | None = None,
               **extra) -> list[RenderedFile]:
        """The DOCX and PDF of one output; ``layout=False`` stops before WeasyPrint (for check)."""
        doc, edition = output.document, output.edition
        ctx = context if context is not None else self.context(output, **extra)
        files = []
        folder = Path(str(edition.year))
        formats = self.formats_of(output)
        if "docx" in formats:
            data = self.word.docx(doc.docx_template, ctx, self.properties(doc, edition, output.lang), sources)
            files.append(RenderedFile(folder / output.file_name("docx"), data))
        if "pdf" in formats:
            html = self.html.html(doc.html_template, ctx, sources)
            if layout and doc.booklet_languages(output.lang):
                files += [RenderedFile(folder / output.file_name(fmt), data)
                          for fmt, data in self.booklet_pdfs(output, ctx, sources).items()]
            elif layout:
                files.append(RenderedFile(folder / output.file_name("pdf"), self.html.pdf(
                    html, doc.html_template, edition, sources, output.file_name("pdf"))))
        return files

    def booklet_pdfs(self, output: Output, ctx: dict, sources: SourceMap) -> dict[str, bytes]:
        """The PDFs of a booklet: on screen, for the printer, for the office printer (see booklet.py).

        Each is laid out with the notes pages that make every language's booklet a
        multiple of four pages; the printer's file with its bleed, crop marks and CMYK
        colours (finish "print"), the others as on screen.
        """
        doc, html = output.document, self.html
        langs, formats = doc.booklet_languages(output.lang), self.formats_of(output)

        sources_of: dict[str, str] = {}  # the HTML last laid out, by finish: the PDF's /ID is made from it
        protected: set[str] = set()  # words never hyphenated, so that no three hyphenated lines follow

        def lay_out(finish: str, variant: str):
            def with_notes(notes: dict[str, int]):
                sources_of[finish] = hyphenation.protect(
                    html.html(doc.html_template, {**ctx, "finish": finish, "notes": notes}, sources), protected)
                return html.layout(sources_of[finish], doc.html_template, variant, edition=output.edition,
                                   sources=sources, name=output.file_name(finish if finish != "screen" else "pdf"))
            return with_notes

        def order(counts: dict[str, int]):
            """A tête-bêche booklet's pages as printed: the second language reversed and turned."""
            if len(langs) == 1:
                return None, ()
            return booklet.tete_beche_order(counts[langs[0]], sum(counts.values()))

        files = {}
        notes = None
        while True:
            screen, notes, counts = booklet.padded(lay_out("screen", PDF_VARIANT), langs, notes)
            files["pdf"] = html.write(screen, doc.html_template, identifier(sources_of["screen"]))
            more = hyphenation.words_to_protect(files["pdf"]) - protected
            if not more or len(protected) > hyphenation.MAX_PROTECTED:
                break
            protected.update(more)
        if "print" in formats:
            printed, _, print_counts = booklet.padded(lay_out("print", pdfx.PDF_VARIANT), langs, notes)
            print_id = identifier(sources_of["print"], pdfx.PDF_VARIANT)
            srgb = (self.project.templates / pdfx.SRGB_PROFILE).read_bytes()
            files["print"] = html.write(
                printed, doc.html_template, print_id, pdfx.PDF_VARIANT,
                created=self.properties(doc, output.edition, output.lang)["created"],
                finisher=pdfx.finisher(print_id, srgb, *order(print_counts)))
        if "booklet" in formats:
            files["booklet"] = booklet.impose_a4(files["pdf"], ctx["title"], output.edition.association.name,
                                                 "fr" if output.lang == "bilingual" else output.lang, *order(counts))
        return files

    def properties(self, doc: DocumentType, edition: Edition, lang: str) -> dict:
        lang_tag = {"fr": "fr-FR", "en": "en-GB"}.get(lang, "fr-FR")
        text_lang = "fr" if lang == "bilingual" else lang
        day = doc.date(edition)
        return {
            "title": doc.title(edition, text_lang),
            "author": edition.association.name,
            "subject": str(getattr(edition.name, text_lang) or ""),
            "keywords": doc.keywords(edition, text_lang),
            "language": lang_tag,
            "created": dt.datetime(day.year, day.month, day.day, 9, 0, 0),
        }


@dataclass
class Rendered:
    """One output after the render stage: new files, or the files of an earlier build reused."""

    output: Output
    files: list[RenderedFile]
    fingerprint: str
    reads: archive.Reads
    reused_entries: list[dict] = field(default_factory=list)


def render_all(
    project: Project,
    editions: dict[int, LoadedEdition],
    outputs: list[Output],
    layout: bool = True,
    progress: Callable[[Iterable, int], Iterable] = lambda items, total: items,
    output_dir: Path | None = None,
    manifests: dict[int, dict] | None = None,
    formats: Collection[str] | None = None,
    renderer: Renderer | None = None,
) -> list[Rendered]:
    """Render every output in memory, gathering the problems of all of them.

    With ``output_dir`` and its ``manifests``, an output whose fingerprint matches
    the manifest of an earlier build there (and whose files are intact) is reused, not rendered.
    ``formats``: make only the files of these formats (all of them by default). ``renderer``: one kept
    from an earlier call (its templates compiled, its fonts loaded), as the live preview does while only
    the edition files change.
    """
    renderer = renderer or Renderer(project, formats)
    base_inputs = inputs_hash(project)
    manifests = manifests or {}
    results, problems = [], []
    # what the documents of an edition share, made once: its images' digests, its structure's digest (by the
    # editions' ids: ``outputs`` keeps them alive until the end)
    images: dict[tuple[int, int], dict[str, str]] = {}
    structures: dict[int, tuple] = {}
    for output in progress(outputs, len(outputs)):
        try:
            key = (id(output.edition), id(output.previous))
            if key not in images:
                images[key] = image_digests(renderer.images, output)
            # a new logo rebuilds every document of the edition (images may live anywhere in the project)
            inputs = archive.sha256(json.dumps([base_inputs, images[key]]).encode())
            reused = _reusable(renderer, output, inputs, manifests.get(output.edition.year), output_dir, structures)
            if reused:
                results.append(reused)
                continue
            ctx = renderer.context(output)
            files = renderer.render(output, editions[output.edition.year].sources, layout=layout, context=ctx)
            reads = archive.Reads(sorted(ctx["edition"].accessed, key=repr),
                                  sorted(ctx["previous"].accessed, key=repr) if ctx["previous"] else [])
            results.append(Rendered(output, files, archive.fingerprint(
                output.document.id, output.lang, inputs, renderer.context(output), reads, structures), reads))
        except PipelineError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise PipelineError(problems)
    return results


def image_digests(images: ImageStore, output: Output) -> dict[str, str]:
    """The SHA-256 of every image file the edition (and the previous one) names."""
    return images.digests(image_files(output.edition) + (image_files(output.previous) if output.previous else []))


def image_files(edition: Edition) -> list[str]:
    from .model import Image
    from .validate import iter_models

    return [image.file for _, image in iter_models(edition, Image)]


def inputs_hash(project: Project) -> str:
    """Templates, fonts and the pipeline's own code: when one changes, every document is rebuilt."""
    return archive.sha256(
        "|".join((archive.tree_hash(project.templates), archive.tree_hash(project.fonts), archive.code_hash())).encode()
    )


def _reusable(renderer: Renderer, output: Output, inputs: str, manifest: dict | None, output_dir: Path | None,
              structures: dict[int, tuple] | None = None):
    """The earlier build's files of ``output`` when nothing they depend on changed, else None."""
    if not manifest:
        return None
    entry = manifest.get("documents", {}).get(output.stem)
    if not entry:
        return None
    files = [f for f in manifest.get("files", []) if f.get("document") == output.document.id and f.get("language") == output.lang]
    folder = output_dir / str(output.edition.year)
    for f in files:
        path = folder / f["path"]
        if not path.exists() or path.stat().st_size != f["size"] or archive.sha256(path.read_bytes()) != f["sha256"]:
            return None
    if not files or not set(renderer.formats_of(output)) <= {f.get("format") for f in files}:
        return None  # an earlier build made fewer formats (the live preview's first pass)
    reads = archive.Reads.from_json(entry.get("reads", {}))
    try:
        current = archive.fingerprint(output.document.id, output.lang, inputs, renderer.context(output), reads,
                                      structures)
    except PipelineError:
        return None
    if current != entry.get("fingerprint"):
        return None
    return Rendered(output, [], current, reads, reused_entries=files)


def manifest_for(year: int, edition: Edition, rendered: list[Rendered], earlier: dict | None, project: Project,
                 written: Protected | None = None) -> dict:
    """The manifest of one edition's folder after this build (earlier entries kept for outputs not built now).

    A document file kept because it was changed by hand keeps its earlier entry
    (what the build wrote), so that the next build still sees the hand edit.
    """
    documents, files = {}, []
    built_stems = {r.output.stem for r in rendered}
    earlier_files = {f["path"]: f for f in (earlier or {}).get("files", [])}
    if earlier:
        for stem, entry in earlier.get("documents", {}).items():
            if stem not in built_stems:
                documents[stem] = entry
        files = [f for f in earlier.get("files", []) if f"{f.get('document')}-{f.get('language')}" not in built_stems]
    kept_names = {p.name for p in written.kept} if written else set()
    for r in rendered:
        documents[r.output.stem] = {"fingerprint": r.fingerprint, "reads": r.reads.to_json()}
        if r.reused_entries:
            files.extend(r.reused_entries)
            continue
        for f in r.files:
            if f.relative.name in kept_names:
                if f.relative.name in earlier_files:
                    files.append(earlier_files[f.relative.name])
                continue
            files.append(_file_entry(r.output, f))
    files.sort(key=lambda f: f["path"])
    kept = [k for k in (earlier or {}).get("kept", [])]
    for original, copy, data in (written.copies if written else []):
        if copy.parent.name == str(year):
            kept.append({"path": copy.name, "copy_of": original.name, "size": len(data), "sha256": archive.sha256(data)})
    kept = sorted({k["path"]: k for k in kept}.values(), key=lambda k: k["path"])
    manifest = {
        "edition": edition.edition,
        "year": year,
        "generator": archive.tool_versions(),
        "pdf_variant": PDF_VARIANT,
        "fonts": {p.name: archive.file_sha256(p) for p in sorted(project.fonts.glob("*")) if p.is_file()},
        "inputs": {
            "editions": archive.sha256(b"".join(
                (project.editions / name).read_bytes()
                for name in ("association.yaml", f"{year - 1}.yaml", f"{year}.yaml")
                if (project.editions / name).exists()
            )),
            "templates": archive.tree_hash(project.templates),
            "images": ImageStore(project.root).digests(image_files(edition)),
            "code": archive.code_hash(),
        },
        "files": files,
        "documents": dict(sorted(documents.items())),
    }
    if kept:
        manifest["kept"] = kept  # copies of hand edits that --force replaced: the archive owns them too
    return manifest


def _file_entry(output: Output, f: RenderedFile) -> dict:
    fmt = output.format_of(f.relative.name)
    pages = None
    if f.relative.suffix == ".pdf":
        import pypdfium2 as pdfium  # counts the pages in a millisecond, where pypdf parses the file (tens)

        document = pdfium.PdfDocument(f.data)
        try:
            pages = len(document)
        finally:
            document.close()
    return {
        "path": f.relative.name,
        "document": output.document.id,
        "language": output.lang,
        "format": fmt,
        "pages": pages,
        "size": len(f.data),
        "sha256": archive.sha256(f.data),
    }


def build(
    project: Project,
    years: list[int],
    output_dir: Path,
    only: list[str] | None = None,
    langs: list[str] | None = None,
    progress=lambda items, total: items,
    incremental: bool = True,
    force: bool = False,
    on_wait: Callable[[str], None] | None = None,
    formats: Collection[str] | None = None,
    renderer: Renderer | None = None,
    archive_page: bool = True,
    memo: dict[int, tuple[str, LoadedEdition]] | None = None,
) -> BuildResult:
    """load → validate → render → write, for the editions asked.

    ``formats`` makes only some of each document's files (the live preview's on-screen
    PDFs first); by default every format is made. ``renderer``: see render_all. ``archive_page=False``
    leaves out the archive's index page and thumbnails (the live preview draws its own). ``memo``: see
    load_editions.

    The output folder is locked from before reading its manifests until every
    file is in place; its files change all at once (write.Transaction), or not
    at all. A document file changed by hand since the last build is left as it
    is (``force``: replaced, the hand edit kept as a numbered copy).
    """
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputError(Problem(f"cannot write to {output_dir}: it is a file, not a folder; choose another --output"))
    editions = load_editions(project, years, memo)
    outputs, skipped = plan(editions, only, langs)
    result = BuildResult(skipped=skipped, editions=editions)
    with OutputFolder(output_dir, on_wait=on_wait) as folder:
        result.recovered = folder.recovered
        manifests = earlier_manifests(output_dir, editions, force, result.warnings) if incremental else {}
        rendered = render_all(project, editions, outputs, progress=progress,
                              output_dir=output_dir if incremental else None, manifests=manifests,
                              formats=formats, renderer=renderer)
        protected = protect_hand_edits(output_dir, [f for r in rendered for f in r.files], manifests, force)
        transaction = Transaction(folder)
        stage_files(transaction, project, output_dir, editions, rendered, protected, manifests, archive_page)
        committed = transaction.commit()
    copies = {copy.resolve() for _, copy, _ in protected.copies}
    result.kept = protected.kept
    result.copies = [(original, copy) for original, copy, _ in protected.copies]
    result.written = sorted([(path, True) for path in committed.written if path not in copies]
                            + [(path, False) for path in committed.unchanged]
                            + [(output_dir / str(r.output.edition.year) / e["path"], False)
                               for r in rendered for e in r.reused_entries])
    return result


def earlier_manifests(output_dir: Path, editions: dict[int, LoadedEdition], force: bool,
                      warnings: list[str]) -> dict[int, dict]:
    """The manifests of the output folder. A damaged one stops the build of its edition (it records which
    files the build made), unless ``force``; another edition's only leaves it out of the index, and says so."""
    manifests, damaged = index.manifests_in(output_dir)
    for year, error in damaged.items():
        if year in editions and not force:
            raise error
        file = error.problems[0].file
        warnings.append(f"{file}: was damaged; a new one is written (files that differ from this build are kept "
                        "as copies)" if year in editions else
                        f"{file}: damaged, so {year} is left out of index.html; rebuild it with: "
                        f"python generate.py build {year} --force")
    return manifests


def stage_files(transaction: Transaction, project: Project, output_dir: Path, editions: dict[int, LoadedEdition],
                rendered: list[Rendered], protected: "Protected", manifests: dict[int, dict],
                archive_page: bool = True) -> None:
    """Every file of the build into the transaction: documents, copies of hand edits, then for each edition its
    thumbnails and manifest, and last the archive's index page (``archive_page``: the thumbnails and the page)."""
    for f in protected.files:
        transaction.write(f.relative, f.data)
    for _, copy, data in protected.copies:
        transaction.write(copy.relative_to(output_dir), data)
    kept = {p.relative_to(output_dir) for p in protected.kept}
    for year, loaded in editions.items():
        mine = [r for r in rendered if r.output.edition.year == year]
        manifest = manifest_for(year, loaded.edition, mine, manifests.get(year), project, protected)
        manifests[year] = manifest
        fresh = {f.relative.name: f.data for r in mine for f in r.files
                 if f.relative.suffix == ".pdf" and f.relative not in kept}
        for thumbnail in index.thumbnails(output_dir, year, manifest, fresh) if archive_page else ():
            transaction.write(thumbnail.relative, thumbnail.data)
        transaction.write(Path(str(year)) / archive.MANIFEST, archive.manifest_bytes(manifest))
    if archive_page:
        page = index.index_page(project, output_dir, _all_editions(project, editions), manifests)
        transaction.write(page.relative, page.data)


@dataclass
class Protected:
    """The document files to write once hand edits are set aside."""

    files: list[RenderedFile]
    kept: list[Path] = field(default_factory=list)  # changed by hand: not replaced
    copies: list[tuple[Path, Path, bytes]] = field(default_factory=list)  # (document, kept copy, its bytes)


def protect_hand_edits(output_dir: Path, files: list[RenderedFile], manifests: dict[int, dict],
                       force: bool) -> Protected:
    """Leave out every document file changed since the build wrote it (what its manifest records).

    A file on disk that differs both from the new version and from what the
    last build wrote was changed by someone: it is kept as it is. With
    ``force`` the new version replaces it and the hand edit is kept beside it,
    named by a number (``letter-fr.edited-1.docx``), never by the clock.
    """
    recorded = {(year, f["path"]): f["sha256"] for year, m in manifests.items() for f in m.get("files", [])}
    protected = Protected([])
    for f in files:
        target = output_dir / f.relative
        on_disk = _read_if_file(target)
        if on_disk is None or on_disk == f.data:
            protected.files.append(f)
            continue
        year = int(f.relative.parts[0]) if f.relative.parts[0].isdigit() else None
        if recorded.get((year, f.relative.name)) == archive.sha256(on_disk):
            protected.files.append(f)  # what the last build wrote: replace it
        elif force:
            protected.files.append(f)
            protected.copies.append((target, kept_copy_name(target, on_disk), on_disk))
        else:
            protected.kept.append(target)
    return protected


def _read_if_file(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError as exc:
        raise OutputError(Problem(f"cannot read {path}: {exc.strerror}")) from None


def _all_editions(project: Project, loaded: dict[int, LoadedEdition]) -> dict[int, LoadedEdition]:
    """Every edition that loads cleanly, for the archive index (a broken old file only loses its details there)."""
    found = dict(loaded)
    for year in edition_years(project.editions):
        if year not in found:
            try:
                found[year] = load_edition(project, year)
            except PipelineError:
                pass
    return found


@dataclass
class CheckResult:
    """What ``check`` found that does not stop a build: documents skipped, warnings."""

    count: int
    skipped: list[tuple[int, str, str]]
    warnings: list[Problem] = field(default_factory=list)


def check(project: Project, years: list[int]) -> CheckResult:
    """Validate editions and templates in every language, the Word templates against Word's schemas and
    their tags, fields and styles (wordlint); write nothing."""
    findings = lint_word_templates(project)
    lint_errors = [f.problem for f in findings if not f.warning]
    with wordcheck.in_background(word_templates(project)) as schema_problems:
        try:
            editions = load_editions(project, years)
            outputs, skipped = plan(editions, None, None)
            render_all(project, editions, outputs, layout=False)
        except PipelineError as exc:
            raise PipelineError(lint_errors + exc.problems + schema_problems()) from None
        problems = lint_errors + schema_problems()
    if problems:
        raise TemplateError(problems)
    return CheckResult(len(outputs), skipped, [f.problem for f in findings if f.warning])


def lint_word_templates(project: Project) -> list[wordlint.Finding]:
    """What wordlint says of each document type's Word template."""
    findings = []
    for doc in all_documents():
        path = project.templates / doc.docx_template
        if "docx" in doc.formats and path.exists():
            findings += wordlint.lint(path, f"templates/{doc.docx_template}", doc.word_fields, doc.word_styles)
    return findings


def all_documents() -> list[DocumentType]:
    """The documents ``build`` makes, then the per-person ones ``merge`` makes (their templates are checked too)."""
    built = list(registry().values())
    ids = {doc.id for doc in built}
    return built + [doc for doc in person_documents().values() if doc.id not in ids]


def word_templates(project: Project) -> list[tuple[Path, str]]:
    """Every Word template there is, with its name in messages (a missing one is reported when it is rendered)."""
    names = sorted({doc.docx_template for doc in all_documents() if "docx" in doc.formats})
    return [(project.templates / name, f"templates/{name}") for name in names if (project.templates / name).exists()]


def verify(project: Project, year: int, output_dir: Path, on_wait: Callable[[str], None] | None = None) -> list[str]:
    """Rebuild one edition in a temporary folder and compare with its manifest; return the differences.

    Besides files changed by hand or no longer reproducible, every file in the
    edition's folder that no manifest accounts for is reported: the documents,
    their thumbnails and kept copies belong to ``manifest.json``, the merged
    files of each per-person document (letters, badges…: print files, report) to its merge's list.
    """
    import tempfile

    folder = output_dir / str(year)
    with OutputFolder(output_dir, on_wait=on_wait) if output_dir.is_dir() else _nothing():
        manifest = archive.read_manifest(folder, f"{folder}/{archive.MANIFEST}")
        if manifest is None:
            raise UsageError(f"no {archive.MANIFEST} in {folder}; build the edition first (python generate.py build {year})")
        differences = []
        for entry in manifest["files"] + manifest.get("kept", []):
            path = folder / entry["path"]
            if not path.exists():
                differences.append(f"{entry['path']}: missing from {folder}")
            elif archive.sha256(path.read_bytes()) != entry["sha256"]:
                differences.append(f"{entry['path']}: the file in {folder} was changed after it was built")
        owned = archive.owned_files(manifest)
        for document in person_documents().values():  # each merge's folder: its own list of files
            merged, problems = merged_files(folder / document.folder)
            owned |= {f"{document.folder}/{name}" for name in merged}
            differences += [f"{document.folder}/{p}" for p in problems]
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            if name not in owned:
                differences.append(f"{name}: not made by the pipeline (no manifest lists it); move it out of "
                                   f"{folder} or delete it")
    with tempfile.TemporaryDirectory(prefix="raict-verify-") as tmp:
        build(project, [year], Path(tmp), incremental=False)
        rebuilt = archive.read_manifest(Path(tmp) / str(year))
    old = {f["path"]: f for f in manifest["files"]}
    new = {f["path"]: f for f in rebuilt["files"]}
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            differences.append(f"{name}: no longer produced by a rebuild")
        elif name not in old:
            differences.append(f"{name}: produced by a rebuild but not in the manifest")
        elif old[name]["sha256"] != new[name]["sha256"]:
            differences.append(f"{name}: a rebuild gives different bytes (sha256 {new[name]['sha256'][:12]}… instead of {old[name]['sha256'][:12]}…)")
    for key in ("generator", "pdf_variant"):
        if manifest.get(key) != rebuilt.get(key):
            differences.append(f"tools differ from those that made the archive: {key} {manifest.get(key)} → {rebuilt.get(key)}")
    return differences


class _nothing:
    """A context manager that does nothing (verify of a folder that does not exist locks nothing)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
