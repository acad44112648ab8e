"""PDF objects serialized once into "parts", to be placed at any object numbers in many files.

A PDF object is read with pypdf once and serialized into parts: bytes, with
each reference to another object left as a hole (an int). Placing parts at
given object numbers is then a join, so the same fonts, pages and forms go
into thousands of files (letters, certificates: stitch.py; their combined
print files: combined.py) without being parsed or serialized again.

pypdf is used through its public API, except ``StreamObject._data`` in
``_write``: a compressed stream's bytes as they are in the file, which pypdf
offers no public way to read without decompressing (and compressing again, for
every font of thousands of files). pypdf is pinned exactly for it.
"""

from __future__ import annotations

import hashlib
import io
import re
from typing import Callable, Iterable

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

FORM_NAME = "/RecipientAddress"
PDF_HEADER = b"%PDF-1.7\n%\xb5\xed\xae\xfb\n"
#: what a page keeps when it moves into another file (its place in the page tree is the new file's)
PAGE_KEYS = ("/MediaBox", "/CropBox", "/TrimBox", "/BleedBox", "/Rotate", "/Contents", "/Resources", "/UserUnit")
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
    return stream(b"Q\n" + draw + b"\n")


# --- PDF objects, serialized once -------------------------------------------------------------------
#
# A PDF object is serialized once into "parts": bytes, with each reference to
# another object left as a hole (an int). Placing parts at given object numbers
# is then a join, so the same fonts, pages and addresses go into thousands of
# files without being parsed or serialized again.

Parts = tuple  # bytes and ints: an object's PDF syntax, each reference an index into a list of objects


def serialize(obj, number: Callable[[int], int], retag: str = "") -> bytes:
    """The PDF syntax of a direct object, indirect references renumbered by ``number``."""
    return place(parts_of(obj, number, retag), Identity())


def parts_of(obj, index: Callable[[int], int], retag: str = "") -> Parts:
    """The PDF syntax of a direct object, each reference left as ``index(object number)``.

    A ``Ref(n)`` is left as hole ``n``. With ``retag``, font
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


class Identity:
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


def indirect(num: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % num + body + b"\nendobj\n"


def stream(data: bytes) -> bytes:
    return b"<</Length %d>>\nstream\n" % len(data) + data + b"\nendstream"


def closure(reader: PdfReader, roots: Iterable) -> list[int]:
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


def contents(page: DictionaryObject) -> list:
    contents = page.raw_get("/Contents") if "/Contents" in page else None
    if contents is None:
        return []
    resolved = contents.get_object()
    return list(resolved) if isinstance(resolved, ArrayObject) else [contents]


def page_with_form(page: DictionaryObject, open_ref, drawing_ref, form_ref) -> DictionaryObject:
    """A copy of ``page`` that also draws the recipient's address form, after its own content."""
    result = DictionaryObject(page)
    result[NameObject("/Contents")] = ArrayObject([open_ref, *contents(page), drawing_ref])
    resources = DictionaryObject(page["/Resources"].get_object())
    xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
    xobjects[NameObject(FORM_NAME)] = form_ref
    resources[NameObject("/XObject")] = xobjects
    result[NameObject("/Resources")] = resources
    return result


class Ref(IndirectObject):
    """A reference to an object of the file being written, not of a source PDF.

    It is stored with a negative number so that serializing tells it apart
    from the source's references, which are renumbered.
    """

    def __init__(self, num: int):
        super().__init__(-num, 0, None)


def xref(offsets: list[int]) -> bytes:
    lines = [b"xref\n0 %d\n0000000000 65535 f \n" % len(offsets)]
    lines += [b"%010d 00000 n \n" % at for at in offsets[1:]]
    return b"".join(lines) + b"trailer\n"
