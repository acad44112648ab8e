"""The invitation brochure, read as a guest, a printer and the officer would: A5 booklets in DOCX and PDF."""

import re
from pathlib import Path

import docx
import pytest

from conftest import shared_project
from pypdf import PdfReader

from eventdocs.build import Renderer, load_edition
from eventdocs.documents import Output
from eventdocs.documents.invitation import InvitationDocument
from eventdocs.render import Project
from extract import contains, docx_text, normalize, pdf_pages, pdf_text, squash

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).parent / "expected"
A5_MM = (148, 210)
SECTIONS = {  # titles in reading order
    "en": ["Invitation", "With the support of:", "17th Edition of the Paris Meeting", "Michaël Delafosse",
           "Programme", "Wednesday 8 July", "Thursday 9 July", "Formats of the event", "Useful information",
           "By public transport:", "Registration", "Websites:", "#RencontresAICT2026"],
    "fr": ["Invitation", "Avec le soutien de :", "17e édition des Rencontres", "Michaël Delafosse",
           "Programme", "Mercredi 8 juillet", "Jeudi 9 juillet", "Les formats des Rencontres",
           "Informations pratiques", "En transports en commun :", "Inscription", "Sites internet :",
           "#RencontresAICT2026"],
}
THEMES = {
    "fr": "Les collectivités territoriales dans le nouvel ordre mondial",
    "en": "Local Authorities in the New World Order",
}


def seed_sentences() -> list[str]:
    lines = (EXPECTED / "invitation-en.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def pdf_flow_text(path: Path) -> str:
    """The PDF's text in drawing order, box after box.

    The formats are cards on two columns: the layout extraction of extract.py
    interleaves the lines of two cards side by side, the drawing order does not.
    """
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def page_size_mm(page) -> tuple[int, int]:
    box = page.mediabox
    return round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)


def programme_times(lang: str) -> list[str]:
    """Every session's times, formatted here from the YAML (not with the pipeline's own filters)."""

    def clock(t):
        if lang == "fr":
            return f"{t.hour}h{t.minute:02d}"
        return f"{(t.hour % 12) or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"

    edition = load_edition(Project(shared_project()), 2026).edition
    return [f"{clock(s.start)} – {clock(s.end)}" for day in edition.programme for s in day.sessions]


def programme_tables(path: Path) -> list:
    """The DOCX tables whose first column holds times (the cover and the partners are tables too)."""
    tables = docx.Document(str(path)).tables
    return [t for t in tables if t.rows and re.match(r"\d{1,2}[h:]\d\d", t.rows[0].cells[0].text)]


