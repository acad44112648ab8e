"""The press dossier, read as a journalist would: DOCX and PDF."""

import re
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from eventdocs import formats
from eventdocs.build import load_edition
from eventdocs.render import Project
from conftest import edit, shared_project
from extract import contains, docx_text, normalize, pdf_pages, pdf_text

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).parent / "expected"
FORMATS = ["docx", "pdf"]

#: the titles of the sections, in the order of the seed
SECTION_TITLES = [
    "L'AICT française : un levier stratégique face aux enjeux de développement",
    "Les collectivités territoriales : actrices de la diplomatie des territoires au service de l'influence française",
    "Les Rencontres de l'action internationale des collectivités territoriales (RAICT)",
    "Les ambitions de l'édition 2026",
    "Au programme",
    "Pays à l'honneur",
    "« Cafés des Rencontres »",
    "Focus sur les partenaires institutionnels & les exposants des RAICT",
    "Pour en savoir plus sur la coopération décentralisée française…",
    "Pour en savoir plus sur Cités Unies France…",
    "Pour en savoir plus sur l'édition 2025 des Rencontres de l'AICT…",
]
PREVIOUS_TITLE = SECTION_TITLES[-1]
#: the title of the cafés' section and its first words (the programme names the cafés too)
CAFES_START = "« Cafés des Rencontres » Il y a deux ans"


