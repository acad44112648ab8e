"""The brochure's print files, read as a print shop and the office would read them.

No PDF/X preflight runs offline, so the tests read what can be read: the page boxes,
the output intent, the metadata and dates, the colour in the bleed and the crop marks
(the pages rendered by pdfium), the order and orientation of the pages.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from conftest import built_fixture
from extract import pdf_word_boxes

ROOT = Path(__file__).resolve().parent.parent
MM = 72 / 25.4
LANGS = ("fr", "en", "bilingual")


def mm(value) -> float:
    return float(value) / MM


def boxes(page):
    return {name: [mm(v) for v in getattr(page, name)] for name in ("mediabox", "bleedbox", "trimbox")}


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_is_a5_once_trimmed_with_3mm_of_bleed_and_room_for_crop_marks(built, lang):
    for number, page in enumerate(PdfReader(built / "2026" / f"invitation-{lang}-print.pdf").pages, start=1):
        box = boxes(page)
        trim, bleed, media = box["trimbox"], box["bleedbox"], box["mediabox"]
        assert (trim[2] - trim[0], trim[3] - trim[1]) == pytest.approx((148, 210), abs=0.05), number
        assert [b - t for b, t in zip(bleed, trim)] == pytest.approx([-3, -3, 3, 3], abs=0.01), number
        assert [m - b for m, b in zip(media, bleed)] == pytest.approx([-5, -5, 5, 5], abs=0.01), number


@pytest.mark.parametrize("lang", LANGS)
def test_print_files_are_pdf_x4_with_a_cmyk_output_intent_and_no_link(built, lang):
    reader = PdfReader(built / "2026" / f"invitation-{lang}-print.pdf")
    root = reader.trailer["/Root"]
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFX" and intent["/OutputConditionIdentifier"] == "FOGRA39"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4 and profile.get_data()[16:20] == b"CMYK"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    assert reader.metadata["/Trapped"] == "/False" and reader.metadata.title
    for page in reader.pages:
        assert "/Annots" not in page  # no link inside the print
        spaces = page["/Resources"]["/ColorSpace"]
        assert spaces["/DefaultRGB"][0] == "/ICCBased"  # what stays RGB is sRGB, for the RIP to convert


@pytest.mark.parametrize("lang", LANGS)
def test_print_files_are_dated_from_the_edition(built, lang):
    """The event's first day at 9:00 (as the Word files), never the clock: the file rebuilds byte for byte."""
    reader = PdfReader(built / "2026" / f"invitation-{lang}-print.pdf")
    assert reader.metadata["/CreationDate"] == reader.metadata["/ModDate"] == "D:20260708090000Z"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<xmp:CreateDate>2026-07-08T09:00:00Z</xmp:CreateDate>" in xmp


@pytest.mark.skipif(not Path("/usr/bin/faketime").exists(), reason="faketime is installed by .ci/run")
def test_print_files_rebuild_byte_for_byte_on_another_day(built, reference_project, tmp_path):
    later = subprocess.run(["faketime", "2031-02-03 04:05:06", sys.executable, str(ROOT / "generate.py"),
                            "--project", str(reference_project), "build", "2026", "--only", "invitation",
                            "--lang", "fr", "--output", str(tmp_path)],
                           capture_output=True, text=True, env={"TZ": "Pacific/Auckland", "PATH": "/usr/bin:/bin"})
    assert later.returncode == 0, later.stderr
    for name in ("invitation-fr-print.pdf", "invitation-fr-booklet-a4.pdf", "invitation-fr.pdf"):
        assert (tmp_path / "2026" / name).read_bytes() == (built / "2026" / name).read_bytes(), name


def render(path: Path, page: int, dpi: int = 100):
    """A page as pixels, with a function from mm (from the trimmed page's top-left corner) to its pixel colour."""
    document = pdfium.PdfDocument(str(path))
    pdf_page = document[page]
    left, _, _, top = pdf_page.get_cropbox()
    trim_left, _, _, trim_top = pdf_page.get_trimbox()
    image = pdf_page.render(scale=dpi / 72).to_pil().convert("RGB")
    document.close()

    def at(x_mm: float, y_mm: float):
        x = (trim_left - left + x_mm * MM) * dpi / 72
        y = (top - trim_top + y_mm * MM) * dpi / 72
        return image.getpixel((round(x), round(y)))

    return at


def navy(colour) -> bool:
    r, g, b = colour
    return b > r + 25 and r < 90 and g < 110


def dark(colour) -> bool:
    return sum(colour) < 200


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_covers_colour_runs_into_the_bleed_and_the_crop_marks_stand_outside_it(built, lang):
    path = built / "2026" / f"invitation-{lang}-print.pdf"
    pages = len(PdfReader(path).pages)
    for page in (0, pages - 1):  # the front cover and the back cover: navy panels to the paper's edge
        at = render(path, page)
        for x, y in ((-2.5, 40), (150.5, 40), (74, -2.5), (-2.5, -2.5), (150.5, -2.5)):
            assert navy(at(x, y)), (page, x, y, at(x, y))
        assert not navy(at(74, 200)) and not navy(at(-2.5, 200))  # below the panel, white to the bleed
        # crop marks: black hairlines along the trim lines, 4 to 8 mm out, none in the bleed
        assert any(dark(at(x, 0)) for x in (-6.6, -6.3, -6, -5.7, -5.4)), page
        assert any(dark(at(0, y)) for y in (-6.6, -6.3, -6, -5.7, -5.4)), page
        assert not dark(at(-6, 100)) and not dark(at(74, -6))  # only at the corners
    screen = render(built / "2026" / f"invitation-{lang}.pdf", 0)
    assert not navy(screen(3, 40)) and navy(screen(8, 40))  # on screen, 7 mm of white around the panel


