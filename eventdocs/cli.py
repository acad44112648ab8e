"""The command line, and the only place that prints a user error.

    python generate.py build 2026
    python generate.py check 2026
    python generate.py build --all --only letter --lang fr --output /tmp/out
    python generate.py merge 2026 invites.xlsx
    python generate.py send 2026 invites.xlsx --dry-run
    python generate.py serve 2026
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from .build import build, check, resolve_years, verify
from .scaffold import new_edition
from .errors import PipelineError, UsageError
from .stages import check_templates
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
Nothing is written unless every document rendered without error, and then every file
changes at once: an interrupted run (even killed) leaves the old files or the new ones,
never a mix. A document changed by hand since the last build (a Word file adjusted, say)
is left as it is and listed; --force replaces it, keeping the hand edit as a numbered copy
(letter-fr.edited-1.docx). Two runs writing to one folder take turns.

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
Reports each file that differs (changed by hand, or no longer reproducible), and each file in
output/<year>/ that nothing in the archive accounts for; exit 1 if any.
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
Running again only redoes the letters whose data or templates changed. A letter changed
by hand since the merge wrote it (saved again in Word, say) is left as it is and listed;
--force replaces it, keeping the hand edit as a numbered copy.

--only makes other documents for every person of the same kind of spreadsheet (several
--only allowed; without it, the letters alone), each in its own folder of OUTPUT/<year>/:
  badge        name badges on A4 sheets of badge stock (badges/badges-<year>.pdf)
               columns: prénom, nom; catégorie, fonction, organisation, pays optional;
               n° d'inscription when the QR code holds it (badges.qr in the YAML)
  placecard    A4 tent cards for the tables, folded lengthwise (placecards/placecards-<year>.pdf)
  certificate  attendance certificates for the rows marked « présent » (oui), each numbered
               from editions/<year>.certificates.jsonl: a DOCX and a PDF per person and
               certificates-<year>-<lang>.pdf for printing

examples:
  python generate.py merge 2026 invites.xlsx
  python generate.py merge 2026 participants.xlsx --only badge --only placecard
  python generate.py merge 2026 invites.xlsx --sheet "Ambassades" --strict
  python generate.py merge 2026 invites.csv --output ~/Bureau/raict
"""


SEND_HELP = """\
E-mail every recipient of a spreadsheet who has an e-mail address their own letter as a PDF,
the letter the merge makes (the letters that are missing are made first; none is deleted).

The server and the sender are in editions/association.yaml (smtp:), the subject and text
of the message in the edition file (mail:). The password is read from the environment
variable EVENTDOCS_SMTP_PASSWORD, or asked for; it is never written anywhere.

Every message the server accepts is recorded in editions/<year>.sent.jsonl (keep it with
the edition files): running the command again sends only what was not sent yet. Rows
without an e-mail address are listed "to print". OUTPUT/<year>/mail/send-report.csv says
what happened to each row.

examples:
  python generate.py send 2026 invites.xlsx --dry-run            # .eml files in output/2026/mail/, nothing sent
  python generate.py send 2026 invites.xlsx --to moi@exemple.fr  # every message to one address, to proofread
  python generate.py send 2026 invites.xlsx                      # send
"""


