"""Put one person into a page laid out once: the PDF of a letter or a certificate, drawn from forms.

Letters differ only in their address block and their salutation, certificates
only in the name, function and number of the person, so the merge lays out each
variant (a letter's language × salutation, a certificate's language) once and
finishes every person's PDF here, without laying out the text again (the Word
files are filled in docxfill.py):

- every person of a batch is laid out by WeasyPrint in one sheet
  (letter-addresses.html, certificate-names.html), each in its own PDF form
  (Form XObject) at its place on the page. A person's PDF is the variant's PDF
  whose first page also draws that form (``q /RecipientAddress Do Q`` in an
  extra content stream). The form keeps its own resources, so its fonts never
  clash with the page's; no content stream is parsed or rewritten.

Objects are read with pypdf once, in the process that rendered them, and
serialized into "parts" (bytes with holes for references); a file is then
assembled by joining parts at its own object numbers, without parsing again.
``CombinedPdf`` writes all documents of a language into one file for printing,
each variant's and each sheet's objects (fonts...) stored once, every letter
starting on an odd page (``duplex``).

pypdf is used through its public API, except ``StreamObject._data`` in
``_write``: a compressed stream's bytes as they are in the file, which pypdf
offers no public way to read without decompressing (and compressing again, for
every font of thousands of files). pypdf is pinned exactly for it.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterable

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject, ContentStream, DictionaryObject, FloatObject, IndirectObject, NameObject, NumberObject, StreamObject,
)

from .errors import Problem, TemplateError

FORM_NAME = "/RecipientAddress"
PDF_HEADER = b"%PDF-1.7\n%\xb5\xed\xae\xfb\n"
OPEN_STREAM = b"q\n"


def drawing_stream(mcid: int | None = None) -> bytes:
    """The content stream added after a page's own: draws the address form.

    The page's content is wrapped in q/Q first, so the form is drawn in the
    graphics state of a fresh page. In a tagged letter the address is marked
    content ``mcid``, a paragraph of the structure tree.
    """
    draw = b"q " + FORM_NAME.encode() + b" Do Q"
    if mcid is not None:
        draw = b"/P <</MCID %d>> BDC " % mcid + draw + b" EMC"
    return _stream(b"Q\n" + draw + b"\n")


# --- PDF objects, serialized once -------------------------------------------------------------------
#
# A PDF object is serialized once into "parts": bytes, with each reference to
# another object left as a hole (an int). Placing parts at given object numbers
# is then a join, so the same fonts, pages and addresses go into thousands of
# files without being parsed or serialized again.

Parts = tuple  # bytes and ints: an object's PDF syntax, each reference an index into a list of objects


def serialize(obj, number: Callable[[int], int], retag: str = "") -> bytes:
    """The PDF syntax of a direct object, indirect references renumbered by ``number``."""
    return place(parts_of(obj, number, retag), _Identity())


def parts_of(obj, index: Callable[[int], int], retag: str = "") -> Parts:
    """The PDF syntax of a direct object, each reference left as ``index(object number)``.

    A ``_Ref(n)`` is left as hole ``n``. With ``retag``, font
    subsets get a new name tag derived from it: WeasyPrint names a subset after
    its font, not its glyphs, and two subsets in one file must not share a name
    (printers may cache fonts by name).
    """
    chunks: list = []
    _write(obj, lambda idnum: -idnum if idnum < 0 else index(idnum), chunks, retag)
    parts, pending = [], []
    for chunk in chunks:
        if isinstance(chunk, bytes):
            pending.append(chunk)
        else:
            parts += [b"".join(pending), chunk]
            pending = []
    parts.append(b"".join(pending))
    return tuple(parts)


def place(parts: Parts, numbers) -> bytes:
    """Parts with their holes filled: ``numbers[hole]`` is the object number of each reference."""
    return b"".join(part if isinstance(part, bytes) else b"%d 0 R" % numbers[part] for part in parts)


class _Identity:
    """Holes that are object numbers already."""

    def __getitem__(self, number: int) -> int:
        return number


SUBSET_NAME = re.compile(r"^/[A-Z]{6}\+")


def _retagged(name: str, retag: str) -> NameObject:
    digest = hashlib.sha1(f"{retag}{name}".encode()).digest()
    tag = "".join(chr(65 + b % 26) for b in digest[:6])
    return NameObject(f"/{tag}+{name[8:]}")


_NAMES: dict[str, bytes] = {}


def _name(name: str) -> bytes:
    """A name in PDF syntax (escaped by pypdf), remembered: the same few names come back all the time."""
    if name not in _NAMES:
        buffer = io.BytesIO()
        NameObject(name).write_to_stream(buffer)
        _NAMES[name] = buffer.getvalue()
    return _NAMES[name]


def _write(obj, hole: Callable[[int], int], out: list, retag: str = "") -> None:
    if isinstance(obj, IndirectObject):
        out.append(hole(obj.idnum))
    elif isinstance(obj, NameObject):
        out.append(_name(obj))
    elif isinstance(obj, DictionaryObject):
        out.append(b"<<")
        for key, value in obj.items():
            if isinstance(obj, StreamObject) and key == "/Length":
                continue
            out.append(_name(key) + b" ")
            if retag and key in ("/BaseFont", "/FontName") and SUBSET_NAME.match(str(value)):
                value = _retagged(str(value), retag)
            _write(value, hole, out, retag)
            out.append(b"\n")
        if isinstance(obj, StreamObject):
            # the raw (still compressed) bytes, as pypdf itself writes them
            out.append(b"/Length %d>>\nstream\n" % len(obj._data) + obj._data + b"\nendstream")
        else:
            out.append(b">>")
    elif isinstance(obj, ArrayObject):
        out.append(b"[")
        for i, item in enumerate(obj):
            if i:
                out.append(b" ")
            _write(item, hole, out, retag)
        out.append(b"]")
    else:
        buffer = io.BytesIO()
        obj.write_to_stream(buffer)
        out.append(buffer.getvalue())


def _indirect(num: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % num + body + b"\nendobj\n"


def _stream(data: bytes) -> bytes:
    return b"<</Length %d>>\nstream\n" % len(data) + data + b"\nendstream"


def _closure(reader: PdfReader, roots: Iterable) -> list[int]:
    """Numbers of every indirect object of ``reader`` reachable from ``roots``, in a stable order."""
    seen: dict[int, None] = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen or node.idnum < 0:
                continue
            seen[node.idnum] = None
            stack.append(reader.get_object(node.idnum))
        elif isinstance(node, DictionaryObject):
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return sorted(seen)


def _contents(page: DictionaryObject) -> list:
    contents = page.raw_get("/Contents") if "/Contents" in page else None
    if contents is None:
        return []
    resolved = contents.get_object()
    return list(resolved) if isinstance(resolved, ArrayObject) else [contents]


def _page_with_form(page: DictionaryObject, open_ref, drawing_ref, form_ref) -> DictionaryObject:
    """A copy of ``page`` that also draws the recipient's address form, after its own content."""
    result = DictionaryObject(page)
    result[NameObject("/Contents")] = ArrayObject([open_ref, *_contents(page), drawing_ref])
    resources = DictionaryObject(page["/Resources"].get_object())
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    xobjects[NameObject(FORM_NAME)] = form_ref
    resources[NameObject("/XObject")] = xobjects
    result[NameObject("/Resources")] = resources
    return result