def spaces(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


# --- the words -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_english_brochure_carries_every_sentence_of_the_seed(built, fmt):
    path = built / "2026" / f"invitation-en.{fmt}"
    text = docx_text(path) if fmt == "docx" else pdf_flow_text(path)
    missing = [s for s in seed_sentences() if not contains(text, s)]
    assert not missing, f"{path.name} lacks: {missing}"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_typos_of_the_seed_are_gone(built, fmt):
    path = built / "2026" / f"invitation-en.{fmt}"
    text = normalize(docx_text(path) if fmt == "docx" else pdf_text(path))
    for typo in ("de de", "organized", "program ", "15th April", "Subway", "1:00PM", "https://", "n°"):
        assert typo not in text, typo


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_french_brochure_is_french(built, fmt):
    path = built / "2026" / f"invitation-fr.{fmt}"
    text = normalize(docx_text(path) if fmt == "docx" else pdf_text(path))
    assert f"« {THEMES['fr']} »" in text
    assert "14h30 – 16h00" in text and "8h30 – 9h30" in text
    assert "Ouverture des inscriptions en ligne le : 15 avril 2026" in text
    assert "Président de Cités Unies France" in text
    assert "avec le soutien de :" in text.lower()  # set in capitals in the PDF
    for english in ("PM", "AM", "Programme of", "Useful information", THEMES["en"]):
        assert english not in text, english


def test_french_typography_in_the_docx(built):
    text = docx_text(built / "2026" / "invitation-fr.docx")
    assert "«\u00a0Les collectivités" in text and "Inscription" in text
    assert "d’Iéna" in text and "d'Iéna" not in text


def test_every_section_in_order(built):
    for lang, titles in SECTIONS.items():
        for fmt in ("docx", "pdf"):
            path = built / "2026" / f"invitation-{lang}.{fmt}"
            text = squash(docx_text(path) if fmt == "docx" else pdf_text(path))
            position = 0
            for title in titles:  # each one after the one before
                position = text.find(squash(title), position)
                assert position >= 0, f"{path.name}: '{title}' missing or out of order"


# --- the programme ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_programme_is_a_word_table_with_the_times_of_the_yaml(built, lang):
    tables = programme_tables(built / "2026" / f"invitation-{lang}.docx")
    assert len(tables) == 2  # one a day
    times = [spaces(row.cells[0].text) for table in tables for row in table.rows]
    assert times == programme_times(lang)


def test_parallel_sessions_sit_under_their_session(built):
    tables = programme_tables(built / "2026" / "invitation-en.docx")
    first_day = {spaces(row.cells[0].text): row.cells[1].text for row in tables[0].rows}
    workshops = first_day["2:30 PM – 4:00 PM"]
    assert workshops.startswith("Workshops – Meetings / B2B")
    assert "Palestine country group meeting" in workshops
    assert "“Local Authorities in the New World Order”" in first_day["4:30 PM – 6:30 PM"]


def test_programme_is_an_html_table_in_the_pdf(built):
    project = Project(shared_project())
    loaded = load_edition(project, 2026)
    output = Output(InvitationDocument(), loaded.edition, "en")
    renderer = Renderer(project)
    html = renderer.html.html("invitation.html", renderer.context(output), loaded.sources)
    rows = re.findall(r'<td class="time">(.*?)</td>', html)
    assert html.count('<table class="sessions">') == 2
    assert [spaces(row) for row in rows] == programme_times("en")
    text = spaces(pdf_text(built / "2026" / "invitation-en.pdf"))
    assert all(time in text for time in programme_times("en"))


# --- the printed object ----------------------------------------------------------------------------


def test_every_invitation_pdf_is_a5(built):
    """On screen, A5; for the printer, A5 once trimmed; for the office printer, two A5 pages on an A4 sheet."""
    pdfs = sorted(p.name for p in (built / "2026").glob("invitation-*.pdf"))
    assert pdfs == [f"invitation-{lang}{kind}.pdf" for lang in ("bilingual", "en", "fr")
                    for kind in ("-booklet-a4", "-print", "")]
    for lang in ("bilingual", "en", "fr"):
        pages = PdfReader(str(built / "2026" / f"invitation-{lang}.pdf")).pages
        assert {page_size_mm(page) for page in pages} == {A5_MM}, lang
        trimmed = {(round(float(p.trimbox.width) / 72 * 25.4), round(float(p.trimbox.height) / 72 * 25.4))
                   for p in PdfReader(str(built / "2026" / f"invitation-{lang}-print.pdf")).pages}
        assert trimmed == {A5_MM}, lang
        sheets = PdfReader(str(built / "2026" / f"invitation-{lang}-booklet-a4.pdf")).pages
        assert {page_size_mm(page) for page in sheets} == {(297, 210)}, lang


def test_booklets_have_a_page_count_for_folding(built):
    """Eight A5 pages a language: two A4 sheets folded in two."""
    for lang in ("fr", "en"):
        assert pdf_pages(built / "2026" / f"invitation-{lang}.pdf") == 8
    assert pdf_pages(built / "2026" / "invitation-bilingual.pdf") == 16


def test_word_version_is_a5_with_mirrored_margins(built):
    document = docx.Document(str(built / "2026" / "invitation-en.docx"))
    for section in document.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == A5_MM
    assert document.settings.element.find(docx.oxml.ns.qn("w:mirrorMargins")) is not None


def test_inner_pages_have_a_running_footer_and_the_covers_none(built):
    pages = PdfReader(str(built / "2026" / "invitation-en.pdf")).pages
    footer = "AICT Meeting · 8 and 9 July 2026 · Paris"
    for number, page in enumerate(pages, start=1):
        text = spaces(page.extract_text())
        if number in (1, len(pages)):
            assert footer not in text, number
        else:
            assert footer in text and re.search(rf"(^|\s){number}(\s|$)", text), number


def test_bilingual_pdf_is_french_then_english(built):
    path = built / "2026" / "invitation-bilingual.pdf"
    pages = [spaces(page.extract_text()) for page in PdfReader(str(path)).pages]
    whole = " ".join(pages)
    assert THEMES["fr"] in whole and THEMES["en"] in whole
    french, english = " ".join(pages[:8]), " ".join(pages[8:])
    assert THEMES["fr"] in pages[0] and "invitation" in squash(pages[0])
    assert THEMES["en"] in pages[8] and "invitation" in squash(pages[8])  # the English half has its own cover
    assert "14h30 – 16h00" in french and "PM" not in french and "Useful information" not in french
    assert "2:30 PM – 4:00 PM" in english and "14h30" not in english and "Informations pratiques" not in english


def test_bilingual_halves_are_numbered_like_booklets(built):
    """Each half is folded into its own booklet: the English one runs 2–7 inside, not 10–15."""
    pages = [spaces(page.extract_text()) for page in PdfReader(str(built / "2026" / "invitation-bilingual.pdf")).pages]
    footers = ("Rencontres de l’AICT · 8 et 9 juillet 2026 · Paris", "AICT Meeting · 8 and 9 July 2026 · Paris")
    for half, footer in zip((pages[:8], pages[8:]), footers):
        for number, text in enumerate(half[1:-1], start=2):
            folio = re.search(rf"(\d+) {footer}|{footer} (\d+)", text)  # the number on the outer corner
            assert folio and number == int(folio.group(1) or folio.group(2)), (number, text[-80:])


def test_bilingual_is_pdf_only_with_both_titles(built):
    assert not (built / "2026" / "invitation-bilingual.docx").exists()
    meta = PdfReader(str(built / "2026" / "invitation-bilingual.pdf")).metadata
    assert meta.title == "Plaquette d’invitation – Rencontres de l’AICT 2026 / Invitation brochure – AICT Meeting 2026"


def test_bilingual_pdf_has_a_bookmark_per_language(built):
    outline = PdfReader(str(built / "2026" / "invitation-bilingual.pdf")).outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top[0].startswith("Invitation – Rencontres de l’action internationale")
    assert top[-1].startswith("Invitation – Paris Meeting")


# --- when there is no brochure ---------------------------------------------------------------------


def test_build_2025_skips_the_invitation_and_says_why(run, tmp_path):
    code, out, err = run("build", "2025", "--output", tmp_path)
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("skipped   2025 invitation:"))
    assert "no brochure texts" in line and "no programme" in line
    assert not list(tmp_path.rglob("invitation-*"))