SERVE_HELP = """\
Open a page in the browser that shows every document of the edition, in every language, and
follows your edits: save editions/<year>.yaml (or association.yaml, a label, a template) and
the documents on the page are made again within a second or two. A problem in the file shows
on the page with its line, above the last good documents. The page's previews are written to
preview/, never to output/: its button « Écrire les documents dans output/ » does what
'build' does, and a mail merge can be started by dropping the spreadsheet on the page.

The page is served on 127.0.0.1 only (this computer), at an address with a secret token;
keep the address to yourself. Ctrl-C stops the server.

examples:
  python generate.py serve 2026
  python generate.py serve 2026 --no-browser --port 8080
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
    b.add_argument("--force", action="store_true",
                   help="also replace documents changed by hand since the last build (each hand edit is kept as a "
                        "numbered copy, e.g. letter-fr.edited-1.docx)")

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
    m.add_argument("--force", action="store_true",
                   help="also replace letters changed by hand since the merge wrote them (each hand edit is kept as "
                        "a numbered copy)")
    m.add_argument("--only", action="append", metavar="DOCUMENT",
                   help="make this per-person document instead of the letter: letter, badge, placecard, certificate; "
                        "repeatable")

    c = sub.add_parser("certificate", help="say whom an attendance certificate number was issued to",
                       description="Look a certificate number up in editions/<year>.certificates.jsonl, the register "
                                   "the merge numbers certificates from, and say whom it was issued to.")
    c.add_argument("year", type=_year, metavar="YEAR", help="edition of the certificate, e.g. 2026")
    c.add_argument("number", metavar="NUMBER", help="the number printed on the certificate, e.g. 2026-0012")

    e = sub.add_parser("send", help="e-mail every recipient their letter as a PDF (or write the messages as .eml)",
                       description=SEND_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("year", type=_year, metavar="YEAR", help="edition whose letter is sent, e.g. 2026")
    e.add_argument("spreadsheet", type=Path, metavar="SPREADSHEET", help="recipients: .xlsx or .csv")
    e.add_argument("--sheet", metavar="NAME", help="sheet of the workbook to read (default: the first one)")
    e.add_argument("--dry-run", action="store_true",
                   help="send nothing: write each message to OUTPUT/<year>/mail/<letter>.eml (opens in Outlook, "
                        "Thunderbird)")
    e.add_argument("--to", metavar="ADDRESS", dest="proof_to",
                   help="send every message to this address instead, to proofread them; nothing is recorded as sent")
    resend = e.add_mutually_exclusive_group()
    resend.add_argument("--resend", action="store_const", const="all", dest="resend", default="none",
                        help="send again the messages already sent (the journal records them)")
    resend.add_argument("--resend-uncertain", action="store_const", const="uncertain", dest="resend",
                        help="send again only the messages whose connection was lost before the server answered")
    e.add_argument("--output", type=Path, metavar="DIR", help="letters and .eml files here instead of output/")

    s = sub.add_parser("serve", help="a page in the browser that shows the documents as you edit them (live preview)",
                       description=SERVE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("year", type=_year, metavar="YEAR", help="edition to show, e.g. 2026")
    s.add_argument("--port", type=int, metavar="PORT",
                   help="port on 127.0.0.1 (default: 8026, or a free one if it is taken; 0: any free one)")
    s.add_argument("--no-browser", action="store_true", help="do not open the browser; open the printed address")
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
        if args.command == "send":
            return _send(args, project)
        if args.command == "serve":
            return _serve(args, project)
        if args.command == "certificate":
            return _certificate(args, project)
        return _check(args, project)
    except PipelineError as exc:
        heading = ERROR_HEADINGS.get(args.command, "{count} problem(s) found:")
        print(heading.format(count=len(exc.problems), outcome=exc.outcome or "nothing was written"), file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: no file was left half-written." + (
            " Every message sent is in the journal: running the command again sends only the rest."
            if args.command == "send" else ""), file=sys.stderr)
        return 130


ERROR_HEADINGS = {
    "build": "Error: {count} problem(s), {outcome}.",
    "merge": "Error: {count} problem(s), {outcome}.",
    "send": "Error: {count} problem(s).",
}


def _build(args, project: Project) -> int:
    years = resolve_years(project, args.years, args.all)
    output_dir = (args.output or project.root / "output").resolve()
    result = build(project, years, output_dir, only=args.only, langs=args.lang, progress=_progress, force=args.force,
                   on_wait=_waiting)
    if result.recovered:
        print(f"recovered {result.recovered}")
    for path, changed in result.written:
        shown = _shown(path)
        print(f"{'wrote    ' if changed else 'unchanged'} {shown}")
    for path, copy in result.copies:
        print(f"replaced  {_shown(path)}: it had been changed by hand; your version is kept as {copy.name}")
    for path in result.kept:
        print(f"kept      {_shown(path)}: changed by hand since the last build, so not replaced "
              f"(--force replaces it, keeping your version as a numbered copy)")
    for year, doc_id, reason in result.skipped:
        print(f"skipped   {year} {doc_id}: {reason}")
    for warning in result.warnings:
        print(f"warning   {warning}")
    changed = sum(1 for _, c in result.written if c)
    kept = f"; {len(result.kept)} kept as edited by hand" if result.kept else ""
    print(f"{len(result.written)} file(s) in {_shown(output_dir)} ({changed} new or changed{kept}).")
    return 0


def _waiting(message: str) -> None:
    print(f"Waiting: {message}", file=sys.stderr, flush=True)


def _check(args, project: Project) -> int:
    years = resolve_years(project, args.years, args.all)
    result = check(project, years)
    result.count += check_templates(project, years)
    for year, doc_id, reason in result.skipped:
        print(f"skipped   {year} {doc_id}: {reason}")
    for warning in result.warnings:
        print(f"warning   {warning}")
    print(f"OK: {', '.join(map(str, years))} — {result.count} document(s) checked in every language, nothing written"
          + (f"; {len(result.warnings)} warning(s) above." if result.warnings else "."))
    return 0


def _verify(args, project: Project) -> int:
    output_dir = (args.output or project.root / "output").resolve()
    differences = verify(project, args.year, output_dir, on_wait=_waiting)
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
    from .documents import person_documents

    known = person_documents()
    for doc_id in args.only or []:
        if doc_id not in known:
            raise UsageError(f"unknown document '{doc_id}'; the per-person documents are: {', '.join(known)}")
    only = list(dict.fromkeys(args.only or ["letter"]))
    status = 0
    if "letter" in only:
        status = _merge_letters(args, project)
    others = [doc_id for doc_id in only if doc_id != "letter"]
    if others:
        from .stages import merge_documents

        output_dir = (args.output or project.root / "output").resolve()
        for result in merge_documents(project, args.year, args.spreadsheet, output_dir, others, sheet=args.sheet,
                                      strict=args.strict, progress=_people_progress(), force=args.force,
                                      on_wait=_waiting):
            _people_summary(result)
    return status


def _people_summary(result) -> None:
    doc = result.document
    made = len(result.items)
    print(f"{doc.unit.capitalize()}s of {result.source} into {_shown(result.folder)}")
    if result.recovered:
        print(f"  recovered {result.recovered}")
    if doc.sheets:
        print(f"  {made} {doc.unit}(s)")
    else:
        print(f"  {made} {doc.unit}(s): {len(result.written)} written, {made - len(result.written)} unchanged "
              "(same data and templates as last time)")
    _print_files(result)
    _listed("row(s) left out:", [(p.row, p.name, why) for p, why in result.left_out])
    _listed(f"row(s) rejected, no {doc.unit} for them:", [(r.row, r.who, r.reason) for r in result.rejected])
    if result.register is not None:
        print(f"  register: {result.register.shown} ({result.numbered} new number(s); keep it with the edition files: "
              "it is what keeps each person's number)")
    print(f"  report: {_shown(result.report)} (one line per row)")


def _print_files(result) -> None:
    """What a merge did to the files beyond each person's own: print files, removed, replaced, kept."""
    for path, pages, rewritten in result.combined:
        print(f"  {'wrote    ' if rewritten else 'unchanged'} {path.name} ({f'{pages} pages, ' if pages else ''}"
              "for printing)")
    for path in result.removed:
        print(f"  removed   {path.name} (its row is no longer in the spreadsheet)")
    for path, copy in result.copies:
        print(f"  replaced  {path.name}: it had been changed by hand; your version is kept as {copy.name}")
    for path, why in result.kept:
        print(f"  kept      {path.name}: {why}")