class _Ref(IndirectObject):
    """A reference to an object of the file being written, not of a source PDF.

    It is stored with a negative number so that serializing tells it apart
    from the source's references, which are renumbered.
    """

    def __init__(self, num: int):
        super().__init__(-num, 0, None)


def _xref(offsets: list[int]) -> bytes:
    lines = [b"xref\n0 %d\n0000000000 65535 f \n" % len(offsets)]
    lines += [b"%010d 00000 n \n" % at for at in offsets[1:]]
    return b"".join(lines) + b"trailer\n"


# --- a variant of the letter --------------------------------------------------------------------------------


class LetterPdf:
    """A rendered variant of the letter (WeasyPrint PDF), read once to serve many recipients."""

    def __init__(self, data: bytes):
        self.reader = PdfReader(io.BytesIO(data))
        self.pages = [page for page in self.reader.pages]

    def template(self) -> "LetterTemplate":
        """What a per-recipient file takes from this variant, serialized once (and picklable).

        The file keeps every object of the variant (its PDF/A metadata and
        structure tree included), renumbered 1..K. Page 1 also draws the address
        form (objects K+1 to K+4); in a tagged letter the address becomes a
        paragraph of the structure tree (object K+5), read after the letterhead.
        """
        trailer = self.reader.trailer
        root, info = trailer.raw_get("/Root"), trailer.raw_get("/Info")
        page1 = self.pages[0].indirect_reference.idnum
        order = _closure(self.reader, [root, info])
        number = {old: new for new, old in enumerate(order, start=1)}
        size = len(order) + 1
        open_num, drawing_num, form_num, paragraph_num = size, size + 1, size + 3, size + 4
        own = {open_num: _stream(OPEN_STREAM), drawing_num: drawing_stream()}
        replaced = {page1: _page_with_form(self.pages[0], _Ref(open_num), _Ref(drawing_num), _Ref(form_num))}
        tagging = _tag_address(self.reader, page1, _Ref(paragraph_num))
        if tagging is not None:
            changed, mcid, paragraph = tagging
            replaced.update(changed)
            own[drawing_num] = drawing_stream(mcid)
        blob, offsets = bytearray(), []
        for old in order:
            offsets.append((number[old], len(blob)))
            obj = replaced[old] if old in replaced else self.reader.get_object(old)
            blob += _indirect(number[old], serialize(obj, number.__getitem__))
        if tagging is not None:
            own[paragraph_num] = serialize(paragraph, number.__getitem__)
        for num, body in own.items():
            offsets.append((num, len(blob)))
            blob += _indirect(num, body)
        first_free = paragraph_num + 1 if tagging is not None else form_num + 1
        return LetterTemplate(first_free, number[root.idnum], number[info.idnum], form_num, bytes(blob),
                              tuple(offsets))

    def pages_parts(self, key: str) -> "VariantParts":
        """This variant's pages for a combined PDF: untagged, page 1 drawing an address form."""
        objects: list[int] = []
        index: dict[int, int] = {}
        keep = ("/MediaBox", "/CropBox", "/TrimBox", "/BleedBox", "/Rotate", "/Contents", "/Resources", "/UserUnit")
        pages = []
        for page in self.pages:
            pages.append({k: v for k, v in page.items() if k in keep})
        for old in _closure(self.reader, [v for page in pages for v in page.values()]):
            index[old] = len(objects)
            objects.append(old)
        count = len(objects)  # then: the open stream, the drawing stream, the form, the page tree
        first = _page_with_form(DictionaryObject(pages[0]), _Ref(count), _Ref(count + 1), _Ref(count + 2))
        pages[0] = {k: v for k, v in first.items() if k in keep}
        page_parts = []
        for page in pages:
            entries = DictionaryObject({NameObject("/Type"): NameObject("/Page"), NameObject("/Parent"): _Ref(count + 3)})
            entries.update(page)
            page_parts.append(parts_of(entries, index.__getitem__, key))
        return VariantParts(key, tuple(parts_of(self.reader.get_object(old), index.__getitem__, key) for old in objects),
                            tuple(page_parts), serialize(self.pages[0]["/MediaBox"], _Identity().__getitem__))


