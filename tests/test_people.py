"""Badges, place cards and certificates (python generate.py merge YEAR FILE --only badge|placecard|certificate).

One small spreadsheet of people in every script is merged once per module into
the « full » fixture project; each test reads what a participant or a printer
sees: the names on each badge of a sheet, the QR codes decoded from the printed
page, the pages of the place cards and certificates, the register of numbers,
the messages of bad input.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import unicodedata
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader

from conftest import assemble
from eventdocs.cli import main
from eventdocs.documents.badge import crop_marks
from eventdocs.model import A6_LANYARD, CREDIT_CARD
from extract import docx_text, pdf_word_boxes

HEADERS = ["Civilité", "Prénom", "Nom", "Fonction", "Organisation", "Pays", "E-mail", "Langue", "Catégorie",
           "Présent", "N° d'inscription"]
PEOPLE = [
    ["Madame", "Marie", "Dupont", "Maire", "Ville de Lyon", "France", "marie@lyon.fr", "fr", "intervenant", "oui",
     "R-0001"],
    ["Monsieur", "Maximilian-Alexander", "Wolfeschlegelsteinhausenbergerdorff", "Bürgermeister",
     "Stadt Hamburg-Wilhelmsburg an der Elbe", "Allemagne", "", "en", "participant", "oui", "R-0002"],
    ["Monsieur", "محمد", "بن عبد الرحمن الهاشمي", "رئيس البلدية", "بلدية الدار البيضاء", "Maroc", "", "fr",
     "Presse", "non", "R-0003"],
    ["Madame", "花子", "山田", "市長", "京都市", "Japon", "", "en", "presse", "x", "R-0004"],
    ["Monsieur", "Valéry", "Giscard d'Estaing", "Ancien président de la République française",
     "Fondation Valéry Giscard d'Estaing pour la coopération internationale", "France", "", "fr", "", "oui",
     "R-0005"],
]


def write_csv(path: Path, headers: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows([headers, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def run(*args) -> tuple[int, str, str]:
    import contextlib

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """The full fixture project, and every per-person document of PEOPLE merged once."""
    root = tmp_path_factory.mktemp("people")
    project = assemble("full", root / "project")
    sheet = write_csv(root / "people.csv", HEADERS, PEOPLE)
    code, out, err = run("--project", project, "merge", 2026, sheet, "--only", "badge", "--only", "placecard",
                         "--only", "certificate", "--output", root / "output")
    assert code == 0, err
    return project, root / "output" / "2026", out, sheet


def loose(text: str) -> str:
    """Text compared as printed: compatibility forms (Arabic presentation forms) folded, spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def words_in(words, left: float, top: float, width: float, height: float) -> str:
    return "".join(w.text for w in words if left <= (w.left + w.right) / 2 <= left + width
                   and top <= (w.top + w.bottom) / 2 <= top + height)


def printed(name: str, text: str) -> bool:
    """The name is in the text, in logical order or, for a right-to-left script, as poppler reads it."""
    return loose(name) in loose(text) or loose(name)[::-1] in loose(text)


# --- badges --------------------------------------------------------------------------------------------


def test_every_badge_of_the_sheet_carries_its_own_name_in_its_own_place(merged):
    _, folder, _, _ = merged
    badges = folder / "badges" / "badges-2026.pdf"
    stock = A6_LANYARD
    # four to a sheet, each followed by its back for duplex printing: 5 people -> 2 sheets, 4 pages
    assert len(PdfReader(badges).pages) == 4
    for index, person in enumerate(PEOPLE):
        sheet, slot = divmod(index, stock.per_sheet)
        column, row = slot % stock.columns, slot // stock.columns
        words = pdf_word_boxes(badges, page=sheet * 2 + 1)
        text = words_in(words, stock.left + column * stock.width, stock.top + row * stock.height,
                        stock.width, stock.height)
        assert printed(person[1], text) and printed(person[2], text), (person[1], text)
        # the back: the same person at the mirrored column
        back = words_in(pdf_word_boxes(badges, page=sheet * 2 + 2), 210 - stock.left - (column + 1) * stock.width,
                        stock.top + row * stock.height, stock.width, stock.height)
        assert printed(person[1], back) and printed(person[2], back), (person[1], person[2], back)
        # ... and the event in the person's language where the front has the details
        dates = "Wednesday8andThursday9July2026" if person[7] == "en" else "mercredi8etjeudi9juillet2026"
        assert dates in loose(back) and loose(person[4]) not in loose(back), back