def test_skip_reason_names_what_is_missing():
    edition = load_edition(Project(shared_project()), 2026).edition
    doc = InvitationDocument()
    assert doc.skip_reason(edition) is None
    no_programme = doc.skip_reason(edition.model_copy(update={"programme": []}))
    assert "no programme" in no_programme and "brochure texts" not in no_programme
    no_texts = doc.skip_reason(edition.model_copy(update={"brochure": None}))
    assert "no brochure texts" in no_texts and "programme" not in no_texts


# --- the Word file as LibreOffice and Word lay it out ---------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def twips_to_mm(value: str) -> float:
    return int(value) / 56.69


def test_docx_colour_blocks_stop_7mm_from_the_paper_edges(built):
    document = docx.Document(str(built / "2026" / "invitation-fr.docx"))
    front, back = document.sections[0], document.sections[-1]
    panels = [t for t in document.tables if len(t.rows) == 1 and len(t.columns) == 1]
    assert len(panels) == 2  # the navy panels of the front and back covers
    for section, panel in zip((front, back), panels):  # the front is a right-hand page: its left margin
        tblpr = panel._tbl.tblPr                        # is the inside one, as Word mirrors it
        left = section.left_margin.mm + twips_to_mm(tblpr.find(f"{W}tblInd").get(f"{W}w"))
        width = twips_to_mm(tblpr.find(f"{W}tblW").get(f"{W}w"))
        assert round(left) == 7 and round(A5_MM[0] - left - width) == 7


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_docx_programme_tables_fill_the_text_width_with_room_for_the_times(built, lang):
    document = docx.Document(str(built / "2026" / f"invitation-{lang}.docx"))
    section = document.sections[0]
    text_width = section.page_width.mm - section.left_margin.mm - section.right_margin.mm
    for table in programme_tables(built / "2026" / f"invitation-{lang}.docx"):
        tblpr = table._tbl.tblPr
        assert tblpr.find(f"{W}tblInd") is None  # the edge on the margin
        columns = [twips_to_mm(col.get(f"{W}w")) for col in table._tbl.tblGrid.iter(f"{W}gridCol")]
        assert round(sum(columns)) == round(text_width)
        assert round(columns[0]) >= 36  # "11:30 AM – 12:30 PM" and a clear gap


