"""The mail merge (python generate.py merge): the president's letter for every row of a spreadsheet.

The spreadsheets are made here, small (a dozen rows); the letters are read as
their recipients would read them: the text of each DOCX and PDF, the fonts
embedded, the pages of the combined PDF one letter at a time.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from conftest import shared_project
from pypdf import PdfReader

from eventdocs import stages
from eventdocs.errors import OutputError, RecipientsError
from eventdocs.mergefiles import file_stems
from eventdocs.recipients import (
    COLUMNS, Cell, Recipient, address_block, check_row, load_protocol, map_columns, read_recipients,
)
from eventdocs.render import Project
from eventdocs.stages import merge_letters
from extract import docx_text, normalize, pdf_fonts, pdf_word_boxes

ROOT = Path(__file__).resolve().parent.parent

HEADERS = ["Civilité", "Prénom", "Nom", "Fonction", "Collectivité/Organisation", "Adresse 1", "Adresse 2",
           "Code postal", "Ville", "Pays", "E-mail", "Langue", "Formule d'appel"]

#: row 2 onwards of the main spreadsheet; the comment says what each row is for
ROWS = [
    ["Madame", "Anne", "Hidalgo", "Maire de Paris", "Ville de Paris", "Hôtel de Ville",  # 2
     "Place de l'Hôtel de Ville", "75004", "Paris", "", "anne.hidalgo@paris.fr", "fr", ""],
    ["M.", "Valéry", "Giscard d'Estaing", "Président du Conseil régional", "Région Auvergne",  # 3
     "13 avenue de Fontmaure", "", "63400", "Chamalières", "France", "", "", ""],
    ["Mme", "Carole", "Delga", "Présidente de la Région", "Région Occitanie",  # 4
     "22 boulevard du Maréchal Juin", "", "31406", "Toulouse Cedex 9", "", "", "fr", ""],
    ["M.", "Mamadou", "Diallo", "Ambassadeur du Sénégal en France", "Ambassade du Sénégal",  # 5
     "14 avenue Robert Schuman", "", "75007", "Paris", "", "", "", ""],
    ["Mme", "Catherine", "Colonna", "Ministre de l'Europe", "Ministère des Affaires étrangères",  # 6
     "37 quai d'Orsay", "", "75007", "Paris", "", "", "", ""],
    ["", "Seán", "O'Neill", "", "Roux & Fils <Conseil>", "1 Main Street", "",  # 7: English, no civilité
     "D02 X285", "Dublin", "Irlande", "sean@example.ie", "en", ""],
    ["M.", "محمد", "بن علي", "Maire de Rabat", "", "1 avenue Mohammed V", "", "10000", "Rabat", "Maroc",  # 8
     "", "fr", ""],
    ["M.", "太郎", "山田", "Mayor of Osaka", "Osaka City", "1-3-20 Nakanoshima", "", "530-8201", "Osaka",  # 9
     "Japon", "", "en", ""],
    ["Mme", "Thị Lan", "Nguyễn", "", "", "12 rue de la Paix", "", "75002", "Paris", "", "", "",  # 10: override
     "Chère Madame Nguyễn"],
    ["Mme", "Marie", "Dupont", "Conseillère municipale", "Mairie de Lyon", "1 place de la Comédie", "",  # 11
     "69001", "Lyon", "", "", "", ""],
    ["Mme", "Marie", "Dupont", "Conseillère municipale", "Mairie de Lille", "2 rue Gambetta", "",  # 12: same name
     "59000", "Lille", "", "", "", ""],
    ["M.", "Jean", "", "Maire", "", "1 rue Haute", "", "33000", "Bordeaux", "", "", "", ""],  # 13: no name
    ["Dr", "Jean", "Martin", "", "", "1 rue Basse", "", "33000", "Bordeaux", "", "", "", ""],  # 14: civilité
    ["M.", "Paul", "Durand", "", "", "3 rue Neuve", "", "33000", "Bordeaux", "", "paul.durand@", "", ""],  # 15
    ["M.", '=HYPERLINK("https://example.org","Jean")', "Petit", "", "", "4 rue Neuve", "", "33000",  # 16
     "Bordeaux", "", "", "", ""],
    ["Madame", "Anne", "Hidalgo", "Maire de Paris", "Ville de Paris", "Hôtel de Ville",  # 17: duplicate of 2
     "Place de l'Hôtel de Ville", "75004", "Paris", "", "", "", ""],
    ["M.", "../../etc", "../../passwd", "", "", "5 rue Neuve", "", "33000", "Bordeaux", "", "", "", ""],  # 18
    ["M.", "Ahmed", "Benali", "Maire", "Commune de Rabat", "Hôtel de Ville", "1 avenue Mohammed V",  # 19: 7 lines
     "10000", "Rabat", "Maroc", "", "fr", ""],
]
GOOD_ROWS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 18, 19]
SALUTATIONS = {2: "Madame la Maire", 3: "Monsieur le Président", 4: "Madame la Présidente",
               5: "Monsieur l’Ambassadeur", 6: "Madame la Ministre", 7: "Dear Sir or Madam", 8: "Monsieur le Maire",
               9: "Dear Mr Mayor", 10: "Chère Madame Nguyễn", 11: "Madame", 12: "Madame", 18: "Monsieur",
               19: "Monsieur le Maire"}


def write_xlsx(path: Path, rows: list[list[str]], headers: list[str] = HEADERS, sheet: str = "Invités") -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(headers)
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list[str]], headers: list[str] = HEADERS, encoding: str = "utf-8-sig",
              delimiter: str = ";") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def pdf_page_text(page) -> str:
    """A page's text, as a reader copying it would get it (the address form included)."""
    return unicodedata.normalize("NFC", page.extract_text() or "")


