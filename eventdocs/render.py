"""Stage 3: fill the templates. Nothing here writes to disk.

HTML templates (Jinja2) become PDF through WeasyPrint; Word templates
(docxtpl) become DOCX. Both Jinja environments use StrictUndefined, so a
template that asks for data the edition lacks fails with its name and the
variable, at ``check`` time already.
"""

from __future__ import annotations

import copy
import hashlib
import datetime as dt
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from . import formats, ooxml
from .errors import EditionError, Problem, TemplateError
from .localize import MissingTranslation, MissingText
from .ooxml import qn
from .text import DOCX_BOLD, DOCX_BREAK, DOCX_ITALIC, DOCX_SUP, Text

MARKERS = re.compile(f"([{DOCX_BOLD}{DOCX_ITALIC}{DOCX_SUP}{DOCX_BREAK}])")
#: every file inside a DOCX gets this time, so that two builds are identical
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
PDF_VARIANT = "pdf/a-3a"


@dataclass
class Project:
    """Where a build reads its inputs: the folders of the project."""

    root: Path

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def editions(self) -> Path:
        return self.root / "editions"

    @property
    def fonts(self) -> Path:
        return self.root / "fonts"


# --- filters shared by the HTML and Word templates -------------------------


def _lang(ctx) -> str:
    return ctx["lang"]


@jinja2.pass_context
def _long_date(ctx, value: dt.date) -> str:
    return formats.long_date(value, _lang(ctx))


@jinja2.pass_context
def _plain_date(ctx, value: dt.date) -> Text:
    return Text(formats.plain_date(value, _lang(ctx)))


@jinja2.pass_context
def _day_month(ctx, value: dt.date) -> str:
    return formats.day_month(value, _lang(ctx))


@jinja2.pass_context
def _time(ctx, value: dt.time) -> str:
    return formats.time(value, _lang(ctx))


@jinja2.pass_context
def _time_range(ctx, session) -> str:
    return formats.time_range(session.start, session.end, _lang(ctx))


@jinja2.pass_context
def _number(ctx, value: int) -> str:
    return formats.number(value, _lang(ctx))


@jinja2.pass_context
def _date_span(ctx, days) -> str:
    return formats.date_span(list(days), _lang(ctx))


def _capfirst(value):
    if isinstance(value, (Text, MissingText)):
        return value.capitalize_first()
    text = str(value)
    return text[:1].upper() + text[1:]


FILTERS = {
    "long_date": _long_date,
    "plain_date": _plain_date,
    "day_month": _day_month,
    "time": _time,
    "time_range": _time_range,
    "number": _number,
    "date_span": _date_span,
    "capfirst": _capfirst,
}


def _environment(loader: jinja2.BaseLoader | None, finalize=None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        finalize=finalize,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def _docx_finalize(value: Any) -> Any:
    if isinstance(value, (Text, MissingText)):
        return value.docx()
    if isinstance(value, str):
        return value.replace("\n", DOCX_BREAK)
    return value


# --- errors -----------------------------------------------------------------


def _template_problem(exc: Exception, template: str, sources=None) -> Exception:
    """Turn an exception raised while rendering into a user error, or return it."""
    if isinstance(exc, MissingTranslation):
        problem = sources.problem(exc.path, str(exc).split(": ", 1)[1]) if sources else Problem(str(exc))
        return EditionError(problem)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateError(Problem(f"template syntax error: {exc.message}", file=exc.filename or template, line=exc.lineno))
    if isinstance(exc, jinja2.UndefinedError):
        name = re.sub(r"'eventdocs\.localize\.View object'", "this part of the edition", exc.message or "")
        line = _template_line(exc, template)
        return TemplateError(
            Problem(f"uses data the edition does not have: {name}; check the variable's spelling", file=f"templates/{template}", line=line)
        )
    if isinstance(exc, jinja2.TemplateError):
        return TemplateError(Problem(f"template error: {exc}", file=f"templates/{template}"))
    return exc


def _template_line(exc: BaseException, template: str) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(template):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


# --- HTML and PDF ---------------------------------------------------------------


class HtmlRenderer:
    """Renders HTML templates to strings and PDFs, sharing fonts across documents."""

    def __init__(self, project: Project):
        from weasyprint.text.fonts import FontConfiguration

        self.project = project
        self.env = _environment(jinja2.FileSystemLoader(project.templates))
        self.font_config = FontConfiguration()

    def html(self, template: str, context: dict[str, Any], sources=None) -> str:
        try:
            return self.env.get_template(template).render(context)
        except jinja2.TemplateNotFound:
            raise TemplateError(Problem("template not found", file=f"templates/{template}")) from None
        except Exception as exc:  # noqa: BLE001 - re-raised unless it is the user's
            error = _template_problem(exc, template, sources)
            if error is exc:
                raise
            raise error from None

    def pdf(self, html: str, template: str) -> bytes:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        with capture_weasyprint_logs() as logs:
            document = HTML(
                string=html,
                base_url=str(self.project.templates) + "/",
                url_fetcher=URLFetcher(allowed_protocols=("file", "data")),
            )
            pdf = document.write_pdf(
                font_config=self.font_config,
                # archival and accessible: PDF/A-3a is tagged (structure tree, reading order)
                pdf_variant=PDF_VARIANT,
                # a stable identifier, so that the same document gives the same bytes
                pdf_identifier=hashlib.sha256(html.encode()).hexdigest()[:32].encode(),
            )
        problems = [m for m in logs if not m.startswith("Ignored")]
        if problems:
            raise TemplateError(
                [Problem(f"layout problem: {m}", file=f"templates/{template}") for m in problems]
            )
        return pdf


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class capture_weasyprint_logs:
    """Collect WeasyPrint's warnings (missing image, font, CSS error) to report them."""

    def __enter__(self):
        self.handler = _ListHandler()
        self.logger = logging.getLogger("weasyprint")
        self.logger.addHandler(self.handler)
        self._propagate = self.logger.propagate
        self.logger.propagate = False
        return self.handler.messages

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        self.logger.propagate = self._propagate
        return False


# --- Word -------------------------------------------------------------------------


class DocxRenderer:
    """Renders Word templates with docxtpl, then turns markup markers into runs."""

    def __init__(self, project: Project):
        self.project = project
        self.env = _environment(None, finalize=_docx_finalize)

    def docx(self, template: str, context: dict[str, Any], properties: dict[str, Any], sources=None) -> bytes:
        path = self.project.templates / template
        if not path.exists():
            raise TemplateError(Problem("template not found", file=f"templates/{template}"))
        try:
            tpl = DocxTemplate(str(path))
            tpl.render(self._with_images(tpl, context), self.env, autoescape=True)
        except (jinja2.TemplateError, MissingTranslation) as exc:
            raise _template_problem(exc, template, sources) from None
        except Exception as exc:
            if "zip" in str(exc).lower() or "package" in str(exc).lower():
                raise TemplateError(Problem(f"not a Word document ({exc}); save it as .docx", file=f"templates/{template}")) from None
            raise
        document = tpl.docx
        for part in _xml_parts(document):
            _reorder_cell_properties(part)
            _apply_docx_markers(part)
        _set_properties(document, properties)
        _drop_styles_with_effects(document)
        buffer = io.BytesIO()
        document.save(buffer)
        return normalize_zip(buffer.getvalue())

    def _with_images(self, tpl: DocxTemplate, context: dict[str, Any]) -> dict[str, Any]:
        ctx = dict(context)
        for key, width in (("logo", 42), ("signature", 45)):
            path = ctx.get(key + "_path")
            ctx[key] = InlineImage(tpl, str(path), width=Mm(width)) if path else ""
        return ctx


def _xml_parts(document):
    yield document.element.body
    # docxtpl swaps in new header and footer parts; python-docx's section.footer would still give the old ones
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER):
            yield rel.target_part.element


