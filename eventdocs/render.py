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
import urllib.parse
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.text.run import Run as DocxRun
from docxtpl import DocxTemplate, InlineImage

from . import formats
from .errors import EditionError, Problem, TemplateError
from .load import preview
from .localize import MissingTranslation, MissingText
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

    def pdf(self, html: str, template: str, edition=None, sources=None, name: str | None = None) -> bytes:
        """The PDF of ``html``; a layout problem or a text that does not fit its place raises.

        With the ``edition`` and its ``sources``, a text that does not fit is
        blamed on the field it was written in; ``name`` names the document.
        """
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        from . import fit

        options = {
            # archival and accessible: PDF/A-3a is tagged (structure tree, reading order)
            "pdf_variant": PDF_VARIANT,
            # a stable identifier, so that the same document gives the same bytes
            "pdf_identifier": hashlib.sha256(html.encode()).hexdigest()[:32].encode(),
        }
        with capture_weasyprint_logs() as logs:
            document = HTML(
                string=html,
                base_url=str(self.project.templates) + "/",
                url_fetcher=URLFetcher(allowed_protocols=("file", "data")),
            ).render(font_config=self.font_config, **options)
            misfits = fit.overflows(document)
            pdf = document.write_pdf(**options) if not misfits else b""
        problems = layout_problems(logs, template, self.project.templates)
        problems += fit.problems(misfits, edition, sources, template, name or f"the PDF of templates/{template}")
        if problems:
            raise TemplateError(problems)
        return pdf


@dataclass(frozen=True)
class LogMessage:
    """A warning of WeasyPrint, and the stylesheet it was parsing then (None: not parsing one)."""

    text: str
    stylesheet: str | None


class _ListHandler(logging.Handler):
    """Keeps WeasyPrint's warnings, each with the stylesheet being parsed (from its "Step 2" notes)."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.messages: list[LogMessage] = []
        self._stylesheet: str | None = None

    def emit(self, record):
        message = record.getMessage()
        if record.levelno < logging.WARNING:
            step = re.match(r"Step (\d) - (?:Fetching and parsing CSS - )?(.*)", message)
            if step:
                self._stylesheet = step.group(2) if step.group(1) == "2" else None
            return
        self.messages.append(LogMessage(message, self._stylesheet))


class capture_weasyprint_logs:
    """Collect WeasyPrint's warnings (missing image, font, CSS error) to report them."""

    def __enter__(self):
        self.handler = _ListHandler()
        self.logger = logging.getLogger("weasyprint")
        self.logger.addHandler(self.handler)
        self._propagate, self._level = self.logger.propagate, self.logger.level
        self.logger.propagate = False
        self.logger.setLevel(logging.INFO)  # its "Step 2" notes say which stylesheet a CSS error is in
        return self.handler.messages

    def __exit__(self, *exc):
        self.logger.removeHandler(self.handler)
        self.logger.propagate = self._propagate
        self.logger.setLevel(self._level)
        return False


def layout_problems(messages: list[LogMessage], template: str, templates_dir: Path) -> list[Problem]:
    """WeasyPrint's warnings as problems, each in the file it is about: a CSS error in its stylesheet and line
    (``templates/css/letter.css:12``), anything else in the HTML template."""
    problems = []
    for message in messages:
        file, line, text = f"templates/{template}", None, f"layout problem: {message.text}"
        at = re.search(r" at (\d+):(\d+)", message.text)
        if message.stylesheet and message.stylesheet.startswith("file://"):
            path = Path(urllib.parse.unquote(urllib.parse.urlparse(message.stylesheet).path))
            try:
                file = "templates/" + path.resolve().relative_to(templates_dir.resolve()).as_posix()
            except ValueError:
                file = str(path)
            line = int(at.group(1)) if at else None
            text = f"CSS problem: {message.text}"
        elif message.stylesheet:  # a <style> element of the template: the line counts from its start
            text = f"CSS problem in a <style> element: {message.text}"
        problem = Problem(text, file=file, line=line)
        if problem not in problems:
            problems.append(problem)
    return problems


# --- Word -------------------------------------------------------------------------


