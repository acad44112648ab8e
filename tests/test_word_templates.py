"""The Word templates are the officer's source: what `check` says of them, and how they survive Word and LibreOffice."""

import re
import shutil
import subprocess

import docx
import pytest

from conftest import ROOT, built_fixture
from extract import docx_text

TEMPLATES = sorted((ROOT / "templates").glob("*.docx"))


def set_paragraph(path, contains: str, text: str) -> None:
    """Replace the text of the template's first paragraph holding ``contains`` (as an officer would in Word)."""
    document = docx.Document(str(path))
    paragraphs = [p for p in document.paragraphs] + [p for t in document.tables for r in t.rows for c in r.cells
                                                     for p in c.paragraphs]
    paragraph = next(p for p in paragraphs if contains in p.text)
    paragraph.runs[0].text = text
    for run in paragraph.runs[1:]:
        run.text = ""
    document.save(str(path))


def check(run, project):
    code, out, err = run("check", "2026", project=project)
    assert "Traceback" not in err
    return code, out, err


def test_the_templates_pass_check_with_no_warning(run, project):
    code, out, err = check(run, project)
    assert code == 0, err
    assert "warning" not in out


def test_a_tag_left_open_is_named_with_its_paragraph(run, project):
    set_paragraph(project / "templates/letter.docx", "letter_dateline", "{{ labels.letter_dateline }")
    code, _, err = check(run, project)
    assert code == 1
    assert "templates/letter.docx: a tag is opened ({{) and never closed, in the paragraph «{{ labels.letter_dateline }»" in err


def test_typographic_quotes_in_a_tag_are_explained(run, project):
    path = project / "templates/invitation.docx"
    set_paragraph(path, "short_url(edition.association.website)", "{{ edition.association.website|replace(‘https://’, ‘’) }}")
    code, _, err = check(run, project)
    assert code == 1
    assert "holds typographic quotes (Word's ‘ ’ “ ”): retype them as straight quotes" in err


def test_a_variable_the_data_lacks_quotes_the_paragraph(run, project):
    set_paragraph(project / "templates/letter.docx", "letter_dateline", "{{ edition.letter.lieu }}")
    code, _, err = check(run, project)
    assert code == 1
    assert re.search(r"templates/letter\.docx: uses data the edition does not have: .*'lieu'.*"
                     r"in the paragraph «\{\{ edition\.letter\.lieu \}\}»", err), err


def test_a_lost_merge_field_is_named(run, project):
    set_paragraph(project / "templates/letter.docx", "recipient_block", "")
    code, _, err = check(run, project)
    assert code == 1
    assert "templates/letter.docx: the field {{ recipient_block }} is missing: the mail merge puts each recipient's data there" in err


def test_words_typed_in_word_and_a_lost_style_are_warnings(run, project):
    set_paragraph(project / "templates/letter.docx", "letter_dateline", "Fait à {{ edition.letter.place }}")
    path = project / "templates/invitation.docx"
    document = docx.Document(str(path))
    document.styles["Mise en valeur"].element.set(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}styleId", "Renamed")
    document.save(str(path))
    code, out, err = check(run, project)
    assert code == 0, err
    assert "warning   templates/letter.docx: «Fait» is typed in the Word template" in out
    assert "warning   templates/invitation.docx: the style « Miseenvaleur » is gone" in out
    assert "2 warning(s)" in out


def test_a_word_template_that_is_not_a_docx_is_named(run, project):
    (project / "templates/letter.docx").write_bytes(b"not a zip")
    code, _, err = check(run, project)
    assert code == 1
    assert "templates/letter.docx: not a Word document" in err


@pytest.mark.slow
def test_templates_saved_again_by_libreoffice_build_the_same_text(make_project, run, tmp_path):
    project = make_project("full")
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "saved"),
                           *map(str, TEMPLATES)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for template in TEMPLATES:
        shutil.copy(tmp_path / "saved" / template.name, project / "templates" / template.name)
    code, _, err = run("build", "2026", "--output", tmp_path / "after", project=project)
    assert code == 0, err
    for before in sorted((built_fixture("full") / "2026").glob("*.docx")):
        after = tmp_path / "after/2026" / before.name
        # LibreOffice updates the page-number fields it saved (1/1 → 3/3): the words must not change
        assert page_fields_out(docx_text(after)) == page_fields_out(docx_text(before)), before.name


def page_fields_out(text: str) -> str:
    # (and may add an empty paragraph at the very end)
    return re.sub(r"\t\d+(\n|$)", "\tN\\1", re.sub(r"\d+/\d+", "N/N", text)).rstrip()


def test_no_code_depends_on_the_retired_template_generators():
    assert not (ROOT / "tools").exists()
    for path in (ROOT / "eventdocs").rglob("*.py"):
        assert not re.search(r"\b(from|import) tools\b|wordkit|make_word_templates", path.read_text(encoding="utf-8"))
