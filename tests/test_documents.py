"""Qualities every generated document must have, whatever its kind."""

import subprocess
from pathlib import Path

import pytest

from extract import docx_text, pdf_fonts, pdf_metadata, pdf_text, pdf_words, words

ROOT = Path(__file__).resolve().parent.parent


def pairs(built: Path):
    for pdf in sorted(built.rglob("*.pdf")):
        docx_file = pdf.with_suffix(".docx")
        if docx_file.exists():
            yield docx_file, pdf


def on_screen(pdfs):
    """The PDFs to read on screen and archive (PDF/A), not the print files of the brochure (test_print.py)."""
    return [p for p in pdfs if not p.stem.endswith(("-print", "-booklet-a4"))]


def test_every_document_has_both_formats(built):
    pdfs = {p.with_suffix("") for p in on_screen(built.rglob("*.pdf"))
            if p.parent.name.isdigit() and "bilingual" not in p.name}
    docxs = {p.with_suffix("") for p in built.rglob("*.docx")}
    assert pdfs and pdfs == docxs


def test_docx_and_pdf_carry_the_same_words(built):
    for docx_file, pdf in pairs(built):
        in_docx = words(docx_text(docx_file))
        in_pdf, surely_in_pdf = pdf_words(pdf)
        only_docx = in_docx - in_pdf
        # the PDF adds page numbers ("1/2") and nothing else
        only_pdf = {w for w in surely_in_pdf - in_docx if not w.isdigit()}
        assert not only_docx, f"{docx_file.name}: words missing from the PDF: {sorted(only_docx)[:20]}"
        assert not only_pdf, f"{pdf.name}: words missing from the DOCX: {sorted(only_pdf)[:20]}"


def test_every_pdf_font_is_embedded(built):
    for pdf in built.rglob("*.pdf"):
        fonts = pdf_fonts(pdf)
        assert fonts, pdf
        assert all(embedded for _, embedded in fonts), f"{pdf.name}: {fonts}"
        assert all(name.split("+")[-1].startswith("Noto") for name, _ in fonts), f"{pdf.name}: {fonts}"


def test_every_pdf_has_title_author_and_language(built):
    for pdf in built.rglob("*.pdf"):
        meta = pdf_metadata(pdf)
        assert meta.get("Title") and meta.get("Author") == "Cités Unies France" and meta.get("Lang"), (pdf, meta)


@pytest.mark.slow
def test_every_docx_opens_in_libreoffice(built, tmp_path):
    """A real word processor must open each DOCX: LibreOffice converts it to PDF."""
    docs = sorted(built.rglob("*.docx"))
    assert docs
    result = subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, docs)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    for doc in docs:
        converted = tmp_path / (doc.stem + ".pdf")
        assert converted.exists(), f"LibreOffice could not convert {doc.name}: {result.stdout} {result.stderr}"
        assert "Cités Unies France" in pdf_text(converted).replace("\u00a0", " ")


def test_every_pdf_is_tagged_pdf_a_3a_with_full_metadata(built):
    from pypdf import PdfReader

    for pdf in on_screen(built.rglob("*.pdf")):
        reader = PdfReader(str(pdf))
        root = reader.trailer["/Root"]
        xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp, pdf.name
        assert "/OutputIntents" in root and "/StructTreeRoot" in root, pdf.name
        assert root["/MarkInfo"]["/Marked"], pdf.name
        meta = reader.metadata
        for key in ("/Title", "/Author", "/Subject", "/Keywords"):
            assert meta.get(key), f"{pdf.name} has no {key}"


@pytest.mark.parametrize("stem", ["dossier-fr", "invitation-fr"])
def test_docx_with_tables_declares_word_2013_table_layout(built, stem):
    """In Word 2010 mode, Word and LibreOffice pull tables left by their cell margin (the dossier's cover
    band, the brochure's panel and programme rows hung out of the text). Mode 15 places a table's edge itself."""
    import docx

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    document = docx.Document(str(built / "2026" / f"{stem}.docx"))
    modes = [s.get(f"{w}val") for s in document.settings.element.iter(f"{w}compatSetting")
             if s.get(f"{w}name") == "compatibilityMode"]
    assert modes == ["15"]