def letter_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".pdf", ".docx") and p.name[0].isdigit())


@pytest.fixture(scope="module")
def protocol():
    return load_protocol(shared_project() / "editions", shared_project())


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """The main spreadsheet merged once: (result, letters folder)."""
    folder = tmp_path_factory.mktemp("merge")
    spreadsheet = write_xlsx(folder / "invites.xlsx", ROWS)
    result = merge_letters(Project(shared_project()), 2026, spreadsheet, folder / "output")
    return result, result.folder


def letter(result, row: int):
    return next(l for l in result.written + result.unchanged if l.recipient.row == row)


# --- reading the spreadsheet ----------------------------------------------------------------------


def test_headers_are_found_whatever_their_case_accents_spacing_or_language():
    french = ["CIVILITE", " prénom ", "Nom", "FONCTION", "Collectivité / Organisation", "adresse1", "Adresse  2",
              "ADRESSE 3", "code-postal", "VILLE", "pays", "e-mail", "Langue", "formule d’appel", "Catégorie", "Présent",
              "N° d'inscription"]
    english = ["Title", "First name", "Last Name", "Position", "Organization", "Address line 1", "Address 2",
               "Address 3", "Postcode", "City", "Country", "Email", "Language", "Salutation", "Category", "Attended",
               "Registration number"]
    for headers in (french, english):
        assert sorted(map_columns(headers, "x.csv")) == sorted(c.key for c in COLUMNS)
        assert map_columns(headers, "x.csv")["postcode"] == 8


def test_a_missing_column_names_the_columns_found_and_expected(tmp_path, protocol):
    spreadsheet = write_csv(tmp_path / "invites.csv", [["M.", "Jean", "Martin", "1 rue", "33000"]],
                            headers=["Civilité", "Prénom", "Nom", "Adresse 1", "Code postal"])
    with pytest.raises(RecipientsError) as error:
        read_recipients(spreadsheet, protocol)
    message = str(error.value)
    assert "missing column(s): ville" in message
    assert "Columns found: Civilité, Prénom, Nom, Adresse 1, Code postal" in message
    assert "Expected: civilité, prénom, nom, adresse 1, code postal, ville" in message


def test_missing_column_on_the_command_line(run, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", [["M.", "Jean"]], headers=["Civilité", "Nom"])
    code, out, err = run("merge", "2026", spreadsheet, "--output", tmp_path / "out")
    assert code == 1
    assert "Traceback" not in err
    assert "missing column(s): prénom, adresse 1, code postal, ville" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1252"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_as_excel_saves_it(tmp_path, protocol, encoding, delimiter):
    rows = [["Mme", "Hélène", "Lefèvre", "Maire de Besançon", "Ville de Besançon", "2 rue Mégevand", "", "25000",
             "Besançon", "", "", "", ""],
            ["M.", "François", "Œuvray, dit « Coco »", "", "", "1 rue de l'Église", "", "1000", "Bourg-en-Bresse",
             "", "", "", ""]]
    spreadsheet = write_csv(tmp_path / "invites.csv", rows, encoding=encoding, delimiter=delimiter)
    result = read_recipients(spreadsheet, protocol)
    assert not result.rejected, result.rejected
    first, second = result.recipients
    assert first.address == ("Madame Hélène Lefèvre", "Maire de Besançon", "Ville de Besançon", "2 rue Mégevand",
                             "25000 BESANCON")
    assert second.last_name == "Œuvray, dit « Coco »"
    assert second.address[-1] == "01000 BOURG-EN-BRESSE"  # Excel dropped the leading zero
    assert [r.row for r in result.recipients] == [2, 3]


def test_xlsx_reads_the_sheet_asked(tmp_path, protocol):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["rien ici"])
    sheet = workbook.create_sheet("Ambassades")
    sheet.append(HEADERS)
    sheet.append(ROWS[3])
    workbook.save(tmp_path / "invites.xlsx")
    result = read_recipients(tmp_path / "invites.xlsx", protocol, sheet="Ambassades")
    assert [r.last_name for r in result.recipients] == ["Diallo"]
    assert result.source == "invites.xlsx (sheet Ambassades)"
    with pytest.raises(RecipientsError, match="no sheet named 'Mairies'; the sheets are: Notes, Ambassades"):
        read_recipients(tmp_path / "invites.xlsx", protocol, sheet="Mairies")


