"""The combined PDF of one language: every person's document in one file for printing, written as it goes.

Each variant's and each sheet's objects (fonts...) are written once (their
parts, pdfparts.py); memory stays flat however many documents it holds.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, NameObject

from .pdfparts import (
    OPEN_STREAM, PAGE_KEYS, PDF_HEADER, Parts, Ref, closure, drawing_stream, indirect, place, serialize, stream, xref,
)
from .stitch import SheetParts, VariantParts


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
        self._open_num = self._write_object(stream(OPEN_STREAM))
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

    def add_pdf(self, data: bytes, key: str) -> None:
        """Append every page of a PDF (a batch of badges), its objects written now and not kept: memory stays
        flat however many batches follow. ``key`` renames its font subsets, unique in the file."""
        reader = PdfReader(io.BytesIO(data))
        pages = [{k: v for k, v in page.items() if k in PAGE_KEYS} for page in reader.pages]
        objects = closure(reader, [value for page in pages for value in page.values()])
        numbers = {old: self._allocate() for old in objects}
        tags = font_tags(reader, objects, key)
        for old in objects:
            self._write_object(serialize(reader.get_object(old), numbers.__getitem__, tags.get(old, key)), numbers[old])
        for page in pages:
            parent = self._leaf()
            entries = DictionaryObject({NameObject("/Type"): NameObject("/Page"), NameObject("/Parent"): Ref(parent)})
            entries.update(page)
            self._add_page(serialize(entries, numbers.__getitem__), parent)

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
        self._emit(xref(offsets) + b"<</Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>]>>"
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
        self._emit(indirect(num, body))
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


def font_tags(reader: PdfReader, objects: list[int], key: str) -> dict[int, str]:
    """A tag for each font of the objects and for its parts (descendant font, descriptor), the same for a font
    and its parts: two subsets of one font in a file (the badges' words and their backgrounds, laid out apart)
    must not share a name, and a font's name must be its descriptor's."""
    tags: dict[int, str] = {}
    for num in objects:
        font = reader.get_object(num)
        if not isinstance(font, DictionaryObject) or font.get("/Type") != "/Font" or num in tags:
            continue
        parts = [num]
        for descendant in font.get("/DescendantFonts", []) or []:
            cid_font = descendant.get_object()
            parts += [getattr(descendant, "idnum", None), getattr(cid_font.raw_get("/FontDescriptor"), "idnum", None)
                      if "/FontDescriptor" in cid_font else None]
        if "/FontDescriptor" in font:
            parts.append(getattr(font.raw_get("/FontDescriptor"), "idnum", None))
        for part in filter(None, parts):
            tags[part] = f"{key}-{num}"
    return tags


def _text(value: str) -> bytes:
    """A PDF text string (UTF-16 with BOM, so any script survives)."""
    return b"<feff" + value.encode("utf-16-be").hex().encode() + b">"