class DocxRenderer:
    """Renders Word templates with docxtpl, then turns markup markers into runs."""

    def __init__(self, project: Project):
        self.project = project
        self.env = _environment(None, finalize=_docx_finalize)
        self._checked: dict[Path, tuple] = {}

    def docx(self, template: str, context: dict[str, Any], properties: dict[str, Any], sources=None) -> bytes:
        path = self.project.templates / template
        self.check_template(path, f"templates/{template}")
        try:
            tpl = DocxTemplate(str(path))
            tpl.render(self._with_images(tpl, context), self.env, autoescape=True)
        except (jinja2.TemplateError, MissingTranslation) as exc:
            raise _template_problem(exc, template, sources) from None
        document = tpl.docx
        for part in _xml_parts(document):
            _apply_docx_markers(part)
        _set_properties(document, properties)
        buffer = io.BytesIO()
        document.save(buffer)
        return normalize_zip(buffer.getvalue())

    def check_template(self, path: Path, shown: str) -> None:
        """Refuse a Word template that is missing, not a Word file, or damaged inside, naming the damaged part.

        Checked once per version of the file: a changed template is checked again.
        """
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise TemplateError(Problem("template not found", file=shown)) from None
        version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if self._checked.get(path) != version:
            check_word_file(path, shown)
            self._checked[path] = version

    def _with_images(self, tpl: DocxTemplate, context: dict[str, Any]) -> dict[str, Any]:
        ctx = dict(context)
        for key, width in (("logo", 42), ("signature", 45)):
            path = ctx.get(key + "_path")
            ctx[key] = InlineImage(tpl, str(path), width=Mm(width)) if path else ""
        return ctx


#: a Word template is a few hundred kilobytes once unpacked (images included)
MAX_TEMPLATE_BYTES = 64 * 1024 * 1024
#: the parts without which Word (and python-docx) cannot open a document
WORD_PARTS = ("[Content_Types].xml", "_rels/.rels", "word/document.xml")


def check_word_file(path: Path, shown: str) -> None:
    """Raise TemplateError unless ``path`` is a whole Word document whose every XML part parses."""
    from lxml import etree

    advice = "open the template in Word and save it again as .docx, or restore it from version control"
    if path.is_dir():
        raise TemplateError(Problem("is a folder, not a Word document", file=shown))
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {e.filename for e in entries}
            missing = [name for name in WORD_PARTS if name not in names]
            if missing:
                raise TemplateError(Problem(f"is not a whole Word document ({', '.join(missing)} missing); {advice}",
                                            file=shown))
            if sum(e.file_size for e in entries) > MAX_TEMPLATE_BYTES:
                raise TemplateError(Problem(f"unpacks to more than {MAX_TEMPLATE_BYTES // 1024 // 1024} MB; {advice}",
                                            file=shown))
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            for entry in entries:
                if entry.filename.endswith((".xml", ".rels")):
                    try:
                        etree.fromstring(archive.read(entry), parser=parser)
                    except etree.XMLSyntaxError as exc:
                        raise TemplateError(Problem(f"its part {entry.filename} is damaged (XML error: "
                                                    f"{preview(exc.msg, 100)}); {advice}", file=shown)) from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise TemplateError(Problem(f"is not a Word document ({preview(str(exc), 60)}: a .docx file is a ZIP "
                                    f"archive); {advice}", file=shown)) from None
    except OSError as exc:
        raise TemplateError(Problem(f"cannot be read: {exc.strerror}", file=shown)) from None


def _xml_parts(document):
    yield document.element.body
    # docxtpl swaps in new header and footer parts; python-docx's section.footer would still give the old ones
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER):
            yield rel.target_part.element


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
            wrapper = DocxRun(element, None)
            if bold:
                wrapper.bold = True
            if italic:
                wrapper.italic = True
            if sup:
                wrapper.font.superscript = True
            new_runs.append(element)
            return element

        for child in run:
            if child.tag == qn("w:rPr"):
                continue
            if child.tag != qn("w:t"):
                new_run(bold, italic, sup).append(copy.deepcopy(child))
                continue
            for piece in MARKERS.split(child.text or ""):
                if piece == DOCX_BOLD:
                    bold = not bold
                elif piece == DOCX_ITALIC:
                    italic = not italic
                elif piece == DOCX_SUP:
                    sup = not sup
                elif piece == DOCX_BREAK:
                    new_run(bold, italic, sup).append(_element("w:br"))
                elif piece:
                    t = _element("w:t")
                    t.text = piece
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                    new_run(bold, italic, sup).append(t)
        index = parent.index(run)
        parent.remove(run)
        for offset, element in enumerate(new_runs):
            parent.insert(index + offset, element)


def _element(tag: str):
    from docx.oxml import OxmlElement

    return OxmlElement(tag)


def _set_properties(document, properties: dict[str, Any]) -> None:
    language = properties.get("language")
    if language:
        defaults = document.styles.element.find(qn("w:docDefaults"))
        for lang in defaults.iter(qn("w:lang")) if defaults is not None else ():
            lang.set(qn("w:val"), language)
    core = document.core_properties
    for key, value in properties.items():
        setattr(core, key, value)
    # python-docx stamps "now" on new documents; the edition's date is used instead
    stamp = properties.get("created") or dt.datetime(2000, 1, 1)
    core.created = stamp
    core.modified = stamp
    core.last_printed = stamp
    core.revision = 1


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
