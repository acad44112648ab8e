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
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from . import hyphenation, ooxml, wordfonts
from .errors import EditionError, Problem, TemplateError
from .filters import FILTERS
from .images import ImageStore, Picture
from .load import preview
from .localize import MissingText, UnavailableText, View
from .ooxml import qn
from .text import (
    DOCX_BOLD, DOCX_BREAK, DOCX_BULLET, DOCX_ITALIC, DOCX_KEEP, DOCX_NUMBER, DOCX_PARAGRAPH, DOCX_RESTART, DOCX_SUP,
    Text,
)
from .wordlint import paragraph_with

MARKERS = re.compile(f"([{DOCX_BOLD}{DOCX_ITALIC}{DOCX_SUP}{DOCX_BREAK}{DOCX_KEEP}])")
BLOCK_MARKERS = re.compile(f"([{DOCX_PARAGRAPH}{DOCX_BULLET}{DOCX_NUMBER}]{DOCX_RESTART}?)")
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
    if isinstance(exc, UnavailableText):
        problem = sources.problem(exc.path, exc.message) if sources else Problem(str(exc))
        return EditionError(problem)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        if template.endswith(".docx"):  # the line of Word's XML would mean nothing: wordlint quotes the paragraph
            return TemplateError(Problem(f"a tag cannot be read: {exc.message}", file=f"templates/{template}"))
        return TemplateError(Problem(f"template syntax error: {exc.message}", file=f"templates/{exc.filename or template}",
                                     line=exc.lineno))
    if isinstance(exc, jinja2.UndefinedError):
        name = re.sub(r"'eventdocs\.localize\.View object'", "this part of the edition", exc.message or "")
        line = _template_line(exc, template)
        return TemplateError(
            Problem(f"uses data the edition does not have: {name}; check the variable's spelling", file=f"templates/{template}", line=line)
        )
    if isinstance(exc, jinja2.TemplateError):
        return TemplateError(Problem(f"template error: {exc}", file=f"templates/{template}"))
    return exc


