"""What a reader sees in a generated file: its text, fonts, metadata, pages."""

from __future__ import annotations

import html
import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import docx
from pypdf import PdfReader


def docx_text(path: Path) -> str:
    """Every paragraph of a DOCX: body (tables included), headers and footers."""
    document = docx.Document(str(path))
    parts = []

    def walk(container):
        for block in container.iter_inner_content():
            if isinstance(block, docx.table.Table):
                for row in block.rows:
                    seen = set()
                    for cell in row.cells:
                        if id(cell._tc) in seen:
                            continue
                        seen.add(id(cell._tc))
                        walk(cell)
            else:
                paragraph(block)

    def paragraph(p):
        # a frame saved by LibreOffice becomes a text box anchored in the paragraph (its fallback
        # copy for old readers is not read twice)
        for box in p._p.xpath("./w:r/*[local-name()='AlternateContent']/*[local-name()='Choice']"
                              "//w:txbxContent/w:p"):
            parts.append(docx.text.paragraph.Paragraph(box, p._parent).text)
        parts.append(p.text)

    walk(document)
    for section in document.sections:
        for hf in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            if not hf.is_linked_to_previous:
                for p in hf.paragraphs:
                    paragraph(p)
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    # layout mode keeps separate lines apart (plain mode glues a heading to the next line)
    return "\n".join(page.extract_text(extraction_mode="layout") or "" for page in PdfReader(str(path)).pages)


def pdf_words(path: Path) -> tuple[set[str], set[str]]:
    """(words found by either of pypdf's extraction modes, words found by both).

    Each mode sometimes glues two words (plain mode across lines, layout mode
    across styled spans): a word is in the PDF if either mode finds it, and a
    word is surely printed if both modes find it.
    """
    reader = PdfReader(str(path))
    plain = words("\n".join(page.extract_text() or "" for page in reader.pages))
    layout = words(pdf_text(path))
    return plain | layout, plain & layout


def pdf_pages(path: Path) -> int:
    return len(PdfReader(str(path)).pages)


def pdf_metadata(path: Path) -> dict:
    reader = PdfReader(str(path))
    meta = {k.lstrip("/"): str(v) for k, v in (reader.metadata or {}).items()}
    lang = reader.trailer["/Root"].get("/Lang")
    meta["Lang"] = str(lang) if lang is not None else None
    return meta


def pdf_fonts(path: Path) -> list[tuple[str, bool]]:
    """(font name, embedded) for every font of a PDF, as pdffonts reports them."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        # name type... emb sub uni object ID: the 'emb' column is the 5th from the end
        fonts.append((cols[0], cols[-5] == "yes"))
    return fonts


@dataclass(frozen=True)
class Word:
    """A word printed on a PDF page and its box, in mm from the paper's top-left corner (as poppler reads it,
    forms included: the font's full height, a little more than its ink)."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


def pdf_word_boxes(path: Path, page: int = 1) -> list[Word]:
    """Every word of one page (1-based) of a PDF, with its box (pdftotext -bbox)."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    mm = 25.4 / 72
    return [Word(html.unescape(m.group(5)), float(m.group(1)) * mm, float(m.group(2)) * mm, float(m.group(3)) * mm,
                 float(m.group(4)) * mm)
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                                 out)]


@dataclass(frozen=True)
class Line:
    """A line of text on a PDF page: its words, left to right (a column's line, not the page's)."""

    page: int  # 1-based
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def left(self) -> float:
        return self.words[0].left

    @property
    def right(self) -> float:
        return self.words[-1].right

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def gaps(self) -> list[float]:
        """The spaces between its words, in mm."""
        return [b.left - a.right for a, b in zip(self.words, self.words[1:])]


#: words further apart than this (mm) on one baseline belong to two columns, or to two cells of a table
COLUMN_GAP = 7.5


def pdf_lines(path: Path) -> list[Line]:
    """Every line of every page of a PDF: words on one baseline, split where columns part."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    mm = 25.4 / 72
    lines = []
    for number, page in enumerate(re.findall(r"<page .*?</page>", out, re.S), start=1):
        words = [Word(html.unescape(m.group(5)), float(m.group(1)) * mm, float(m.group(2)) * mm,
                      float(m.group(3)) * mm, float(m.group(4)) * mm)
                 for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                                      r'([^<]*)</word>', page)]
        rows: list[list[Word]] = []
        # one row: words on one baseline (the same bottom), and the smaller raised ones within it (17^e^)
        for word in sorted(words, key=lambda w: -(w.bottom - w.top)):
            row = next((r for r in rows if abs(r[0].bottom - word.bottom) < 0.6
                        or (r[0].top - 0.3 <= word.top and word.bottom <= r[0].bottom - 0.3)), None)
            if row is None:
                rows.append([word])
            else:
                row.append(word)
        for row in sorted(rows, key=lambda r: r[0].bottom):
            current: list[Word] = []
            for word in sorted(row, key=lambda w: w.left):
                if current and word.left - current[-1].right > COLUMN_GAP:
                    lines.append(Line(number, tuple(current)))
                    current = []
                current.append(word)
            lines.append(Line(number, tuple(current)))
    return lines


def paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped into paragraphs (or runs of lines of one column): one page, one left edge, one line step."""
    groups: list[list[Line]] = []
    for line in sorted(lines, key=lambda l: (l.page, round(l.left), l.top)):
        last = groups[-1][-1] if groups else None
        if (last is not None and last.page == line.page and abs(last.left - line.left) < 1
                and 0 < line.top - last.top < 1.9 * last.height and abs(line.height - last.height) < 1):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def normalize(text: str) -> str:
    """Same text whatever the spaces, apostrophes and line-end hyphenation."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00ad", "")
    text = re.sub(r"\u2010\s*\n\s*", "", text)  # word broken by hyphenation (WeasyPrint prints U+2010)
    text = re.sub(r"-\s*\n\s*", "-", text)  # a real hyphen (Marie-Hélène) that ended a line
    text = text.replace("’", "'")
    text = re.sub(r"[\s\u00a0\u202f]+", " ", text)
    return text.strip()


def squash(text: str) -> str:
    """Letters and digits only: for 'is this paragraph there' checks across formats."""
    text = normalize(text).lower()
    return re.sub(r"[\W_]+", "", text)


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", normalize(text).lower()))


def contains(haystack: str, needle: str) -> bool:
    return squash(needle) in squash(haystack)
