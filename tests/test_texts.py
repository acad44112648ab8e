"""Texts as the officer types them: lists, any date, placeholders that never break markup."""

import re

from pypdf import PdfReader

from conftest import built_fixture, edit
from extract import docx_text, normalize, pdf_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def list_items(path):
    """(text, numbering format, numId) of every paragraph of a DOCX that is a list item."""
    import docx

    document = docx.Document(str(path))
    numbering = document.part.numbering_part.element
    formats = {}
    for num in numbering.findall(f"{W}num"):
        abstract = num.find(f"{W}abstractNumId").get(f"{W}val")
        node = next(a for a in numbering.findall(f"{W}abstractNum") if a.get(f"{W}abstractNumId") == abstract)
        formats[num.get(f"{W}numId")] = node.find(f".//{W}numFmt").get(f"{W}val")
    items = []
    for paragraph in document.paragraphs:
        num = paragraph._p.find(f"{W}pPr/{W}numPr/{W}numId")
        if num is not None:
            items.append((paragraph.text, formats[num.get(f"{W}val")], num.get(f"{W}val")))
    return items


def structure_tags(path) -> list[str]:
    tags = []

    def walk(node):
        node = node.get_object()
        if hasattr(node, "get") and node.get("/S"):
            tags.append(str(node["/S"]))
        kids = node.get("/K") if hasattr(node, "get") else None
        if kids is None:
            return
        kids = kids.get_object()
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
                walk(kid)

    walk(PdfReader(str(path)).trailer["/Root"]["/StructTreeRoot"])
    return tags


def test_a_bulleted_list_is_a_real_word_list_and_a_tagged_pdf_list():
    folder = built_fixture("full") / "2026"
    items = list_items(folder / "letter-fr.docx")
    assert [(normalize(text), fmt) for text, fmt, _ in items] == [
        ("des conférences plénières ;", "bullet"),
        ("des ateliers thématiques et des réunions régionales ;", "bullet"),
        ("les « Cafés des Rencontres » de 14h30 à 15h30 le jeudi 9 juillet.", "bullet"),
    ]
    text = docx_text(folder / "letter-fr.docx")
    assert re.search(r"Au programme de ces deux journées d’échanges\s:\ndes conférences", text)  # lead, then items
    tags = structure_tags(folder / "letter-fr.pdf")
    assert tags.count("/LI") == 3 and "/L" in tags


def test_a_numbered_list_restarts_at_one_in_word_and_prints_its_numbers():
    folder = built_fixture("full") / "2026"
    items = list_items(folder / "communique-fr.docx")
    assert [fmt for _, fmt, _ in items] == ["decimal"] * 3 and len({num for _, _, num in items}) == 1
    assert normalize(items[0][0]) == "la séance d'ouverture, le 8 juillet 2026 ;"  # {date:2026-07-08}
    pdf = normalize(pdf_text(folder / "communique-fr.pdf"))
    assert re.search(r"1\. ?la séance d'ouverture, le 8 juillet 2026 ; 2\. ?la plénière", pdf), pdf


def test_an_impossible_date_in_a_text_is_an_error_with_its_field(project, run):
    edit(project / "editions/2026.yaml", "pour cette {ordinal}\n", "pour le {date:2026-13-45}\n")
    code, _, err = run("check", "2026", project=project)
    assert code == 1 and "Traceback" not in err
    assert re.search(r"editions/2026\.yaml:\d+: letter\.closing\.fr: \{date:2026-13-45\}: '2026-13-45' is not a date: "
                     r"write it \{date:2026-03-15\}", err), err


def test_a_value_with_markup_characters_stays_literal(project, run, tmp_path):
    edit(project / "editions/2026.yaml", "\ncity: Paris", '\ncity: "Paris *Centre* {1} \\\\ **"')
    code, _, err = run("build", "2026", "--only", "letter", "--lang", "fr", "--output", tmp_path / "out", project=project)
    assert code == 0, err
    for fmt in ("docx", "pdf"):
        path = tmp_path / f"out/2026/letter-fr.{fmt}"
        text = docx_text(path) if fmt == "docx" else normalize(pdf_text(path))
        assert "à Paris *Centre* {1} \\ **" in text, fmt


def test_an_unclosed_star_is_quoted_as_written(project, run):
    edit(project / "editions/2026.yaml", "pour cette {ordinal}\n", "pour cette **{ordinal}\n")
    code, _, err = run("check", "2026", project=project)
    assert code == 1
    assert re.search(r"letter\.closing\.fr: '\*\*' opened near «[^»]*\{ordinal\}[^»]*» is never closed", err), err


def test_a_placeholder_whose_data_is_absent_names_the_field_and_the_data(make_project, run):
    project = make_project("minimal")
    edit(project / "editions/2030.yaml", "        J'ai le plaisir de vous inviter à la {name}",
         "        J'ai le plaisir de vous inviter à la {ordinal} {name}")
    code, _, err = run("build", "2030", "--output", project / "out", project=project)
    assert code == 1 and "Traceback" not in err and not (project / "out").exists()
    assert re.search(r"editions/2030\.yaml:\d+: letter\.body\[0\]\.fr: uses \{ordinal\}, but the edition has no number; "
                     r"add 'edition:'", err), err