def test_no_two_font_subsets_of_the_badges_print_file_share_a_name(merged):
    """The names and the backgrounds are laid out apart: their subsets of one font must have names of their own
    (a printer may keep fonts by name), and every font is embedded."""
    _, folder, _, _ = merged
    out = subprocess.run(["pdffonts", str(folder / "badges" / "badges-2026.pdf")], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    names = [line.split()[0] for line in out]
    assert len(names) > 2 and len(names) == len(set(names)), names
    assert all(" yes yes yes " in line for line in out), out


def test_the_category_band_says_the_category_in_the_persons_language(merged):
    _, folder, _, _ = merged
    text = loose("".join(w.text for w in pdf_word_boxes(folder / "badges" / "badges-2026.pdf", page=1)))
    assert "INTERVENANT" in text  # Marie Dupont, in French
    assert "PARTICIPANT" in text  # the English participant, and the row without a category (the first one)
    assert "PRESS" in text  # Presse in English for 山田 (written « Presse » as the label, any case)


def decoded(pdf: Path, page: int, tmp: Path) -> list[str]:
    """The QR codes of a printed page, read by zbar (Debian's zbarimg): a decoder apart from the encoder the
    badges use (zxing-cpp), so that a fault of one is not hidden by the same fault in the other."""
    document = pypdfium2.PdfDocument(str(pdf))
    png = tmp / f"page-{page}.png"
    document[page - 1].render(scale=200 / 72).to_pil().save(png)
    out = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, check=True).stdout.decode()
    # one code per line; a vCard's own lines end in CR LF
    return [code for code in re.split(r"(?<!\r)\n", out) if code]


def test_the_qr_codes_decode_to_the_vcard_of_the_public_fields(merged, tmp_path):
    _, folder, _, _ = merged
    codes = decoded(folder / "badges" / "badges-2026.pdf", 1, tmp_path)
    assert len(codes) == 4
    dupont = next(c for c in codes if "Dupont" in c)
    assert dupont.startswith("BEGIN:VCARD") and "FN:Marie Dupont" in dupont and "ORG:Ville de Lyon" in dupont
    # the edition declares name, organisation and country public: not the e-mail, not the function
    assert "marie@lyon.fr" not in dupont and "TITLE" not in dupont
    assert any("山田" in c for c in codes)


def test_the_qr_code_holds_the_registration_number_when_the_edition_asks(tmp_path):
    project = assemble("full", tmp_path / "project")
    with open(project / "editions" / "2026.yaml", "a", encoding="utf-8") as f:
        f.write("\nbadges:\n  stock: credit_card\n  qr: registration\n")
    sheet = write_csv(tmp_path / "p.csv", HEADERS, PEOPLE[:2])
    code, _, err = run("--project", project, "merge", 2026, sheet, "--only", "badge", "--output", tmp_path / "out")
    assert code == 0, err
    pdf = tmp_path / "out" / "2026" / "badges" / "badges-2026.pdf"
    assert sorted(decoded(pdf, 1, tmp_path)) == ["R-0001", "R-0002"]
    # a credit-card sheet cut after printing has crop marks in its margins, never over a badge
    marks = crop_marks(CREDIT_CARD)
    assert marks and all(m.x + m.width <= CREDIT_CARD.left or m.x >= 210 - CREDIT_CARD.left
                         or m.y + m.height <= CREDIT_CARD.top or m.y >= 297 - CREDIT_CARD.top for m in marks)
    assert crop_marks(A6_LANYARD) == []  # pre-cut stock: nothing to cut


