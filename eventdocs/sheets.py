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
  sheet's crop marks; then the person's words, on top;
- with a back side, each sheet is followed by its back, made here: the backs'
  backgrounds and QR codes at the mirrored places, and the front's names, each
  badge's a PDF form of its own (badge.html), drawn again: laid out once.

pypdf is used through its public API: forms are copied into a batch's PDF with
``clone`` and drawn by a content stream put before the page's own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, IndirectObject, NameObject

from .errors import Problem, TemplateError
from .model import A4_HEIGHT
from .namefit import PT_PER_MM
from .stitch import multiply, pdf_number



@dataclass(frozen=True)
class Slot:
    """One badge on a page: its top left corner on the sheet (mm), its background, and its QR code."""

    left: float
    top: float
    background: int  # the page of the backgrounds' PDF
    qr: tuple[int, bytes] | None = None  # qr.path(): side in modules, path in modules
    qr_box: tuple[float, float, float] = (0.0, 0.0, 0.0)  # left, bottom (mm from the badge's top left), side
    names_shift: float | None = None  # on a back: how far (mm) the front's names move to this badge; None: a front


@dataclass(frozen=True)
class SheetPage:
    """What a page of sheets draws under the people's words: its badges, and its crop marks (mm)."""

    height: float  # of a badge, mm
    slots: tuple[Slot, ...]
    crop_marks: tuple[tuple[float, float, float, float], ...] = ()  # x, y, width, height (a line)


class Backgrounds:
    """The backgrounds' PDF (one page per language and category, each drawing one form), read once."""

    def __init__(self, data: bytes, count: int, template: str, layer: str = "templates/badge.html"):
        self.layer = layer  # the template of the people's words, named in messages
        self.reader = PdfReader(io.BytesIO(data))
        self.forms: list[tuple[IndirectObject, list[float]]] = []
        for page in self.reader.pages:
            forms = forms_drawn(page)
            if len(forms) != 1:
                raise TemplateError(Problem(
                    f"a page of the backgrounds draws {len(forms)} forms; it must draw exactly one (the whole "
                    "badge in one element with an opacity below 1)", file=template))
            self.forms.append(forms[0])
        if len(self.forms) != count:
            raise TemplateError(Problem(f"the backgrounds have {len(self.forms)} pages for {count} kinds of badges",
                                        file=template))

    def assemble(self, layer: bytes, pages: list[SheetPage]) -> bytes:
        """The sheets: each page of ``layer`` (the people's words on the fronts) over its badges' backgrounds,
        each followed by its back when there is one: backgrounds, QR codes and the front's names (forms)."""
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(layer)))
        fronts = [sheet for sheet in pages if not _is_back(sheet)]
        if len(writer.pages) != len(fronts):
            raise TemplateError(Problem(f"the badges were laid out on {len(writer.pages)} pages instead of "
                                        f"{len(fronts)}: a badge's words must stay in its place", file=self.layer))
        copied: dict[int, IndirectObject] = {}
        index, names, backs = -1, [], any(_is_back(sheet) for sheet in pages)
        for sheet in pages:
            if _is_back(sheet):
                writer.insert_blank_page(*_size(writer.pages[index]), index + 1)
                index += 1
                page = writer.pages[index]
                page[NameObject("/Resources")] = DictionaryObject()
                drawn = _names_drawn(sheet, names)
            else:
                index += 1
                page = writer.pages[index]
                names = forms_drawn(page) if backs else []
                if names and len(names) != len(sheet.slots):
                    raise TemplateError(Problem(
                        f"a sheet's front draws {len(names)} forms for {len(sheet.slots)} badges: only the names "
                        "of each badge may have an opacity below 1", file=self.layer))
                drawn = b""
            xobjects = self._xobjects(page)
            for slot in sheet.slots:
                if slot.background not in copied:
                    copied[slot.background] = self.forms[slot.background][0].clone(writer).indirect_reference
                xobjects[NameObject(_form_name(slot.background))] = copied[slot.background]
            for number, (ref, _) in enumerate(names if _is_back(sheet) else []):
                xobjects[NameObject(f"/BadgeNames{number}")] = ref
            content = DecodedStreamObject()
            content.set_data(_under(sheet, self.forms) + drawn + (page.get_contents().get_data() + b"\n"
                                                                   if not _is_back(sheet) else b""))
            page.replace_contents(content.flate_encode())
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    @staticmethod
    def _xobjects(page) -> DictionaryObject:
        resources = page["/Resources"].get_object()
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
        resources[NameObject("/XObject")] = xobjects
        return xobjects


def forms_drawn(page) -> list[tuple[IndirectObject, list[float]]]:
    """The forms a page laid out by WeasyPrint draws, in order, with the transformation each is drawn with.

    WeasyPrint (pydyf) writes one operator per line and its text as hexadecimal strings, so following
    ``q``, ``Q``, ``cm`` and ``Do`` line by line is enough, and much faster than parsing every operator
    (stitch.drawn_forms does that for any PDF). The tests check the result on every sheet they print."""
    xobjects = page["/Resources"].get_object().get("/XObject", DictionaryObject()).get_object()
    ctm, stack, forms = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [], []
    for line in page.get_contents().get_data().split(b"\n"):
        if line == b"q":
            stack.append(ctm)
        elif line == b"Q":
            ctm = stack.pop() if stack else ctm
        elif line.endswith(b" cm"):
            ctm = multiply([float(v) for v in line.split()[:6]], ctm)
        elif line.endswith(b" Do"):
            name = line.split()[0].decode("latin-1")
            if name in xobjects and xobjects[name].get("/Subtype") == "/Form":
                forms.append((xobjects.raw_get(name), ctm))
    return forms


def _is_back(sheet: SheetPage) -> bool:
    return any(slot.names_shift is not None for slot in sheet.slots)


def _size(page) -> tuple[float, float]:
    box = page.mediabox
    return float(box.width), float(box.height)


def _names_drawn(sheet: SheetPage, names: list[tuple[IndirectObject, list[float]]]) -> bytes:
    """The front's names drawn on the back: each badge's form where the front drew it, moved to its back."""
    ops = []
    for number, (slot, (_, matrix)) in enumerate(zip(sheet.slots, names)):
        ops.append(b"q 1 0 0 1 %s 0 cm %s cm /BadgeNames%d Do Q" % (
            pdf_number(slot.names_shift * PT_PER_MM), b" ".join(pdf_number(v) for v in matrix), number))
    return b"\n".join(ops) + b"\n"


def _form_name(index: int) -> str:
    return f"/BadgeBackground{index}"


def _under(sheet: SheetPage, forms: list[tuple[IndirectObject, list[float]]]) -> bytes:
    """The operators drawn before the people's words: backgrounds, QR codes, crop marks (PDF points, from
    the page's bottom left; each badge's form drawn with the transformation it had on its own page)."""
    ops = [b"q"]
    for slot in sheet.slots:
        x, y = slot.left * PT_PER_MM, (A4_HEIGHT - slot.top - sheet.height) * PT_PER_MM
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
            pdf_number((A4_HEIGHT - slot.top - sheet.height + bottom) * PT_PER_MM), path))
    if sheet.crop_marks:
        ops.append(b"0.25 w 0 G")
        for x, y, width, height in sheet.crop_marks:
            ops.append(b"%s %s m %s %s l S" % (
                pdf_number(x * PT_PER_MM), pdf_number((A4_HEIGHT - y) * PT_PER_MM),
                pdf_number((x + width) * PT_PER_MM), pdf_number((A4_HEIGHT - y - height) * PT_PER_MM)))
    ops.append(b"Q\n")
    return b"\n".join(ops)