def _quoting_paragraph(error: Exception, exc: Exception, path: Path) -> Exception:
    """A Word template's error says in which paragraph: its XML line numbers mean nothing to the officer."""
    if not isinstance(exc, jinja2.UndefinedError) or not isinstance(error, TemplateError):
        return error
    names = re.findall(r"'(\w+)' is undefined|has no attribute '(\w+)'", exc.message or "")
    name = next((a or b for a, b in names), None)
    quoted = paragraph_with(path, name) if name else None
    if not quoted:
        return error
    problem = error.problems[0]
    return TemplateError(Problem(f"{problem.message}, in the paragraph «{quoted}»", file=problem.file))


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

    def __init__(self, project: Project, images: ImageStore | None = None):
        from weasyprint.text.fonts import FontConfiguration

        self.project = project
        self.images = images or ImageStore(project.root)
        self.env = _environment(jinja2.FileSystemLoader(project.templates))
        self.env.globals["picture"] = self.picture  # a global: macros see it too
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
        """The archival PDF (PDF/A-3a) of an HTML document, never three hyphenated lines in a row (hyphenation.py).

        A layout problem or a text that does not fit its place raises; with the
        ``edition`` and its ``sources``, such a text is blamed on the field it was
        written in; ``name`` names the document.
        """
        protected: set[str] = set()
        while True:
            final = hyphenation.protect(html, protected)
            document = self.layout(final, template, edition=edition, sources=sources, name=name)
            data = self.write(document, template, identifier(final))
            more = hyphenation.words_to_protect(data) - protected
            if not more or len(protected) > hyphenation.MAX_PROTECTED:
                return data
            protected |= more

    def layout(self, html: str, template: str, variant: str = PDF_VARIANT, edition=None, sources=None,
               name: str | None = None):
        """The document laid out in pages (a WeasyPrint Document), to write as a PDF of ``variant``;
        raises when a text does not fit its place (fit.py)."""
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        from . import fit

        with capture_weasyprint_logs() as logs:
            document = HTML(
                string=html,
                base_url=str(self.project.templates) + "/",
                url_fetcher=URLFetcher(allowed_protocols=("file", "data")),
            ).render(font_config=self.font_config, pdf_variant=variant)
            misfits = fit.overflows(document)
        problems = layout_problems(logs, template, self.project.templates)
        problems += fit.problems(misfits, edition, sources, template, name or f"the PDF of templates/{template}")
        if problems:
            raise TemplateError(problems)
        return document

    def write(self, document, template: str, pdf_identifier: bytes, variant: str = PDF_VARIANT,
              created: dt.datetime | None = None, finisher=None) -> bytes:
        """The PDF of a laid-out document.

        ``pdf_identifier``: the file's /ID, derived from its content, so that the same document gives the
        same bytes; ``created``: its creation date, from the edition (never the clock); ``finisher``:
        WeasyPrint's hook on the PDF objects before they are written (pdfx.finisher).
        """
        if created is not None:
            document.metadata.created = document.metadata.modified = created.strftime("%Y-%m-%dT%H:%M:%SZ")
        with capture_weasyprint_logs() as logs:
            # archival and accessible: PDF/A-3a is tagged (structure tree, reading order)
            pdf = document.write_pdf(pdf_variant=variant, pdf_identifier=pdf_identifier, finisher=finisher)
        problems = layout_problems(logs, template, self.project.templates)
        if problems:
            raise TemplateError(problems)
        return pdf

    def picture(self, image, alt="", width_mm=None, height_mm=None, css_class: str = ""):
        """``{{ picture(edition.association.logo, edition.association.name) }}``: an <img>, sized by the CSS.

        ``alt`` is the default alternative text, when the image has none of its own.
        """
        from markupsafe import Markup

        if not image:
            return ""
        return Markup(_picture_of(self.images, image).html(_alt_of(image, alt), css_class))


def identifier(html: str, *salt: str) -> bytes:
    """A PDF's /ID from what it shows: the same document gives the same bytes."""
    return hashlib.sha256("\0".join((html, *salt)).encode()).hexdigest()[:32].encode()


def _picture_of(images: ImageStore, image) -> Picture:
    """The prepared picture of an image of the edition (a View of model.Image)."""
    model = image.raw if isinstance(image, View) else image
    try:
        return images.picture(model.file)
    except ValueError as exc:  # checked when the edition was validated; the file changed since
        raise TemplateError(Problem(str(exc))) from None


