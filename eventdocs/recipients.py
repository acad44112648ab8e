"""The recipients of a mail merge, read from the officer's spreadsheet and checked row by row.

``read_recipients`` is the whole story: read the table (XLSX, or CSV as Excel
writes it) → find the columns from their headers (French or English, case,
accents and spacing ignored) → check each row → build its postal address
block and its salutation (from the protocol table, editions/protocole.yaml).

A row that cannot make a good letter (no name, unknown civilité, a formula
instead of text...) is not an error of the whole file: it is kept aside as a
``Rejected`` row with its number and the reason, and the other rows go on.
Only a file that cannot be used at all raises ``RecipientsError``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

from .errors import EditionError, Problem, RecipientsError
from .fonts import unprintable
from .load import SourceMap, is_utf8, preview, read_yaml

PROTOCOL_FILE = "protocole.yaml"

#: La Poste (NF Z10-011): an address block has at most 6 lines of at most 38 characters
MAX_LINES, MAX_LINE_LENGTH = 6, 38


@dataclass(frozen=True)
class Column:
    """One column the merge reads: its key, the header shown to the officer, and its aliases."""

    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool = False


COLUMNS = (
    Column("title", "civilité", ("civilite", "civ", "title", "civility", "honorific"), required=True),
    Column("first_name", "prénom", ("prenom", "firstname", "givenname", "forename"), required=True),
    Column("last_name", "nom", ("nom", "nomdefamille", "lastname", "surname", "familyname", "name"), required=True),
    Column("function", "fonction", ("fonction", "qualite", "function", "position", "jobtitle", "role")),
    Column("organisation", "collectivité/organisation",
           ("collectivite", "organisation", "collectiviteorganisation", "organisme", "structure", "institution",
            "organization", "authority", "localauthority")),
    Column("address1", "adresse 1", ("adresse1", "adresse", "address1", "address", "addressline1", "street"),
           required=True),
    Column("address2", "adresse 2", ("adresse2", "complementdadresse", "address2", "addressline2")),
    Column("address3", "adresse 3", ("adresse3", "address3", "addressline3")),
    Column("postcode", "code postal", ("codepostal", "cp", "postalcode", "postcode", "zip", "zipcode"), required=True),
    Column("city", "ville", ("ville", "commune", "localite", "city", "town"), required=True),
    Column("country", "pays", ("pays", "country")),
    Column("email", "e-mail", ("email", "courriel", "mail", "adresseemail", "adresseelectronique", "emailaddress")),
    Column("lang", "langue", ("langue", "language", "lang")),
    Column("salutation", "formule d'appel", ("formuledappel", "formule", "appel", "salutation")),
    Column("category", "catégorie", ("categorie", "category", "categories", "profil", "type", "statut")),
    Column("present", "présent", ("present", "presente", "presence", "attended", "attendance")),
    Column("registration", "n° d'inscription",
           ("ndinscription", "noinscription", "numerodinscription", "inscription", "numero", "registration",
            "registrationnumber", "registrationno", "registrationid", "ticket", "badgeid")),
)
COLUMN_HEADERS = {c.key: c.header for c in COLUMNS}
#: the columns a letter needs (another document says which it needs: a badge needs no postal address)
LETTER_COLUMNS = tuple(c.key for c in COLUMNS if c.required)
#: what « présent » may say
PRESENT_WORDS = {True: {"oui", "o", "x", "1", "yes", "y", "present", "presente", "vrai", "true"},
                 False: {"", "non", "n", "0", "no", "absent", "absente", "faux", "false"}}


@dataclass(frozen=True)
class RowRules:
    """What a document needs of each row: its required columns, a postal address, a known category."""

    required: tuple[str, ...] = LETTER_COLUMNS
    address: bool = True
    #: the category named in a cell (id or label) -> its id, or None when unknown; None: no categories checked
    category_of: Callable[[str], str | None] | None = None
    categories: tuple[str, ...] = ()  # the ids, for the message of an unknown one

LETTER_RULES = RowRules()

LANGUAGE_WORDS = {
    "fr": {"", "fr", "fra", "francais", "french", "f"},
    "en": {"en", "eng", "anglais", "english", "gb", "uk", "e"},
}
FRANCE = {"", "france", "fr", "fra", "francemetropolitaine", "guadeloupe", "martinique", "guyane", "reunion",
          "lareunion", "mayotte"}
EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\].]{2,}$")
#: characters an XML document (DOCX) cannot hold, and other controls a printed letter has no use for
#: the civilité in the address block: in full in French, British style in English
TITLE_WORDS = {"fr": {"madame": "Madame", "monsieur": "Monsieur"}, "en": {"madame": "Ms", "monsieur": "Mr"}}
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Recipient:
    """One person a letter is written to, checked and ready to print."""

    row: int
    title: str  # "madame", "monsieur" or "" (unknown: generic salutation)
    first_name: str
    last_name: str
    lang: str
    salutation: str | None  # None: the edition's generic salutation
    address: tuple[str, ...]  # the lines in the envelope window
    email: str = ""
    #: how the address was compacted to fit in six lines (« function joined to the name line »…)
    compacted: tuple[str, ...] = ()
    #: name and postal address compared loosely: two rows with the same identity are one person
    identity: tuple[str, ...] = field(default=(), compare=False, repr=False)
    function: str = ""
    organisation: str = ""
    country: str = ""
    category: str = ""  # a category id of the edition, or "" (none given)
    present: bool = False  # column « présent »: came to the event (certificates)
    registration: str = ""  # column « n° d'inscription »

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class Rejected:
    """A row of the spreadsheet that makes no letter, and why."""

    row: int
    who: str
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass
class RecipientList:
    """What a spreadsheet gives: the good rows, the rejected ones, and where it came from."""

    source: str  # "invites.xlsx" or "invites.xlsx (sheet Invités)"
    recipients: list[Recipient] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def problems(self, display: str) -> list[Problem]:
        """Every rejected row as a problem (for --strict)."""
        return [Problem(f"row {r.row} ({r.who}): {r.reason}", file=display) for r in self.rejected]


# --- the protocol table ----------------------------------------------------------------------


@dataclass(frozen=True)
class Protocol:
    """Salutations by civilité and function, from editions/protocole.yaml."""

    titles: dict[str, str]  # normalised spelling -> "madame" / "monsieur"
    spellings: dict[str, tuple[str, ...]]  # "madame" -> how the officer may write it
    without_function: dict[str, dict[str, str]]  # "madame" -> {"fr": ..., "en": ...}
    functions: tuple[tuple[tuple[str, ...], dict[str, dict[str, str]]], ...]  # (words, salutations)

    def title_of(self, text: str) -> str | None:
        """``madame``, ``monsieur``, ``""`` for an empty cell, or None when unknown."""
        key = _key(text)
        return "" if not key else self.titles.get(key)

    def salutation(self, title: str, function: str, lang: str) -> str | None:
        """The salutation for this civilité and function in ``lang``; None: use the generic one."""
        if not title:
            return None
        words = _words(function)
        for prefixes, salutations in self.functions:
            if any(words == p or words.startswith(p + " ") for p in prefixes):
                return salutations[title][lang]
        return self.without_function[title][lang]


def load_protocol(editions: Path, root: Path) -> Protocol:
    """Read editions/protocole.yaml, reporting every problem with its line."""
    path = editions / PROTOCOL_FILE
    display = _display(path, root)
    sources = SourceMap()
    data = read_yaml(path, display, sources)
    problems: list[Problem] = []

    def need(value, where: tuple, kind: type, what: str):
        if not isinstance(value, kind):
            problems.append(sources.problem(where, f"expected {what}"))
            return False
        return True

    if not need(data, (), dict, "the keys civilites, sans_fonction and fonctions"):
        raise EditionError(problems)
    titles, spellings = {}, {}
    civilites = data.get("civilites")
    if need(civilites, ("civilites",), dict, "madame: [...] and monsieur: [...]"):
        for title in ("madame", "monsieur"):
            written = civilites.get(title)
            if need(written, ("civilites", title), list, f"the ways to write {title.capitalize()}, as a list"):
                spellings[title] = tuple(str(w) for w in written)
                titles.update({_key(str(w)): title for w in written})

    def salutations(node, where: tuple) -> dict[str, dict[str, str]]:
        result = {}
        for title in ("madame", "monsieur"):
            pair = node.get(title) if isinstance(node, dict) else None
            if need(pair, where + (title,), dict, "a salutation in French and English: {fr: ..., en: ...}"):
                missing = [lang for lang in ("fr", "en") if not isinstance(pair.get(lang), str) or not pair[lang].strip()]
                if missing:
                    problems.append(sources.problem(where + (title,), f"no salutation in {', '.join(missing)}"))
                result[title] = {lang: str(pair.get(lang, "")).strip() for lang in ("fr", "en")}
        return result

    without_function = salutations(data.get("sans_fonction"), ("sans_fonction",))
    functions = []
    entries = data.get("fonctions")
    if need(entries, ("fonctions",), list, "a list of '- mots: [...]' entries"):
        for i, entry in enumerate(entries):
            where = ("fonctions", i)
            if not need(entry, where, dict, "mots:, madame: and monsieur:"):
                continue
            words = entry.get("mots")
            if need(words, where + ("mots",), list, "the words that start the function, as a list"):
                functions.append((tuple(_words(str(w)) for w in words), salutations(entry, where)))
    if problems:
        raise EditionError(problems)
    return Protocol(titles, spellings, without_function, tuple(functions))


# --- reading the spreadsheet -----------------------------------------------------------------


@dataclass
class Cell:
    """The text of one cell, and whether Excel held a formula there."""

    text: str
    formula: bool = False


def read_recipients(path: Path, protocol: Protocol, sheet: str | None = None,
                    font_coverage: frozenset[int] | None = None, rules: RowRules = LETTER_RULES) -> RecipientList:
    """Read and check every row of an XLSX or CSV file of recipients.

    ``font_coverage``: the characters the bundled fonts can print; a row using
    another one is rejected rather than printed with a missing-glyph box.
    ``rules``: the columns the document needs and what it checks (a letter's by default).
    Whatever the file holds, this returns the rows (each good or rejected with
    its reason) or raises ``RecipientsError``, in bounded time and memory.
    """
    headers, rows, source = read_table(path, sheet)
    columns = map_columns(headers, path.name, rules.required)
    result = RecipientList(source)
    seen: dict[tuple, int] = {}
    for row in rows:
        if row.problem:
            result.rejected.append(Rejected(row.number, f"line {row.line}", (row.problem,)))
            continue
        values = {key: row.cells[index] if index < len(row.cells) else Cell("") for key, index in columns.items()}
        if not any(v.text for v in values.values()):
            continue  # an empty row (Excel often keeps a few at the end)
        outcome = check_row(row.number, values, protocol, font_coverage, rules)
        if isinstance(outcome, Recipient):
            key = outcome.identity
            if key in seen:
                same = "same name and address" if rules.address else "same name, organisation and e-mail"
                outcome = Rejected(row.number, outcome.name, (f"duplicate of row {seen[key]} ({same})",))
            else:
                seen[key] = row.number
        (result.recipients if isinstance(outcome, Recipient) else result.rejected).append(outcome)
    return result


@dataclass
class Row:
    """One row of the table: its number (as Excel numbers rows), its cells, or why it could not be read."""

    number: int
    cells: list[Cell]
    problem: str | None = None
    line: int = 0  # the line of the file where it starts (CSV), for a row that could not be read


#: a recipients list of 10,000 rows is a few megabytes; a bigger file (or a workbook unpacking to more) is not one
MAX_SPREADSHEET_BYTES = 64 * 1024 * 1024
#: a cell may hold line breaks (an address typed with Alt+Enter), not a whole file
MAX_CELL_LINES = 20
#: the first bytes of the files people give instead of a spreadsheet
SIGNATURES = ((b"PK\x03\x04", "zip"), (b"\xd0\xcf\x11\xe0", "ole"), (b"%PDF", "pdf"))


def read_table(path: Path, sheet: str | None = None) -> tuple[list[str], list[Row], str]:
    """Headers, every other row, and a description of the source."""
    display = path.name or str(path)
    if not path.exists():
        raise RecipientsError(Problem("file not found", file=str(path)))
    if path.is_dir():
        raise RecipientsError(Problem("is a folder, not a spreadsheet; give the .xlsx or .csv file itself",
                                      file=str(path)))
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise RecipientsError(Problem(f"cannot read '{preview(path.suffix, 20)}' files; save the spreadsheet as "
                                      ".xlsx or .csv", file=display))
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            kind = _kind(handle.read(8))
    except OSError as exc:
        raise RecipientsError(Problem(f"cannot be read: {exc.strerror}", file=display)) from None
    if size > MAX_SPREADSHEET_BYTES:
        raise RecipientsError(Problem(f"is {size / 1024 / 1024:.0f} MB: too big for a list of recipients "
                                      f"(at most {MAX_SPREADSHEET_BYTES // 1024 // 1024} MB)", file=display))
    if kind == "ole":
        raise RecipientsError(Problem("is an Excel 97-2003 workbook (.xls); open it in Excel and save it as .xlsx",
                                      file=display))
    if kind == "pdf":
        raise RecipientsError(Problem("is a PDF, not a spreadsheet; give the .xlsx or .csv file", file=display))
    if suffix in (".xlsx", ".xlsm"):
        if kind != "zip":
            raise RecipientsError(Problem("is not an Excel workbook (an .xlsx file is a ZIP archive; this one is not: "
                                          "a CSV file renamed?); save it from Excel as .xlsx", file=display))
        return _read_xlsx(path, sheet)
    if kind == "zip":
        raise RecipientsError(Problem(f"is an Excel workbook (or another ZIP file) named {suffix}; rename it to .xlsx "
                                      "or save it from Excel as CSV", file=display))
    if sheet:
        raise RecipientsError(Problem("--sheet is for XLSX workbooks; a CSV file has a single table", file=display))
    return _read_csv(path, display)


def _kind(start: bytes) -> str:
    return next((kind for signature, kind in SIGNATURES if start.startswith(signature)), "text")


#: what openpyxl raises, depending on the part, for a workbook damaged (or made up) inside its ZIP archive
DAMAGED_WORKBOOK = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError, IndexError, AttributeError,
                    SyntaxError, EOFError, OSError)


def _read_xlsx(path: Path, sheet: str | None):
    from openpyxl import load_workbook

    display = path.name
    _check_archive(path, display)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except DAMAGED_WORKBOOK as exc:
        raise RecipientsError(Problem(f"is a damaged Excel workbook ({preview(str(exc), 80)}); open it in Excel and "
                                      "save it again as .xlsx", file=display)) from None
    try:
        if sheet is None:
            if not workbook.worksheets:
                raise RecipientsError(Problem("the workbook has no sheet", file=display))
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise RecipientsError(Problem(
                f"no sheet named '{preview(sheet, 40)}'; the sheets are: "
                f"{', '.join(preview(n, 40) for n in workbook.sheetnames)}", file=display))
        rows = []
        headers = None
        try:
            for number, row in enumerate(worksheet.iter_rows(), start=1):
                cells = [_xlsx_cell(cell) for cell in row]
                if headers is None:
                    if any(c.text for c in cells):
                        headers = [c.text for c in cells]
                    continue
                rows.append(Row(number, cells))
        except DAMAGED_WORKBOOK as exc:
            raise RecipientsError(Problem(f"is a damaged Excel workbook ({preview(str(exc), 80)}); open it in Excel "
                                          "and save it again as .xlsx", file=display)) from None
        source = (display if sheet is None and len(workbook.sheetnames) == 1
                  else f"{display} (sheet {preview(worksheet.title, 40)})")
    finally:
        workbook.close()
    if headers is None:
        raise RecipientsError(Problem("the sheet is empty; the first row must hold the column headers", file=display))
    return headers, rows, source


def _check_archive(path: Path, display: str) -> None:
    """Refuse a ZIP archive that is no workbook, or that unpacks to far more than any list of recipients."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as exc:
        raise RecipientsError(Problem(f"is a damaged Excel workbook ({preview(str(exc), 80)}); open it in Excel and "
                                      "save it again as .xlsx", file=display)) from None
    names = {e.filename for e in entries}
    if "xl/workbook.xml" not in names:
        other = ("a Word document" if "word/document.xml" in names
                 else "a LibreOffice spreadsheet (.ods)" if "content.xml" in names else "a ZIP archive")
        raise RecipientsError(Problem(f"is {other}, not an Excel workbook; save the spreadsheet as .xlsx", file=display))
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_SPREADSHEET_BYTES or len(entries) > 10_000:
        raise RecipientsError(Problem(
            f"unpacks to {unpacked / 1024 / 1024:,.0f} MB in {len(entries):,} parts: far more than a list of "
            "recipients (a damaged or booby-trapped file?); save the list again from Excel", file=display))


def _xlsx_cell(cell) -> Cell:
    value = getattr(cell, "value", None)
    if value is None:
        return Cell("")
    if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
        return Cell(str(value), formula=True)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "strftime"):
        try:
            value = value.strftime("%d/%m/%Y")
        except ValueError:  # a date before year 1000 or a time: keep Python's own spelling
            pass
    return Cell(str(value).strip())


