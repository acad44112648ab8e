"""The whole pipeline: load → validate → render → write.

``build`` renders every requested document in memory first; only when all
of them succeeded does it write anything. ``check`` does the same without
laying out PDFs and without writing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import archive, booklet, hyphenation, index, pdfx, wordcheck, wordlint
from .documents import DocumentType, Output, registry
from .errors import OutputError, PipelineError, Problem, TemplateError, UsageError
from .images import ImageStore
from .load import SourceMap, edition_years, load_raw
from .model import LANGUAGES, Edition
from .render import PDF_VARIANT, DocxRenderer, HtmlRenderer, Project, identifier
from .validate import validate
from .write import RenderedFile, write_all

LABELS_FILE = "labels.yaml"


@dataclass
class LoadedEdition:
    edition: Edition
    sources: SourceMap
    previous: "LoadedEdition | None" = None


@dataclass
class BuildResult:
    written: list[tuple[Path, bool]] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # year, document id, reason


def load_edition(project: Project, year: int) -> LoadedEdition:
    """Read and check one edition (stages 1 and 2)."""
    raw = load_raw(project.editions, year, project.root, project.templates / LABELS_FILE)
    return LoadedEdition(validate(raw), raw.sources)


def load_editions(project: Project, years: Iterable[int]) -> dict[int, LoadedEdition]:
    """Load several editions, and each one's previous edition, reporting every problem at once."""
    years = list(years)
    available = set(edition_years(project.editions))
    wanted = sorted(set(years) | {y - 1 for y in years if y - 1 in available})
    cache, problems = {}, []
    for year in wanted:
        try:
            cache[year] = load_edition(project, year)
        except PipelineError as exc:  # association.yaml's problems come once, not once per edition
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise PipelineError(problems)
    loaded = {}
    for year in years:
        loaded[year] = cache[year]
        loaded[year].previous = cache.get(year - 1)
    return loaded


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
    """Renders one Output to its files, with renderers shared across outputs."""

    def __init__(self, project: Project):
        self.project = project
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

    def render(self, output: Output, sources: SourceMap, layout: bool = True, context: dict | None = None,
               **extra) -> list[RenderedFile]:
        """The DOCX and PDF of one output; ``layout=False`` stops before WeasyPrint (for check)."""
        doc, edition = output.document, output.edition
        ctx = context if context is not None else self.context(output, **extra)
        files = []
        folder = Path(str(edition.year))
        formats = doc.formats_for(output.lang)
        if "docx" in formats:
            data = self.word.docx(doc.docx_template, ctx, self.properties(doc, edition, output.lang), sources)
            files.append(RenderedFile(folder / output.file_name("docx"), data))
        if "pdf" in formats:
            html = self.html.html(doc.html_template, ctx, sources)
            if layout and doc.booklet_languages(output.lang):
                files += [RenderedFile(folder / output.file_name(fmt), data)
                          for fmt, data in self.booklet_pdfs(output, ctx, sources).items()]
            elif layout:
                files.append(RenderedFile(folder / output.file_name("pdf"), self.html.pdf(html, doc.html_template)))
        return files

    def booklet_pdfs(self, output: Output, ctx: dict, sources: SourceMap) -> dict[str, bytes]:
        """The PDFs of a booklet: on screen, for the printer, for the office printer (see booklet.py).

        Each is laid out with the notes pages that make every language's booklet a
        multiple of four pages; the printer's file with its bleed, crop marks and CMYK
        colours (finish "print"), the others as on screen.
        """
        doc, html = output.document, self.html
        langs, formats = doc.booklet_languages(output.lang), doc.formats_for(output.lang)

        sources_of: dict[str, str] = {}  # the HTML last laid out, by finish: the PDF's /ID is made from it
        protected: set[str] = set()  # words never hyphenated, so that no three hyphenated lines follow

        def lay_out(finish: str, variant: str):
            def with_notes(notes: dict[str, int]):
                sources_of[finish] = hyphenation.protect(
                    html.html(doc.html_template, {**ctx, "finish": finish, "notes": notes}, sources), protected)
                return html.layout(sources_of[finish], doc.html_template, variant)
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
) -> list[Rendered]:
    """Render every output in memory, gathering the problems of all of them.

    With ``output_dir``, an output whose fingerprint matches the manifest of an
    earlier build there (and whose files are intact) is reused, not rendered.
    """
    renderer = Renderer(project)
    base_inputs = inputs_hash(project)
    manifests = {year: archive.read_manifest(output_dir / str(year)) if output_dir else None for year in editions}
    results, problems = [], []
    for output in progress(outputs, len(outputs)):
        try:
            # a new logo rebuilds every document of the edition (images may live anywhere in the project)
            inputs = archive.sha256(json.dumps([base_inputs, image_digests(renderer.images, output)]).encode())
            reused = _reusable(renderer, output, inputs, manifests.get(output.edition.year), output_dir)
            if reused:
                results.append(reused)
                continue
            ctx = renderer.context(output)
            files = renderer.render(output, editions[output.edition.year].sources, layout=layout, context=ctx)
            reads = archive.Reads(sorted(ctx["edition"].accessed, key=repr),
                                  sorted(ctx["previous"].accessed, key=repr) if ctx["previous"] else [])
            results.append(Rendered(output, files, archive.fingerprint(output.document.id, output.lang, inputs, renderer.context(output), reads), reads))
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