def test_a_badge_needs_no_postal_address_but_the_registration_number_when_the_qr_holds_it(tmp_path, merged):
    project, _, _, _ = merged
    sheet = write_csv(tmp_path / "p.csv", ["Prénom", "Nom"], [["Anne", "Martin"]])
    code, out, err = run("--project", project, "merge", 2026, sheet, "--only", "badge", "--output", tmp_path / "o")
    assert code == 0, err  # the full fixture's QR is a vCard: prénom and nom are enough
    edited = tmp_path / "edited"
    assemble("full", edited)
    with open(edited / "editions" / "2026.yaml", "a", encoding="utf-8") as f:
        f.write("\nbadges:\n  qr: registration\n")
    code, out, err = run("--project", edited, "merge", 2026, sheet, "--only", "badge", "--output", tmp_path / "o2")
    assert code == 1 and "missing column(s): n° d'inscription" in err and "Traceback" not in err
    assert not (tmp_path / "o2").exists() or not any((tmp_path / "o2").rglob("*.pdf"))


def test_a_letter_still_needs_the_postal_address(tmp_path, merged):
    project, _, _, _ = merged
    sheet = write_csv(tmp_path / "p.csv", ["Prénom", "Nom"], [["Anne", "Martin"]])
    code, _, err = run("--project", project, "merge", 2026, sheet, "--output", tmp_path / "o")
    assert code == 1 and "missing column(s): civilité, adresse 1, code postal, ville" in err


def test_bad_rows_are_reported_with_their_number_and_reason(tmp_path, merged):
    project, _, _, _ = merged
    sheet = write_csv(tmp_path / "p.csv", HEADERS, [
        PEOPLE[0], ["", "Jean", "Martin", "", "", "", "", "", "ministre", "oui", "R-9"],
        ["", "Paul", "Durand", "", "", "", "", "", "", "peut-être", "R-10"]])
    code, out, err = run("--project", project, "merge", 2026, sheet, "--only", "certificate", "--output",
                         tmp_path / "o")
    assert code == 0, err
    assert "row 3 (Jean Martin): unknown catégorie « ministre »; the categories are: participant, intervenant, presse" in out
    assert "row 4 (Paul Durand): présent « peut-être » is neither oui nor non" in out
    code, _, err = run("--project", project, "merge", 2026, sheet, "--only", "certificate", "--strict",
                       "--output", tmp_path / "o3")
    assert code == 1 and "row 3" in err and not (tmp_path / "o3" / "2026" / "certificates").exists()
    code, _, err = run("--project", project, "merge", 2026, sheet, "--only", "poster", "--output", tmp_path / "o4")
    assert code == 1 and "unknown document 'poster'" in err and "Traceback" not in err


# --- place cards ---------------------------------------------------------------------------------------


def test_a_place_card_prints_the_name_on_both_faces_the_far_one_upside_down(merged):
    _, folder, _, _ = merged
    cards = folder / "placecards" / "placecards-2026.pdf"
    reader = PdfReader(cards)
    assert len(reader.pages) == len(PEOPLE)
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [842, 595]  # A4 landscape
    words = pdf_word_boxes(cards, page=1)
    near = [w for w in words if w.text == "Dupont" and w.top > 105]
    far = [w for w in words if w.text == "Dupont" and w.bottom < 105]
    assert near and far  # one on each half of the fold
    page = pypdfium2.PdfDocument(str(cards))[0].get_textpage()
    text = page.get_text_range()
    runs = []
    start = text.find("Dupont")
    while start >= 0:
        runs.append([page.get_charbox(i) for i in range(start, start + len("Dupont"))])
        start = text.find("Dupont", start + 1)
    # the far face is drawn rotated by 180°: its letters run right to left on the page (PDF y grows upwards)
    far_run = next(run for run in runs if run[0][1] > 595 / 2)
    near_run = next(run for run in runs if run[0][1] < 595 / 2)
    assert far_run[0][0] > far_run[-1][0] and near_run[0][0] < near_run[-1][0]


# --- certificates --------------------------------------------------------------------------------------


def test_certificates_are_made_only_for_the_rows_marked_present(merged):
    _, folder, out, _ = merged
    certificates = folder / "certificates"
    pdfs = sorted(p.name for p in certificates.glob("0*.pdf"))
    assert len(pdfs) == 4 and not any("0004" in name for name in pdfs)  # row 4 (محمد) is not present
    assert "row 4 (محمد بن عبد الرحمن الهاشمي): not marked present" in out
    report = (certificates / "merge-report.csv").read_text(encoding="utf-8-sig")
    assert "left out" in report