def seed_paragraphs(name: str) -> list[str]:
    lines = (EXPECTED / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def read(path: Path) -> str:
    """The text of the DOCX, or of the PDF without its running footers (a paragraph may run on to the next page)."""
    if path.suffix == ".docx":
        return docx_text(path)
    return re.sub(r"\n[^\n]*Dossier de presse – [^\n]*Page \d+/\d+[^\n]*\n", "\n", pdf_text(path))


def section(text: str, start: str, end: str | None = None) -> str:
    """The normalized text from the title ``start`` to the title ``end`` (or to the end)."""
    text = normalize(text)
    begin = text.index(normalize(start))
    stop = text.index(normalize(end), begin) if end else len(text)
    return text[begin:stop]


def build_dossier(run, project: Path, out: Path) -> dict[str, str]:
    code, stdout, stderr = run("build", "2026", "--only", "dossier", "--output", out, project=project)
    assert code == 0, stderr
    return {fmt: read(out / "2026" / f"dossier-fr.{fmt}") for fmt in FORMATS}



@pytest.fixture(scope="module")
def texts(built) -> dict[str, str]:
    return {fmt: read(built / "2026" / f"dossier-fr.{fmt}") for fmt in FORMATS}


# --- content -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_dossier_carries_every_paragraph_of_the_seed(texts, fmt):
    missing = [p for p in seed_paragraphs("dossier-fr.txt") if not contains(texts[fmt], p)]
    assert not missing, f"dossier-fr.{fmt} lacks: {missing}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_section_titles_come_in_the_seed_order(texts, fmt):
    text = normalize(texts[fmt])
    position = text.index("DOSSIER DE PRESSE" if fmt == "pdf" else "Dossier de presse")  # the cover first
    for title in SECTION_TITLES:
        found = text.find(normalize(title), position)
        assert found > position, f"'{title}' missing or out of order in dossier-fr.{fmt}"
        position = found


def test_docx_sections_are_word_headings(built):
    """Titre 1 in a French Word: the navigation pane lists exactly the sections."""
    document = docx.Document(str(built / "2026" / "dossier-fr.docx"))
    headings = [normalize(p.text) for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [normalize(t) for t in SECTION_TITLES]
    days = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert days == ["Mercredi 8 juillet 2026", "Jeudi 9 juillet 2026"]


def test_pdf_bookmarks_are_the_sections(built):
    outline = PdfReader(str(built / "2026" / "dossier-fr.pdf")).outline
    top = [normalize(item.title) for item in outline if not isinstance(item, list)]
    assert top == [normalize(t) for t in SECTION_TITLES]


@pytest.mark.parametrize("fmt", FORMATS)
def test_cafes_time_comes_from_the_programme(texts, fmt):
    cafes = section(texts[fmt], CAFES_START, "Qu'est-ce que")
    assert "En 2026 encore, des « Cafés » seront organisés de 14h30 à 15h30 le jeudi 9 juillet" in cafes
    assert "14h00" not in cafes
    assert "Qui peut organiser un « Café » en 2026 ?" in normalize(texts[fmt])
    assert "Pour plus d'informations sur les « Cafés » en 2026 :" in normalize(texts[fmt])


@pytest.mark.parametrize("fmt", FORMATS)
def test_2025_appears_only_in_the_previous_edition_section(texts, fmt):
    text = normalize(texts[fmt])
    before = text[: text.index(normalize(PREVIOUS_TITLE))]
    assert "2025" not in before
    assert "2025" in section(texts[fmt], PREVIOUS_TITLE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_previous_edition_comes_from_its_own_file(texts, fmt):
    previous = section(texts[fmt], PREVIOUS_TITLE)
    assert "La 16e édition, qui a eu lieu le vendredi 4 juillet 2025" in previous
    assert "a réuni près de 400 participants de plus de 26 pays" in previous  # the communiqué's words
    assert contains(previous, "https://cites-unies-france.org/Succes-de-la-16e-edition-des-Rencontres-de-l-action-internationale-des")


@pytest.mark.parametrize("fmt", FORMATS)
def test_programme_times_are_those_of_the_edition(texts, fmt):
    edition = load_edition(Project(shared_project()), 2026).edition
    expected = [
        normalize(formats.time_range(session.start, session.end, "fr"))
        for day in edition.programme
        for session in day.sessions
    ]
    programme = section(texts[fmt], "Au programme", "Pays à l'honneur")
    found = re.findall(r"\d{1,2}h\d{2} – \d{1,2}h\d{2}", programme)
    assert found == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_figures_are_those_of_the_statistics(texts, fmt):
    cooperation = section(texts[fmt], "Pour en savoir plus sur la coopération", "Pour en savoir plus sur Cités")
    for figure in ("4 802", "3 237", "136", "10 784"):
        assert cooperation.count(figure) >= 2, figure  # the figures panel and the paragraph


def test_exhibitors_pending_when_none_listed(texts):
    for text in texts.values():
        assert "Les structures exposantes seront affichées ultérieurement." in normalize(text)


@pytest.mark.parametrize("fmt", FORMATS)
def test_french_typography(texts, fmt):
    raw = texts[fmt]
    assert "l’action" in raw and "d’Iéna" in raw
    assert "'" not in raw  # not one straight apostrophe, the venue's street included
    if fmt == "docx":  # pypdf turns no-break spaces into plain ones
        assert "«\u00a0Cafés des Rencontres\u00a0»\u202f?" in raw


def test_two_days_take_les_and_one_day_le(texts):
    for text in texts.values():
        assert "se tiendra à Paris, les mercredi 8 et jeudi 9 juillet 2026, aux Salons" in normalize(text)
        assert "qui a eu lieu le vendredi 4 juillet 2025" in section(text, PREVIOUS_TITLE)


def test_a_previous_edition_of_two_days_takes_les(project, run, tmp_path):
    edit(project / "editions" / "2025.yaml", "dates: [2025-07-04]", "dates: [2025-07-03, 2025-07-04]")
    texts = build_dossier(run, project, tmp_path / "out")
    for text in texts.values():
        assert "qui a eu lieu les jeudi 3 et vendredi 4 juillet 2025" in section(text, PREVIOUS_TITLE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_cafes_have_one_name(texts, fmt):
    text = normalize(texts[fmt])
    assert "Cafés des RAICT" not in text and "Cafés des Rencontres de l'AICT" not in text
    assert text.count("Cafés des Rencontres") >= 4  # programme, title, introduction, question


@pytest.mark.parametrize("fmt", FORMATS)
def test_press_contact_has_a_phone(texts, fmt):
    assert "k.fotic@cites-unies-france.org · +33 (0)1 53 41 81 81" in normalize(texts[fmt])


# --- layout ------------------------------------------------------------------------------------


def test_pdf_prints_nothing_near_the_paper_edge(built):
    """Colour blocks stop 7 mm short of the edge: no bleed needed, no white sliver at the trim."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(built / "2026" / "dossier-fr.pdf"))
    try:
        for index in range(len(document)):
            image = document[index].render(scale=1.5).to_pil().convert("L")  # 108 dpi
            per_mm = image.width / 210
            edge = round(5 * per_mm)
            width, height = image.size
            strips = [(0, 0, edge, height), (width - edge, 0, width, height),
                      (0, 0, width, edge), (0, height - edge, width, height)]
            for box in strips:
                assert image.crop(box).getextrema()[0] > 240, f"page {index + 1}: ink within 5 mm of the edge {box}"
    finally:
        document.close()


def test_pdf_is_a4_portrait_and_a_handful_of_pages(built):
    path = built / "2026" / "dossier-fr.pdf"
    assert 6 <= pdf_pages(path) <= 10
    for page in PdfReader(str(path)).pages:
        box = page.mediabox
        assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)


def test_pdf_pages_after_the_cover_carry_title_and_number(built):
    pages = PdfReader(str(built / "2026" / "dossier-fr.pdf")).pages
    assert "Page 1/" not in normalize(pages[0].extract_text())  # the cover has no running footer
    for number, page in enumerate(pages[1:], start=2):
        text = normalize(page.extract_text())
        assert "Dossier de presse – 17e Rencontres de l'AICT" in text
        assert f"Page {number}/{len(pages)}" in text


def test_docx_is_a4_with_page_numbers_in_the_footer(built):
    document = docx.Document(str(built / "2026" / "dossier-fr.docx"))
    section_ = document.sections[0]
    assert (round(section_.page_width.mm), round(section_.page_height.mm)) == (210, 297)
    assert section_.different_first_page_header_footer
    footer = section_.footer._element.xml
    assert "Dossier de presse – 17e Rencontres de l'AICT" in normalize(
        "".join(p.text for p in section_.footer.paragraphs))
    assert " PAGE " in footer and " NUMPAGES " in footer


# --- data: one fact, one place -------------------------------------------------------------------


def test_previous_edition_figures_follow_its_file(project, run, tmp_path):
    edit(project / "editions" / "2025.yaml", "value: 400", "value: 437")
    texts = build_dossier(run, project, tmp_path / "out")
    for text in texts.values():
        previous = section(text, PREVIOUS_TITLE)
        assert "a réuni près de 437 participants de plus de 26 pays" in previous
        assert "400 participants" not in previous


def test_cafes_time_follows_the_programme(project, run, tmp_path):
    edit(project / "editions" / "2026.yaml", "      - start: 14:30\n        end: 15:30\n        kind: cafes",
         "      - start: 14:45\n        end: 15:45\n        kind: cafes")
    texts = build_dossier(run, project, tmp_path / "out")
    for text in texts.values():
        assert "seront organisés de 14h45 à 15h45 le jeudi 9 juillet" in normalize(text)


def test_no_country_of_honour_no_section(project, run, tmp_path):
    path = project / "editions" / "2026.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("country_of_honour:")
    end = text.index("\npartners:", start)
    path.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    texts = build_dossier(run, project, tmp_path / "out")
    for text in texts.values():
        assert "Pays à l'honneur" not in normalize(text)
        assert CAFES_START in normalize(text)


def test_country_of_honour_name_is_shown_once_announced(project, run, tmp_path):
    edit(project / "editions" / "2026.yaml", "  name:\n  paragraphs:", "  name: {fr: République de Colombie}\n  paragraphs:")
    texts = build_dossier(run, project, tmp_path / "out")
    for text in texts.values():
        assert "Pays à l'honneur République de Colombie Pour cette 17e édition" in normalize(text)


def test_exhibitors_are_listed_once_known(project, run, tmp_path):
    edit(project / "editions" / "2026.yaml", "exhibitors: []",
         "exhibitors:\n  - fr: Région Occitanie\n  - fr: Expertise France")
    texts = build_dossier(run, project, tmp_path / "out")
    for text in texts.values():
        exhibitors = section(text, "Les structures exposantes en 2026 :", "Pour en savoir plus")
        assert "Région Occitanie" in exhibitors and "Expertise France" in exhibitors
        assert "affichées ultérieurement" not in normalize(text)


def test_2025_has_no_dossier_and_the_build_says_why(run, tmp_path):
    code, stdout, _ = run("build", "2025", "--only", "dossier", "--output", tmp_path / "out")
    assert code == 0
    line = next(line for line in stdout.splitlines() if line.startswith("skipped") and "dossier" in line)
    assert "2025" in line and "'dossier:'" in line and "programme" in line
    assert not list((tmp_path / "out").rglob("dossier-*"))


def test_unknown_placeholder_in_a_label_is_reported(project, run, tmp_path):
    edit(project / "templates" / "labels.yaml", "Les ambitions de l'édition {year}", "Les ambitions de l'édition {yaer}")
    code, _, stderr = run("build", "2026", "--only", "dossier", "--output", tmp_path / "out", project=project)
    assert code == 1
    assert "templates/labels.yaml" in stderr and "{yaer}" in stderr
    assert "Traceback" not in stderr


# --- the Word file as LibreOffice and Word lay it out ----------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def twips_to_mm(value: str) -> float:
    return int(value) / 56.69


def test_docx_cover_band_stops_7mm_from_the_paper_edges(built):
    document = docx.Document(str(built / "2026" / "dossier-fr.docx"))
    section = document.sections[0]
    band = document.tables[0]._tbl.tblPr
    left = section.left_margin.mm + twips_to_mm(band.find(f"{W}tblInd").get(f"{W}w"))
    width = twips_to_mm(band.find(f"{W}tblW").get(f"{W}w"))
    assert round(left) == 7 and round(section.page_width.mm - left - width) == 7


def test_docx_programme_tables_sit_on_the_text_margins(built):
    document = docx.Document(str(built / "2026" / "dossier-fr.docx"))
    section = document.sections[0]
    text_width = section.page_width.mm - section.left_margin.mm - section.right_margin.mm
    programme = [t for t in document.tables if re.match(r"\d{1,2}h\d\d", t.rows[0].cells[0].text)]
    assert len(programme) == 2
    for table in programme:
        tblpr = table._tbl.tblPr
        assert tblpr.find(f"{W}tblInd").get(f"{W}w") == "0"
        assert round(twips_to_mm(tblpr.find(f"{W}tblW").get(f"{W}w"))) == round(text_width)


def test_docx_bullets_are_noto_characters(built):
    """Wingdings is missing outside Windows: LibreOffice showed other glyphs."""
    document = docx.Document(str(built / "2026" / "dossier-fr.docx"))
    numbering = document.part.numbering_part.element
    ours = [lvl for lvl in numbering.iter(f"{W}lvl") if lvl.find(f"{W}lvlText") is not None
            and lvl.find(f"{W}lvlText").get(f"{W}val") in ("\u2023", "\u2022")
            and lvl.find(f"{W}rPr") is not None and lvl.find(f"{W}rPr").find(f"{W}color") is not None]
    assert len(ours) == 2
    for lvl in ours:
        assert lvl.find(f"{W}rPr").find(f"{W}rFonts").get(f"{W}ascii") == "Noto Sans"
    assert "Wingdings" not in document.part.numbering_part.blob.decode()


def test_docx_proceedings_line_is_set_as_the_text_around_it(built):
    document = docx.Document(str(built / "2026" / "dossier-fr.docx"))
    paragraphs = document.paragraphs
    index = next(i for i, p in enumerate(paragraphs) if p.text.startswith("Les actes de cette"))

    def size(paragraph):
        style = paragraph.style
        while style.font.size is None:
            style = style.base_style
        return style.font.size.pt

    assert size(paragraphs[index]) == size(paragraphs[index - 1]) == 9.5