def _reusable(renderer: Renderer, output: Output, inputs: str, manifest: dict | None, output_dir: Path | None):
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
    if not files:
        return None
    reads = archive.Reads.from_json(entry.get("reads", {}))
    try:
        current = archive.fingerprint(output.document.id, output.lang, inputs, renderer.context(output), reads)
    except PipelineError:
        return None
    if current != entry.get("fingerprint"):
        return None
    return Rendered(output, [], current, reads, reused_entries=files)


def manifest_for(year: int, edition: Edition, rendered: list[Rendered], earlier: dict | None, project: Project) -> dict:
    """The manifest of one edition's folder after this build (earlier entries kept for outputs not built now)."""
    documents, files = {}, []
    built_stems = {r.output.stem for r in rendered}
    if earlier:
        for stem, entry in earlier.get("documents", {}).items():
            if stem not in built_stems:
                documents[stem] = entry
        files = [f for f in earlier.get("files", []) if f"{f.get('document')}-{f.get('language')}" not in built_stems]
    for r in rendered:
        documents[r.output.stem] = {"fingerprint": r.fingerprint, "reads": r.reads.to_json()}
        if r.reused_entries:
            files.extend(r.reused_entries)
            continue
        for f in r.files:
            files.append(_file_entry(r.output, f))
    files.sort(key=lambda f: f["path"])
    return {
        "edition": edition.edition,
        "year": year,
        "generator": archive.tool_versions(),
        "pdf_variant": PDF_VARIANT,
        "fonts": {p.name: archive.sha256(p.read_bytes()) for p in sorted(project.fonts.glob("*")) if p.is_file()},
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


def _file_entry(output: Output, f: RenderedFile) -> dict:
    fmt = output.format_of(f.relative.name)
    pages = None
    if f.relative.suffix == ".pdf":
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(f.data)).pages)
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
) -> BuildResult:
    """load → validate → render → write, for the editions asked."""
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputError(Problem(f"cannot write to {output_dir}: it is a file, not a folder; choose another --output"))
    editions = load_editions(project, years)
    outputs, skipped = plan(editions, only, langs)
    rendered = render_all(project, editions, outputs, progress=progress, output_dir=output_dir if incremental else None)
    files = [f for r in rendered for f in r.files]
    manifests = index.manifests_in(output_dir)
    for year, loaded in editions.items():
        mine = [r for r in rendered if r.output.edition.year == year]
        manifest = manifest_for(year, loaded.edition, mine, manifests.get(year), project)
        manifests[year] = manifest
        files.append(RenderedFile(Path(str(year)) / archive.MANIFEST, archive.manifest_bytes(manifest)))
        fresh = {f.relative.name: f.data for r in mine for f in r.files if f.relative.suffix == ".pdf"}
        files.extend(index.thumbnails(output_dir, year, manifest, fresh))
    files.append(index.index_page(project, output_dir, _all_editions(project, editions), manifests))
    written = write_all(output_dir, files)
    reused = [(output_dir / str(r.output.edition.year) / e["path"], False) for r in rendered for e in r.reused_entries]
    return BuildResult(written=sorted(written + reused), skipped=skipped)


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
    for doc in registry().values():
        path = project.templates / doc.docx_template
        if "docx" in doc.formats and path.exists():
            findings += wordlint.lint(path, f"templates/{doc.docx_template}", doc.word_fields, doc.word_styles)
    return findings


def word_templates(project: Project) -> list[tuple[Path, str]]:
    """Every Word template there is, with its name in messages (a missing one is reported when it is rendered)."""
    names = sorted({doc.docx_template for doc in registry().values() if "docx" in doc.formats})
    return [(project.templates / name, f"templates/{name}") for name in names if (project.templates / name).exists()]


def verify(project: Project, year: int, output_dir: Path) -> list[str]:
    """Rebuild one edition in a temporary folder and compare with its manifest; return the differences."""
    import tempfile

    folder = output_dir / str(year)
    manifest = archive.read_manifest(folder)
    if manifest is None:
        raise UsageError(f"no {archive.MANIFEST} in {folder}; build the edition first (python generate.py build {year})")
    differences = []
    for entry in manifest["files"]:
        path = folder / entry["path"]
        if not path.exists():
            differences.append(f"{entry['path']}: missing from {folder}")
        elif archive.sha256(path.read_bytes()) != entry["sha256"]:
            differences.append(f"{entry['path']}: the file in {folder} was changed after it was built")
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
