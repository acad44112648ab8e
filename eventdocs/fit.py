"""Text that cannot fit its place in a PDF, found in WeasyPrint's laid-out boxes and blamed on its field.

A word longer than its column (a 100,000-letter "word" in a title), or a title
that grows out of its fixed-size panel or off the page, is cut off or drawn
over something else without any warning from WeasyPrint. ``overflows`` finds
such text in a rendered document; ``problems`` names the edition field the
text was written in (``editions/2026.yaml:17: theme.fr: ...``), or the template
when the text is the template's own.

This reads WeasyPrint's box tree (``Page._page_box``), which is not public API:
WeasyPrint is pinned to an exact version in pyproject.toml, and the tests make
the check fail if a new version changes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from pydantic import BaseModel

from .errors import Problem
from .load import SourceMap, preview

#: how far text may stick out (italic overhang, rounding), in CSS pixels: 0.5 mm
TOLERANCE = 1.9
PX_TO_MM = 25.4 / 96


@dataclass(frozen=True)
class Overflow:
    """A piece of text drawn outside its place: the page, the text, and by how much."""

    page: int
    text: str
    excess_mm: float
    where: str  # "its column", "the page", "its panel"


def overflows(document) -> list[Overflow]:
    """Every piece of text of a rendered WeasyPrint document that sticks out of its place."""
    from weasyprint.formatting_structure import boxes

    found = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        for box, column, panel in _text_boxes(page_box, page_box, None, boxes):
            left, right = box.position_x, box.position_x + box.margin_width()
            top, bottom = box.position_y, box.position_y + box.margin_height()
            start, end = column.content_box_x(), column.content_box_x() + column.width
            excess = max(right - end, start - left)
            if excess > TOLERANCE:
                found.append(Overflow(number, box.text, excess * PX_TO_MM, "its column"))
                continue
            excess = max(bottom - page_box.margin_height(), -top, right - page_box.margin_width(), -left)
            if excess > TOLERANCE:
                found.append(Overflow(number, box.text, excess * PX_TO_MM, "the page"))
                continue
            if panel is not None:
                excess = max(bottom - (panel.position_y + panel.margin_height()), panel.position_y - top)
                if excess > TOLERANCE:
                    found.append(Overflow(number, box.text, excess * PX_TO_MM, "its frame"))
    return found


def _text_boxes(box, column, panel, boxes) -> Iterator[tuple[Any, Any, Any]]:
    """(text box, its block container, its nearest ancestor of fixed height or clipped), depth first."""
    if str(getattr(box, "element_tag", "")).endswith("::marker"):
        return  # a list's bullet or number stands outside its item's column, in the list's margin, by design
    if isinstance(box, boxes.BlockContainerBox):
        column = box
    if isinstance(box, boxes.BlockBox) and (box.style["height"] != "auto" or box.style["overflow"] != "visible"):
        panel = box
    if isinstance(box, boxes.TextBox):
        if box.text.strip():
            yield box, column, panel
        return
    for child in getattr(box, "children", None) or ():
        yield from _text_boxes(child, column, panel, boxes)


def problems(found: list[Overflow], edition: BaseModel | None, sources: SourceMap | None, template: str,
             document: str) -> list[Problem]:
    """One problem per field (or template) whose text does not fit, naming the pages."""
    by_place: dict[tuple, list[Overflow]] = {}
    for overflow in found:
        paths = fields_holding(edition, overflow.text) if edition is not None else []
        for path in paths or [None]:
            by_place.setdefault(path, []).append(overflow)
    result = []
    for path, items in by_place.items():
        pages = ", ".join(str(p) for p in sorted({o.page for o in items}))
        worst = max(items, key=lambda o: o.excess_mm)
        message = (f"does not fit its place in {document} (page {pages}): « {preview(worst.text, 40)} » sticks out "
                   f"of {worst.where} by {worst.excess_mm:,.0f} mm and would be cut off or overprinted; shorten the "
                   "text, or add spaces where it may wrap")
        if path is not None and sources is not None:
            result.append(sources.problem(path, message))
        else:
            result.append(Problem(message, file=f"templates/{template}"))
    return result


def fields_holding(edition: BaseModel, text: str, most: int = 3) -> list[tuple]:
    """The paths of the edition's values (texts in every language, names, addresses) where ``text`` was written.

    The laid-out text has typography applied and placeholders filled in, so
    the comparison ignores quotes, spaces and markup. The whole line is looked
    for first, then its longest word (a short, common word would match everywhere).
    """
    plain = _plain(text).strip()
    words = sorted(plain.split(), key=len, reverse=True)
    if not words or len(words[0]) < 4:
        return []
    values = [(path, _plain(value)) for path, value in _values(edition, ())]
    for needle in (plain[:200], words[0][:60]):
        found = [path for path, value in values if needle in value]
        if found:
            return found[:most]
    return []


def _values(node: Any, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _values(getattr(node, name), path + (name,))
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from _values(item, path + (i,))


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "\u00a0": " ", "\u202f": " ",
                         "\u2009": " ", "\u00ad": None, "*": None, "^": None, "\\": None})


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).casefold()
