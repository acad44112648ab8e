"""The president's letter, read as its recipient would: DOCX and PDF."""

from pathlib import Path

import docx
import pytest

from extract import contains, docx_text, normalize, pdf_metadata, pdf_pages, pdf_text

EXPECTED = Path(__file__).parent / "expected"


def seed_paragraphs(name: str) -> list[str]:
    lines = (EXPECTED / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_letter_carries_every_paragraph_of_the_seed(built, fmt):
    path = built / "2026" / f"letter-fr.{fmt}"
    text = docx_text(path) if fmt == "docx" else pdf_text(path)
    missing = [p for p in seed_paragraphs("letter-fr.txt") if not contains(text, p)]
    assert not missing, f"{path.name} lacks: {missing}"


def test_letter_pdf_is_two_a4_pages(built):
    from pypdf import PdfReader

    path = built / "2026" / "letter-fr.pdf"
    assert pdf_pages(path) == 2
    box = PdfReader(str(path)).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)


def test_letter_footer_is_on_every_pdf_page(built):
    from pypdf import PdfReader

    for page in PdfReader(str(built / "2026" / "letter-fr.pdf")).pages:
        assert "SIRET 309 575 652 000 40" in normalize(page.extract_text())


def test_letter_footer_is_in_the_docx_footer(built):
    document = docx.Document(str(built / "2026" / "letter-fr.docx"))
    footer = "\n".join(p.text for p in document.sections[0].footer.paragraphs)
    assert "SIRET 309 575 652 000 40" in normalize(footer)
    assert "9, rue Christiani 75018 Paris" in normalize(footer)


def test_english_letter_is_english_and_complete(built):
    for fmt in ("docx", "pdf"):
        path = built / "2026" / f"letter-en.{fmt}"
        text = normalize(docx_text(path) if fmt == "docx" else pdf_text(path))
        assert "Wednesday 8 and Thursday 9 July 2026" in text
        assert "Dear Sir or Madam," in text
        assert "Paris, 25 January 2026" in text
        assert "The 17th Paris Meeting of local authorities in international action" in text
        assert "Mayor of Montpellier" in text
        assert "Madame" not in text and "Objet" not in text


def test_ordinal_is_a_real_superscript_in_the_docx(built):
    document = docx.Document(str(built / "2026" / "letter-fr.docx"))
    subject = next(p for p in document.paragraphs if p.text.startswith("Objet"))
    sup = [r.text for r in subject.runs if r.font.superscript]
    assert sup == ["e"]
    assert all(r.bold or r.style.font.bold or p_bold(subject) for r in subject.runs if r.text.strip())


def p_bold(paragraph):
    return paragraph.style.font.bold


def test_highlighted_dates_are_bold_runs_in_the_docx(built):
    document = docx.Document(str(built / "2026" / "letter-fr.docx"))
    para = next(p for p in document.paragraphs if p.text.startswith("Mercredi 8"))
    assert para.style.name == "Mise en avant"
    assert "\n" in para.text  # the line break of the YAML text became a real break


def test_french_typography_in_both_formats(built):
    for fmt in ("docx", "pdf"):
        path = built / "2026" / f"letter-fr.{fmt}"
        raw = docx_text(path) if fmt == "docx" else pdf_text(path)
        assert "l’action" in raw and "l'action" not in raw
        if fmt == "docx":  # pypdf turns no-break spaces into plain ones
            assert "«\u00a0Rencontres" in raw
            assert "Objet\u00a0:" in raw


def test_pdf_metadata(built):
    meta = pdf_metadata(built / "2026" / "letter-fr.pdf")
    assert meta["Title"] == "Lettre d’invitation du président – Rencontres de l’AICT 2026"
    assert meta["Author"] == "Cités Unies France"
    assert meta["Lang"] == "fr"
    assert pdf_metadata(built / "2026" / "letter-en.pdf")["Lang"] == "en"


def test_docx_properties(built):
    props = docx.Document(str(built / "2026" / "letter-en.docx")).core_properties
    assert props.title == "Invitation letter from the President – AICT Meeting 2026"
    assert props.author == "Cités Unies France"
    assert props.language == "en-GB"
    assert props.created.year == 2026


def test_special_characters_come_out_as_text(run, project, tmp_path):
    path = project / "editions/2026.yaml"
    text = path.read_text(encoding="utf-8")
    old = "Comme lors des éditions précédentes, un pays"
    assert old in text
    path.write_text(text.replace(old, "R&D <b>non</b> \"cités\" 'unies' « France » — " + old), encoding="utf-8")
    code, _, err = run("build", "2026", "--only", "letter", "--lang", "fr", "--output", tmp_path, project=project)
    assert code == 0, err
    expected = "R&D <b>non</b> \"cités\" 'unies' « France » — Comme lors"  # normalize() folds ’ into '
    assert expected in normalize(docx_text(tmp_path / "2026/letter-fr.docx"))
    assert expected in normalize(pdf_text(tmp_path / "2026/letter-fr.pdf"))