def _alt_of(image, default) -> str:
    own = image.alt if isinstance(image, View) else None
    return str(own if own else default or "").strip()


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
    """Renders Word templates with docxtpl, then turns markup markers into runs, paragraphs and lists."""

    def __init__(self, project: Project, images: ImageStore | None = None):
        self.project = project
        self.images = images or ImageStore(project.root)
        self.env = _environment(None, finalize=_docx_finalize)
        self._checked: dict[Path, tuple] = {}

    def docx(self, template: str, context: dict[str, Any], properties: dict[str, Any], sources=None,
             placeholders: dict[str, str] | None = None) -> bytes:
        """The filled Word template, with the fonts it uses embedded (wordfonts.py).

        ``placeholders``: characters standing for text filled in later (the mail merge's
        address and salutation) and the characters that text may hold; its faces keep
        those, the others only what the document uses. Without them the document is
        one the officer edits: every face keeps the whole Latin repertoire.
        """
        path = self.project.templates / template
        self.check_template(path, f"templates/{template}")
        alts: dict[str, str] = {}
        try:
            tpl = DocxTemplate(str(path))
            tpl.render({**context, "picture": self._picture_function(tpl, alts)}, self.env, autoescape=True)
        except (jinja2.TemplateError, UnavailableText) as exc:
            raise _quoting_paragraph(_template_problem(exc, template, sources), exc, path) from None
        document = tpl.docx
        place_paragraphs(document, context.get("word_frames") or {})
        lists = _ListNumbering(document)
        for part in _xml_parts(document):
            _reorder_cell_properties(part.element)
            _split_blocks(part.element, lists)
            _apply_docx_markers(part.element)
            _describe_pictures(part, alts)
        _set_properties(document, properties)
        _drop_styles_with_effects(document)
        # a template saved by another word processor (LibreOffice) may have its XML out of Word's order
        for part in document.part.package.iter_parts():
            if hasattr(part, "element"):
                ooxml.normalise_tree(part.element)
        buffer = io.BytesIO()
        document.save(buffer)
        return wordfonts.embed_fonts(buffer.getvalue(), self.project.fonts,
                                     repertoire="" if placeholders else wordfonts.LATIN, placeholders=placeholders)

    def _picture_function(self, tpl: DocxTemplate, alts: dict[str, str]):
        def picture(image, alt="", width_mm=40, height_mm=20, css_class=""):
            """``{{ picture(edition.association.logo, edition.association.name, 42, 18) }}``: the image
            as large as fits a box of width_mm × height_mm, with its alternative text."""
            if not image:
                return ""
            prepared = _picture_of(self.images, image)
            width, height = prepared.fit(float(width_mm), float(height_mm))
            alts[prepared.digest] = _alt_of(image, alt)
            return InlineImage(tpl, io.BytesIO(prepared.raster), width=Mm(width), height=Mm(height))

        return picture

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


def place_paragraphs(document, placements: dict[str, tuple]) -> None:
    """Put the body paragraphs of some styles where the data says, in mm from the paper's top-left corner.

    ``{style id: (x, y, width, height)}`` makes each such paragraph a frame of that
    size at that place (Word's « Cadre », anchored to the page); ``(None, y, None,
    None)`` gives an in-flow paragraph the space before it that starts it at ``y``
    (it must be the first in-flow paragraph of page 1, as the letter's date is).
    """
    if not placements:
        return
    top_margin = _twips(document.sections[0].top_margin.mm)
    for paragraph in document.element.body.iter(qn("w:p")):
        style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is None or style.get(qn("w:val")) not in placements:
            continue
        x, y, width, height = placements[style.get(qn("w:val"))]
        properties = ooxml.get_or_add(paragraph, "w:pPr")
        if x is None:
            ooxml.set_property(properties, "w:spacing", before=str(max(0, _twips(y) - top_margin)))
            continue
        frame = ooxml.get_or_add(properties, "w:framePr")
        for key in list(frame.attrib):
            del frame.attrib[key]
        for key, value in (("w", _twips(width)), ("h", _twips(height)), ("hRule", "exact"), ("wrap", "around"),
                           ("vAnchor", "page"), ("hAnchor", "page"), ("x", _twips(x)), ("y", _twips(y))):
            frame.set(qn(f"w:{key}"), str(value))


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def _xml_parts(document):
    yield document.part
    # docxtpl swaps in new header and footer parts; python-docx's section.footer would still give the old ones
    for rel in document.part.rels.values():
        if rel.reltype in (RT.HEADER, RT.FOOTER):
            yield rel.target_part


_WP_DOCPR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
_A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
_PIC_CNVPR = "{http://schemas.openxmlformats.org/drawingml/2006/picture}cNvPr"


def _describe_pictures(part, alts: dict[str, str]) -> None:
    """Give every picture its alternative text (Word's « Texte de remplacement », read by screen readers)."""
    for drawing in part.element.iter(qn("w:drawing")):
        blip = next(drawing.iter(_A_BLIP), None)
        if blip is None or blip.get(_R_EMBED) not in part.rels:
            continue
        image_part = part.related_parts[blip.get(_R_EMBED)]
        alt = alts.get(hashlib.sha256(image_part.blob).hexdigest())
        if alt is None:
            continue
        for tag in (_WP_DOCPR, _PIC_CNVPR):
            for element in drawing.iter(tag):
                element.set("descr", alt)
                element.set("name", alt[:60] or "image")


