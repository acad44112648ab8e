"""The bundled fonts (fonts/): which files, and which characters they can draw together.

Every document is set in the fonts of the project, never in whatever the computer
has: a text or a name that uses a character none of them can draw is refused with
its field, rather than printed as an empty box.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path


def bundled_fonts(fonts_dir: Path) -> tuple[Path, ...]:
    """The font files of the project: Noto Serif / Sans and the fallback fonts."""
    return tuple(sorted(p for p in fonts_dir.glob("*") if p.suffix.lower() in (".ttf", ".otf")))


@lru_cache(maxsize=4)
def font_coverage(font_files: tuple[Path, ...]) -> frozenset[int]:
    """Every character at least one of these fonts can draw."""
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for file in font_files:
        with TTFont(str(file), lazy=True) as font:
            covered.update(font.getBestCmap() or {})
    return frozenset(covered)


def unprintable(text: str, coverage: frozenset[int]) -> list[str]:
    """The characters of ``text`` no bundled font can draw (spaces, joiners and combining marks aside)."""
    missing = []
    for ch in text:
        if ord(ch) not in coverage and not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Mn") \
                and ch not in missing:
            missing.append(ch)
    return missing