def test_each_certificate_is_in_its_persons_language_with_its_number(merged):
    project, folder, _, _ = merged
    register = [json.loads(line) for line in
                (project / "editions" / "2026.certificates.jsonl").read_text(encoding="utf-8").splitlines()]
    numbers = {entry["name"]: entry["number"] for entry in register}
    certificates = folder / "certificates"
    dupont = loose(" ".join(w.text for w in pdf_word_boxes(certificates / "0002-dupont-marie.pdf")))
    assert "Attestationdeparticipation" in dupont and numbers["Marie Dupont"] in dupont
    assert loose("Cités Unies France atteste que") in dupont
    english = loose(" ".join(w.text for w in pdf_word_boxes(next(certificates.glob("0003-*.pdf")))))
    assert "Certificateofattendance" in english and "Wolfeschlegelsteinhausenbergerdorff" in english
    word = docx_text(certificates / "0002-dupont-marie.docx")
    assert "Marie Dupont" in word and numbers["Marie Dupont"] in word and "Attestation de participation" in word
    assert len(PdfReader(certificates / "certificates-2026-fr.pdf").pages) == 2
    assert len(PdfReader(certificates / "certificates-2026-en.pdf").pages) == 2


def test_the_register_keeps_each_persons_number_across_runs_and_the_command_says_whom(merged, tmp_path):
    project, folder, _, sheet = merged
    path = project / "editions" / "2026.certificates.jsonl"
    before = path.read_text(encoding="utf-8")
    # the same people, reordered, one more: the earlier numbers stay, the new person gets the next one
    reordered = write_csv(tmp_path / "again.csv", HEADERS,
                          list(reversed(PEOPLE)) + [["", "Anne", "Martin", "", "", "", "", "fr", "", "oui", "R-0009"]])
    code, out, err = run("--project", project, "merge", 2026, reordered, "--only", "certificate", "--output",
                         tmp_path / "out")
    assert code == 0, err
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before) and len(after.splitlines()) == len(before.splitlines()) + 1
    code, out, _ = run("--project", project, "certificate", 2026, "RAICT2026-0001")
    assert code == 0 and "issued to Marie Dupont (Ville de Lyon)" in out
    code, _, err = run("--project", project, "certificate", 2026, "RAICT2026-0999")
    assert code == 1 and "no certificate RAICT2026-0999" in err and "Traceback" not in err


def test_a_damaged_register_is_an_error_with_its_line(tmp_path):
    project = assemble("full", tmp_path / "project")
    (project / "editions" / "2026.certificates.jsonl").write_text('{"number": "X-1", "key": "k", "name": "A"}\n'
                                                                 "not json\n", encoding="utf-8")
    sheet = write_csv(tmp_path / "p.csv", HEADERS, PEOPLE[:1])
    code, _, err = run("--project", project, "merge", 2026, sheet, "--only", "certificate", "--output", tmp_path / "o")
    assert code == 1 and "editions/2026.certificates.jsonl:2:" in err and "Traceback" not in err


def test_a_second_run_makes_nothing_again(merged):
    project, folder, _, sheet = merged
    code, out, err = run("--project", project, "merge", 2026, sheet, "--only", "certificate", "--output",
                         folder.parent)
    assert code == 0, err
    assert "0 written" in out and "unchanged certificates-2026-fr.pdf" in out


