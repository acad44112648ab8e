"""Word opens every DOCX without « unreadable content »: each one validates against the Office 2016 schemas.

LibreOffice, which the other tests use as the word processor, forgives elements
in the wrong order; Word may not. An independent validator (openxml-audit, a
port of Microsoft's Open XML SDK validation) reads every DOCX a build and a
mail merge write, and the templates they are made from.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, built_fixture, edit, shared_project, tree_snapshot
from eventdocs import ooxml
from eventdocs.stages import merge_letters
from eventdocs.render import Project
from extract import docx_text
from wordschema import schema_errors

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEMPLATES = sorted((ROOT / "templates").glob("*.docx"))


def rewrite_part(docx: Path, part: str, old: str, new: str) -> None:
    """Replace one exact snippet of one XML part of a DOCX, as a script editing the file would."""
    with zipfile.ZipFile(docx) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == part:
                text = data.decode("utf-8")
                assert text.count(old) == 1, f"{old!r} not found once in {part}"
                data = text.replace(old, new).encode("utf-8")
            target.writestr(info, data)


# --- every DOCX we write ---------------------------------------------------------------------------


def test_every_docx_of_a_build_is_schema_valid(built):
    documents = sorted(built.rglob("*.docx"))
    assert len(documents) >= 6
    assert schema_errors(documents) == []


def test_every_merged_letter_is_schema_valid(tmp_path):
    rows = [["Civilité", "Prénom", "Nom", "Fonction", "Adresse 1", "Code postal", "Ville", "Pays", "Langue"],
            ["Madame", "Anne", "Hidalgo", "Maire de Paris", "Place de l'Hôtel de Ville", "75004", "Paris", "", "fr"],
            ["M.", "Seán", "O'Neill", "", "1 Main Street", "D02 X285", "Dublin", "Irlande", "en"],
            ["M.", "محمد", "بن علي", "Maire de Rabat", "1 avenue Mohammed V", "10000", "Rabat", "Maroc", "fr"]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    (tmp_path / "invites.csv").write_text(buffer.getvalue(), encoding="utf-8")
    result = merge_letters(Project(shared_project("reference")), 2026, tmp_path / "invites.csv", tmp_path / "output")
    letters = sorted(result.folder.glob("*.docx"))
    assert len(letters) == 3
    assert schema_errors(letters) == []


def test_the_word_templates_are_schema_valid():
    assert {t.stem for t in TEMPLATES} == {"letter", "invitation", "dossier", "communique", "certificate"}
    assert schema_errors(TEMPLATES) == []


def test_docx_with_images_and_lists_are_schema_valid():
    """The full fixture: logo, signature, partners' logos (PNG, CMYK JPEG, SVG), the EU emblem, lists."""
    documents = sorted(built_fixture("full").rglob("*.docx"))
    assert len(documents) == 7
    for document in documents:
        assert any(n.startswith("word/media/") for n in zipfile.ZipFile(document).namelist()), document.name
    assert schema_errors(documents) == []


def test_no_docx_carries_styles_with_effects(built):
    """Word 2013 and later neither write nor need stylesWithEffects.xml; one out of step with styles.xml
    is itself « unreadable content »."""
    for document in [*built.rglob("*.docx"), *TEMPLATES]:
        names = zipfile.ZipFile(document).namelist()
        assert "word/stylesWithEffects.xml" not in names, document.name


# --- check: the templates as Word will read them ---------------------------------------------------


def test_check_reports_a_template_out_of_schema_order(project, run):
    letter = project / "templates" / "letter.docx"
    pstyle = '<w:pStyle w:val="Adressedudestinataire"/>'
    text = zipfile.ZipFile(letter).read("word/document.xml").decode("utf-8")
    frame = re.search(pstyle + r'(<w:framePr [^>]*/>)', text).group(1)
    rewrite_part(letter, "word/document.xml", pstyle + frame, frame + pstyle)  # as LibreOffice writes a frame
    before = tree_snapshot(project)
    code, out, err = run("check", "2026", project=project)
    assert code == 1
    assert "Traceback" not in err
    assert "templates/letter.docx: word/document.xml: Unexpected element 'pStyle' found" in err
    assert "templates/letter.docx: Word may refuse this file" in err and "open it in Word, save it" in err
    assert "templates/invitation.docx" not in err
    assert tree_snapshot(project) == before


def test_check_lists_schema_errors_with_the_data_errors(project, run):
    rewrite_part(project / "templates" / "dossier.docx", "word/settings.xml",
                 "<w:defaultTabStop", "<w:autoHyphenation/><w:defaultTabStop")  # now twice, and out of place
    edit(project / "editions" / "2026.yaml", "start: 16:00", "start: 25:00")
    code, out, err = run("check", "2026", project=project)
    assert code == 1
    assert "templates/dossier.docx: word/settings.xml: " in err
    assert "'25:00' is not a time" in err


# --- the normaliser the templates were fixed with ---------------------------------------------------


def scrambled(docx: bytes) -> bytes:
    """The DOCX with the children of every properties element in reverse order, as a careless script writes them."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("word/") and info.filename.endswith(".xml"):
                from lxml import etree

                root = etree.fromstring(data)
                for element in root.iter(*(W + n for n in ("pPr", "rPr", "tcPr", "tblPr", "sectPr", "tcMar",
                                                            "tblCellMar", "settings"))):
                    element[:] = list(element)[::-1]
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_normalise_puts_a_scrambled_template_back_in_order_keeping_its_text(template, tmp_path):
    broken, fixed = tmp_path / "broken.docx", tmp_path / "fixed.docx"
    broken.write_bytes(scrambled(template.read_bytes()))
    assert schema_errors([broken])  # the scrambling is caught
    fixed.write_bytes(ooxml.normalise(broken.read_bytes()))
    assert schema_errors([fixed]) == []
    assert docx_text(fixed) == docx_text(template)
    assert ooxml.normalise(fixed.read_bytes()) == fixed.read_bytes()  # idempotent
    assert ooxml.normalise(template.read_bytes()) == template.read_bytes()  # the templates are in order


@pytest.mark.slow
def test_normalise_fixes_templates_saved_by_libreoffice(tmp_path):
    """LibreOffice writes a frame's w:framePr before w:pStyle, w:cantSplit="true", two empty w:pBdr…"""
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(tmp_path / "saved"),
                           *map(str, TEMPLATES)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for template in TEMPLATES:
        saved = tmp_path / "saved" / template.name
        fixed = tmp_path / f"fixed-{template.name}"
        fixed.write_bytes(ooxml.normalise(saved.read_bytes()))
        assert schema_errors([fixed]) == [], template.name
        assert docx_text(fixed) == docx_text(saved)


def test_insert_puts_each_property_at_its_place():
    from lxml import etree

    rpr = etree.fromstring(f'<w:rPr xmlns:w="{W[1:-1]}"><w:b/><w:sz w:val="20"/></w:rPr>')
    ooxml.set_property(rpr, "w:vertAlign", val="superscript")
    ooxml.insert(rpr, rpr.makeelement(W + "w", {W + "val": "90"}))
    ooxml.get_or_add(rpr, "w:rStyle")
    ooxml.set_property(rpr, "w:b", val="0")
    assert [child.tag[len(W):] for child in rpr] == ["rStyle", "b", "w", "sz", "vertAlign"]
    assert rpr.find(W + "b").get(W + "val") == "0"