class _ListNumbering:
    """Word list definitions for the lists of the texts: one bulleted list style, numbered lists restarting at 1.

    They are added to the document's numbering part when a text first needs them,
    so a template needs no list style of its own.
    """

    BULLET_INDENT, HANGING = 360, 284  # twentieths of a point: 6.35 mm text indent, 5 mm for the bullet

    def __init__(self, document):
        self.document = document
        self._abstract: dict[str, str] = {}
        self._bullets: str | None = None
        self._numbers: str | None = None

    def num_id(self, kind: str, restart: bool) -> str:
        """The w:numId for an item: the shared bullet list, or a numbered list (a new one at each restart)."""
        if kind == "bullets":
            if self._bullets is None:
                self._bullets = self._new_num(self._abstract_id("bullet"))
            return self._bullets
        if restart or self._numbers is None:
            self._numbers = self._new_num(self._abstract_id("decimal"), restart=True)
        return self._numbers

    def _numbering(self):
        return self.document.part.numbering_part.element

    def _abstract_id(self, fmt: str) -> str:
        if fmt not in self._abstract:
            numbering = self._numbering()
            used = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))]
            abstract_id = str(max(used, default=-1) + 1)
            text = "•" if fmt == "bullet" else "%1."
            element = _xml(
                f'<w:abstractNum {_W_NS} w:abstractNumId="{abstract_id}">'
                '<w:multiLevelType w:val="singleLevel"/>'
                f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
                f'<w:pPr><w:ind w:left="{self.BULLET_INDENT}" w:hanging="{self.HANGING}"/></w:pPr></w:lvl>'
                '</w:abstractNum>')
            first_num = numbering.find(qn("w:num"))  # every w:abstractNum comes before the first w:num
            if first_num is not None:
                first_num.addprevious(element)
            else:
                numbering.append(element)
            self._abstract[fmt] = abstract_id
        return self._abstract[fmt]

    def _new_num(self, abstract_id: str, restart: bool = False) -> str:
        numbering = self._numbering()
        used = [int(n.get(qn("w:numId"))) for n in numbering.findall(qn("w:num"))]
        num_id = str(max(used, default=0) + 1)
        override = ('<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>' if restart else "")
        numbering.append(_xml(f'<w:num {_W_NS} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
                              f'{override}</w:num>'))
        return num_id


_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _element(tag: str):
    from docx.oxml import OxmlElement

    return OxmlElement(tag)


def _xml(text: str):
    from docx.oxml import parse_xml

    return parse_xml(text)


def _split_blocks(root, lists: _ListNumbering) -> None:
    """Split every paragraph whose text holds block markers into paragraphs and list items.

    Each new paragraph keeps the original's paragraph properties (its style);
    a list item also gets its list (w:numPr). Text before the first marker stays
    in the original paragraph.
    """
    for paragraph in list(root.iter(qn("w:p"))):
        if not any(BLOCK_MARKERS.search(t.text or "") for t in paragraph.iter(qn("w:t"))):
            continue
        _split_runs_at_block_markers(paragraph)
        properties = paragraph.find(qn("w:pPr"))
        current, pieces = paragraph, []
        for child in list(paragraph):
            if child.tag == qn("w:pPr"):
                continue
            marker = _block_marker_of(child)
            if marker is None:
                if current is not paragraph:
                    current.append(child)
                continue
            paragraph.remove(child)
            current = _element("w:p")
            if properties is not None:
                ooxml.insert(current, copy.deepcopy(properties))
            if marker[0] in (DOCX_BULLET, DOCX_NUMBER):
                kind = "bullets" if marker[0] == DOCX_BULLET else "numbers"
                _set_numbering(current, lists.num_id(kind, restart=DOCX_RESTART in marker))
            pieces.append(current)
        anchor = paragraph
        for piece in pieces:
            anchor.addnext(piece)
            anchor = piece
        if not any(c.tag != qn("w:pPr") for c in paragraph):
            paragraph.getparent().remove(paragraph)


