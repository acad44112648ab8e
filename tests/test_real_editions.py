"""The one smoke test of the real editions (editions/): they check with no warning, and every document of
every edition builds, as a DOCX and a PDF with text in them. It reads none of their words: the officer
rewrites them every year. The words themselves are tested on the fixture editions (tests/fixtures/)."""

from pathlib import Path

from eventdocs.cli import main
from extract import docx_text, pdf_text


def test_the_real_editions_check_and_build(capsys, tmp_path: Path):
    assert main(["check", "--all"]) == 0
    out, err = capsys.readouterr()
    assert "warning" not in out and not err
    assert main(["build", "--all", "--output", str(tmp_path)]) == 0
    pdfs = [p for p in tmp_path.glob("20*/*.pdf") if not p.stem.endswith(("-print", "-booklet-a4"))]
    assert pdfs
    for pdf in pdfs:
        assert pdf_text(pdf).strip(), pdf.name
        word = pdf.with_suffix(".docx")
        if "bilingual" not in pdf.name:
            assert docx_text(word).strip(), word.name
