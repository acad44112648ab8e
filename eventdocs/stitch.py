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

The objects are serialized once into parts (pdfparts.py); the combined print
file of a language is written by combined.py.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject, ContentStream, DictionaryObject, FloatObject, IndirectObject, NameObject, NumberObject, StreamObject,
)

from .errors import Problem, TemplateError
from .pdfparts import (
    OPEN_STREAM, PAGE_KEYS, PDF_HEADER, Identity, Parts, Ref, closure, drawing_stream, indirect, page_with_form,
    parts_of, place, serialize, stream, xref,
)


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
        order = closure(self.reader, [root, info])
        number = {old: new for new, old in enumerate(order, start=1)}
        size = len(order) + 1
        open_num, drawing_num, form_num, paragraph_num = size, size + 1, size + 3, size + 4
        own = {open_num: stream(OPEN_STREAM), drawing_num: drawing_stream()}
        replaced = {page1: page_with_form(self.pages[0], Ref(open_num), Ref(drawing_num), Ref(form_num))}
        tagging = _tag_address(self.reader, page1, Ref(paragraph_num))
        if tagging is not None:
            changed, mcid, paragraph = tagging
            replaced.update(changed)
            own[drawing_num] = drawing_stream(mcid)
        blob, offsets = bytearray(), []
        for old in order:
            offsets.append((number[old], len(blob)))
            obj = replaced[old] if old in replaced else self.reader.get_object(old)
            blob += indirect(number[old], serialize(obj, number.__getitem__))
        if tagging is not None:
            own[paragraph_num] = serialize(paragraph, number.__getitem__)
        for num, body in own.items():
            offsets.append((num, len(blob)))
            blob += indirect(num, body)
        first_free = paragraph_num + 1 if tagging is not None else form_num + 1
        return LetterTemplate(first_free, number[root.idnum], number[info.idnum], form_num, bytes(blob),
                              tuple(offsets))

    def pages_parts(self, key: str) -> "VariantParts":
        """This variant's pages for a combined PDF: untagged, page 1 drawing an address form."""
        objects: list[int] = []
        index: dict[int, int] = {}
        pages = []
        for page in self.pages:
            pages.append({k: v for k, v in page.items() if k in PAGE_KEYS})
        for old in closure(self.reader, [v for page in pages for v in page.values()]):
            index[old] = len(objects)
            objects.append(old)
        count = len(objects)  # then: the open stream, the drawing stream, the form, the page tree
        first = page_with_form(DictionaryObject(pages[0]), Ref(count), Ref(count + 1), Ref(count + 2))
        pages[0] = {k: v for k, v in first.items() if k in PAGE_KEYS}
        page_parts = []
        for page in pages:
            entries = DictionaryObject({NameObject("/Type"): NameObject("/Page"), NameObject("/Parent"): Ref(count + 3)})
            entries.update(page)
            page_parts.append(parts_of(entries, index.__getitem__, key))
        return VariantParts(key, tuple(parts_of(self.reader.get_object(old), index.__getitem__, key) for old in objects),
                            tuple(page_parts), serialize(self.pages[0]["/MediaBox"], Identity().__getitem__))


@dataclass(frozen=True)
class VariantParts:
    """The pages of a variant for a combined PDF; holes index ``objects``, then open, drawing, form, page tree."""

    key: str
    objects: tuple[Parts, ...]
    pages: tuple[Parts, ...]
    media_box: bytes


def _tag_address(reader: PdfReader, page1: int, paragraph: "Ref"):
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
            data = indirect(num, body)
            offsets[num] = position
            chunks.append(data)
            position += len(data)
        for num, at in shared_offsets:
            offsets[num] = position + at
        chunks.append(shared_blob)
        position += len(shared_blob)
        trailer = b"<</Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>]>>" % (
            len(offsets), self.root, self.info, file_id.hex().encode(), file_id.hex().encode())
        chunks.append(xref(offsets) + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % position)
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
            self._forms += drawn_forms(page, self.reader)
        if len(self._forms) != count:
            raise TemplateError(Problem(
                f"the sheet gave {len(self._forms)} forms for {count} people; each one must be drawn on its own "
                "(opacity below 1)", file=template))

    def parts(self, key: str) -> "SheetParts":
        """The forms and what they use (fonts...), serialized once, to be placed in any number of files."""
        resources = [ref.get_object()["/Resources"].get_object() for ref, _ in self._forms]
        shared = closure(self.reader, [value for r in resources for value in r.values()])
        index = {old: i for i, old in enumerate(shared)}
        own_resources = len(shared)  # each address's resources come right after the shared objects
        addresses = []
        for (ref, matrix), address_resources in zip(self._forms, resources):
            form = _plain_form(ref.get_object(), matrix, Ref(own_resources))
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
    form.set_data(b" ".join(pdf_number(v) for v in matrix) + b" cm\n" + source.get_data())
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
                blob += indirect(num, place(parts, numbers))
            self._placed[base] = (bytes(blob), offsets, numbers)
        return self._placed[base]


def drawn_forms(page: DictionaryObject, reader: PdfReader) -> list[tuple[IndirectObject, list[float]]]:
    """Every form a page draws, in order, with the transformation matrix in force when it is drawn."""
    xobjects = page["/Resources"].get_object().get("/XObject", DictionaryObject()).get_object()
    ctm, stack, forms = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0], [], []
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop()
        elif operator == b"cm":
            ctm = multiply([float(v) for v in operands], ctm)
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


def pdf_number(value: float) -> bytes:
    """A number in PDF syntax (no exponent)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode()


def multiply(m: list[float], n: list[float]) -> list[float]:
    """The PDF matrix product m × n (``cm`` with m applied to the current matrix n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F]