def _certificate(args, project: Project) -> int:
    from .register import Register

    register = Register.read(project.editions, args.year, project.root)
    entry = register.find(args.number)
    if entry is None:
        issued = (f"{len(register.entries)} certificate(s) issued, {register.entries[0].number} to "
                  f"{register.entries[-1].number}" if register.entries else "no certificate issued yet")
        raise UsageError(f"no certificate {args.number} in {register.shown} ({issued})")
    organisation = f" ({entry.organisation})" if entry.organisation else ""
    print(f"Certificate {entry.number} of {args.year} was issued to {entry.name}{organisation}.")
    print(f"  register: {register.shown}")
    return 0


def _people_progress():
    from tqdm import tqdm

    return lambda total: tqdm(total=total, desc="Documents", unit="doc", file=sys.stderr, leave=False, disable=None)


def _merge_letters(args, project: Project) -> int:
    from .stages import merge_letters

    output_dir = (args.output or project.root / "output").resolve()
    result = merge_letters(project, args.year, args.spreadsheet, output_dir, sheet=args.sheet, strict=args.strict,
                           progress=_merge_progress, force=args.force, on_wait=_waiting)
    letters = result.written + result.unchanged
    languages = ", ".join(f"{sum(1 for l in letters if l.recipient.lang == lang)} {lang}"
                          for lang in ("fr", "en") if any(l.recipient.lang == lang for l in letters))
    print(f"Mail merge of {result.source} into {_shown(result.folder)}")
    if result.recovered:
        print(f"  recovered {result.recovered}")
    print(f"  {len(letters)} letter(s) ({languages}): {len(result.written)} written, "
          f"{len(result.unchanged)} unchanged (same data and templates as last time)")
    _print_files(result)
    compacted = [l.recipient for l in letters if l.recipient.compacted]
    _listed("address(es) compacted to fit the envelope window (column « address » of the report):",
            [(r.row, r.name, ", ".join(r.compacted)) for r in compacted])
    _listed("row(s) rejected, no letter for them:", [(r.row, r.who, r.reason) for r in result.rejected])
    print(f"  report: {_shown(result.report)} (one line per row)")
    return 0