def test_a_certificate_changed_by_hand_is_kept_and_force_keeps_a_copy(tmp_path):
    project = assemble("full", tmp_path / "project")
    sheet = write_csv(tmp_path / "p.csv", HEADERS, PEOPLE[:1])
    out = tmp_path / "out"
    assert run("--project", project, "merge", 2026, sheet, "--only", "certificate", "--output", out)[0] == 0
    word = out / "2026" / "certificates" / "0002-dupont-marie.docx"
    word.write_bytes(word.read_bytes() + b"edited")  # saved again in Word
    edition = project / "editions" / "2026.yaml"
    edition.write_text(edition.read_text(encoding="utf-8") + "\ncertificates:\n  date: 2026-07-10\n", encoding="utf-8")
    code, text, err = run("--project", project, "merge", 2026, sheet, "--only", "certificate", "--output", out)
    assert code == 0, err
    assert "kept      0002-dupont-marie.docx: changed by hand" in text
    assert word.read_bytes().endswith(b"edited")
    code, text, err = run("--project", project, "merge", 2026, sheet, "--only", "certificate", "--force",
                          "--output", out)
    assert code == 0 and "0002-dupont-marie.edited-1.docx" in text
    assert not word.read_bytes().endswith(b"edited")
    assert (word.parent / "0002-dupont-marie.edited-1.docx").read_bytes().endswith(b"edited")


def test_a_name_too_long_for_any_badge_is_left_out_with_the_reason(tmp_path, merged):
    project, _, _, _ = merged
    sheet = write_csv(tmp_path / "p.csv", ["Prénom", "Nom"], [["Anne", "Martin"], ["Jean", "X" * 500]])
    code, out, err = run("--project", project, "merge", 2026, sheet, "--only", "badge", "--output", tmp_path / "o")
    assert code == 0, err
    assert "row 3 (Jean " in out and "« nom » has 500 characters: more than a badge can print legibly" in out


def test_bad_badge_settings_are_named_with_their_file_and_line(tmp_path):
    project = assemble("full", tmp_path / "project")
    edition = project / "editions" / "2026.yaml"
    original = edition.read_text(encoding="utf-8")
    edition.write_text(original + "\nbadge_stocks:\n  - {id: huge, width: 120, height: 148, columns: 2, rows: 2}\n",
                       encoding="utf-8")
    code, _, err = run("--project", project, "check", 2026)
    assert code == 1 and "Traceback" not in err
    assert "editions/2026.yaml:" in err
    assert "badge_stocks[0]: 2 × 2 badges of 120 × 148 mm reach 240 × 296 mm: more than an A4 sheet" in err
    edition.write_text(original + "\nbadges:\n  stock: a7_tiny\n", encoding="utf-8")
    code, _, err = run("--project", project, "check", 2026)
    assert code == 1 and "Traceback" not in err
    assert "editions/2026.yaml:" in err and "badges.stock: unknown stock 'a7_tiny'" in err


@pytest.mark.parametrize("template, right, wrong", [
    ("badge.html", "{{ person.first_name }}", "{{ person.first_nam }}"),
    ("badge-background.html", "{{ page.category.label }}", "{{ page.category.labell }}"),
])
def test_check_fills_the_per_person_templates_and_names_a_mistake(tmp_path, template, right, wrong):
    project = assemble("full", tmp_path / "project")
    path = project / "templates" / template
    path.write_text(path.read_text(encoding="utf-8").replace(right, wrong, 1), encoding="utf-8")
    code, _, err = run("--project", project, "check", 2026)
    assert code == 1 and f"templates/{template}:" in err and wrong.strip("{} ").split(".")[-1] in err, err
    assert "Traceback" not in err


def test_a_background_that_is_not_one_form_per_page_is_named(tmp_path):
    """The badges' background must keep each badge in one element below full opacity (sheets.py draws it)."""
    project = assemble("full", tmp_path / "project")
    path = project / "templates" / "badge-background.html"
    path.write_text(path.read_text(encoding="utf-8").replace("opacity: 0.999;", ""), encoding="utf-8")
    sheet = write_csv(tmp_path / "people.csv", HEADERS, PEOPLE[:1])
    code, out, err = run("--project", project, "merge", 2026, sheet, "--only", "badge", "--output", tmp_path / "o")
    assert code == 1 and "templates/badge-background.html" in err and "exactly one" in err and "Traceback" not in err
    assert not (tmp_path / "o" / "2026" / "badges" / "badges-2026.pdf").exists()


