"""A4 sheets of badges, assembled from what differs per person and what badges share.

A thousand badges laid out whole by WeasyPrint would mean laying out a
thousand times the same header, colour band and event lines. Instead:

- what badges share (the header with the event's name, the category's band,
  the back's event lines) is laid out once per language and category, each in
  a PDF form of its own (templates/badge-background.html);
- WeasyPrint lays out only each person's words on the sheets
  (templates/badge.html): names, function, organisation, country;
- here, every page of those sheets first draws, at each badge's place, the
  form of its language and category, its QR code (a vector path, qr.py) and the
  sheet's crop marks; then the person's words, on top.

pypdf is used through its public API: forms are copied into a batch's PDF with
``clone`` and drawn by a content stream put before the page's own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, IndirectObject, NameObject

from .errors import Problem, TemplateError
from .stitch import drawn_forms, pdf_number

PT_PER_MM = 72 / 25.4
A4_HEIGHT_MM = 297.0


@dataclass(frozen=True)
class Slot:
    """One badge on a page: its top left corner on the sheet (mm), its background, and its QR code."""

    left: float
    top: float
    background: int  # the page of the backgrounds' PDF
    qr: tuple[int, bytes] | None = None  # qr.path(): side in modules, path in modules
    qr_box: tuple[float, float, float] = (0.0, 0.0, 0.0)  # left, bottom (mm from the badge's top left), side


@dataclass(frozen=True)
class SheetPage:
    """What a page of sheets draws under the people's words: its badges, and its crop marks (mm)."""

    height: float  # of a badge, mm
    slots: tuple[Slot, ...]
    crop_marks: tuple[tuple[float, float, float, float], ...] = ()  # x, y, width, height (a line)


class Backgrounds:
    """The backgrounds' PDF (one page per language and category, each drawing one form), read once."""

    def __init__(self, data: bytes, count: int, template: str):
        self.reader = PdfReader(io.BytesIO(data))
        self.forms: list[tuple[IndirectObject, list[float]]] = []
        for page in self.reader.pages:
            forms = drawn_forms(page, self.reader)
            if len(forms) != 1:
                raise TemplateError(Problem(
                    f"a page of the backgrounds draws {len(forms)} forms; it must draw exactly one (the whole "
                    "badge in one element with an opacity below 1)", file=template))
            self.forms.append(forms[0])
        if len(self.forms) != count:
            raise TemplateError(Problem(f"the backgrounds have {len(self.forms)} pages for {count} kinds of badges",
                                        file=template))

    def assemble(self, layer: bytes, pages: list[SheetPage]) -> bytes:
        """The sheets: each page of ``layer`` (the people's words) over its badges' backgrounds."""
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(layer)))
        if len(writer.pages) != len(pages):
            raise TemplateError(Problem(f"the badges were laid out on {len(writer.pages)} pages instead of "
                                        f"{len(pages)}: a badge's words must stay in its place",
                                        file="templates/badge.html"))
        copied: dict[int, IndirectObject] = {}
        for page, sheet in zip(writer.pages, pages):
            resources = page["/Resources"].get_object()
            xobjects = resources.get("/XObject")
            xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
            resources[NameObject("/XObject")] = xobjects
            for slot in sheet.slots:
                if slot.background not in copied:
                    copied[slot.background] = self.forms[slot.background][0].clone(writer).indirect_reference
                xobjects[NameObject(_form_name(slot.background))] = copied[slot.background]
            under = DecodedStreamObject()
            under.set_data(_under(sheet, self.forms) + page.get_contents().get_data() + b"\n")
            page.replace_contents(under)
            page.compress_content_streams()
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()


def _form_name(index: int) -> str:
    return f"/BadgeBackground{index}"


def _under(sheet: SheetPage, forms: list[tuple[IndirectObject, list[float]]]) -> bytes:
    """The operators drawn before the people's words: backgrounds, QR codes, crop marks (PDF points, from
    the page's bottom left; each badge's form drawn with the transformation it had on its own page)."""
    ops = [b"q"]
    for slot in sheet.slots:
        x, y = slot.left * PT_PER_MM, (A4_HEIGHT_MM - slot.top - sheet.height) * PT_PER_MM
        matrix = forms[slot.background][1]
        ops.append(b"q 1 0 0 1 %s %s cm %s cm %s Do Q" % (
            pdf_number(x), pdf_number(y), b" ".join(pdf_number(v) for v in matrix),
            _form_name(slot.background).encode()))
    for slot in sheet.slots:
        if slot.qr is None:
            continue
        modules, path = slot.qr
        left, bottom, side = slot.qr_box
        scale = side * PT_PER_MM / modules
        ops.append(b"q 0 g %s 0 0 %s %s %s cm\n%s\nf Q" % (
            pdf_number(scale), pdf_number(scale), pdf_number((slot.left + left) * PT_PER_MM),
            pdf_number((A4_HEIGHT_MM - slot.top - sheet.height + bottom) * PT_PER_MM), path))
    if sheet.crop_marks:
        ops.append(b"0.25 w 0 G")
        for x, y, width, height in sheet.crop_marks:
            ops.append(b"%s %s m %s %s l S" % (
                pdf_number(x * PT_PER_MM), pdf_number((A4_HEIGHT_MM - y) * PT_PER_MM),
                pdf_number((x + width) * PT_PER_MM), pdf_number((A4_HEIGHT_MM - y - height) * PT_PER_MM)))
    ops.append(b"Q\n")
    return b"\n".join(ops)