def _split_runs_at_block_markers(paragraph) -> None:
    """Each block marker ends up alone in a run of its own (w:r with a single w:t)."""
    for run in list(paragraph.iter(qn("w:r"))):
        if any(BLOCK_MARKERS.search(t.text or "") for t in run.findall(qn("w:t"))):
            _split_run(run, BLOCK_MARKERS)


def _split_run(run, pattern: re.Pattern) -> list:
    """Replace ``run`` by runs of one piece each, in order: its texts cut where ``pattern`` matches (each
    match a piece of its own), its other children (breaks, drawings) alone. Each new run keeps the
    run's properties; the new runs are returned."""
    properties = run.find(qn("w:rPr"))
    new_runs = []
    for child in run:
        if child.tag == qn("w:rPr"):
            continue
        pieces = [child] if child.tag != qn("w:t") else [p for p in pattern.split(child.text or "") if p]
        for piece in pieces:
            element = run.makeelement(qn("w:r"), {})
            if properties is not None:
                element.append(copy.deepcopy(properties))
            if isinstance(piece, str):
                t = ooxml.insert(element, element.makeelement(qn("w:t"), {}))
                t.text = piece
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            else:
                ooxml.insert(element, copy.deepcopy(piece))
            new_runs.append(element)
    for element in new_runs:
        run.addprevious(element)
    run.getparent().remove(run)
    return new_runs


def _block_marker_of(child) -> str | None:
    if child.tag != qn("w:r"):
        return None
    texts = child.findall(qn("w:t"))
    if len(texts) == 1 and BLOCK_MARKERS.fullmatch(texts[0].text or ""):
        return texts[0].text
    return None


def _set_numbering(paragraph, num_id: str) -> None:
    properties = ooxml.get_or_add(paragraph, "w:pPr")
    for old in properties.findall(qn("w:numPr")):
        properties.remove(old)
    ooxml.insert(properties, _xml(f'<w:numPr {_W_NS}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))


def _reorder_cell_properties(root) -> None:
    """Put back in its place the cell shading of docxtpl's ``{% cellbg %}``, which it puts first in ``w:tcPr``."""
    for properties in root.iter(qn("w:tcPr")):
        ooxml.reorder(properties)


def _apply_docx_markers(root) -> None:
    """Split every run whose text carries markup markers into formatted runs."""
    for run in list(root.iter(qn("w:r"))):
        if not any(MARKERS.search(t.text or "") for t in run.iter(qn("w:t"))):
            continue
        state = {"bold": False, "italic": False, "sup": False, "keep": False}
        toggles = {DOCX_BOLD: "bold", DOCX_ITALIC: "italic", DOCX_SUP: "sup", DOCX_KEEP: "keep"}
        for piece in _split_run(run, MARKERS):
            t = piece.find(qn("w:t"))
            marker = t.text if t is not None and MARKERS.fullmatch(t.text or "") else None
            if marker in toggles:
                state[toggles[marker]] = not state[toggles[marker]]
                piece.getparent().remove(piece)
                continue
            if marker == DOCX_BREAK:
                piece.remove(t)
                ooxml.insert(piece, piece.makeelement(qn("w:br"), {}))
            if any(state.values()):
                rpr = ooxml.get_or_add(piece, "w:rPr")
                if state["bold"]:
                    ooxml.set_property(rpr, "w:b")
                if state["italic"]:
                    ooxml.set_property(rpr, "w:i")
                if state["keep"]:  # Word never hyphenates a word it is told not to proofread
                    ooxml.set_property(rpr, "w:noProof")
                if state["sup"]:
                    ooxml.set_property(rpr, "w:vertAlign", val="superscript")


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
