"""Booklets: page counts a printer can fold, the tête-bêche bilingual order, the office's A4 booklet.

A saddle-stitched booklet is made of sheets folded in two: four pages a sheet.
Each language's brochure is laid out, then laid out again with the few « Notes »
pages that bring it to a multiple of four (``padded``), placed before its
closing page; the templates mark where each language's booklet starts and
ends (ids ``booklet-<lang>`` and ``booklet-<lang>-end``).

The bilingual brochure is **tête-bêche**: French from one cover, English from
the other, the booklet turned over; the two closing pages face each other,
upside down to one another, in the middle. Each language keeps its own cover,
its own folios 1…N and its own spreads. The on-screen PDF shows French then
English, every page upright; the print files put the English pages in reverse
order and turn them upside down (``tete_beche_order``).

``impose_a4`` puts the pages two-up on A4 landscape sheets in saddle-stitch
order, for the office printer: duplex, flipping on the short edge, then fold
and staple. It uses pypdf's page transformations.
"""

from __future__ import annotations

import io
from typing import Callable, Sequence

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject, TextStringObject

PAGES_PER_SHEET = 4
A4_LANDSCAPE = (841.89, 595.276)  # points


def booklet_pages(document, langs: Sequence[str]) -> dict[str, int]:
    """How many pages each language's booklet takes in a laid-out WeasyPrint document."""
    where: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            where.setdefault(anchor, number)
    counts = {}
    for lang in langs:
        start, end = where.get(f"booklet-{lang}"), where.get(f"booklet-{lang}-end")
        if start is None or end is None:
            raise ValueError(f"the template marks no booklet-{lang} / booklet-{lang}-end")
        counts[lang] = end - start + 1
    return counts


def notes_for(counts: dict[str, int]) -> dict[str, int]:
    """The « Notes » pages each booklet needs to become a multiple of four pages."""
    return {lang: -count % PAGES_PER_SHEET for lang, count in counts.items()}


def padded(lay_out: Callable[[dict[str, int]], object], langs: Sequence[str],
           notes: dict[str, int] | None = None):
    """Lay out with ``notes`` (none by default) and again when a booklet is still not a multiple of four.

    Returns the laid-out document, the notes pages of each language and each booklet's page count.
    """
    notes = dict(notes or {lang: 0 for lang in langs})
    for _ in range(3):  # a notes page never moves the pages before it: the second layout is the last
        document = lay_out(notes)
        counts = booklet_pages(document, langs)
        extra = notes_for(counts)
        if not any(extra.values()):
            return document, notes, counts
        notes = {lang: notes[lang] + extra[lang] for lang in langs}
    raise RuntimeError(f"the booklet's pages do not settle to a multiple of four: {counts}")


def tete_beche_order(first_half: int, total: int) -> tuple[list[int], list[int]]:
    """Page order and pages turned upside down of a tête-bêche booklet whose first language takes
    ``first_half`` pages: the second language's pages in reverse order, each turned."""
    second = list(range(total - 1, first_half - 1, -1))
    return list(range(first_half)) + second, second


def saddle_stitch_order(count: int) -> list[tuple[int, int]]:
    """Pairs of pages (left, right) on each side of each sheet, front then back: 8 pages give
    (8, 1), (2, 7), (6, 3), (4, 5) — 1-based as printed, returned 0-based."""
    if count % PAGES_PER_SHEET:
        raise ValueError(f"a saddle-stitched booklet needs a multiple of 4 pages, not {count}")
    sides = []
    for sheet in range(count // PAGES_PER_SHEET):
        outer, inner = 2 * sheet, count - 1 - 2 * sheet
        sides.append((inner, outer))          # front: last pages on the left, first on the right
        sides.append((outer + 1, inner - 1))  # back
    return sides


def impose_a4(pdf: bytes, title: str, author: str, lang: str, order: Sequence[int] | None = None,
              turned: Sequence[int] = ()) -> bytes:
    """The pages of an A5 PDF two-up on A4 landscape sheets, in saddle-stitch order.

    ``order`` and ``turned`` (indexes into the PDF's pages) give a tête-bêche booklet
    its reading order and its upside-down half.
    """
    reader = PdfReader(io.BytesIO(pdf))
    pages = [reader.pages[i] for i in (order if order is not None else range(len(reader.pages)))]
    upside_down = {id(reader.pages[i]) for i in turned}
    width, height = A4_LANDSCAPE
    writer = PdfWriter()
    for left, right in saddle_stitch_order(len(pages)):
        sheet = PageObject.create_blank_page(width=width, height=height)
        for slot, index in enumerate((left, right)):
            page = pages[index]
            box = page.mediabox
            page_width, page_height = float(box.width), float(box.height)
            x = width / 2 - page_width if slot == 0 else width / 2  # the fold in the middle of the sheet
            y = (height - page_height) / 2
            place = Transformation().translate(-float(box.left), -float(box.bottom))
            if id(page) in upside_down:
                place = place.rotate(180).translate(page_width, page_height)
            sheet.merge_transformed_page(page, place.translate(x, y))
        writer.add_page(sheet)
    writer.add_metadata({"/Title": title, "/Author": author, "/Producer": "eventdocs (pypdf)"})
    writer.root_object[NameObject("/Lang")] = TextStringObject(lang)
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