@dataclass(frozen=True)
class VariantParts:
    """The pages of a variant for a combined PDF; holes index ``objects``, then open, drawing, form, page tree."""

    key: str
    objects: tuple[Parts, ...]
    pages: tuple[Parts, ...]
    media_box: bytes


def _tag_address(reader: PdfReader, page1: int, paragraph: "_Ref"):
    """How a tagged letter's structure tree takes the address as a paragraph on page 1.

    Returns the replaced objects (old number -> new version), the marked-content
    id of the address on page 1 and the new paragraph; None for an untagged letter.
    """
    root = reader.trailer["/Root"]
    tree = root.get("/StructTreeRoot")
    page = reader.get_object(page1)
    if tree is None or "/StructParents" not in page:
        return None
    tree = tree.get_object()
    kids = tree["/K"].get_object()
    document_ref = kids[0] if isinstance(kids, ArrayObject) else tree.raw_get("/K")
    if not isinstance(document_ref, IndirectObject):
        return None
    document = document_ref.get_object()
    elements = document["/K"].get_object() if "/K" in document else ArrayObject()
    if not isinstance(elements, ArrayObject) or "/ParentTree" not in tree:
        return None
    replaced = {}
    # the address is read after the letterhead (the first element) and before the rest of the letter
    new_document = DictionaryObject(document)
    new_document[NameObject("/K")] = ArrayObject([*elements[:1], paragraph, *elements[1:]])
    replaced[document_ref.idnum] = new_document
    parents_ref = tree.raw_get("/ParentTree")
    parents = parents_ref.get_object()
    nums = parents["/Nums"].get_object()
    for i in range(0, len(nums) - 1, 2):
        if nums[i] == page["/StructParents"]:
            marked_ref = nums[i + 1]
            marked = marked_ref.get_object()
            mcid = len(marked)
            extended = ArrayObject([*marked, paragraph])
            if isinstance(marked_ref, IndirectObject):
                replaced[marked_ref.idnum] = extended
            else:
                new_nums = ArrayObject(nums)
                new_nums[i + 1] = extended
                new_parents = DictionaryObject(parents)
                new_parents[NameObject("/Nums")] = new_nums
                replaced[parents_ref.idnum] = new_parents
            break
    else:
        return None
    element = DictionaryObject({
        NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/P"),
        NameObject("/P"): document_ref, NameObject("/Pg"): IndirectObject(page1, 0, reader),
        NameObject("/K"): NumberObject(mcid),
    })
    return replaced, mcid, element