# --- checking the rows ------------------------------------------------------------------------------


def check(protocol, **values) -> Recipient:
    cells = {"title": "Madame", "first_name": "Marie", "last_name": "Dupont", "address1": "1 rue de la Paix",
             "postcode": "75018", "city": "Paris"}
    cells.update(values)
    outcome = check_row(2, {k: Cell(v, formula=v.startswith("=")) for k, v in cells.items()}, protocol)
    assert isinstance(outcome, Recipient), outcome
    return outcome


def reasons(protocol, **values) -> str:
    cells = {"title": "Madame", "first_name": "Marie", "last_name": "Dupont", "address1": "1 rue de la Paix",
             "postcode": "75018", "city": "Paris"}
    cells.update(values)
    outcome = check_row(2, {k: Cell(v, formula=v.startswith("=")) for k, v in cells.items()}, protocol)
    assert not isinstance(outcome, Recipient)
    return outcome.reason


@pytest.mark.parametrize("title, function, lang, salutation", [
    ("Madame", "Maire de Montpellier", "fr", "Madame la Maire"),
    ("M.", "Maire de Lyon", "fr", "Monsieur le Maire"),
    ("Monsieur", "Président du Conseil départemental", "fr", "Monsieur le Président"),
    ("Mme", "Présidente de la Région Occitanie", "fr", "Madame la Présidente"),
    ("M.", "Ambassadeur du Japon en France", "fr", "Monsieur l'Ambassadeur"),
    ("Mme", "Ministre des Affaires étrangères", "fr", "Madame la Ministre"),
    ("Mme", "Adjointe au maire de Nantes", "fr", "Madame la Maire adjointe"),
    ("M.", "Vice-président de la Métropole", "fr", "Monsieur le Vice-Président"),
    ("Mme", "Conseillère municipale", "fr", "Madame"),
    ("Mme", "Maire de Montpellier", "en", "Dear Madam Mayor"),
    ("Mr", "President of the Region", "en", "Dear Mr President"),
    ("M.", "Ambassadeur du Japon en France", "en", "Your Excellency"),
    ("Mrs", "Minister for Foreign Affairs", "en", "Dear Minister"),
    ("Ms", "", "en", "Dear Madam"),
])
def test_salutation_follows_the_protocol_table(protocol, title, function, lang, salutation):
    assert check(protocol, title=title, function=function, lang=lang).salutation == salutation


def test_without_civilite_the_salutation_is_the_editions_generic_one(protocol):
    assert check(protocol, title="", function="Maire").salutation is None


def test_the_formule_d_appel_column_overrides_the_protocol(protocol):
    recipient = check(protocol, function="Maire de Lyon", salutation="Chère Marie,")
    assert recipient.salutation == "Chère Marie"


def test_the_protocol_table_is_data_the_officer_can_extend(tmp_path):
    editions = tmp_path / "editions"
    editions.mkdir()
    text = (ROOT / "tests/fixtures/reference/editions/protocole.yaml").read_text(encoding="utf-8")
    text += ("  - mots: [recteur, rectrice]\n"
             "    madame: {fr: Madame la Rectrice, en: Dear Rector}\n"
             "    monsieur: {fr: Monsieur le Recteur, en: Dear Rector}\n")
    text = text.replace("Mlle, Mlle.,", "Mlle, Mlle., Docteure,")
    (editions / "protocole.yaml").write_text(text, encoding="utf-8")
    protocol = load_protocol(editions, tmp_path)
    assert check(protocol, title="Docteure", function="Rectrice de l'académie").salutation == "Madame la Rectrice"


