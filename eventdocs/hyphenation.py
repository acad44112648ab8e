"""At most two hyphenated lines in a row, as a printer expects.

WeasyPrint hyphenates with Pyphen, limited by ``hyphenate-limit-chars`` and
``hyphenate-limit-zone`` (base.css), but has no ``hyphenate-limit-lines``.
So the renderer reads each PDF it lays out: where three lines in a row end
with a hyphen, the word broken at the end of the first one is protected
(never hyphenated, as names are) and the document laid out again; so is a
word broken at the foot of a page (a reader should not turn the page in the
middle of a word). A word
protected once stays protected everywhere in that document, so the second
layout is, in practice, the last.
"""

from __future__ import annotations

import re
from typing import Iterable

from .text import glued_into_span

#: the hyphen WeasyPrint prints where it breaks a word (hyphenate-character)
HYPHEN = "\u2010"
#: longest run of hyphenated lines allowed
MAX_RUN = 2
#: words a document may protect before the renderer gives up laying it out again (a safeguard: one or two is usual)
MAX_PROTECTED = 40
_TEXT = re.compile(r">([^<]+)<")


def words_to_protect(pdf: bytes) -> set[str]:
    """The word broken at the end of the first line of each run of more than MAX_RUN hyphenated lines.

    (Protecting the first word keeps the lines around it tighter than protecting a later one: the
    line that loses the hyphen is followed by lines that may still break a word.)"""
    import pypdfium2 as pdfium  # reads the text of a page in milliseconds

    words = set()
    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            text = page.get_textpage()
            pages.append(text.get_text_range())
            text.close()
    finally:
        document.close()
    split = [[line.rstrip() for line in page_text.splitlines()] for page_text in pages] + [[]]
    for index, lines in enumerate(split[:-1]):
        run = 0
        for number, line in enumerate(lines):
            run = run + 1 if line.endswith(HYPHEN) else 0
            if run > MAX_RUN:
                first = number - MAX_RUN
                words.add(_joined(lines[first], lines[first + 1]))
                run = 0
            elif line.endswith(HYPHEN) and not _goes_on(lines[number + 1:number + 2]):
                # the word goes on over the page: a reader turns the page in the middle of it
                after = next((later for later in split[index + 1] if _goes_on([later])), "")
                words.add(_joined(line, after))
    words.discard("")
    return words


def _goes_on(lines: list[str]) -> bool:
    """Whether a line carries on a word broken at the end of the line before (it starts in lower case)."""
    return bool(lines) and lines[0][:1].islower()


def _joined(broken: str, after: str) -> str:
    """The word broken at the end of ``broken`` and carried on at the start of ``after``."""
    head = broken.split()[-1].rstrip(HYPHEN)
    tail = after.split()[0] if after.split() else ""
    return re.sub(r"^\W+|\W+$", "", head + re.match(r"[\w’'-]*", tail).group(0))


def protect(html: str, words: Iterable[str]) -> str:
    """The HTML with every occurrence of ``words`` in its text set as a word never hyphenated (base.css .word)."""
    words = sorted(set(words), key=len, reverse=True)
    if not words:
        return html
    pattern = re.compile(r"(?<![\w’'-])(" + "|".join(map(re.escape, words)) + r")(?![\w’'-])")
    head, marker, body = html.partition("<body")
    return head + marker + glued_into_span(
        _TEXT.sub(lambda m: ">" + pattern.sub(r'<span class="word">\1</span>', m.group(1)) + "<", body))
