"""Hostile recipients files: no row is ever lost without a word, no traceback, no raw binary in a message;
and whatever the bytes, the reader gives rows (good or rejected with their reason) or raises RecipientsError."""

from __future__ import annotations

import csv
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventdocs.errors import RecipientsError
from eventdocs.recipients import load_protocol, read_recipients
from hostile import HEADERS, ROOT, ROWS, many_rows, snapshot, write_csv, write_xlsx


@pytest.fixture(scope="module")
def protocol():
    return load_protocol(ROOT / "tests/fixtures/reference/editions", ROOT)


def merge(run, spreadsheet, out, *extra):
    return run("merge", "2026", spreadsheet, "--output", out, *extra)


def refused(run, spreadsheet, out) -> str:
    code, _, err = merge(run, spreadsheet, out)
    assert code == 1, err
    assert "Traceback" not in err and "nothing was written" in err
    assert not out.exists()
    return err


def test_a_stray_quote_loses_one_row_with_its_line_never_the_rows_after_it(run, tmp_path):
    rows = many_rows(40)
    spreadsheet = write_csv(tmp_path / "invites.csv", rows)
    text = spreadsheet.read_text(encoding="utf-8-sig").replace(";Jean5;", ';"Jean5;', 1)
    spreadsheet.write_text(text, encoding="utf-8-sig")
    code, out, err = merge(run, spreadsheet, tmp_path / "out")
    assert code == 0, err
    assert "39 letter(s) (39 fr): 39 written" in out
    assert "1 row(s) rejected" in out
    assert 'row 7 (line 7): has a quotation mark that opens a cell never closed (« M.;"Jean5;Martin5;' in out
    letters = sorted(p.name for p in (tmp_path / "out/2026/letters").glob("*.pdf") if p.name[0].isdigit())
    assert len(letters) == 39 and "0006-martin4-jean4.pdf" in letters and "0008-martin6-jean6.pdf" in letters
    report = list(csv.reader(io.StringIO((tmp_path / "out/2026/letters/merge-report.csv").read_text("utf-8-sig")),
                             delimiter=";"))
    assert [line[4] for line in report[1:]].count("rejected") == 1 and len(report) == 41
    # --strict stops before writing anything
    code, _, err = merge(run, spreadsheet, tmp_path / "strict", "--strict")
    assert code == 1 and "invites.csv: row 7 (line 7): has a quotation mark" in err and not (tmp_path / "strict").exists()


def test_a_quoted_cell_with_line_breaks_is_still_one_cell(protocol, tmp_path):
    rows = [["Madame", "Anne", "Hidalgo", "", "Hôtel de Ville\nPlace Baudoyer", "75004", "Paris", "", "", ""]]
    result = read_recipients(write_csv(tmp_path / "invites.csv", rows + many_rows(3)), protocol)
    assert not result.rejected and len(result.recipients) == 4
    assert result.recipients[0].address[1] == "Hôtel de Ville Place Baudoyer"