def test_a_broken_protocol_table_names_its_line(tmp_path):
    from eventdocs.errors import EditionError

    editions = tmp_path / "editions"
    editions.mkdir()
    (editions / "protocole.yaml").write_text(
        "civilites:\n  madame: [Madame]\n  monsieur: [Monsieur]\nsans_fonction:\n"
        "  madame: {fr: Madame, en: Dear Madam}\n  monsieur: {fr: Monsieur}\nfonctions: []\n", encoding="utf-8")
    with pytest.raises(EditionError, match=r"protocole.yaml:6: sans_fonction.monsieur: no salutation in en"):
        load_protocol(editions, tmp_path)


@pytest.mark.parametrize("values, reason", [
    ({"last_name": ""}, "no name (column « nom » is empty)"),
    ({"title": "Dr"}, "unknown civilité « Dr »"),
    ({"email": "marie.dupont@"}, "e-mail « marie.dupont@ » is not an e-mail address"),
    ({"email": "marie dupont@paris.fr"}, "is not an e-mail address"),
    ({"first_name": '=HYPERLINK("https://x.org","Marie")'}, "column « prénom » holds a formula"),
    ({"last_name": "Du\x07pont"}, "column « nom » holds a control character (U+0007)"),
    ({"lang": "de"}, "unknown language « de »"),
    ({"postcode": "750"}, "code postal « 750 » is not 5 digits"),
    ({"address1": "Résidence des Grands Chênes, bâtiment B, escalier 4"}, "has 51 characters; La Poste reads at most 38"),
    ({"function": "Vice-présidente chargée des relations internationales",
      "organisation": "Conseil départemental de la Haute-Garonne", "address1": "Résidence des Grands Chênes, bât. B",
      "address2": "22 boulevard du Maréchal Juin"},
     "the address needs 7 lines and La Poste reads at most 6, even with function and organisation on shared lines"),
])
def test_a_bad_row_says_why(protocol, values, reason):
    assert reason in reasons(protocol, **values)


def test_characters_no_bundled_font_has_are_refused(protocol):
    from eventdocs.fonts import bundled_fonts, font_coverage

    coverage = font_coverage(bundled_fonts(ROOT / "fonts"))
    cells = {"title": "Madame", "first_name": "지민", "last_name": "Kim", "address1": "1 rue", "postcode": "75018",
             "city": "Paris"}
    outcome = check_row(5, {k: Cell(v) for k, v in cells.items()}, protocol, coverage)
    assert "characters no bundled font can print: 지 (U+C9C0), 민 (U+BBFC)" in outcome.reason
    for name in ("محمد", "山田太郎", "Nguyễn", "O'Neill & <Fils>"):
        cells["first_name"] = name
        assert isinstance(check_row(5, {k: Cell(v) for k, v in cells.items()}, protocol, coverage), Recipient)


# --- the address block --------------------------------------------------------------------------------


def block(title="Madame", **values):
    text = {"first_name": "Marie", "last_name": "Dupont", "address1": "18 rue Christiani", "postcode": "75018",
            "city": "Paris"}
    text.update(values)
    return address_block(title, text)


def test_address_block_in_france_ends_with_postcode_and_town_in_capitals():
    lines, problems, compacted = block()
    assert lines == ("Madame Marie Dupont", "18 rue Christiani", "75018 PARIS")
    assert not problems and not compacted
    lines, _, _ = block(city="Saint-Étienne", postcode="42000", country="France")
    assert lines[-1] == "42000 SAINT-ETIENNE"


def test_address_block_of_an_english_letter_uses_english_titles(protocol):
    assert check(protocol, title="Madame", lang="en").address[0] == "Ms Marie Dupont"
    assert check(protocol, title="M.", lang="en").address[0] == "Mr Marie Dupont"
    assert check(protocol, title="M.", lang="fr").address[0] == "Monsieur Marie Dupont"


def test_address_block_abroad_ends_with_the_country_in_capitals():
    lines, problems, _ = block(postcode="1000", city="Bruxelles", country="Belgique")
    assert lines[-2:] == ("1000 BRUXELLES", "BELGIQUE") and not problems
    lines, _, _ = block(postcode="BP 4039", city="Dakar", country="Sénégal")
    assert lines[-1] == "SÉNÉGAL"


def test_address_block_has_at_most_six_lines_of_38_characters():
    lines, problems, compacted = block(function="Vice-présidente chargée des relations internationales",
                                       organisation="Région Bourgogne-Franche-Comté")
    assert lines[:4] == ("Madame Marie Dupont", "Vice-présidente chargée des relations",
                         "internationales", "Région Bourgogne-Franche-Comté")
    assert all(len(line) <= 38 for line in lines) and len(lines) == 6 and not problems and not compacted