def test_the_certificates_word_files_open_in_word(merged):
    """Each person's DOCX (the variant filled with their name, function and number) validates against the
    Office schemas, an Arabic or Japanese name included (its glyphs added to the embedded fonts)."""
    from wordschema import schema_errors

    _, folder, _, _ = merged
    documents = sorted((folder / "certificates").glob("0*.docx"))
    assert len(documents) == 4
    assert schema_errors(documents) == []
    assert "花子 山田" in docx_text(next((folder / "certificates").glob("0005-*.docx")))


def test_the_certificates_word_title_is_one_line_below_the_letterhead(merged, tmp_path):
    """Opened in a word processor, the title sits on a line of its own under the logo and the tagline (the
    letterhead's frames let no text beside them): not squeezed beside a wide logo and broken over two lines."""
    _, folder, _, _ = merged
    documents = [next((folder / "certificates").glob(f"{row:04d}-*.docx")) for row in (2, 3)]
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, documents)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for document, title in zip(documents, ("Attestation de participation", "Certificate of attendance")):
        lines = subprocess.run(["pdftotext", "-layout", "-l", "1", str(tmp_path / (document.stem + ".pdf")), "-"],
                               capture_output=True, text=True, check=True).stdout.splitlines()
        line = next((line for line in lines if title.split()[0] in line), "")
        assert title in " ".join(line.split()), (title, lines[:12])
        tagline = next(i for i, line in enumerate(lines) if line.strip())
        assert lines.index(line) > tagline + 1  # below the letterhead, not beside it


# --- the stages every per-person document goes through -------------------------------------------------------


def test_a_badge_report_saved_from_excel_is_kept_as_a_copy_as_the_letters_is(tmp_path):
    """The report of every per-person document is written by the same stage as the letter's: a report changed by
    hand is kept as a numbered copy before the new one replaces it."""
    project = assemble("full", tmp_path / "project")
    sheet = write_csv(tmp_path / "p.csv", HEADERS, PEOPLE[:2])
    args = ("--project", project, "merge", 2026, sheet, "--only", "badge", "--output", tmp_path / "o")
    assert run(*args)[0] == 0
    report = tmp_path / "o" / "2026" / "badges" / "merge-report.csv"
    report.write_bytes(report.read_bytes() + "notes de Claire;;;;;;;\r\n".encode())
    edited = report.read_bytes()
    code, out, err = run(*args)
    assert code == 0, err
    assert "your version is kept as merge-report.edited-1.csv" in out
    assert (report.parent / "merge-report.edited-1.csv").read_bytes() == edited
    assert "notes de Claire" not in report.read_text(encoding="utf-8-sig")


def test_a_document_laid_out_whole_with_a_file_each_is_made_once_and_resumed(tmp_path):
    """A fifth document needs no more than its class: a place card with a file per person (no shared sheets, no
    overlay) gets each person's PDF, marked as made, so a second run writes nothing and a deleted one is redone."""
    from eventdocs.build import load_edition
    from eventdocs.documents.placecard import PlaceCardDocument
    from eventdocs.recipients import load_protocol
    from eventdocs.render import Project
    from eventdocs.stages import merge_document

    class CardEach(PlaceCardDocument):
        folder = "cards"
        sheets = False

    project = Project(assemble("full", tmp_path / "project"))
    loaded, protocol = load_edition(project, 2026), load_protocol(project.editions, project.root)
    sheet = write_csv(tmp_path / "p.csv", HEADERS, PEOPLE[:3])
    first = merge_document(project, loaded, protocol, CardEach(), sheet, tmp_path / "o")
    assert [i.recipient.row for i in first.written] == [2, 3, 4]
    files = sorted(p.name for p in first.folder.glob("0*.pdf"))
    assert len(files) == 3 and all(len(PdfReader(first.folder / n).pages) == 1 for n in files)
    assert "Dupont" in PdfReader(first.folder / files[0]).pages[0].extract_text()
    again = merge_document(project, loaded, protocol, CardEach(), sheet, tmp_path / "o")
    assert again.written == [] and len(again.unchanged) == 3
    (first.folder / files[1]).unlink()
    redone = merge_document(project, loaded, protocol, CardEach(), sheet, tmp_path / "o")
    assert [i.files[0] for i in redone.written] == [files[1]]