@dataclass(frozen=True)
class LetterTemplate:
    """A variant ready to receive addresses: every object serialized but the address form and its resources."""

    size: int  # the first number free for the sheet's shared objects
    root: int
    info: int
    form: int  # the number of the address form; its resources are numbered form - 1
    blob: bytes
    offsets: tuple[tuple[int, int], ...]  # (number, offset in blob)

    def with_address(self, sheet: "SheetParts", index: int, file_id: bytes) -> bytes:
        """This letter as one PDF file, with address ``index`` of ``sheet`` in the envelope window."""
        shared_blob, shared_offsets, shared_numbers = sheet.placed(self.size)
        resources, form = sheet.addresses[index]
        numbers = [*shared_numbers, self.form - 1]
        tail = [(self.form - 1, place(resources, numbers)), (self.form, place(form, numbers))]
        offsets = [0] * (self.size + len(shared_offsets))
        position = len(PDF_HEADER)
        for num, at in self.offsets:
            offsets[num] = position + at
        chunks = [PDF_HEADER, self.blob]
        position += len(self.blob)
        for num, body in tail:
            data = _indirect(num, body)
            offsets[num] = position
            chunks.append(data)
            position += len(data)
        for num, at in shared_offsets:
            offsets[num] = position + at
        chunks.append(shared_blob)
        position += len(shared_blob)
        trailer = b"<</Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>]>>" % (
            len(offsets), self.root, self.info, file_id.hex().encode(), file_id.hex().encode())
        chunks.append(_xref(offsets) + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % position)
        return b"".join(chunks)


# --- the address sheet --------------------------------------------------------------------------------------


class AddressSheet:
    """The addresses of one batch, each a PDF form, from one WeasyPrint render of letter-addresses.html.

    The sheet's pages draw the forms with ``Do`` in the order of the addresses;
    reading those few operators gives each form and the transformation it is
    drawn with. That transformation is put at the start of the form's own
    content, so that drawn on a letter page as it is, the address lands exactly
    where the sheet (and letter.css) put it, and text extractors that read a
    form on its own (pypdf) see its text the right way up.
    """

    def __init__(self, data: bytes, count: int, template: str = "templates/letter-addresses.html"):
        self.reader = PdfReader(io.BytesIO(data))
        self._forms: list[tuple[IndirectObject, list[float]]] = []
        for page in self.reader.pages:
            self._forms += _drawn_forms(page, self.reader)
        if len(self._forms) != count:
            raise TemplateError(Problem(
                f"the sheet gave {len(self._forms)} forms for {count} people; each one must be drawn on its own "
                "(opacity below 1)", file=template))

    def parts(self, key: str) -> "SheetParts":
        """The forms and what they use (fonts...), serialized once, to be placed in any number of files."""
        resources = [ref.get_object()["/Resources"].get_object() for ref, _ in self._forms]
        shared = _closure(self.reader, [value for r in resources for value in r.values()])
        index = {old: i for i, old in enumerate(shared)}
        own_resources = len(shared)  # each address's resources come right after the shared objects
        addresses = []
        for (ref, matrix), address_resources in zip(self._forms, resources):
            form = _plain_form(ref.get_object(), matrix, _Ref(own_resources))
            addresses.append((parts_of(address_resources, index.__getitem__, key),
                              parts_of(form, index.__getitem__, key)))
        return SheetParts(key, tuple(parts_of(self.reader.get_object(old), index.__getitem__, key) for old in shared),
                          tuple(addresses))