def test_docx_superscripts_stay_lower_case_in_capitals(built):
    """« 17e ÉDITION », not « 17E ÉDITION »: the cover's and the editorial's capitals spare the ordinal."""
    document = docx.Document(str(built / "2026" / "invitation-fr.docx"))
    cells = [p for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    checked = 0
    for paragraph in cells + document.paragraphs:
        if paragraph.style.name not in ("Couverture – édition", "Éditorial – surtitre"):
            continue
        assert paragraph.style.font.all_caps
        sups = [run for run in paragraph.runs if run.font.superscript]
        assert [run.text for run in sups] == ["e"]
        assert all(run.font.all_caps is False for run in sups)
        checked += 1
    assert checked == 2


def test_docx_editorial_bold_is_navy(built):
    document = docx.Document(str(built / "2026" / "invitation-en.docx"))
    styles = ("Chapeau", "Éditorial", "Éditorial – nouvelle page")
    editorial = [p for p in document.paragraphs if p.style.name in styles]
    bold = [run for p in editorial for run in p.runs if run.bold]
    assert any("multilateralism is facing unprecedented challenges" in run.text for run in bold)
    for run in bold:
        assert run.style.name == "Mise en valeur" and str(run.style.font.color.rgb) == "1D3461"
    plain = [run for p in editorial for run in p.runs if not run.bold and run.text.strip()]
    assert plain and all(run.style.name != "Mise en valeur" for run in plain)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_docx_welcome_and_breaks_are_set_back_in_grey(built, lang):
    edition = load_edition(Project(shared_project()), 2026).edition
    minor = {str(getattr(s.title, lang)) for day in edition.programme for s in day.sessions
             if s.kind.value in ("welcome", "break", "lunch")}
    styles = {}
    for table in programme_tables(built / "2026" / f"invitation-{lang}.docx"):
        for row in table.rows:
            first = row.cells[1].paragraphs[0]
            styles[spaces(first.text)] = first.style.name
    assert minor and {styles[spaces(title)] for title in minor} == {"Séance secondaire"}
    assert {name for title, name in styles.items() if title not in {spaces(t) for t in minor}} == {"Séance"}


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_english_booklet_quotes_in_english(built, fmt):
    """The theme, on the covers and over the editorial, takes the quotes of the programme: “…”."""
    path = built / "2026" / f"invitation-en.{fmt}"
    text = docx_text(path) if fmt == "docx" else pdf_text(path)
    assert "«" not in text and "»" not in text
    assert f"“{THEMES['en']}”" in normalize(text)