def _read_csv(path: Path, display: str):
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecipientsError(Problem(f"cannot be read: {exc.strerror}", file=display)) from None
    sample = data[:65536]
    if not sample.startswith((b"\xff\xfe", b"\xfe\xff")) and (b"\x00" in sample or
                                                             len(BINARY.findall(sample)) > len(sample) // 100):
        raise RecipientsError(Problem("is not a text file (it holds binary data); save the spreadsheet from Excel as "
                                      ".xlsx or CSV", file=display))
    text = decode_csv(data, display)
    if not text.strip():
        raise RecipientsError(Problem("the file is empty; the first line must hold the column headers", file=display))
    lines = list(io.StringIO(text, newline=""))
    first_line = next((line for line in lines if line.strip()), "")
    delimiter = max(";,\t", key=first_line.count)
    headers = None
    records = []
    number = 0
    for line, cells, problem in csv_records(lines, delimiter, lambda: len(headers) if headers else 0):
        number += 1
        if headers is None:
            if problem:
                raise RecipientsError(Problem(f"the header line {problem}", file=display, line=line))
            if any(cell.strip() for cell in cells):
                headers = [cell.strip() for cell in cells]
            continue
        records.append((number, line, cells, problem))
    # Excel writes as many cells on every line: a line with more has a delimiter inside a cell without quotes,
    # and its cells after it would land in the wrong columns
    lengths = Counter(len(cells) for _, _, cells, problem in records if not problem and any(c.strip() for c in cells))
    width = max([len(headers or [])] + [n for n, _ in lengths.most_common(1)])
    rows = []
    for number, line, cells, problem in records:
        if not problem and len(cells) > width:
            problem = (f"has {len(cells)} cells where the other lines have {width}: a « {delimiter} » inside a cell "
                       "must be within quotation marks, or the cells after it land in the wrong columns")
        if problem:
            rows.append(Row(number, [], problem, line))
        else:
            rows.append(Row(number, [Cell(v.strip(), formula=v.strip().startswith("=")) for v in cells]))
    return headers or [], rows, display


#: control bytes no text file holds (more than a few of them: the file is binary)
BINARY = re.compile(b"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def csv_records(lines: list[str], delimiter: str, width) -> Iterator[tuple[int, list[str], str | None]]:
    """(line number, cells, problem) of every record, as Excel reads them (a quoted cell may hold line breaks).

    A record that cannot be read (a quotation mark never closed swallows the
    lines after it; a cell bigger than the csv module allows) comes with its
    problem and no cells, and reading goes on at the next line: one bad line
    never takes the rows after it with it. ``width()`` is the number of
    columns of the header line (0 before it is read).
    """
    position = 0
    while position < len(lines):
        window = lines[position:position + MAX_CELL_LINES]
        reader = csv.reader(iter(window), delimiter=delimiter)
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = ("holds a cell of more than 131,072 characters (a stray quotation mark, or not a list of "
                      "recipients?)" if "field larger" in str(exc) else f"cannot be read as CSV ({exc})")
            yield position + 1, [], reason
            position += 1
            continue
        used = reader.line_num
        if used > 1 and _swallowed(cells, used, len(window), delimiter, width()):
            yield position + 1, [], (
                f"has a quotation mark that opens a cell never closed (\u00ab {preview(window[0], 40)} \u00bb): it "
                f"would swallow the next lines; delete the quotation mark (or close it) and save again")
            position += 1
            continue
        yield position + 1, cells, None
        position += used


def _swallowed(cells: list[str], used: int, available: int, delimiter: str, width: int) -> bool:
    """Whether a record spanning several lines is a stray quotation mark rather than a cell with line breaks."""
    if used >= MAX_CELL_LINES or (used == available and any(c.endswith(("\n", "\r")) for c in cells)):
        return True  # still open at the end of what it may take
    if width and len(cells) != width:
        return True
    return any(line.count(delimiter) >= max(width - 1, 2) for cell in cells if "\n" in cell or "\r" in cell
               for line in cell.splitlines())


def decode_csv(data: bytes, display: str = "") -> str:
    """CSV bytes as Excel writes them: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252.

    Bytes that fit none of them raise ``RecipientsError`` naming the lines,
    rather than turning a name into « ? ».
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RecipientsError(Problem("is damaged UTF-16 text; save the spreadsheet again as CSV UTF-8",
                                          file=display)) from None
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data[3:].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data[3:].split(b"\n") if bom else data.split(b"\n")
    bad = [n for n, line in enumerate(lines, start=1) if not is_utf8(line)]
    utf8 = bom or any(is_utf8(line) and not line.isascii() for line in lines)
    if not utf8:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    what = ("neither UTF-8 nor Windows-1252 text" if not utf8
            else "not UTF-8, unlike the rest of the file (two encodings mixed?)")
    problems = [Problem(f"line {n} is {what}: \u00ab {preview(lines[n - 1].decode('cp1252', errors='replace'))} "
                        "\u00bb; save the spreadsheet again as \u00ab CSV UTF-8 \u00bb", file=display)
                for n in bad[:10]]
    if len(bad) > 10:
        problems.append(Problem(f"\u2026 and {len(bad) - 10} more line(s)", file=display))
    raise RecipientsError(problems)


def map_columns(headers: list[str], display: str, required: tuple[str, ...] = LETTER_COLUMNS) -> dict[str, int]:
    """Which column holds which field, found from the headers; every ``required`` one must be there."""
    by_alias = {alias: column.key for column in COLUMNS for alias in column.aliases}
    found: dict[str, int] = {}
    problems = []
    for index, header in enumerate(headers):
        key = by_alias.get(_key(header))
        if key is None:
            continue
        if key in found:
            problems.append(Problem(
                f"two columns are « {COLUMN_HEADERS[key]} »: '{preview(headers[found[key]], 40)}' and "
                f"'{preview(header, 40)}'; keep one",
                file=display))
        found.setdefault(key, index)
    missing = [c.header for c in COLUMNS if c.key in required and c.key not in found]
    if missing:
        problems.append(Problem(
            f"missing column(s): {', '.join(missing)}. Columns found: {_listed(headers)}. "
            f"Expected: {', '.join(c.header for c in COLUMNS if c.key in required)} "
            f"(and optionally {', '.join(c.header for c in COLUMNS if c.key not in required)}); "
            "the first row of the sheet must hold these headers",
            file=display))
    if problems:
        raise RecipientsError(problems)
    return found


def _listed(headers: list[str], most: int = 20) -> str:
    """The headers found, safe to print (a binary file's first line is no list of headers)."""
    shown = [preview(h, 30) for h in headers if h][:most]
    more = len([h for h in headers if h]) - len(shown)
    return (", ".join(shown) + (f" and {more} more" if more > 0 else "")) or "none"


# --- checking one row ------------------------------------------------------------------------


def check_row(row: int, cells: dict[str, Cell], protocol: Protocol,
              font_coverage: frozenset[int] | None = None, rules: RowRules = LETTER_RULES) -> Recipient | Rejected:
    """A Recipient made from one row, or the reasons why it makes no document."""
    reasons = []
    for key, cell in cells.items():
        column = COLUMN_HEADERS[key]
        if cell.formula:
            reasons.append(f"column « {column} » holds a formula ({_shorten(cell.text)}) instead of text; "
                           "paste the values only")
        elif bad := CONTROL.search(cell.text):
            reasons.append(f"column « {column} » holds a control character (U+{ord(bad.group()):04X}) "
                           "that Word and PDF cannot hold")
        elif font_coverage is not None and (missing := unprintable(cell.text, font_coverage)):
            reasons.append(f"column « {column} » holds characters no bundled font can print: "
                           + ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing))
    text = {key: "" if cell.formula else _clean(cell.text) for key, cell in cells.items()}
    who = " ".join(p for p in (text.get("first_name", ""), text.get("last_name", "")) if p) or f"row {row}"
    if not text.get("last_name") and not cells.get("last_name", Cell("")).formula:
        reasons.append("no name (column « nom » is empty)")
    title = protocol.title_of(text.get("title", ""))
    if title is None:
        known = ", ".join(protocol.spellings["madame"][:2] + protocol.spellings["monsieur"][:2])
        reasons.append(f"unknown civilité « {text['title']} »; write {known}… "
                       f"or leave it empty for « Madame, Monsieur » (the list is in editions/{PROTOCOL_FILE})")
    email = text.get("email", "")
    if email and not EMAIL.match(email):
        reasons.append(f"e-mail « {email} » is not an e-mail address")
    lang = language_of(text.get("lang", ""))
    if lang is None:
        reasons.append(f"unknown language « {text['lang']} »; the letter exists in fr and en")
    if rules.address:
        block, address_problems, compacted = address_block(TITLE_WORDS[lang or "fr"].get(title or "", ""), text)
        reasons.extend(address_problems)
        identity = tuple(_key(text.get(k, "")) for k in ("last_name", "first_name", "address1", "postcode", "city"))
    else:
        block, compacted = (), ()
        identity = tuple(_loose(text.get(k, "")) for k in ("last_name", "first_name", "organisation", "email"))
    category = text.get("category", "")
    if category and rules.category_of is not None:
        category = rules.category_of(category)
        if category is None:
            reasons.append(f"unknown catégorie « {text['category']} »; the categories are: "
                           + (", ".join(rules.categories) or "none (add them under categories: in the edition)"))
    present = present_of(text.get("present", ""))
    if present is None:
        reasons.append(f"présent « {text['present']} » is neither oui nor non")
    if "registration" in rules.required and not text.get("registration"):
        reasons.append("no registration number (column « n° d'inscription » is empty)")
    if reasons:
        return Rejected(row, who, tuple(reasons))
    salutation = text.get("salutation", "").rstrip(" ,") or protocol.salutation(title, text.get("function", ""), lang)
    return Recipient(row, title, text.get("first_name", ""), text["last_name"], lang, salutation, block, email,
                     compacted, identity, text.get("function", ""), text.get("organisation", ""),
                     text.get("country", ""), category or "", bool(present), text.get("registration", ""))


def present_of(text: str) -> bool | None:
    """« oui » / « non » (x, 1, yes, présent… and an empty cell: not present); None when it says neither."""
    key = _key(text)
    return next((value for value, words in PRESENT_WORDS.items() if key in words), None)


def language_of(text: str) -> str | None:
    key = _key(text)
    return next((lang for lang, words in LANGUAGE_WORDS.items() if key in words), None)


class AddressBlock(NamedTuple):
    """The lines in the envelope window, what breaks the postal rules, and how the lines were compacted."""

    lines: tuple[str, ...]
    problems: list[str]
    compacted: tuple[str, ...] = ()


def address_block(title: str, text: dict[str, str]) -> AddressBlock:
    """The lines in the envelope window (French postal rules, NF Z10-011), and what breaks those rules.

    Name, function and organisation may wrap onto a second line; the street lines
    and the locality line must fit as they are. The last line is « 75018 PARIS »
    (capitals, no accents) in France; abroad a country line in capitals follows.

    An address over six lines is first compacted as La Poste allows, each step only
    when its lines keep to 38 characters, until it fits: the function joined to the
    name line, the function and the organisation set on shared lines, then the street
    lines merged two by two. It is refused only when it still needs more than six.
    """
    problems = []
    name = " ".join(p for p in (title, text.get("first_name", ""), text.get("last_name", "")) if p)
    function, organisation = text.get("function", ""), text.get("organisation", "")
    for value in (name, function, organisation):
        for line in _wrap(value, MAX_LINE_LENGTH) if value else ():
            if len(line) > MAX_LINE_LENGTH:
                problems.append(f"« {_shorten(line)} » has a word longer than {MAX_LINE_LENGTH} characters")
    street = [text[k] for k in ("address1", "address2", "address3") if text.get(k)]
    if not street:
        problems.append("no address (column « adresse 1 » is empty)")
    postcode, city, country = text.get("postcode", ""), text.get("city", ""), text.get("country", "")
    if not city:
        problems.append("no town (column « ville » is empty)")
    if _key(country) in FRANCE:
        if postcode.isdigit() and len(postcode) == 4:
            postcode = "0" + postcode  # Excel drops the leading zero of 01000
        if not re.fullmatch(r"\d{5}", postcode):
            problems.append(f"code postal « {postcode} » is not 5 digits (the address is in France)")
        locality = [f"{postcode} {_strip_accents(city).upper()}".strip()]
    else:
        locality = [f"{postcode} {city.upper()}".strip(), country.upper()]
    for line in street + locality:
        if len(line) > MAX_LINE_LENGTH:
            problems.append(f"address line « {line} » has {len(line)} characters; "
                            f"La Poste reads at most {MAX_LINE_LENGTH} per line")
    identity, street, compacted = compact(name, function, organisation, street, MAX_LINES - len(locality))
    lines = identity + street + locality
    if len(lines) > MAX_LINES:
        problems.append(f"the address needs {len(lines)} lines and La Poste reads at most {MAX_LINES}"
                        + (f", even with {' and '.join(compacted)}" if compacted else "")
                        + "; shorten the function or organisation, or the street lines")
        compacted = ()
    return AddressBlock(tuple(lines), problems, tuple(compacted))


def compact(name: str, function: str, organisation: str, street: list[str],
            room: int) -> tuple[list[str], list[str], list[str]]:
    """The identity lines (name, function, organisation) and street lines in at most ``room`` lines if La Poste's
    rules allow it, and the steps taken (none when they fit as they are)."""

    def wrapped(*values: str) -> list[str]:
        return [line for value in values if value for line in _wrap(value, MAX_LINE_LENGTH)]

    identity, steps = wrapped(name, function, organisation), []
    if len(identity) + len(street) <= room:
        return identity, street, steps
    joined = f"{name}, {function}"
    if function and len(joined) <= MAX_LINE_LENGTH:
        identity = wrapped(joined, organisation)
        steps.append("function joined to the name line")
    elif function and organisation:
        shared = wrapped(name, f"{function}, {organisation}")
        if len(shared) < len(identity):
            identity = shared
            steps.append("function and organisation on shared lines")
    street = list(street)
    while len(identity) + len(street) > room:
        pair = next((i for i in range(len(street) - 1)
                     if len(f"{street[i]}, {street[i + 1]}") <= MAX_LINE_LENGTH), None)
        if pair is None:
            break
        street[pair:pair + 2] = [f"{street[pair]}, {street[pair + 1]}"]
        if "street lines merged" not in steps:
            steps.append("street lines merged")
    return identity, street, steps


# --- helpers ------------------------------------------------------------------------------------


def _wrap(text: str, width: int) -> list[str]:
    """Break ``text`` at spaces into lines of at most ``width`` characters (a longer word stays whole)."""
    lines, current = [], ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return lines


def _clean(text: str) -> str:
    """One line of text: line breaks and runs of spaces (no-break included) become one space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", unicodedata.normalize("NFC", text)).strip()


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _key(text: str) -> str:
    """A header or value compared loosely: lower case, no accents, letters and digits only."""
    return re.sub(r"[^a-z0-9]+", "", _strip_accents(text).lower())


def _loose(text: str) -> str:
    """A name compared loosely in any script: case, accents, spaces and punctuation aside."""
    return re.sub(r"[\W_]+", "", _strip_accents(text).casefold())


def _words(text: str) -> str:
    """Lower case, no accents, words separated by single spaces (hyphens and apostrophes too)."""
    return " ".join(re.findall(r"[a-z0-9]+", _strip_accents(text).lower()))


def _shorten(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
