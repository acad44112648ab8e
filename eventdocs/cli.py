"""The command line, and the only place that prints a user error.

    python generate.py build 2026
    python generate.py check 2026
    python generate.py build --all --only letter --lang fr --output /tmp/out
    python generate.py merge 2026 invites.xlsx
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import build, check, resolve_years, verify
from .scaffold import new_edition
from .errors import PipelineError
from .render import Project

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DESCRIPTION = """\
Documents of the Rencontres de l'action internationale des collectivités territoriales.

Each edition is one YAML file in editions/ (editions/2026.yaml) that inherits the
association's details from editions/association.yaml. Templates in templates/ lay the
documents out: Word templates (.docx) and HTML templates (.html, printed to PDF).
"""

BUILD_HELP = """\
Write every document of the edition(s) to OUTPUT/<year>/<document>-<language>.<docx|pdf>.
Documents: letter (president's invitation letter), invitation (brochure), dossier
(press dossier), communique (press communiqué, once the edition records its results).
Nothing is written unless every document rendered without error.

examples:
  python generate.py build 2026
  python generate.py build --all
  python generate.py build 2026 --only letter --lang fr
  python generate.py build 2026 --output ~/Bureau/raict
"""

CHECK_HELP = """\
Check the edition data and every template in every language, and write nothing.
Exit status 0 when all is well, 1 with every problem listed otherwise.
"""


VERIFY_HELP = """\
Rebuild the edition in a temporary folder and compare every file with output/<year>/manifest.json.
Reports each file that differs (changed by hand, or no longer reproducible); exit 1 if any.
"""

NEW_HELP = """\
Create editions/<year>.yaml from the latest earlier edition: the edition number and year move
on, the dates move to the same weekday, the programme keeps its structure, results are emptied,
and every text to rewrite is marked [À RÉÉCRIRE] so that 'check <year>' lists them until done.
An existing file is never overwritten.
"""


MERGE_HELP = """\
Write the president's letter for every recipient of a spreadsheet (mail merge) to
OUTPUT/<year>/letters/: one DOCX and one PDF per recipient (0012-dupont-marie.pdf, numbered
by spreadsheet row), letters-<year>-fr.pdf and letters-<year>-en.pdf with every letter of a
language for printing (each letter starts on a right-hand page), and merge-report.csv.

The spreadsheet (.xlsx, or .csv as Excel saves it) has one recipient per row and these
column headers in its first row (case and accents do not matter; English names work too):
  civilité, prénom, nom, adresse 1, code postal, ville           required
  fonction, collectivité/organisation, adresse 2, adresse 3, pays,
  e-mail, langue (fr or en; fr when empty), formule d'appel      optional
The salutation comes from civilité and fonction by protocol (editions/protocole.yaml:
« Madame la Maire », « Monsieur l'Ambassadeur »...) unless « formule d'appel » gives one.
A bad row is reported with its number and skipped; the others are still written.
Running again only redoes the letters whose data or templates changed.

examples:
  python generate.py merge 2026 invites.xlsx
  python generate.py merge 2026 invites.xlsx --sheet "Ambassades" --strict
  python generate.py merge 2026 invites.csv --output ~/Bureau/raict
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python generate.py", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--project", type=Path, default=PROJECT_ROOT, help=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="write the documents of one or more editions",
                       description=BUILD_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("years", nargs="*", type=_year, metavar="YEAR", help="edition(s) to build, e.g. 2026")
    b.add_argument("--all", action="store_true", help="build every edition found in editions/")
    b.add_argument("--only", action="append", metavar="DOCUMENT",
                   help="build only this document (letter, invitation, dossier, communique); repeatable")
    b.add_argument("--lang", action="append", metavar="LANG", help="build only this language (fr, en); repeatable")
    b.add_argument("--output", type=Path, metavar="DIR", help="write here instead of output/")

    c = sub.add_parser("check", help="check an edition and the templates without writing anything",
                       description=CHECK_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("years", nargs="*", type=_year, metavar="YEAR")
    c.add_argument("--all", action="store_true", help="check every edition found in editions/")

    v = sub.add_parser("verify", help="rebuild an edition in a temporary folder and compare with its manifest",
                       description=VERIFY_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("year", type=_year, metavar="YEAR")
    v.add_argument("--output", type=Path, metavar="DIR", help="the archive folder (default: output/)")

    n = sub.add_parser("new", help="start next year's edition file from the latest one",
                       description=NEW_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    n.add_argument("year", type=_year, metavar="YEAR")

    m = sub.add_parser("merge", help="write the president's letter for every recipient of a spreadsheet",
                       description=MERGE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    m.add_argument("year", type=_year, metavar="YEAR", help="edition whose letter is sent, e.g. 2026")
    m.add_argument("spreadsheet", type=Path, metavar="SPREADSHEET", help="recipients: .xlsx or .csv")
    m.add_argument("--sheet", metavar="NAME", help="sheet of the workbook to read (default: the first one)")
    m.add_argument("--strict", action="store_true",
                   help="any bad row stops the merge before anything is written (default: report it, go on)")
    m.add_argument("--output", type=Path, metavar="DIR", help="write here instead of output/")
    return p


def _year(text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise argparse.ArgumentTypeError(f"'{text}' is not a year (for example 2026)")
    return int(text)


def _progress(items, total):
    from tqdm import tqdm

    return tqdm(items, total=total, desc="Rendering", unit="doc", file=sys.stderr, leave=False, disable=None)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    project = Project(args.project.resolve())
    try:
        if args.command == "build":
            return _build(args, project)
        if args.command == "verify":
            return _verify(args, project)
        if args.command == "new":
            return _new(args, project)
        if args.command == "merge":
            return _merge(args, project)
        return _check(args, project)
    except PipelineError as exc:
        print(f"Error: {len(exc.problems)} problem(s), nothing was written." if args.command in ("build", "merge")
              else f"{len(exc.problems)} problem(s) found:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: no file was left half-written.", file=sys.stderr)
        return 130


def _build(args, project: Project) -> int:
    years = resolve_years(project, args.years, args.all)
    output_dir = (args.output or project.root / "output").resolve()
    result = build(project, years, output_dir, only=args.only, langs=args.lang, progress=_progress)
    for path, changed in result.written:
        shown = _shown(path)
        print(f"{'wrote    ' if changed else 'unchanged'} {shown}")
    for year, doc_id, reason in result.skipped:
        print(f"skipped   {year} {doc_id}: {reason}")
    changed = sum(1 for _, c in result.written if c)
    print(f"{len(result.written)} file(s) in {_shown(output_dir)} ({changed} new or changed).")
    return 0


def _check(args, project: Project) -> int:
    years = resolve_years(project, args.years, args.all)
    result = check(project, years)
    for year, doc_id, reason in result.skipped:
        print(f"skipped   {year} {doc_id}: {reason}")
    for warning in result.warnings:
        print(f"warning   {warning}")
    print(f"OK: {', '.join(map(str, years))} — {result.count} document(s) checked in every language, nothing written"
          + (f"; {len(result.warnings)} warning(s) above." if result.warnings else "."))
    return 0


def _verify(args, project: Project) -> int:
    output_dir = (args.output or project.root / "output").resolve()
    differences = verify(project, args.year, output_dir)
    if differences:
        print(f"{len(differences)} difference(s) with the archive of {args.year}:", file=sys.stderr)
        for line in differences:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"OK: a rebuild of {args.year} gives exactly the archived files (same SHA-256).")
    return 0


def _new(args, project: Project) -> int:
    path = new_edition(project.editions, args.year, project.root)
    print(f"wrote {_shown(path)}")
    print(f"Next: write the texts marked [À RÉÉCRIRE], then run 'python generate.py check {args.year}'.")
    return 0


def _merge(args, project: Project) -> int:
    from .merge import merge

    output_dir = (args.output or project.root / "output").resolve()
    result = merge(project, args.year, args.spreadsheet, output_dir, sheet=args.sheet, strict=args.strict,
                   progress=_merge_progress)
    letters = result.written + result.unchanged
    languages = ", ".join(f"{sum(1 for l in letters if l.recipient.lang == lang)} {lang}"
                          for lang in ("fr", "en") if any(l.recipient.lang == lang for l in letters))
    print(f"Mail merge of {result.source} into {_shown(result.folder)}")
    print(f"  {len(letters)} letter(s) ({languages}): {len(result.written)} written, "
          f"{len(result.unchanged)} unchanged (same data and templates as last time)")
    for path, pages, rewritten in result.combined:
        print(f"  {'wrote    ' if rewritten else 'unchanged'} {path.name} ({f'{pages} pages, ' if pages else ''}"
              "for printing)")
    for path in result.removed:
        print(f"  removed   {path.name} (its row is no longer in the spreadsheet)")
    compacted = [l.recipient for l in letters if l.recipient.compacted]
    if compacted:
        print(f"  {len(compacted)} address(es) compacted to fit the envelope window (column « address » of the report):")
        for r in compacted[:MAX_REJECTED_SHOWN]:
            print(f"    row {r.row} ({r.name}): {', '.join(r.compacted)}")
        if len(compacted) > MAX_REJECTED_SHOWN:
            print(f"    … and {len(compacted) - MAX_REJECTED_SHOWN} more")
    if result.rejected:
        print(f"  {len(result.rejected)} row(s) rejected, no letter for them:")
        for r in result.rejected[:MAX_REJECTED_SHOWN]:
            print(f"    row {r.row} ({r.who}): {r.reason}")
        if len(result.rejected) > MAX_REJECTED_SHOWN:
            print(f"    … and {len(result.rejected) - MAX_REJECTED_SHOWN} more")
    print(f"  report: {_shown(result.report)} (one line per row)")
    return 0


#: rejected rows (and compacted addresses) listed on screen (all of them are in merge-report.csv)
MAX_REJECTED_SHOWN = 12


def _merge_progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="Letters", unit="letter", file=sys.stderr, leave=False, disable=None)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
