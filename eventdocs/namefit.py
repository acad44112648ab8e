"""The size a name is printed at so that it fits its place on a badge or a place card, never overflowing.

A badge prints the first name as large as its width allows, up to a maximum; a
long name is set smaller, and below a minimum it goes on two lines. Widths are
measured on the bundled fonts themselves (the advance of every character, in
the first font of the stack that has it: Noto Sans, then Noto Sans Arabic, then
IPAexGothic), as WeasyPrint will draw it, with a safety margin for kerning and
Arabic joining forms. ``fit.overflows`` checks the laid-out page afterwards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: the fonts of a name, in the order of the CSS font stack (css/base.css)
NAME_FONTS = {"bold": ("NotoSans-Bold.ttf", "NotoSansArabic-Regular.ttf", "ipaexg.ttf"),
              "regular": ("NotoSans-Regular.ttf", "NotoSansArabic-Regular.ttf", "ipaexg.ttf")}
#: measured widths are widened by this much: kerning, Arabic joining forms, rounding
SAFETY = 1.08
PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Fit:
    """A text's size in points and the lines it takes (1 or 2)."""

    size: float
    lines: int


@lru_cache(maxsize=4)
def _metrics(fonts_dir: Path, weight: str) -> tuple[tuple[dict[int, float], ...], float]:
    """For each font of the stack, the advance of every character in ems; and an em for what none has."""
    from fontTools.ttLib import TTFont

    tables = []
    for name in NAME_FONTS[weight]:
        with TTFont(str(fonts_dir / name), lazy=True) as font:
            upem = font["head"].unitsPerEm
            metrics = font["hmtx"].metrics
            tables.append({code: metrics[glyph][0] / upem for code, glyph in (font.getBestCmap() or {}).items()})
    return tuple(tables), 1.0


def width_em(text: str, fonts_dir: Path, weight: str = "bold") -> float:
    """The width of ``text`` in ems of its font size."""
    tables, unknown = _metrics(fonts_dir, weight)
    total = 0.0
    for ch in text:
        code = ord(ch)
        total += next((table[code] for table in tables if code in table), unknown)
    return total * SAFETY


def fit(text: str, width_mm: float, largest: float, smallest: float, fonts_dir: Path, weight: str = "bold") -> Fit:
    """The size (pt) at which ``text`` fits ``width_mm``: on one line up to ``largest``, and when even
    ``smallest`` is too big, on two lines (smaller still if two lines at ``smallest`` are not enough)."""
    em = width_em(text, fonts_dir, weight)
    if em <= 0:
        return Fit(largest, 1)
    one_line = width_mm * PT_PER_MM / em
    if one_line >= smallest:
        return Fit(round(min(largest, one_line), 1), 1)
    # two lines: a break between words, or inside a word that has no space (CSS overflow-wrap: anywhere);
    # a character on the second line may be the widest, hence the margin of one character
    widest = max(width_em(ch, fonts_dir, weight) for ch in text)
    two_lines = width_mm * PT_PER_MM / (math.ceil(em / 2 * 100) / 100 + widest)
    return Fit(round(max(min(smallest, two_lines), 1.0) - 0.05, 1), 2)