#: rejected rows (and compacted addresses) listed on screen (all of them are in merge-report.csv)
MAX_REJECTED_SHOWN = 12


def _listed(heading: str, rows: list[tuple[int, str, str]]) -> None:
    """« N <heading> », then the first rows it is about: row number, who, why."""
    if not rows:
        return
    print(f"  {len(rows)} {heading}")
    for row, who, why in rows[:MAX_REJECTED_SHOWN]:
        print(f"    row {row} ({who}): {why}")
    if len(rows) > MAX_REJECTED_SHOWN:
        print(f"    … and {len(rows) - MAX_REJECTED_SHOWN} more")


def _serve(args, project: Project) -> int:
    from .live.server import serve

    serve(project, args.year, port=args.port, open_browser=not args.no_browser,
          announce=lambda line: print(line, flush=True))
    return 0


def _send(args, project: Project) -> int:
    from .send import (ALREADY_SENT, DEFERRED, EARLIER_SENT, PROOF, REFUSED, REJECTED, SENT, TO_PRINT, TO_SEND,
                       UNCERTAIN, send)

    output_dir = (args.output or project.root / "output").resolve()
    result = send(project, args.year, args.spreadsheet, output_dir, sheet=args.sheet, dry_run=args.dry_run,
                  proof_to=args.proof_to, resend=args.resend,
                  ask_password=getpass.getpass if sys.stdin is not None and sys.stdin.isatty() else None,
                  merge_progress=_merge_progress, send_progress=_send_progress)
    merged = result.merged
    print(f"Letters in {_shown(merged.folder)}: {len(merged.written)} made, {len(merged.unchanged)} already there")
    if result.dry_run:
        print(f"Dry run of {result.source}: nothing was sent; the messages are in {_shown(result.folder)}")
        _rows("  {n} message(s) written, to send", result.having(TO_SEND), show=False)
    elif result.proof_to:
        print(f"Proofs of {result.source} sent to {result.proof_to} through {result.server}; none is recorded as sent")
        _rows("  {n} proof(s) sent", result.having(PROOF), show=False)
    else:
        print(f"Sending of {result.source} through {result.server}")
        _rows("  {n} message(s) sent", result.having(SENT), show=False)
    _rows("  {n} already sent, not sent again", result.having(ALREADY_SENT), show=False)
    _rows("  {n} already sent an earlier version of their letter (made before a change of data, templates or "
          "row), not sent again; --resend sends them", result.having(EARLIER_SENT), show=False)
    _rows("  {n} uncertain (the connection was lost before the server answered; they may have arrived; "
          "--resend-uncertain sends them again)", result.having(UNCERTAIN))
    _rows("  {n} refused by the server (check these addresses):", result.having(REFUSED), detail=True)
    _rows("  {n} deferred (the server asked to wait; run the command again later):", result.having(DEFERRED),
          detail=True)
    _rows("  {n} without e-mail, to print:", result.having(TO_PRINT), file=True)
    _rows("  {n} row(s) rejected, no letter for them:", result.having(REJECTED), detail=True)
    for path in result.removed:
        print(f"  removed   {path.name} (its row is not in this spreadsheet)")
    if not result.dry_run and not result.proof_to:
        print(f"  journal: {_shown(result.journal)} (keep it with the edition files: it is what prevents sending twice)")
    print(f"  report: {_shown(result.report)} (one line per row)")
    return 0


def _rows(heading: str, outcomes, show: bool = True, detail: bool = False, file: bool = False) -> None:
    """A line of the summary, and the first rows it is about."""
    if not outcomes:
        return
    print(heading.format(n=len(outcomes)))
    if not show:
        return
    for o in outcomes[:MAX_REJECTED_SHOWN]:
        who = f"{o.name} <{o.email}>" if o.email else o.name
        extra = f": {o.detail}" if detail and o.detail else (f" ({o.file})" if file and o.file else "")
        print(f"    row {o.row} ({who}){extra}")
    if len(outcomes) > MAX_REJECTED_SHOWN:
        print(f"    … and {len(outcomes) - MAX_REJECTED_SHOWN} more (all in the report)")


def _send_progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="Messages", unit="msg", file=sys.stderr, leave=False, disable=None)


def _merge_progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="Letters", unit="letter", file=sys.stderr, leave=False, disable=None)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