def _plain_form(source: StreamObject, matrix: list[float], resources: IndirectObject) -> StreamObject:
    """A copy of a sheet's form: no transparency group, its transformation in its own content."""
    form = StreamObject()
    form.update({k: v for k, v in source.items()
                 if k not in ("/Resources", "/Group", "/Length", "/Filter", "/DecodeParms", "/BBox", "/Matrix")})
    form[NameObject("/BBox")] = ArrayObject(NumberObject(0) if v == 0 else FloatObject(round(v, 4))
                                            for v in _transformed_box(source["/BBox"], matrix))
    form[NameObject("/Resources")] = resources
    # left uncompressed: an address is a few hundred bytes, compressing each one costs more than it saves
    form.set_data(b" ".join(_number(v) for v in matrix) + b" cm\n" + source.get_data())
    return form


@dataclass
class SheetParts:
    """A sheet's address forms, serialized: holes index ``shared``, then the address's own resources."""

    key: str
    shared: tuple[Parts, ...]
    addresses: tuple[tuple[Parts, Parts], ...]  # (resources, form) of each address
    _placed: dict = field(default_factory=dict, repr=False, compare=False)

    def placed(self, base: int) -> tuple[bytes, list[tuple[int, int]], list[int]]:
        """The shared objects numbered from ``base``: bytes, (number, offset) of each, their numbers."""
        if base not in self._placed:
            numbers = list(range(base, base + len(self.shared)))
            blob, offsets = bytearray(), []
            for num, parts in zip(numbers, self.shared):
                offsets.append((num, len(blob)))
                blob += _indirect(num, place(parts, numbers))
            self._placed[base] = (bytes(blob), offsets, numbers)
        return self._placed[base]


def _drawn_forms(page: DictionaryObject, reader: PdfReader) -> list[tuple[IndirectObject, list[float]]]:
    """Every form a page draws, in order, with the transformation matrix in force when it is drawn."""
    xobjects = page["/Resources"].get_object().get("/XObject", DictionaryObject()).get_object()
    ctm, stack, forms = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [], []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop()
        elif operator == b"cm":
            ctm = _multiply([float(v) for v in operands], ctm)
        elif operator == b"Do" and operands and operands[0] in xobjects:
            ref = xobjects.raw_get(operands[0])
            if ref.get_object().get("/Subtype") == "/Form":
                forms.append((ref, ctm))
    return forms


def _transformed_box(box, m: list[float]) -> list[float]:
    """The bounding box of rectangle ``box`` once transformed by matrix ``m``."""
    x0, y0, x1, y1 = (float(v) for v in box)
    points = [(x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]) for x in (x0, x1) for y in (y0, y1)]
    return [min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points), max(p[1] for p in points)]


def _number(value: float) -> bytes:
    """A number in PDF syntax (no exponent)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode()


def _multiply(m: list[float], n: list[float]) -> list[float]:
    """The PDF matrix product m × n (``cm`` with m applied to the current matrix n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F]


# --- the combined PDF of one language ------------------------------------------------------------------


#: pages per node of a combined PDF's page tree: readers find page 16,000 of a 20,000-page file quickly
PAGES_PER_NODE = 64