def test_a_mayor_abroad_on_seven_lines_is_compacted_with_the_function_on_the_name_line():
    lines, problems, compacted = block(
        "Monsieur", first_name="Ahmed", last_name="Benali", function="Maire", organisation="Commune de Rabat",
        address1="Hôtel de Ville", address2="1 avenue Mohammed V", postcode="10000", city="Rabat", country="Maroc")
    assert lines == ("Monsieur Ahmed Benali, Maire", "Commune de Rabat", "Hôtel de Ville", "1 avenue Mohammed V",
                     "10000 RABAT", "MAROC")
    assert compacted == ("function joined to the name line",) and not problems


def test_function_and_organisation_share_lines_then_street_lines_merge_within_38_characters():
    lines, problems, compacted = block(
        "Ms", first_name="María", last_name="Fernández García", function="Alcaldesa de la ciudad",
        organisation="Ayuntamiento de Villanueva de la Cañada", address1="Plaza de España 1",
        address2="Edificio principal", postcode="28691", city="Villanueva de la Cañada", country="Espagne")
    assert lines == ("Ms María Fernández García", "Alcaldesa de la ciudad, Ayuntamiento",
                     "de Villanueva de la Cañada", "Plaza de España 1, Edificio principal",
                     "28691 VILLANUEVA DE LA CAÑADA", "ESPAGNE")
    assert compacted == ("function and organisation on shared lines", "street lines merged") and not problems
    assert all(len(line) <= 38 for line in lines)


def test_an_address_that_cannot_be_compacted_to_six_lines_is_refused():
    lines, problems, compacted = block(function="Vice-présidente chargée des relations internationales",
                                       organisation="Région Bourgogne-Franche-Comté",
                                       address1="Résidence des Grands Chênes, bât. B",
                                       address2="22 boulevard du Maréchal Juin")
    assert len(lines) == 7 and not compacted
    assert problems == ["the address needs 7 lines and La Poste reads at most 6; shorten the function or "
                        "organisation, or the street lines"]


# --- file names --------------------------------------------------------------------------------------


def test_file_names_are_sortable_ascii_and_unique(protocol):
    rows = [check(protocol, first_name="Marie", last_name="Dupont"), check(protocol, first_name="Marie",
                                                                           last_name="Dupont", city="Lyon")]
    rows[1] = Recipient(13, *[getattr(rows[1], f) for f in ("title", "first_name", "last_name", "lang",
                                                            "salutation", "address")])
    others = [Recipient(row, "madame", first, last, "fr", None, ("x",)) for row, first, last in
              [(7, "../../etc", "../../passwd"), (8, "Zoë", "Giscard d'Estaing"), (9, "محمد", "山田"),
               (10, "CON", "NUL"), (11, "A" * 80, "B" * 80)]]
    stems = file_stems(rows + others)
    assert stems[2] == "0002-dupont-marie" and stems[13] == "0013-dupont-marie"
    assert stems[7] == "0007-passwd-etc"
    assert stems[8] == "0008-giscard-d-estaing-zoe"
    assert stems[9] == "0009-destinataire"
    assert stems[10] == "0010-nul-con"
    assert len(stems[11]) <= 45
    assert all(re.fullmatch(r"\d{4}-[a-z0-9-]+", stem) for stem in stems.values())


def test_two_letters_never_share_a_file():
    twins = [Recipient(4, "madame", "Marie", "Dupont", "fr", None, ("x",))] * 2
    with pytest.raises(OutputError, match="same file 0004-dupont-marie"):
        file_stems(twins)


# --- the merge as a whole ------------------------------------------------------------------------------


def test_every_good_row_gets_a_docx_and_a_pdf(merged):
    result, folder = merged
    assert sorted(l.recipient.row for l in result.written) == GOOD_ROWS
    names = [p.name for p in letter_files(folder)]
    assert len(names) == 2 * len(GOOD_ROWS)
    assert "0011-dupont-marie.pdf" in names and "0012-dupont-marie.pdf" in names
    assert "0018-passwd-etc.pdf" in names
    assert all(p.resolve().parent == folder.resolve() for p in folder.parent.rglob("*") if p.is_file())
    assert not list(folder.glob("*.part")) and not list(folder.glob(".*.part"))


