"""The archive and the templates, tried as a hostile user would: stray files, damaged manifests, broken edition
files for 'new', damaged Word templates, CSS errors, and text too long for its place. Each is a clear message
naming the file (and line, and field), exit 1, no traceback."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from conftest import shared_project
from hostile import ROWS, edit_text, line_of, snapshot, write_csv


def no_traceback(code, err, expected=1):
    assert code == expected, err
    assert "Traceback" not in err


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The reference fixture's 2026 built in full (so that verify's rebuild matches) and merged, once for the module."""
    from eventdocs.cli import main

    out = tmp_path_factory.mktemp("archive")
    project = ["--project", str(shared_project())]
    assert main([*project, "build", "2026", "--output", str(out)]) == 0
    spreadsheet = write_csv(out.parent / "invites.csv", ROWS)
    assert main([*project, "merge", "2026", str(spreadsheet), "--output", str(out)]) == 0
    return out


def copy_of(archive: Path, tmp_path: Path) -> Path:
    import shutil

    out = tmp_path / "out"
    shutil.copytree(archive, out)
    return out


def test_verify_says_ok_only_when_every_file_belongs_to_the_archive(run, archive, tmp_path):
    out = copy_of(archive, tmp_path)
    code, printed, err = run("verify", "2026", "--output", out, project=shared_project())
    assert code == 0, err
    assert "OK: a rebuild of 2026 gives exactly the archived files" in printed
    (out / "2026" / "notes.txt").write_text("à faire")
    (out / "2026" / "thumbnails" / "old.png").write_bytes(b"\x89PNG")
    (out / "2026" / "letters" / "0099-someone.pdf").write_bytes(b"%PDF-1.7")
    code, _, err = run("verify", "2026", "--output", out, project=shared_project())
    no_traceback(code, err)
    assert "3 difference(s)" in err
    for name in ("notes.txt", "thumbnails/old.png", "letters/0099-someone.pdf"):
        assert f"  {name}: not made by the pipeline (no manifest lists it)" in err


def test_verify_knows_the_place_cards_as_their_merges_own(run, archive, tmp_path):
    """Every per-person document's folder belongs to its merge's list, not only the letters'."""
    out = copy_of(archive, tmp_path)
    spreadsheet = write_csv(tmp_path / "people.csv", ROWS)
    code, _, err = run("merge", "2026", spreadsheet, "--only", "placecard", "--output", out,
                       project=shared_project())
    assert code == 0, err
    assert (out / "2026" / "placecards" / "placecards-2026.pdf").exists()
    code, printed, err = run("verify", "2026", "--output", out, project=shared_project())
    assert code == 0, err
    (out / "2026" / "placecards" / "old-cards.pdf").write_bytes(b"%PDF-1.7")
    code, _, err = run("verify", "2026", "--output", out, project=shared_project())
    no_traceback(code, err)
    assert "1 difference(s)" in err and "  placecards/old-cards.pdf: not made by the pipeline" in err


