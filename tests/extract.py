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
                parts.append(block.text)

    walk(document)
    for section in document.sections:
        for hf in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            if not hf.is_linked_to_previous:
                for p in hf.paragraphs:
                    parts.append(p.text)
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