def test_the_report_lists_every_row_with_its_fate(merged):
    result, folder = merged
    text = (folder / "merge-report.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 when the file starts with a BOM
    lines = list(csv.reader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == ["row", "recipient", "language", "salutation", "status", "files", "reason", "address"]
    by_row = {int(line[0]): line for line in lines[1:]}
    assert sorted(by_row) == list(range(2, 20))
    assert by_row[19][7] == "compacted to 6 lines: function joined to the name line"
    assert by_row[2][7] == "" and by_row[13][7] == ""
    assert by_row[2][1:6] == ["Anne Hidalgo", "fr", "Madame la Maire", "written",
                              "0002-hidalgo-anne.docx 0002-hidalgo-anne.pdf"]
    assert by_row[9][2:4] == ["en", "Dear Mr Mayor"]
    expected = {13: "no name", 14: "unknown civilité « Dr »", 15: "e-mail « paul.durand@ » is not an e-mail address",
                16: "column « prénom » holds a formula (=HYPERLINK(", 17: "duplicate of row 2"}
    for row, reason in expected.items():
        assert by_row[row][4] == "rejected" and reason in by_row[row][6], by_row[row]
        assert by_row[row][5] == ""


def test_bad_rows_are_listed_on_screen_and_the_others_written(run, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", [ROWS[0], ROWS[12], ROWS[14]])
    code, out, err = run("merge", "2026", spreadsheet, "--output", tmp_path / "out")
    assert code == 0, err
    assert "1 letter(s) (1 fr): 1 written, 0 unchanged" in out
    assert "2 row(s) rejected, no letter for them:" in out
    assert "row 3 (Jean Martin): unknown civilité « Dr »" in out
    assert "row 4 (Petit): column « prénom » holds a formula" in out
    assert "wrote     letters-2026-fr.pdf (2 pages, for printing)" in out
    assert "merge-report.csv" in out


def test_strict_writes_nothing_and_fails(run, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", [ROWS[0], ROWS[12], ROWS[13]])
    code, out, err = run("merge", "2026", spreadsheet, "--strict", "--output", tmp_path / "out")
    assert code == 1
    assert "Traceback" not in err
    assert "Error: 2 problem(s), nothing was written." in err
    assert "invites.csv: row 3 (Jean Martin): unknown civilité « Dr »" in err
    assert "invites.csv: row 4 (Paul Durand): e-mail « paul.durand@ » is not an e-mail address" in err
    assert not (tmp_path / "out").exists()


def test_each_letter_greets_its_recipient_by_protocol_in_both_formats(merged):
    result, folder = merged
    for row in GOOD_ROWS:
        item = letter(result, row)
        salutation = SALUTATIONS[row]
        assert item.salutation == salutation
        words = normalize(docx_text(folder / f"{item.stem}.docx"))
        pdf = normalize("\n".join(pdf_page_text(p) for p in PdfReader(folder / f"{item.stem}.pdf").pages))
        for text in (words, pdf):
            assert normalize(salutation + ",") in text, (row, text[:400])
            if item.recipient.lang == "fr":  # the closing formula repeats it
                assert normalize(f"je vous prie de recevoir, {salutation}, l’expression") in text


def test_english_letters_follow_english_conventions(merged):
    result, folder = merged
    for row, greeting in ((7, "Dear Sir or Madam,"), (9, "Dear Mr Mayor,")):
        item = letter(result, row)
        for text in (docx_text(folder / f"{item.stem}.docx"),
                     "\n".join(pdf_page_text(p) for p in PdfReader(folder / f"{item.stem}.pdf").pages)):
            text = normalize(text)
            assert greeting in text
            assert "Paris, 25 January 2026" in text
            assert "Madame" not in text and "Monsieur" not in text and "Objet" not in text


def test_names_in_every_script_are_printed_in_docx_and_pdf(merged):
    result, folder = merged
    for row, expected in ((3, "Monsieur Valéry Giscard d'Estaing"), (7, "Seán O'Neill"), (7, "Roux & Fils <Conseil>"),
                          (8, "محمد"), (9, "Mr 太郎 山田"), (10, "Madame Thị Lan Nguyễn")):
        item = letter(result, row)
        assert expected in docx_text(folder / f"{item.stem}.docx")
        pdf = pdf_page_text(PdfReader(folder / f"{item.stem}.pdf").pages[0])
        if any("\u0600" <= ch <= "\u06ff" for ch in expected):  # right-to-left: compare the letters, not their order
            assert set(expected) <= set(pdf)
        else:
            assert expected in pdf, (expected, pdf[-300:])


def test_fallback_fonts_are_embedded_for_arabic_and_japanese(merged):
    result, folder = merged
    for row, font in ((8, "Noto-Sans-Arabic"), (9, "IPAexGothic")):
        fonts = pdf_fonts(folder / f"{letter(result, row).stem}.pdf")
        assert any(name.split("+")[-1] == font for name, _ in fonts), fonts
        assert all(embedded for _, embedded in fonts), fonts
        assert all(name.split("+")[-1].startswith(("Noto", "IPAex")) for name, _ in fonts), fonts


def window_words(path: Path):
    """Page 1's words inside the address area of the envelope window, and every other word of the page."""
    from eventdocs.envelope import window_layout
    from eventdocs.model import Envelope

    layout = window_layout(Envelope())
    words = pdf_word_boxes(path, 1)
    inside = [w for w in words if w.left < layout.reach.right and w.right > layout.reach.left
              and w.top < layout.reach.bottom and w.bottom > layout.reach.top]
    return layout, inside, [w for w in words if w not in inside]


@pytest.mark.parametrize("row", [2, 7, 19])  # a French address, one abroad in English, one abroad compacted
def test_only_the_address_shows_in_the_window_with_5mm_to_spare(merged, row):
    """A DL envelope's window (45 × 100 mm, 20 mm from the right, 15 mm from the bottom), the letter folded in
    three: wherever the letter sits, the window shows the return line and the address, 5 mm inside its edges,
    and nothing else (the date, the subject and the letterhead stay out of its reach)."""
    result, folder = merged
    recipient = letter(result, row).recipient
    layout, inside, outside = window_words(folder / f"{letter(result, row).stem}.pdf")
    assert " ".join(w.text for w in inside) == " ".join(
        ["Cités", "Unies", "France", "·", "9", "rue", "Christiani", "·", "75018", "Paris"]
        + " ".join(recipient.address).split())
    for word in inside:
        assert layout.address.left <= word.left and word.right <= layout.address.right, word
        assert layout.address.top <= word.top and word.bottom <= layout.address.bottom, word
    assert layout.address.left - layout.window.left >= 5 and layout.window.bottom - layout.address.bottom >= 5
    date = next(w for w in outside if w.text in ("Paris,", "janvier", "January"))
    assert date.top >= layout.reach.bottom and date.top > 99  # below the window's reach and the first fold


def test_the_pdf_letters_keep_the_letters_pdf_a_metadata_and_tags(merged):
    result, folder = merged
    reader = PdfReader(folder / f"{letter(result, 2).stem}.pdf")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr" and "/StructTreeRoot" in root and "/OutputIntents" in root
    assert reader.metadata.title == "Lettre d’invitation du président – Rencontres de l’AICT 2026"
    # the address is a paragraph of the structure tree, read after the letterhead
    document = root["/StructTreeRoot"]["/K"][0].get_object()
    address = document["/K"][1].get_object()
    assert address["/S"] == "/P" and address["/Pg"].get_object() == reader.pages[0]


def test_combined_pdfs_hold_every_letter_in_order_each_on_odd_pages(merged):
    result, folder = merged
    for lang in ("fr", "en"):
        letters = sorted((l for l in result.written if l.recipient.lang == lang), key=lambda l: l.recipient.row)
        pages = PdfReader(folder / f"letters-2026-{lang}.pdf").pages
        assert len(pages) == 2 * len(letters)  # two-page letters: no blank page needed
        for i, item in enumerate(letters):
            first = normalize(pdf_page_text(pages[2 * i]))
            assert normalize(item.salutation + ",") in first, (lang, i, first[:200])
            assert normalize(item.recipient.address[-1]) in first
            if not any("\u0600" <= ch <= "\u06ff" for ch in item.recipient.name):
                assert normalize(item.recipient.name) in first
            assert "SIRET" in normalize(pdf_page_text(pages[2 * i + 1]))


def test_the_combined_pdf_has_a_bookmark_per_letter(merged):
    result, folder = merged
    reader = PdfReader(folder / "letters-2026-en.pdf")
    titles = [item.title for item in reader.outline]
    assert titles == ["7. Seán O'Neill", "9. 太郎 山田"]
    assert [reader.get_destination_page_number(item) for item in reader.outline] == [0, 2]


def test_a_one_page_letter_is_followed_by_a_blank_page(project, tmp_path):
    """Duplex printing: every letter starts on a right-hand (odd) page."""
    path = project / "editions" / "2026.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  body:\n", text.index("\nletter:"))
    end = text.index("  closing:\n", start)
    path.write_text(text[:start] + "  body:\n    - fr: Une lettre courte.\n      en: A short letter.\n" + text[end:],
                    encoding="utf-8")
    spreadsheet = write_csv(tmp_path / "invites.csv", [ROWS[0], ROWS[1], ROWS[3]])
    result = merge_letters(Project(project), 2026, spreadsheet, tmp_path / "out")
    reader = PdfReader(result.folder / "letters-2026-fr.pdf")
    assert len(reader.pages) == 6
    for i, row in enumerate((2, 3, 5)):
        assert normalize(SALUTATIONS[row]) in normalize(pdf_page_text(reader.pages[2 * i]))
        assert pdf_page_text(reader.pages[2 * i + 1]).strip() == ""
    assert len(PdfReader(result.folder / f"{letter(result, 2).stem}.pdf").pages) == 1


# --- running again ----------------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.suffix in (".pdf", ".docx")}


def test_running_again_redoes_only_what_is_missing_or_changed(project, tmp_path):
    rows = [ROWS[0], ROWS[1], ROWS[3]]
    spreadsheet = write_csv(tmp_path / "invites.csv", rows)
    out = tmp_path / "out"
    first = merge_letters(Project(project), 2026, spreadsheet, out)
    folder = first.folder
    assert len(first.written) == 3
    before = snapshot(folder)

    again = merge_letters(Project(project), 2026, spreadsheet, out)
    assert again.written == [] and len(again.unchanged) == 3
    assert snapshot(folder) == before
    assert all(not rewritten for _, _, rewritten in again.combined)

    (folder / "0003-giscard-d-estaing-valery.pdf").unlink()
    redone = merge_letters(Project(project), 2026, spreadsheet, out)
    assert [l.stem for l in redone.written] == ["0003-giscard-d-estaing-valery"]
    after = snapshot(folder)
    # the letter is made again; its DOCX came out identical, so it was not even rewritten
    assert {n for n in after if after[n] != before.get(n)} == {"0003-giscard-d-estaing-valery.pdf"}

    rows[2] = rows[2][:5] + ["16 avenue Robert Schuman"] + rows[2][6:]  # the ambassador moved
    write_csv(spreadsheet, rows)
    moved = merge_letters(Project(project), 2026, spreadsheet, out)
    assert [l.stem for l in moved.written] == ["0004-diallo-mamadou"]
    assert "16 avenue Robert Schuman" in docx_text(folder / "0004-diallo-mamadou.docx")
    assert [path.name for path, _, rewritten in moved.combined if rewritten] == ["letters-2026-fr.pdf"]

    css = project / "templates" / "css" / "letter.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* a change */\n", encoding="utf-8")
    restyled = merge_letters(Project(project), 2026, spreadsheet, out)
    assert len(restyled.written) == 3

    write_csv(spreadsheet, rows[:2])
    fewer = merge_letters(Project(project), 2026, spreadsheet, out)
    assert sorted(p.name for p in fewer.removed) == ["0004-diallo-mamadou.docx", "0004-diallo-mamadou.pdf"]
    assert not (folder / "0004-diallo-mamadou.pdf").exists()


def test_an_interrupted_run_leaves_no_half_file_and_the_next_one_finishes(project, tmp_path, monkeypatch):
    spreadsheet = write_csv(tmp_path / "invites.csv", [ROWS[0], ROWS[1], ROWS[3]])
    out = tmp_path / "out"
    real = stages._State.write_person
    calls = []

    def interrupted(self, item, *args):
        calls.append(item.stem)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second letter is being written
        return real(self, item, *args)

    monkeypatch.setattr(stages._State, "write_person", interrupted)
    with pytest.raises(KeyboardInterrupt):
        merge_letters(Project(project), 2026, spreadsheet, out)
    folder = out / "2026" / "letters"
    assert [p.name for p in letter_files(folder)] == ["0002-hidalgo-anne.docx", "0002-hidalgo-anne.pdf"]
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]
    assert not (folder / "letters-2026-fr.pdf").exists()
    assert len(PdfReader(folder / "0002-hidalgo-anne.pdf").pages) == 2

    monkeypatch.setattr(stages._State, "write_person", real)
    finished = merge_letters(Project(project), 2026, spreadsheet, out)
    assert [l.stem for l in finished.written] == ["0003-giscard-d-estaing-valery", "0004-diallo-mamadou"]
    assert (folder / "letters-2026-fr.pdf").exists()


def test_partial_files_of_a_killed_run_are_removed(tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", [ROWS[0]])
    folder = tmp_path / "out" / "2026" / "letters"
    folder.mkdir(parents=True)
    (folder / ".0002-hidalgo-anne.pdf.k3j4.part").write_bytes(b"%PDF-1.7 half")
    merge_letters(Project(shared_project()), 2026, spreadsheet, tmp_path / "out")
    assert not [p for p in folder.iterdir() if p.name.endswith(".part")]


@pytest.mark.slow
def test_merged_docx_open_in_libreoffice(merged, tmp_path):
    result, folder = merged
    documents = [folder / f"{letter(result, row).stem}.docx" for row in (2, 8, 9)]
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, documents)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for document in documents:
        converted = tmp_path / (document.stem + ".pdf")
        assert converted.exists(), done.stdout
        assert "Cités Unies France" in normalize(pdf_page_text(PdfReader(converted).pages[0]) +
                                                 pdf_page_text(PdfReader(converted).pages[-1]))