@pytest.mark.parametrize("damage, reason", [
    (lambda text: text[: len(text) // 2], "not JSON at line"),
    (lambda text: "[]", "not a JSON object"),
    (lambda text: text.replace('"sha256": "', '"sha256": "zz', 1), "no SHA-256"),
    (lambda text: text.replace('"path": "letter-fr.pdf"', '"path": "../../etc/passwd"', 1), "no plain file name"),
])
def test_a_damaged_manifest_is_named_not_taken_for_no_manifest(run, project, archive, tmp_path, damage, reason):
    out = copy_of(archive, tmp_path)
    path = out / "2026" / "manifest.json"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    before = snapshot(out)
    code, _, err = run("verify", "2026", "--output", out, project=project)
    no_traceback(code, err)
    assert f"{out}/2026/manifest.json: damaged (" in err and reason in err and "--force" in err
    code, _, err = run("build", "2026", "--only", "letter", "--output", out, project=project)
    no_traceback(code, err)
    assert "2026/manifest.json: damaged" in err and "nothing was written" in err
    assert snapshot(out) == before
    code, printed, err = run("build", "2026", "--only", "letter", "--output", out, "--force", project=project)
    assert code == 0, err
    assert json.loads(path.read_text(encoding="utf-8"))["files"]


def test_new_from_an_edition_missing_a_key_or_with_a_wrong_type(run, project):
    path = project / "editions/2026.yaml"
    edit_text(path, "edition: 17\n", "")
    edit_text(path, "dates: [2026-07-08, 2026-07-09]", "dates: [2026-07-08, jeudi]")
    edit_text(path, "year: 2026", "year: deux mille vingt-six")
    code, _, err = run("new", "2027", project=project)
    no_traceback(code, err)
    assert "editions/2026.yaml: edition: missing: the number of the edition, in digits (17)" in err
    assert f"editions/2026.yaml:{line_of(path, 'year:')}: year: expected the year, in digits, found " \
           "'deux mille vingt-six'" in err
    assert f"editions/2026.yaml:{line_of(path, 'dates:')}: dates[1]: expected a date (2026-07-08), found 'jeudi'" in err
    assert not (project / "editions/2027.yaml").exists()


def test_new_from_an_empty_or_broken_edition(run, project):
    path = project / "editions/2026.yaml"
    path.write_text("", encoding="utf-8")
    code, _, err = run("new", "2027", project=project)
    no_traceback(code, err)
    assert "editions/2026.yaml: is empty or not a list of 'key: value' lines" in err
    path.write_text("edition: 17\nyear: 2026\ndates: !!python/object:os.system []\n", encoding="utf-8")
    code, _, err = run("new", "2027", project=project)
    no_traceback(code, err)
    assert "editions/2026.yaml:3: dates: unknown tag '!!python/object:os.system'" in err


def _rezip(path: Path, change) -> None:
    with zipfile.ZipFile(path) as source:
        entries = [(e.filename, source.read(e)) for e in source.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            data = change(name, data)
            if data is not None:
                target.writestr(name, data)
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("change, message", [
    (lambda name, data: data[: len(data) // 2] if name == "word/document.xml" else data,
     "templates/letter.docx: its part word/document.xml is damaged (XML error:"),
    (lambda name, data: b"<w:ftr" if name.startswith("word/footer") else data,
     "templates/letter.docx: its part word/footer"),
    (lambda name, data: None if name == "word/document.xml" else data,
     "templates/letter.docx: is not a whole Word document (word/document.xml missing)"),
])
def test_a_damaged_word_template_is_named_with_its_part(run, project, tmp_path, change, message):
    _rezip(project / "templates/letter.docx", change)
    code, _, err = run("check", "2026", project=project)
    no_traceback(code, err)
    assert message in err and "open the template in Word and save it again" in err
    code, _, err = run("build", "2026", "--only", "letter", "--output", tmp_path / "out", project=project)
    no_traceback(code, err)
    assert message in err and not (tmp_path / "out").exists()


def test_a_word_template_that_is_not_a_word_file(run, project):
    (project / "templates/letter.docx").write_text("{{ edition.theme }}", encoding="utf-8")
    code, _, err = run("check", "2026", project=project)
    no_traceback(code, err)
    assert "templates/letter.docx: is not a Word document" in err


def test_a_css_error_is_named_in_its_stylesheet_and_line(run, project, tmp_path):
    css = project / "templates/css/letter.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.signature { colr: red; }\n", encoding="utf-8")
    line = line_of(css, "colr: red")
    code, _, err = run("build", "2026", "--only", "letter", "--lang", "fr", "--output", tmp_path / "out", project=project)
    no_traceback(code, err)
    assert f"templates/css/letter.css:{line}: CSS problem: Ignored `colr: red` at {line}:" in err
    assert "templates/letter.html" not in err
    assert not (tmp_path / "out").exists()


def test_a_css_error_in_a_style_element_is_named_in_the_template(run, project, tmp_path):
    edit_text(project / "templates/letter.html", '<link rel="stylesheet" href="css/letter.css">',
              '<link rel="stylesheet" href="css/letter.css"><style>.x { colr: red; }</style>')
    code, _, err = run("build", "2026", "--only", "letter", "--lang", "fr", "--output", tmp_path / "out", project=project)
    no_traceback(code, err)
    assert "templates/letter.html: CSS problem in a <style> element: Ignored `colr: red`" in err


def test_a_word_too_long_for_its_place_is_an_error_naming_its_field(run, project, tmp_path):
    path = project / "editions/2026.yaml"
    edit_text(path, "  fr: Les collectivités territoriales dans le nouvel ordre mondial",
              "  fr: Les " + "x" * 100_000 + " dans le nouvel ordre mondial")
    line = line_of(path, "  fr: Les xxxx")
    code, _, err = run("build", "2026", "--only", "dossier", "--output", tmp_path / "out", project=project)
    no_traceback(code, err)
    assert f"editions/2026.yaml:{line}: theme.fr: does not fit its place in dossier-fr.pdf (page 1" in err
    assert "« xxxxxxxx" in err and "would be cut off" in err
    assert not (tmp_path / "out").exists()


def test_a_title_that_grows_off_the_cover_is_an_error_naming_its_field(run, project, tmp_path):
    path = project / "editions/2026.yaml"
    long_theme = " ".join(["collectivités territoriales dans le nouvel ordre mondial"] * 12)
    edit_text(path, "  fr: Les collectivités territoriales dans le nouvel ordre mondial", f"  fr: Les {long_theme}")
    code, _, err = run("build", "2026", "--only", "invitation", "--lang", "fr", "--output", tmp_path / "out",
                       project=project)
    no_traceback(code, err)
    assert f"editions/2026.yaml:{line_of(path, '  fr: Les collectivités')}: theme.fr: does not fit its place in " \
           "invitation-fr.pdf (page 1" in err