def test_a_cell_longer_than_the_csv_limit_is_a_rejected_line(run, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", many_rows(3))
    with open(spreadsheet, "a", encoding="utf-8") as handle:
        handle.write("M.;" + "x" * 200_000 + ";Martin;;1 rue;75018;Paris;;;\r\n")
        handle.write("M.;Paul;Petit;;2 rue;75018;Paris;;;\r\n")
    code, out, err = merge(run, spreadsheet, tmp_path / "out")
    assert code == 0, err
    assert "4 letter(s)" in out
    assert "row 5 (line 5): holds a cell of more than 131,072 characters" in out


def test_a_folder_given_as_the_spreadsheet(run, tmp_path):
    (tmp_path / "invites.csv").mkdir()
    assert "invites.csv: is a folder, not a spreadsheet" in refused(run, tmp_path / "invites.csv", tmp_path / "out")


def test_a_binary_file_named_csv_echoes_no_binary(run, tmp_path):
    spreadsheet = tmp_path / "invites.csv"
    spreadsheet.write_bytes(bytes(range(256)) * 40)
    err = refused(run, spreadsheet, tmp_path / "out")
    assert "invites.csv: is not a text file (it holds binary data)" in err
    assert err.isprintable() or all(ch.isprintable() or ch in "\n" for ch in err)


def test_an_xlsx_named_csv_is_recognised_and_no_binary_is_echoed(run, tmp_path):
    spreadsheet = write_xlsx(tmp_path / "invites.xlsx", many_rows(2)).rename(tmp_path / "invites.csv")
    err = refused(run, spreadsheet, tmp_path / "out")
    assert "invites.csv: is an Excel workbook (or another ZIP file) named .csv; rename it to .xlsx" in err
    assert all(ch.isprintable() or ch == "\n" for ch in err)


def test_a_text_file_named_xlsx(run, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", many_rows(2)).rename(tmp_path / "invites.xlsx")
    assert "invites.xlsx: is not an Excel workbook" in refused(run, spreadsheet, tmp_path / "out")


def test_a_decompression_bomb_is_refused_before_unpacking(run, tmp_path):
    spreadsheet = write_xlsx(tmp_path / "invites.xlsx", many_rows(2))
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(spreadsheet) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":  # 200 MB of blank padding: about 200 KB packed
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (200 << 20), 1)
            target.writestr(entry.filename, data)
    assert bomb.stat().st_size < 2 << 20
    tracemalloc.start()
    try:
        err = refused(run, bomb, tmp_path / "out")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "bomb.xlsx: unpacks to 200 MB" in err and "far more than a list of recipients" in err
    assert peak < 64 << 20


def test_an_old_xls_workbook_and_a_pdf(run, tmp_path):
    (tmp_path / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert "old.xlsx: is an Excel 97-2003 workbook (.xls)" in refused(run, tmp_path / "old.xlsx", tmp_path / "out")
    (tmp_path / "list.csv").write_bytes(b"%PDF-1.7\n%\xe2\xe3\n")
    assert "list.csv: is a PDF, not a spreadsheet" in refused(run, tmp_path / "list.csv", tmp_path / "out")


def test_a_damaged_workbook(run, tmp_path):
    spreadsheet = write_xlsx(tmp_path / "invites.xlsx", many_rows(2))
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(spreadsheet) as source, zipfile.ZipFile(damaged, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            target.writestr(entry.filename, data[: len(data) // 2] if entry.filename.endswith("sheet1.xml") else data)
    assert "damaged.xlsx: is a damaged Excel workbook" in refused(run, damaged, tmp_path / "out")


def test_lines_in_two_encodings_are_named_rather_than_printed_as_question_marks(run, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", many_rows(2) + [ROWS[0]])
    data = spreadsheet.read_bytes().replace("Hôtel".encode(), "Hôtel".encode("cp1252"))
    spreadsheet.write_bytes(data)
    err = refused(run, spreadsheet, tmp_path / "out")
    assert "invites.csv: line 4 is not UTF-8 although the file starts with the UTF-8 mark" in err or \
           "invites.csv: line 4 is not UTF-8, unlike the rest of the file" in err


def test_a_utf16_csv_as_excel_saves_unicode_text_is_read(protocol, tmp_path):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows([HEADERS] + ROWS)
    (tmp_path / "invites.txt").write_bytes(buffer.getvalue().encode("utf-16"))
    result = read_recipients(tmp_path / "invites.txt", protocol)
    assert [r.last_name for r in result.recipients] == ["Hidalgo", "Giscard d'Estaing", "Diallo", "O'Neill"]


def test_a_row_with_more_cells_than_headers_is_shown_not_shifted(protocol, tmp_path):
    spreadsheet = write_csv(tmp_path / "invites.csv", many_rows(2))
    with open(spreadsheet, "a", encoding="utf-8") as handle:
        handle.write("M.;Paul;Petit;Mairie; annexe;2 rue;75018;Paris;;;\r\n")  # an unquoted ; in a cell
    result = read_recipients(spreadsheet, protocol)
    assert len(result.recipients) == 2
    assert [r.row for r in result.rejected] == [4]
    assert "has 11 cells where the other lines have 10" in result.rejected[0].reason


# --- whatever the input -----------------------------------------------------------------------------------------

CSV_PIECES = st.sampled_from([";", ",", "\t", '"', '""', "\r\n", "\n", "\r", "=", "+33", "@", "M.", "Madame", "é",
                              "\x00", "\x0b", "\ufeff", "75018", "Paris", "x" * 50]) | st.text(max_size=5)
HEADER_LINE = ";".join(HEADERS) + "\r\n"


def _read_bounded(protocol, path: Path):
    tracemalloc.start()
    try:
        try:
            result = read_recipients(path, protocol)
        except RecipientsError as exc:
            assert exc.problems
            assert all(all(ch.isprintable() for ch in str(p)) for p in exc.problems)
        else:
            assert all(r.reason for r in result.rejected)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600))
def test_any_bytes_named_csv_give_rows_or_a_recipients_error(protocol, tmp_path, data):
    path = tmp_path / "invites.csv"
    path.write_bytes(data)
    _read_bounded(protocol, path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(CSV_PIECES, max_size=80))
def test_any_csv_like_text_gives_rows_or_a_recipients_error(protocol, tmp_path, pieces):
    path = tmp_path / "invites.csv"
    path.write_bytes((HEADER_LINE + "".join(pieces)).encode("utf-8", errors="surrogatepass"))
    _read_bounded(protocol, path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(max_size=12), min_size=10, max_size=10), max_size=8))
def test_rows_written_by_a_csv_writer_are_never_lost(protocol, tmp_path, rows):
    """Whatever the cells hold (quotes, delimiters, line breaks), every row is read or rejected with a reason."""
    path = write_csv(tmp_path / "invites.csv", rows)
    try:
        result = read_recipients(path, protocol)
    except RecipientsError:
        return
    non_empty = [r for r in rows if any(cell.strip() for cell in r)]
    assert len(result.recipients) + len(result.rejected) >= len(non_empty)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(max_size=12), min_size=10, max_size=10), max_size=5))
def test_any_cells_of_a_workbook_give_rows_or_a_recipients_error(protocol, tmp_path, rows):
    from openpyxl.utils.exceptions import IllegalCharacterError

    try:
        path = write_xlsx(tmp_path / "invites.xlsx", rows)
    except IllegalCharacterError:
        return  # Excel cannot hold it either
    _read_bounded(protocol, path)
    assert snapshot(tmp_path)  # the workbook is still there, untouched by reading
