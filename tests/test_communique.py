"""The press communiqué after the event, read as a journalist would: DOCX and PDF."""

from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from conftest import edit
from extract import contains, docx_text, normalize, pdf_pages, pdf_text, squash

EXPECTED = Path(__file__).parent / "expected"
HEADINGS = [  # in reading order
    "Communiqué de presse",
    "16e édition des « Rencontres",
    "Paris, le 7 juillet 2025",
    "Des échanges riches et tournés vers l'avenir",
    "Mise à l'honneur de la République de Colombie",
    "Rendez-vous en 2026 pour la 17e édition",
    "À propos de Cités Unies France :",
    "Contact presse :",
]


def seed_paragraphs() -> list[str]:
    lines = (EXPECTED / "communique-fr.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def text_of(path: Path) -> str:
    return docx_text(path) if path.suffix == ".docx" else pdf_text(path)



def build_communique(run, project: Path, year: int, out: Path) -> tuple[int, str]:
    code, stdout, stderr = run("build", year, "--only", "communique", "--output", out, project=project)
    assert code == 0, stderr
    return code, stdout


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_communique_carries_every_paragraph_of_the_seed(built, fmt):
    path = built / "2025" / f"communique-fr.{fmt}"
    text = text_of(path)
    missing = [p for p in seed_paragraphs() if not contains(text, p)]
    assert not missing, f"{path.name} lacks: {missing}"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_typos_of_the_seed_are_gone(built, fmt):
    text = normalize(text_of(built / "2025" / f"communique-fr.{fmt}"))
    for typo in ("Pouverture", "Plus de 400", "Site dedié", "http://raict.org", "thème : «", "Arts & Métiers",
                 "Loison Directrice", "Agence Française de Développement"):
        assert typo not in text, typo


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_parts_come_in_the_order_of_the_seed(built, fmt):
    text = squash(text_of(built / "2025" / f"communique-fr.{fmt}"))
    positions = [text.find(squash(heading)) for heading in HEADINGS]
    assert -1 not in positions, [h for h, p in zip(HEADINGS, positions) if p == -1]
    assert positions == sorted(positions)


def test_pdf_is_one_or_two_a4_pages_numbered_when_two(built):
    path = built / "2025" / "communique-fr.pdf"
    pages = PdfReader(str(path)).pages
    assert 1 <= len(pages) <= 2
    for number, page in enumerate(pages, 1):
        box = page.mediabox
        assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
        if len(pages) == 2:
            assert f"{number}/2" in normalize(page.extract_text())


def test_docx_is_a4_with_page_numbers_and_named_styles(built):
    document = docx.Document(str(built / "2025" / "communique-fr.docx"))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert "NUMPAGES" in section.footer._element.xml

    def style_of(start: str) -> str:
        return next(p.style.name for p in document.paragraphs if normalize(p.text).startswith(start))

    assert style_of("16e édition des") == "Titre du communiqué"
    assert style_of("Paris, le 7 juillet 2025") == "Date du communiqué"
    assert style_of("Des échanges riches") == "Intertitre"
    assert style_of("La 16e édition") == "Chapeau"
    assert style_of("Rendez-vous en 2026") == "Rendez-vous"


def test_ordinals_are_real_superscripts_in_the_docx(built):
    document = docx.Document(str(built / "2025" / "communique-fr.docx"))
    headline = next(p for p in document.paragraphs if p.style.name == "Titre du communiqué")
    assert [r.text for r in headline.runs if r.font.superscript] == ["e"]
    rendezvous = next(p for p in document.paragraphs if p.style.name == "Rendez-vous")
    assert [r.text for r in rendezvous.runs if r.font.superscript] == ["e"]


def test_french_typography(built):
    raw = docx_text(built / "2025" / "communique-fr.docx")
    assert "«\u00a0Rencontres" in raw and "l’association\u202f!" in raw
    assert "l'action" not in raw


def test_next_edition_is_derived_from_the_edition(project, run, tmp_path):
    """Edition 20 in 2029: the communiqué calls for the 21st edition in 2030, nothing typed."""
    source = project / "editions" / "2025.yaml"
    for old, new in (("edition: 16\n", "edition: 20\n"), ("year: 2025\n", "year: 2029\n"),
                     ("dates: [2025-07-04]", "dates: [2029-07-06]"),
                     ("communique_date: 2025-07-07", "communique_date: 2029-07-09")):
        edit(source, old, new)
    source.rename(project / "editions" / "2029.yaml")
    out = tmp_path / "out"
    build_communique(run, project, 2029, out)
    for fmt in ("docx", "pdf"):
        text = text_of(out / "2029" / f"communique-fr.{fmt}")
        assert contains(text, "Rendez-vous en 2030 pour la 21e édition des « Rencontres"), fmt
        assert contains(text, "Vendredi 6 juillet 2029")
        assert contains(text, "Paris, le 9 juillet 2029")
        assert contains(text, "20e édition des « Rencontres")
        assert contains(text, "cette édition 2029")
        assert "2026" not in text and "17e" not in normalize(text)


def test_headline_figures_follow_the_results(project, run, tmp_path):
    source = project / "editions" / "2025.yaml"
    edit(source, "      value: 400\n", "      value: 612\n")
    edit(source, "      value: 26\n", "      value: 31\n")
    out = tmp_path / "out"
    build_communique(run, project, 2025, out)
    for fmt in ("docx", "pdf"):
        text = text_of(out / "2025" / f"communique-fr.{fmt}")
        assert contains(text, "près de 612 participants de plus de 31 pays réunis"), fmt
        assert contains(text, "Près de 612 participants, élus, techniciens et représentants de plus de 31 pays")
        assert "400" not in text and "26 pays" not in normalize(text)


def test_partners_line_is_dropped_without_partners(project, run, tmp_path):
    source = project / "editions" / "2025.yaml"
    text = source.read_text(encoding="utf-8")
    start, end = text.index("partners:\n"), text.index("\nresults:")
    source.write_text(text[:start] + "partners: []\n" + text[end:], encoding="utf-8")
    out = tmp_path / "out"
    build_communique(run, project, 2025, out)
    for fmt in ("docx", "pdf"):
        text = text_of(out / "2025" / f"communique-fr.{fmt}")
        assert "concours" not in text.lower(), fmt
        assert contains(text, "Rendez-vous en 2026 pour la 17e édition")


def test_edition_without_results_skips_the_communique(project, run, tmp_path):
    out = tmp_path / "out"
    code, stdout = build_communique(run, project, 2026, out)
    assert code == 0
    assert "skipped   2026 communique: no 'results' section yet: the communiqué is written after the event" in stdout
    assert not list(out.rglob("communique*"))


def test_whole_build_writes_the_communique_only_for_the_past_edition(built):
    documents = sorted(str(p.relative_to(built)) for p in built.rglob("communique*") if p.suffix in (".docx", ".pdf"))
    assert documents == ["2025/communique-fr.docx", "2025/communique-fr.pdf"]
    assert (built / "2025" / "communique-fr.pdf").exists()
    assert pdf_pages(built / "2025" / "communique-fr.pdf") in (1, 2)


def test_unknown_placeholder_in_a_label_is_reported(project, run, tmp_path):
    edit(project / "templates" / "labels.yaml", "Rendez-vous en {next_year}", "Rendez-vous en {nextyear}")
    code, stdout, stderr = run("build", "2025", "--only", "communique", "--output", tmp_path / "out", project=project)
    assert code == 1
    assert "templates/labels.yaml" in stderr and "unknown placeholder {nextyear}" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "out" / "2025").exists()