def booklet_counts(path: Path) -> list[int]:
    """Where each language's booklet starts in a PDF: the pages of its cover (a bookmark of level 1)."""
    reader = PdfReader(path)
    return [reader.get_destination_page_number(item) for item in reader.outline if not isinstance(item, list)]


@pytest.mark.parametrize("fixture", ["reference", "unicode"])
def test_every_booklet_is_a_multiple_of_four_pages(built, fixture):
    out = built_fixture(fixture)
    year = "2026" if fixture == "reference" else "2031"
    for lang in LANGS:
        screen = PdfReader(out / year / f"invitation-{lang}.pdf")
        starts = booklet_counts(out / year / f"invitation-{lang}.pdf")
        assert all(start % 4 == 0 for start in starts), (lang, starts)  # the English half starts a sheet
        assert len(screen.pages) % 4 == 0
        assert len(PdfReader(out / year / f"invitation-{lang}-print.pdf").pages) == len(screen.pages)
        assert len(PdfReader(out / year / f"invitation-{lang}-booklet-a4.pdf").pages) == len(screen.pages) // 2


def test_a_short_booklet_gets_ruled_notes_pages_before_its_back_cover():
    out = built_fixture("unicode")
    for lang, title in (("fr", "Notes"), ("en", "Notes")):
        pages = [page.extract_text() for page in PdfReader(out / "2031" / f"invitation-{lang}.pdf").pages]
        notes = [n for n, text in enumerate(pages, start=1) if text.strip().startswith(title)]
        assert notes and notes[-1] == len(pages) - 1 and len(pages) == 8, (lang, notes)
        assert "réseau des villes jumelées" in pages[-1]  # the back cover, last, on a left-hand page


def turned(page) -> bool:
    """Whether a page's text is drawn upside down."""
    signs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            signs.append(tm[0] * cm[0] + tm[1] * cm[2] < 0)

    page.extract_text(visitor_text=visit)
    return bool(signs) and all(signs)


def test_the_bilingual_print_file_is_tete_beche(built):
    """French from the front cover, English from the back one: the English pages reversed and upside down,
    the two closing pages facing each other in the middle, each half with its own folios."""
    reader = PdfReader(built / "2026" / "invitation-bilingual-print.pdf")
    pages = reader.pages
    half = len(pages) // 2
    texts = [page.extract_text().lower() for page in pages]
    assert "avec le soutien de" in texts[0] and not turned(pages[0])
    assert "with the support of" in texts[-1] and turned(pages[-1])  # the English cover is the back of the booklet
    assert "#rencontresaict2026" in texts[half - 1] and "#rencontresaict2026" in texts[half]  # the middle spread
    assert not any(turned(page) for page in pages[:half]) and all(turned(page) for page in pages[half:])
    english_4 = texts[half + 4]  # the English booklet's page 4, with its own folio
    assert "wednesday 8 july" in english_4 and re.search(r"(^|\s)4\s*aict ?meeting", english_4), english_4[-60:]
    screen = PdfReader(built / "2026" / "invitation-bilingual.pdf").pages
    assert not any(turned(page) for page in screen)  # on screen, every page upright, English after French
    assert "with the support of" in screen[half].extract_text().lower()


def halves(path: Path, sheet: int) -> tuple[str, str]:
    """The text on the left and on the right half of one A4 sheet of an imposed booklet."""
    words = pdf_word_boxes(path, sheet + 1)
    return (" ".join(w.text for w in words if w.right <= 148.5), " ".join(w.text for w in words if w.left >= 148.5))


def test_the_office_booklet_is_imposed_for_duplex_printing_and_folding(built):
    """Eight A5 pages on two A4 sheets, duplex on the short edge: 8|1 and 2|7, then 6|3 and 4|5."""
    path = built / "2026" / "invitation-fr-booklet-a4.pdf"
    screen = [" ".join(w.text for w in pdf_word_boxes(built / "2026" / "invitation-fr.pdf", n)) for n in range(1, 9)]
    assert len(PdfReader(built / "2026" / "invitation-fr.pdf").pages) == 8
    for sheet, (left, right) in enumerate([(8, 1), (2, 7), (6, 3), (4, 5)]):
        assert halves(path, sheet) == (screen[left - 1], screen[right - 1]), sheet
    bilingual = built / "2026" / "invitation-bilingual-booklet-a4.pdf"
    left_text, right_text = halves(bilingual, 0)
    assert "Paris Meeting" in left_text and "Rencontres de l’action" in right_text  # the English cover on the back