class CombinedPdf:
    """Every letter of one language in one PDF for printing, written as it goes (memory stays flat).

    Each letter starts on an odd page: a blank page follows a letter with an odd
    number of pages, so duplex printing never puts two recipients on one sheet.
    Each variant's and each sheet's objects (fonts...) are written once.
    """

    def __init__(self, out: BinaryIO, title: str, author: str, lang: str, file_id: bytes, duplex: bool = True):
        self._duplex = duplex  # a blank page after an odd-length document (False: documents of one page, simplex)
        self._out = out
        self._file_id = file_id
        self._position = 0
        self._offsets: dict[int, int] = {}
        self._next = 1
        self._pages_num = self._allocate()
        self._kids: list[int] = []
        self._leaves: list[tuple[int, list[int]]] = []  # the page tree: nodes of at most PAGES_PER_NODE pages
        self._outline: list[tuple[str, int]] = []
        self._numbers: dict[str, list[int]] = {}  # source key -> object number of each of its objects
        self._meta = (title, author, lang)
        self._emit(PDF_HEADER)
        self._open_num = self._write_object(_stream(OPEN_STREAM))
        self._drawing_num = self._write_object(drawing_stream())

    @property
    def page_count(self) -> int:
        return len(self._kids)

    def add_letter(self, variant: VariantParts, sheet: SheetParts, index: int, bookmark: str) -> None:
        """Append one letter: the variant's pages, the first one with address ``index`` of ``sheet``."""
        first_page = len(self._kids)
        shared = self._placed(sheet.key, sheet.shared)
        resources, form = sheet.addresses[index]
        resources_num = self._write_object(place(resources, shared))
        form_num = self._write_object(place(form, [*shared, resources_num]))
        objects = self._placed(variant.key, variant.objects)
        for page in variant.pages:
            parent = self._leaf()
            self._add_page(place(page, [*objects, self._open_num, self._drawing_num, form_num, parent]), parent)
        if len(variant.pages) % 2 and self._duplex:
            parent = self._leaf()
            self._add_page(b"<</Type /Page /Parent %d 0 R /MediaBox %s /Resources <<>>>>"
                           % (parent, variant.media_box), parent)
        self._outline.append((bookmark, self._kids[first_page]))

    def forget(self, sheet: SheetParts) -> None:
        """The sheet's letters are all written: drop its numbering."""
        self._numbers.pop(sheet.key, None)

    def close(self) -> None:
        """Write the page tree, the bookmarks, the catalog and the cross-reference table."""
        for num, kids in self._leaves:
            self._write_object(b"<</Type /Pages /Parent %d 0 R /Count %d /Kids [%s]>>"
                               % (self._pages_num, len(kids), b" ".join(b"%d 0 R" % k for k in kids)), num)
        leaves = b" ".join(b"%d 0 R" % num for num, _ in self._leaves)
        self._write_object(b"<</Type /Pages /Count %d /Kids [%s]>>" % (len(self._kids), leaves), self._pages_num)
        outline_num = self._write_outline()
        title, author, lang = self._meta
        info = self._write_object(b"<</Title %s /Author %s /Producer (eventdocs)>>" % (_text(title), _text(author)))
        catalog = self._write_object(
            b"<</Type /Catalog /Pages %d 0 R /Lang %s /PageMode /UseOutlines%s /ViewerPreferences "
            b"<</DisplayDocTitle true>>>>" % (self._pages_num, _text(lang),
                                               b" /Outlines %d 0 R" % outline_num if outline_num else b""))
        size = self._next
        offsets = [self._offsets.get(n, 0) for n in range(size)]
        file_id = self._file_id.hex().encode()
        xref_at = self._position
        self._emit(_xref(offsets) + b"<</Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>]>>"
                   % (size, catalog, info, file_id, file_id) + b"\nstartxref\n%d\n%%%%EOF\n" % xref_at)

    # -- writing --

    def _allocate(self) -> int:
        self._next += 1
        return self._next - 1

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self._position += len(data)

    def _write_object(self, body: bytes, num: int | None = None) -> int:
        num = num or self._allocate()
        self._offsets[num] = self._position
        self._emit(_indirect(num, body))
        return num

    def _leaf(self) -> int:
        """The page tree node the next page goes in (a new one every PAGES_PER_NODE pages)."""
        if not self._leaves or len(self._leaves[-1][1]) >= PAGES_PER_NODE:
            self._leaves.append((self._allocate(), []))
        return self._leaves[-1][0]

    def _add_page(self, body: bytes, parent: int) -> None:
        num = self._write_object(body)
        self._kids.append(num)
        self._leaves[-1][1].append(num)

    def _placed(self, key: str, objects: tuple[Parts, ...]) -> list[int]:
        """The numbers of a source's objects in this file, written the first time they are needed."""
        if key not in self._numbers:
            numbers = [self._allocate() for _ in objects]
            for num, parts in zip(numbers, objects):
                self._write_object(place(parts, numbers), num)
            self._numbers[key] = numbers
        return self._numbers[key]

    def _write_outline(self) -> int | None:
        if not self._outline:
            return None
        root = self._allocate()
        items = [self._allocate() for _ in self._outline]
        for i, ((title, page), num) in enumerate(zip(self._outline, items)):
            links = b"".join(
                b" /%s %d 0 R" % (name, other) for name, other in
                ((b"Prev", items[i - 1] if i else 0), (b"Next", items[i + 1] if i + 1 < len(items) else 0)) if other)
            self._write_object(b"<</Title %s /Parent %d 0 R /Dest [%d 0 R /XYZ null null null]%s>>"
                               % (_text(title), root, page, links), num)
        self._write_object(b"<</Type /Outlines /First %d 0 R /Last %d 0 R /Count %d>>"
                           % (items[0], items[-1], len(items)), root)
        return root


def _text(value: str) -> bytes:
    """A PDF text string (UTF-16 with BOM, so any script survives)."""
    return b"<feff" + value.encode("utf-16-be").hex().encode() + b">"