def _reorder_cell_properties(root) -> None:
    """Put back in its place the cell shading of docxtpl's ``{% cellbg %}``, which it puts first in ``w:tcPr``."""
    for properties in root.iter(qn("w:tcPr")):
        ooxml.reorder(properties)


def _apply_docx_markers(root) -> None:
    """Split every run whose text carries markup markers into formatted runs."""
    for run in list(root.iter(qn("w:r"))):
        if not any(MARKERS.search(t.text or "") for t in run.iter(qn("w:t"))):
            continue
        parent = run.getparent()
        template = copy.deepcopy(run)
        for child in list(template):
            if child.tag != qn("w:rPr"):
                template.remove(child)
        bold = italic = sup = False
        new_runs = []

        def new_run(bold, italic, sup):
            element = copy.deepcopy(template)
            if bold or italic or sup:
                rpr = ooxml.get_or_add(element, "w:rPr")
                if bold:
                    ooxml.set_property(rpr, "w:b")
                if italic:
                    ooxml.set_property(rpr, "w:i")
                if sup:
                    ooxml.set_property(rpr, "w:vertAlign", val="superscript")
            new_runs.append(element)
            return element

        for child in run:
            if child.tag == qn("w:rPr"):
                continue
            if child.tag != qn("w:t"):
                ooxml.insert(new_run(bold, italic, sup), copy.deepcopy(child))
                continue
            for piece in MARKERS.split(child.text or ""):
                if piece == DOCX_BOLD:
                    bold = not bold
                elif piece == DOCX_ITALIC:
                    italic = not italic
                elif piece == DOCX_SUP:
                    sup = not sup
                elif piece == DOCX_BREAK:
                    element = new_run(bold, italic, sup)
                    ooxml.insert(element, element.makeelement(qn("w:br"), {}))
                elif piece:
                    element = new_run(bold, italic, sup)
                    t = ooxml.insert(element, element.makeelement(qn("w:t"), {}))
                    t.text = piece
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        index = parent.index(run)
        parent.remove(run)
        for offset, element in enumerate(new_runs):
            parent.insert(index + offset, element)


def _set_properties(document, properties: dict[str, Any]) -> None:
    language = properties.get("language")
    if language:
        # the spelling language of every text without its own: styles.xml's docDefaults/rPrDefault/rPr/lang
        defaults = document.styles.element
        for name in ("w:docDefaults", "w:rPrDefault", "w:rPr", "w:lang"):
            defaults = ooxml.get_or_add(defaults, name)
        defaults.set(qn("w:val"), language)
    core = document.core_properties
    for key, value in properties.items():
        setattr(core, key, value)
    # python-docx stamps "now" on new documents; the edition's date is used instead
    stamp = properties.get("created") or dt.datetime(2000, 1, 1)
    core.created = stamp
    core.modified = stamp
    core.last_printed = stamp
    core.revision = 1


def _drop_styles_with_effects(document) -> None:
    """No stylesWithEffects.xml in what we write: Word 2013 and later do without it (see ooxml.py)."""
    for rid, rel in list(document.part.rels.items()):
        if rel.reltype == ooxml.STYLES_WITH_EFFECTS:
            document.part.drop_rel(rid)


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a DOCX with fixed entry times so identical content gives identical bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
