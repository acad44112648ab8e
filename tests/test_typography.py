"""Typography a printer accepts, read on every page of every document of the fixtures (PDF text layer) and in
the Word files' settings and styles: hyphenation, headings, word spacing, the dossier's measure."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from conftest import built_fixture
from extract import pdf_lines, paragraphs

HYPHENATED = ("\u2010", "-")  # the hyphen WeasyPrint adds, and a compound's own at a line end
FIXTURES = ["reference", "full", "unicode"]


def screen_pdfs(folder: Path) -> list[Path]:
    """Every laid-out document of a build (the print files are the same pages with bleed)."""
    return [p for p in sorted(folder.rglob("*.pdf"))
            if p.parent.name.isdigit() and not p.stem.endswith(("-print", "-booklet-a4"))]


@pytest.fixture(scope="module", params=FIXTURES)
def documents(request):
    return [(pdf, pdf_lines(pdf)) for pdf in screen_pdfs(built_fixture(request.param))]


def test_no_words_left_alone_on_their_lines_in_a_paragraph(documents):
    # WeasyPrint 70 left « Plus » alone on its line before « de 500 personnes… » when a no-break space
    # came before a word set apart from hyphenation (text.glued_into_span): a short line that the
    # paragraph goes on after, in lower case
    for pdf, lines in documents:
        for group in paragraphs(lines):
            width = max(line.right for line in group) - min(line.left for line in group)
            if width < 80:
                continue
            right = max(line.right for line in group)
            alone = [line.text for line, after in zip(group, group[1:])
                     if line.right - line.left < 0.3 * width and not line.text.endswith((".", ";", ":", ","))
                     and after.text[:1].islower() and after.right > right - 1]
            assert not alone, f"{pdf.name}: {alone}"


def test_never_more_than_two_hyphenated_lines_in_a_row(documents):
    for pdf, lines in documents:
        for group in paragraphs(lines):
            run = 0
            for line in group:
                run = run + 1 if line.text.endswith(HYPHENATED) else 0
                assert run <= 2, f"{pdf.name} p. {line.page}: three hyphenated lines end with « {line.text[-30:]} »"


def test_no_hyphen_right_after_an_ordinal_or_inside_a_name_or_a_web_address(documents):
    ordinal = re.compile(r"\b\d+ ?(e|er|re|ème|th|st|nd|rd)\s+\S+\u2010$")
    for pdf, lines in documents:
        for line in lines:
            assert not ordinal.search(line.text), f"{pdf.name} p. {line.page}: « {line.text[-40:]} »"
            last = line.words[-1].text
            if last.endswith("\u2010"):
                assert not last[:1].isupper() and "://" not in last and "www" not in last, (pdf.name, line.text)


def test_programme_tables_are_never_hyphenated(documents):
    """Their cells are narrow and ragged: a hyphen there only makes an uneven edge more uneven."""
    time = re.compile(r"^\d{1,2}(h\d\d|:\d\d)")
    checked = 0
    for pdf, lines in documents:
        for page in {line.page for line in lines if time.match(line.text)}:
            on_page = [line for line in lines if line.page == page]
            times = [line.left for line in on_page if time.match(line.text)]
            cells = [line for line in on_page if line.left > min(times) + 20]
            checked += len(cells)
            hyphenated = [line.text for line in cells if line.text.endswith("\u2010")]
            assert not hyphenated, f"{pdf.name} p. {page}: {hyphenated}"
    assert checked


def test_no_heading_is_left_at_the_foot_of_a_page(documents):
    """Each bookmarked heading has at least two lines of its section under it on its page."""
    for pdf, lines in documents:
        assert not headings_at_the_foot(pdf, lines), pdf.name


def headings_at_the_foot(pdf: Path, lines) -> list[str]:
    """The bookmarked headings of a PDF with fewer than two lines under them on their page."""
    reader = PdfReader(pdf)
    found = []
    for item in _flatten(reader.outline):
        page = reader.get_destination_page_number(item)
        height = float(reader.pages[page].mediabox.height)
        top = (height - float(item.top or height)) * 25.4 / 72 if item.get("/Top") is not None else 0
        foot = height * 25.4 / 72 - 21  # running footers and folios below: the last 21 mm of the page
        under = [line for line in lines if line.page == page + 1 and top + 2 < line.top < foot]
        if len(under) < 2 and top >= 5:
            found.append(f"p. {page + 1}: « {item.title} »")
    return found


def _flatten(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def test_no_loose_word_spacing_in_justified_text(documents):
    """No space wider than 1 em (4 times a normal space) in a justified line (a word box's height is 1.36 em
    of Noto)."""
    for pdf, lines in documents:
        for group in paragraphs(lines):
            right = max(line.right for line in group)
            full = [line for line in group[:-1] if line.right > right - 1.2 and len(line.gaps) >= 3]
            if len(full) < 2:
                continue
            for line in full:
                em = line.height / 1.36
                assert max(line.gaps) <= em, f"{pdf.name} p. {line.page}: « {line.text[:60]} » ({max(line.gaps) / em:.1f} em)"


@pytest.mark.parametrize("fixture", ["reference", "full"])
def test_the_press_dossier_reads_at_55_to_75_characters_a_line(fixture):
    year = "2026"
    lines = pdf_lines(built_fixture(fixture) / year / "dossier-fr.pdf")
    measured = []
    for group in paragraphs(lines):
        if group[0].page == 1 or len(group) < 2:
            continue  # the cover
        right = max(line.right for line in group)
        measured += [len(line.text) for line in group[:-1]
                     if line.right > right - 1.2 and line.height < 6 and line.left < 25 and line.right < 150]
    assert len(measured) > 100
    assert 55 <= min(measured) and max(measured) <= 75, sorted(measured)[:5] + sorted(measured)[-5:]


# --- the Word files --------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_word_hyphenates_at_most_two_lines_in_a_row(built):
    for path in sorted(built.rglob("*.docx")):
        settings = docx.Document(str(path)).settings.element
        limit = settings.find(f"{W}consecutiveHyphenLimit")
        assert limit is not None and limit.get(f"{W}val") == "2", path.name


def test_word_keeps_headings_with_what_follows_and_never_hyphenates_table_cells(built):
    for path in sorted(built.rglob("*.docx")):
        document = docx.Document(str(path))
        headings = [s for s in document.styles if s.type == 1 and (s.name.startswith("heading")
                    or s.name in ("Titre de section", "Jour", "Intertitre", "Éditorial – thème", "Sous-titre"))]
        for style in headings:
            if any(p.style == style for p in document.paragraphs):
                assert style.paragraph_format.keep_with_next, (path.name, style.name)
        for table in document.tables:
            for row in table.rows:
                for cell in row.cells:
                    for paragraph in cell.paragraphs:
                        pstyle = paragraph.style._element.find(f"{W}pPr")
                        justified = paragraph.paragraph_format.alignment == 3 or (
                            pstyle is not None and pstyle.find(f"{W}jc") is not None
                            and pstyle.find(f"{W}jc").get(f"{W}val") == "both")
                        if paragraph.text.strip() and not justified:
                            assert _no_hyphenation(paragraph), (path.name, paragraph.style.name, paragraph.text[:40])


def _no_hyphenation(paragraph) -> bool:
    """Whether a paragraph (its style or its own properties) is set « Don't hyphenate »."""
    own = paragraph._p.pPr
    if own is not None and own.find(f"{W}suppressAutoHyphens") is not None:
        return True
    style = paragraph.style
    while style is not None:
        ppr = style._element.find(f"{W}pPr")
        if ppr is not None and ppr.find(f"{W}suppressAutoHyphens") is not None:
            return True
        style = style.base_style
    return False


def test_word_never_hyphenates_names_or_the_noun_after_an_ordinal(built):
    """Word's « do not check spelling or grammar » is what keeps a word whole in Word's hyphenation."""
    with zipfile.ZipFile(built / "2026" / "letter-fr.docx") as archive:
        xml = archive.read("word/document.xml").decode()
    assert re.search(r"<w:noProof/></w:rPr><w:t[^>]*>Montpellier</w:t>", xml)
    assert re.search(r"<w:noProof/></w:rPr><w:t[^>]*>édition</w:t>", xml)  # « la 17e\u00a0édition »
    assert "17</w:t>" in xml and "e</w:t>" in xml and "\u00a0" in xml
