"""The whole pipeline: load → validate → render → write.

``build`` renders every requested document in memory first; only when all
of them succeeded does it write anything. ``check`` does the same without
laying out PDFs and without writing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .documents import DocumentType, Output, registry
from .errors import PipelineError, Problem, TemplateError, UsageError
from .load import SourceMap, edition_years, load_raw, read_yaml
from .model import LANGUAGE_NAMES, LANGUAGES, Edition
from .render import DocxRenderer, HtmlRenderer, Project
from .text import Text, typography
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
    raw = load_raw(project.editions, year, project.root)
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
        except PipelineError as exc:
            problems.extend(exc.problems)
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
        self.html = HtmlRenderer(project)
        self.word = DocxRenderer(project)
        self._labels = load_labels(project)

    def context(self, output: Output, **extra) -> dict:
        ctx = output.document.context(output.edition, output.lang, previous=output.previous, **extra)
        ctx["labels"] = self.labels(output.lang)
        ctx.update(self._images(output.edition))
        return ctx

    def labels(self, lang: str) -> dict[str, Text]:
        langs = ("fr", "en") if lang == "bilingual" else (lang,)
        result = {}
        for key, texts in self._labels.items():
            for each in langs:
                if each not in texts:
                    raise TemplateError(
                        Problem(f"label '{key}' has no {LANGUAGE_NAMES[each]} text; add '{each}:'", file=f"templates/{LABELS_FILE}")
                    )
            result[key] = Text(typography(str(texts[langs[0]]), langs[0]))
            if lang == "bilingual":
                result[key + "_en"] = Text(typography(str(texts["en"]), "en"))
        return result

    def _images(self, edition: Edition) -> dict:
        images = {}
        for key, value in (("logo", edition.association.logo), ("signature", edition.president.signature)):
            path = (self.project.root / value) if value else None
            if path is not None and not path.exists():
                raise TemplateError(Problem(f"image file not found: {value}", field=f"{key}"))
            images[f"{key}_path"] = path
            images[f"{key}_url"] = path.resolve().as_uri() if path else None
        return images

    def render(self, output: Output, sources: SourceMap, layout: bool = True, **extra) -> list[RenderedFile]:
        """The DOCX and PDF of one output; ``layout=False`` stops before WeasyPrint (for check)."""
        doc, edition = output.document, output.edition
        ctx = self.context(output, **extra)
        files = []
        folder = Path(str(edition.year))
        formats = doc.formats_for(output.lang)
        if "docx" in formats:
            data = self.word.docx(doc.docx_template, ctx, self.properties(doc, edition, output.lang), sources)
            files.append(RenderedFile(folder / f"{output.stem}.docx", data))
        if "pdf" in formats:
            html = self.html.html(doc.html_template, ctx, sources)
            if layout:
                files.append(RenderedFile(folder / f"{output.stem}.pdf", self.html.pdf(html, doc.html_template)))
        return files

    def properties(self, doc: DocumentType, edition: Edition, lang: str) -> dict:
        lang_tag = {"fr": "fr-FR", "en": "en-GB"}.get(lang, "fr-FR")
        day = edition.letter.date if edition.letter else edition.dates[0]
        return {
            "title": doc.title(edition, "fr" if lang == "bilingual" else lang),
            "author": edition.association.name,
            "subject": str(getattr(edition.name, "fr" if lang == "bilingual" else lang) or ""),
            "keywords": f"RAICT, {edition.year}, {edition.hashtag}",
            "language": lang_tag,
            "created": dt.datetime(day.year, day.month, day.day, 9, 0, 0),
        }


def load_labels(project: Project) -> dict[str, dict[str, str]]:
    path = project.templates / LABELS_FILE
    sources = SourceMap()
    data = read_yaml(path, f"templates/{LABELS_FILE}", sources)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise TemplateError(Problem("each label must be a key with fr: and en: texts", file=f"templates/{LABELS_FILE}"))
    return data


def render_all(
    project: Project,
    editions: dict[int, LoadedEdition],
    outputs: list[Output],
    layout: bool = True,
    progress: Callable[[Iterable, int], Iterable] = lambda items, total: items,
) -> list[RenderedFile]:
    """Render every output in memory, gathering the problems of all of them."""
    renderer = Renderer(project)
    files, problems = [], []
    for output in progress(outputs, len(outputs)):
        try:
            files.extend(renderer.render(output, editions[output.edition.year].sources, layout=layout))
        except PipelineError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise PipelineError(problems)
    return files


def build(
    project: Project,
    years: list[int],
    output_dir: Path,
    only: list[str] | None = None,
    langs: list[str] | None = None,
    progress=lambda items, total: items,
) -> BuildResult:
    """load → validate → render → write, for the editions asked."""
    editions = load_editions(project, years)
    outputs, skipped = plan(editions, only, langs)
    files = render_all(project, editions, outputs, progress=progress)
    return BuildResult(written=write_all(output_dir, files), skipped=skipped)


def check(project: Project, years: list[int]) -> tuple[int, list[tuple[int, str, str]]]:
    """Validate editions and templates in every language; write nothing."""
    editions = load_editions(project, years)
    outputs, skipped = plan(editions, None, None)
    render_all(project, editions, outputs, layout=False)
    return len(outputs), skipped
