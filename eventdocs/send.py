"""Send the invitations by e-mail: each recipient's own letter, as the merge made it, attached to a message.

    python generate.py send 2026 invites.xlsx --dry-run          # .eml files to open, nothing sent
    python generate.py send 2026 invites.xlsx --to moi@exemple.fr  # every message to one address, to proofread
    python generate.py send 2026 invites.xlsx                    # the real sending

``send`` reads as the whole story: check the mail settings and get the
password → make the letters that are missing (the merge, without its clean-up
of letters other spreadsheets made) → compose one message per recipient with
an e-mail address → look each one up in the journal → write it as an .eml file
(dry run) or deliver it over SMTP, journaling every message the server took →
write the report.

The journal, ``editions/<year>.sent.jsonl``, lives beside the edition's data
and under version control, not in output/: deleting output/ never sends a
message again. It has one JSON line per message the server accepted (or whose
fate is uncertain), keyed by a hash of the e-mail address and the SHA-256 of
the letter PDF, never by row number, and holds no name and no address.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import ipaddress
import json
import os
import re
import smtplib
import socket
import ssl
import time
from time import monotonic, sleep
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Literal

from .build import load_edition
from .errors import EditionError, MailError, Problem, UsageError
from .mail import DEFAULT_PORTS, Composer, MergedLetter, UnsendableAddress, mailbox, message_id
from .stages import MergeResult, merge_letters
from .recipients import EMAIL, Recipient
from .render import Project
from .write import safe_join, write_atomic

#: the environment variable that holds the password of the mail server (else it is asked for)
PASSWORD_VARIABLE = "EVENTDOCS_SMTP_PASSWORD"
MAIL_FOLDER = "mail"
REPORT_FILE = "send-report.csv"
#: the names of the .eml files a dry run writes (the letter's name, .eml)
EML_NAME = re.compile(r"\d+-[a-z0-9-]+\.eml")
#: seconds to wait before each new try, after a temporary refusal (4xx) or a lost connection
RETRY_DELAYS = (10.0, 60.0, 300.0)
#: seconds without an answer from the server before the connection counts as lost
TIMEOUT = 60.0

Resend = Literal["none", "uncertain", "all"]
SECURITY_NAMES = {"starttls": "STARTTLS", "ssl": "SSL/TLS", "none": "not encrypted"}

# What happened to a row (the report's "status" column)
SENT = "sent"
PROOF = "proof sent"
TO_SEND = "to send"  # dry run: a real run would send it
ALREADY_SENT = "already sent"
EARLIER_SENT = "earlier version sent"
UNCERTAIN = "uncertain"
REFUSED = "refused"
DEFERRED = "deferred"
NOT_SENT = "not sent"  # the run stopped before this row
TO_PRINT = "to print"
REJECTED = "rejected"


@dataclass
class Outcome:
    """What happened to one row of the spreadsheet."""

    row: int
    name: str
    email: str = ""
    lang: str = ""
    status: str = ""
    detail: str = ""  # the server's answer, or why
    message_id: str = ""
    file: str = ""  # the .eml written, or the letter to print


@dataclass
class SendResult:
    """What a send did, for the summary on screen."""

    source: str
    folder: Path  # OUTPUT/<year>/mail
    journal: Path
    dry_run: bool
    proof_to: str | None
    server: str  # "smtp.example.org:587 (starttls)"
    merged: MergeResult
    outcomes: list[Outcome] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # .eml files of rows no longer there (dry run)
    report: Path | None = None

    def having(self, *statuses: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status in statuses]


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def send(
    project: Project,
    year: int,
    spreadsheet: Path,
    output_dir: Path,
    sheet: str | None = None,
    dry_run: bool = False,
    proof_to: str | None = None,
    resend: Resend = "none",
    ask_password: Callable[[str], str] | None = None,
    merge_progress: Callable[[int], Any] = lambda total: _NoProgress(),
    send_progress: Callable[[int], Any] = lambda total: _NoProgress(),
) -> SendResult:
    """E-mail every recipient of ``spreadsheet`` who has an address their letter; or, ``dry_run``, write the
    messages to OUTPUT/<year>/mail/ as .eml files.

    ``proof_to`` sends every message to that one address instead, and journals
    none of them. ``resend``: "uncertain" sends again the messages whose fate is
    uncertain, "all" every message, even those the journal records as sent.
    ``ask_password(prompt)`` is called when the server needs a password and
    the environment has none.
    """
    check_options(dry_run, proof_to, resend)
    loaded = load_edition(project, year)
    composer = Composer(loaded.edition, loaded.sources)
    server = Server(composer.smtp, loaded.sources)
    password = None if dry_run else smtp_password(server, ask_password)
    merged = merge_letters(project, year, spreadsheet, output_dir, sheet=sheet, progress=merge_progress,
                           remove_absent=False)
    letters = merged_letters(merged)
    composer.check_languages({l.recipient.lang for l in letters if l.recipient.email})
    journal = project.editions / f"{year}.sent.jsonl"
    result = SendResult(merged.source, safe_join(output_dir, Path(str(year)) / MAIL_FOLDER), journal, dry_run,
                        proof_to, server.description, merged)
    result.outcomes = unsent_rows(merged, letters)
    mailings = [l for l in letters if l.recipient.email]
    result.folder.mkdir(parents=True, exist_ok=True)
    lost = None
    if dry_run:
        result.outcomes += write_messages(composer, Journal.read(journal, _display(journal, project.root)), mailings,
                                          result.folder, year, resend, send_progress)
        result.removed = remove_other_messages(result.folder, {o.file for o in result.outcomes
                                                               if o.file.endswith(".eml")})
    else:
        with Journal.open(journal, _display(journal, project.root), write=proof_to is None) as journal_file, \
                Postman(server, password) as postman:
            outcomes, lost = deliver_messages(composer, journal_file, postman, mailings, year, resend, proof_to,
                                              send_progress)
        result.outcomes += outcomes
    result.report = write_report(result.folder, result.outcomes)
    if lost:
        raise MailError(server.problem(
            f"{lost}; the run stopped after {len(result.having(SENT, PROOF))} message(s) sent. Run the same command "
            f"again later: the messages sent are in the journal ({journal.name}) and are not sent again "
            f"(report: {result.report})"))
    return result


def unsent_rows(merged: MergeResult, letters: list[MergedLetter]) -> list[Outcome]:
    """The rows no message is for: rejected by the merge, or without an e-mail address (their letter is printed)."""
    outcomes = [Outcome(r.row, r.who, status=REJECTED, detail=r.reason) for r in merged.rejected]
    return outcomes + [Outcome(l.recipient.row, l.recipient.name, lang=l.recipient.lang, status=TO_PRINT,
                               file=l.pdf.name) for l in letters if not l.recipient.email]


def check_options(dry_run: bool, proof_to: str | None, resend: Resend) -> None:
    """Options that make no sense together, and a proof address that is not one."""
    if proof_to is not None:
        if dry_run:
            raise UsageError("--dry-run sends nothing and --to sends proofs: use one or the other")
        if resend != "none":
            raise UsageError("--to sends every message to the proof address whatever the journal says; "
                             "leave out --resend")
        if not EMAIL.match(proof_to):
            raise UsageError(f"--to « {proof_to} » is not an e-mail address")
        try:
            mailbox(proof_to)
        except UnsendableAddress as exc:
            raise UsageError(f"--to: {exc}") from None


def merged_letters(result: MergeResult) -> list[MergedLetter]:
    """The merge's letters as the mail needs them: recipient, printed salutation, PDF; in spreadsheet order.

    The one place that reads the merge's result, so that the merge can change
    how it makes letters without the mail noticing.
    """
    letters = sorted(result.written + result.unchanged, key=lambda l: l.recipient.row)
    return [MergedLetter(l.recipient, l.salutation, result.folder / l.files[1]) for l in letters]


# --- the settings and the password ------------------------------------------------------------------


class Server:
    """Where the messages go: the ``smtp:`` section checked, with the port its security implies."""

    def __init__(self, smtp, sources):
        self.smtp, self.sources = smtp, sources
        self.host, self.security, self.user = smtp.host.strip(), smtp.security, smtp.user
        self.port = smtp.port or DEFAULT_PORTS[smtp.security]
        self.sender = mailbox(smtp.from_address)
        self.rate_per_minute = smtp.rate_per_minute
        self.description = f"{self.host}:{self.port} ({SECURITY_NAMES[self.security]})"
        if self.user and self.security == "none" and not _is_this_computer(self.host):
            raise EditionError(self.problem(
                "none would send the password unencrypted over the network; use starttls (port 587) or "
                "ssl (port 465)", at="security"))

    def problem(self, message: str, at: str = "host") -> Problem:
        """A problem located at the smtp: section's entry ``at`` in association.yaml."""
        return self.sources.problem(("smtp", at), message)


def _is_this_computer(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def smtp_password(server: Server, ask: Callable[[str], str] | None) -> str | None:
    """The server's password: from the environment, else typed at the prompt; None when it needs no login."""
    if not server.user:
        return None
    password = os.environ.get(PASSWORD_VARIABLE)
    if password:
        return password
    if ask is None:
        raise MailError(server.problem(
            f"the mail server needs the password of « {server.user} »: set the environment variable "
            f"{PASSWORD_VARIABLE}, or run the command in a terminal to type it", at="user"))
    password = ask(f"Password of {server.user} on {server.host} (it is not stored): ")
    if not password:
        raise MailError(server.problem("no password typed: nothing was sent", at="user"))
    return password


# --- the journal --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    """How the journal knows a message: hashes of the address and of the person, and the letter's SHA-256."""

    to: str
    person: str
    letter: str


def keys_of(recipient: Recipient, pdf: bytes) -> Keys:
    """The journal's keys for this recipient's letter; no row number in them, and no readable name or address."""
    address = recipient.email.strip().lower()
    who = recipient.identity[:2] or (recipient.last_name, recipient.first_name)
    return Keys(_hash(address), _hash(json.dumps([address, *who], ensure_ascii=False)),
                hashlib.sha256(pdf).hexdigest())


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Entry:
    """One line of the journal: a message the server accepted ("sent"), or may have ("uncertain")."""

    to: str
    person: str
    letter: str
    status: str
    message_id: str
    time: str
    answer: str

    def line(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True) + "\n"


class Journal:
    """What was sent for one edition, read from and appended to editions/<year>.sent.jsonl.

    Each line is written and flushed to disk as soon as the server has
    answered, so an interrupted run loses nothing it sent. Two sends of the
    same edition cannot run at once (the file is locked while one writes).
    """

    def __init__(self, path: Path, display: str, entries: list[Entry]):
        self.path, self.display = path, display
        self._by_letter: dict[tuple[str, str], list[Entry]] = {}
        self._by_person: dict[tuple[str, str], list[Entry]] = {}
        self._file = None
        self._created = False
        for entry in entries:
            self._index(entry)

    @classmethod
    def read(cls, path: Path, display: str) -> "Journal":
        entries = []
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entries.append(Entry(**json.loads(line)))
            except (ValueError, TypeError):
                raise MailError(Problem(
                    "not a line this program wrote; do not edit the journal by hand (after a merge of two copies, "
                    "keep the lines of both)", file=display, line=number)) from None
        return cls(path, display, entries)

    @classmethod
    def open(cls, path: Path, display: str, write: bool = True) -> "Journal":
        """The journal, locked for this run when it is to be written (``write``); use it in a ``with``."""
        if not write:
            return cls.read(path, display)
        existed = path.exists()
        handle = open(path, "a", encoding="utf-8")
        try:
            _lock(handle, display)
            journal = cls.read(path, display)
        except BaseException:
            handle.close()
            if not existed and path.stat().st_size == 0:
                path.unlink()
            raise
        journal._file, journal._created = handle, not existed
        return journal

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            if self._created and self.path.stat().st_size == 0:
                self.path.unlink()  # nothing was sent: no empty journal left behind

    def _index(self, entry: Entry) -> None:
        self._by_letter.setdefault((entry.to, entry.letter), []).append(entry)
        self._by_person.setdefault((entry.to, entry.person), []).append(entry)

    def previous(self, keys: Keys) -> tuple[str, Entry] | None:
        """What was sent before for these keys: (ALREADY_SENT | UNCERTAIN | EARLIER_SENT, entry), or None."""
        same = self._by_letter.get((keys.to, keys.letter), [])
        sent = [e for e in same if e.status == SENT]
        if sent:
            return ALREADY_SENT, sent[-1]
        if same:
            return UNCERTAIN, same[-1]
        earlier = self._by_person.get((keys.to, keys.person), [])
        return (EARLIER_SENT, earlier[-1]) if earlier else None

    def record(self, entry: Entry) -> None:
        """Append one line and make it durable before the next message is sent."""
        if self._file is None:
            raise RuntimeError("the journal is not open for writing")
        self._file.write(entry.line())
        self._file.flush()
        os.fsync(self._file.fileno())
        self._index(entry)


def _lock(handle, display: str) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: no lock, one officer sends at a time
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise MailError(Problem("another send of this edition is running (its journal is in use); wait until it "
                                "ends", file=display)) from None


def skip_reason(previous: tuple[str, Entry] | None, resend: Resend) -> tuple[str, str] | None:
    """Why a message is not sent again (status, detail); None when it is to be sent."""
    if previous is None:
        return None
    status, entry = previous
    if resend == "all" or (resend == "uncertain" and status == UNCERTAIN):
        return None
    when = entry.time.replace("T", " ")
    if status == ALREADY_SENT:
        return ALREADY_SENT, f"sent {when} ({entry.message_id}); --resend sends it again"
    if status == UNCERTAIN:
        return UNCERTAIN, (f"the connection was lost {when}, after the message was sent and before the server "
                           "answered: it may have arrived; --resend-uncertain sends it again")
    return EARLIER_SENT, (f"this recipient was sent a letter {when} ({entry.message_id}); the letter file has "
                          "changed since (its data, the templates or its row); --resend sends this one")


# --- writing .eml files (dry run) ----------------------------------------------------------------------------


def write_messages(composer: Composer, journal: Journal, letters: list[MergedLetter], folder: Path, year: int,
                   resend: Resend, progress) -> list[Outcome]:
    """One .eml per recipient, without Date; the status says what a real run would do."""
    outcomes = []
    bar = progress(len(letters))
    try:
        for letter, pdf, keys, outcome in _prepared(composer, letters, year):
            if outcome.status != REFUSED:
                skip = skip_reason(journal.previous(keys), resend)
                outcome.status, outcome.detail = skip or (TO_SEND, "")
                outcome.file = letter.pdf.with_suffix(".eml").name
                composed = composer.compose(letter, pdf, outcome.message_id)
                # not synced to disk one by one: a preview lost in a power cut is written again by the next dry run
                write_atomic(safe_join(folder, outcome.file), composed.as_bytes(), durable=False)
            outcomes.append(outcome)
            bar.update(1)
    finally:
        bar.close()
    return outcomes


def remove_other_messages(folder: Path, keep: set[str]) -> list[Path]:
    """The .eml files an earlier dry run wrote for rows that are not in this one."""
    removed = []
    for path in sorted(folder.glob("*.eml")):
        if EML_NAME.fullmatch(path.name) and path.name not in keep:
            path.unlink()
            removed.append(path)
    return removed


def _prepared(composer: Composer, letters: list[MergedLetter], year: int) -> Iterator[tuple]:
    """Each letter with its PDF, journal keys and an outcome to fill (REFUSED already for an unusable address)."""
    for letter in letters:
        r = letter.recipient
        pdf = letter.pdf.read_bytes()
        keys = keys_of(r, pdf)
        outcome = Outcome(r.row, r.name, r.email, r.lang, message_id=message_id(year, keys.person, keys.letter,
                                                                                 composer.domain))
        try:
            mailbox(r.email)
        except UnsendableAddress as exc:
            outcome.status, outcome.detail = REFUSED, str(exc)
        yield letter, pdf, keys, outcome


# --- delivering over SMTP ----------------------------------------------------------------------------------


def deliver_messages(composer: Composer, journal: Journal, postman: "Postman", letters: list[MergedLetter], year: int,
                     resend: Resend, proof_to: str | None, progress) -> tuple[list[Outcome], str | None]:
    """Send each message not sent yet (every one to ``proof_to`` for a proof) and journal it.

    Returns the outcomes, and why the run stopped early (the server could not
    be reached again), or None.
    """
    outcomes: list[Outcome] = []
    bar = progress(len(letters))
    try:
        for letter, pdf, keys, outcome in _prepared(composer, letters, year):
            outcomes.append(outcome)
            bar.update(1)
            if outcome.status == REFUSED:
                continue
            if proof_to is None and (skip := skip_reason(journal.previous(keys), resend)):
                outcome.status, outcome.detail = skip
                continue
            if proof_to is not None:
                outcome.message_id = _proof_id(outcome.message_id)
            composed = composer.compose(letter, pdf, outcome.message_id, to=proof_to)
            composed.message["Date"] = format_datetime(datetime.now().astimezone())
            try:
                delivery = postman.deliver(mailbox(proof_to or letter.recipient.email), composed.as_bytes())
            except ServerLost as lost:
                outcome.status = NOT_SENT
                outcomes += [Outcome(l.recipient.row, l.recipient.name, l.recipient.email, l.recipient.lang, NOT_SENT)
                             for l in letters[len(outcomes):]]
                return outcomes, str(lost)
            except KeyboardInterrupt:
                if postman.awaiting_reply and proof_to is None:
                    journal.record(_entry(keys, UNCERTAIN, outcome.message_id, "interrupted before the server answered"))
                raise
            outcome.status, outcome.detail = delivery.status, delivery.answer
            if proof_to is not None and delivery.status == SENT:
                outcome.status = PROOF
            if proof_to is None and delivery.status in (SENT, UNCERTAIN):
                journal.record(_entry(keys, delivery.status, outcome.message_id, delivery.answer))
    finally:
        bar.close()
    return outcomes, None


def _entry(keys: Keys, status: str, message_id: str, answer: str) -> Entry:
    now = datetime.now().astimezone().isoformat(timespec="seconds")
    return Entry(keys.to, keys.person, keys.letter, status, message_id, now, answer)


def _proof_id(message_id: str) -> str:
    """A proof has its own id: mail programs hide a second message with an id they have seen."""
    left, domain = message_id.strip("<>").split("@", 1)
    return f"<{left}.proof{time.time_ns()}@{domain}>"


@dataclass(frozen=True)
class Delivery:
    """The server's last word on one message."""

    status: str  # SENT, UNCERTAIN, REFUSED or DEFERRED
    answer: str


class ServerLost(Exception):
    """The server could not be reached again after a lost connection (the run stops; its message says why)."""


class _Refusal(Exception):
    def __init__(self, code: int, text: bytes):
        self.code, self.answer = code, _answer(code, text)
        super().__init__(self.answer)

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600

    @property
    def temporary(self) -> bool:
        """A refusal of this message for now (4xx), not of the connection (421: the server is closing it)."""
        return 400 <= self.code < 500 and self.code != 421


class _Uncertain(Exception):
    """The connection was lost after the whole message was sent, before the server's answer."""


class _Unreachable(Exception):
    """The server cannot be reached now (network, name, port); the message says what to check."""


class Postman:
    """One SMTP session at a time with the association's server: connect, log in, deliver, reconnect.

    A temporary refusal (4xx) is tried again after RETRY_DELAYS; a permanent
    one (5xx) is that message's outcome; a lost connection is made again,
    as many times as there are delays, and then the run stops (ServerLost).
    """

    def __init__(self, server: Server, password: str | None, retry_delays: tuple[float, ...] | None = None,
                 timeout: float = TIMEOUT):
        self.server = server
        self.__password = password
        self.retry_delays = RETRY_DELAYS if retry_delays is None else retry_delays
        self.timeout = timeout
        self.awaiting_reply = False
        self._connection: smtplib.SMTP | None = None
        self._connected_once = False
        self._interval = 60.0 / server.rate_per_minute if server.rate_per_minute else 0.0
        self._last_send = -float("inf")

    def __repr__(self) -> str:
        return f"Postman({self.server.description})"

    def __enter__(self) -> "Postman":
        return self  # the server is reached when there is a message for it

    def __exit__(self, *exc) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._close()

    def deliver(self, recipient: str, data: bytes) -> Delivery:
        """Send one message to ``recipient``; return the server's answer, or why it was not sent."""
        last: Exception | None = None
        for delay in (0.0, *self.retry_delays):
            sleep(delay)
            try:
                connection = self._session()
                self._pace()
                return Delivery(SENT, self._transmit(connection, recipient, data))
            except _Uncertain as exc:
                self._close()
                return Delivery(UNCERTAIN, f"the connection was lost after the message was sent, before the server "
                                           f"answered ({exc}): it may have arrived")
            except _Refusal as refusal:
                last = refusal
                if refusal.permanent:
                    self._reset()
                    return Delivery(REFUSED, refusal.answer)
                if refusal.temporary:
                    self._reset()
                else:
                    self._close()
            except (_Unreachable, smtplib.SMTPServerDisconnected, OSError) as exc:
                last = exc
                self._close()
        if isinstance(last, _Refusal) and last.temporary:
            return Delivery(DEFERRED, f"{last.answer} (still refused after {len(self.retry_delays)} more tries; "
                                      "run the command again later)")
        raise ServerLost(f"the connection to {self.server.description} was lost and could not be made again "
                         f"({last})")

    def _transmit(self, connection: smtplib.SMTP, recipient: str, data: bytes) -> str:
        code, text = connection.mail(self.server.sender)
        if code != 250:
            raise _Refusal(code, text)
        code, text = connection.rcpt(recipient)
        if code not in (250, 251):
            raise _Refusal(code, text)
        code, text = connection.docmd("DATA")
        if code != 354:
            raise _Refusal(code, text)
        connection.send(_dot_stuffed(data))
        self.awaiting_reply = True
        try:
            code, text = connection.getreply()
        except smtplib.SMTPServerDisconnected as exc:
            raise _Uncertain(str(exc)) from None
        self.awaiting_reply = False
        if code != 250:
            raise _Refusal(code, text)
        self._last_send = monotonic()
        return _answer(code, text)

    def _pace(self) -> None:
        """Wait as long as the rate limit (smtp.rate_per_minute) asks."""
        wait = self._last_send + self._interval - monotonic()
        if wait > 0:
            sleep(wait)

    def _session(self) -> smtplib.SMTP:
        """The open connection, logged in; made (again) when there is none.

        A server that cannot be reached the first time is a setting to check
        (MailError, at once); later, a connection lost to be made again.
        """
        if self._connection is None:
            try:
                self._connection = self._connect()
            except _Unreachable as exc:
                if not self._connected_once:
                    raise MailError(self.server.problem(f"{exc}; nothing was sent")) from None
                raise
            self._connected_once = True
        return self._connection

    def _connect(self) -> smtplib.SMTP:
        """Connect, secure and log in. Settings the server rejects raise MailError; a network failure, _Unreachable."""
        s = self.server
        context = ssl.create_default_context()
        connection = None
        try:
            if s.security == "ssl":
                connection = smtplib.SMTP_SSL(s.host, s.port, local_hostname=_HOSTNAME, timeout=self.timeout,
                                              context=context)
            else:
                connection = smtplib.SMTP(s.host, s.port, local_hostname=_HOSTNAME, timeout=self.timeout)
            connection.ehlo()
            if s.security == "starttls":
                if not connection.has_extn("starttls"):
                    raise MailError(s.problem(f"{s.host}:{s.port} does not offer STARTTLS; use the settings of the "
                                              "mail provider (often security: ssl with port 465)", at="security"))
                connection.starttls(context=context)
                connection.ehlo()
            if s.user:
                _log_in(connection, s.user, self.__password)
            return connection
        except BaseException as exc:
            if connection is not None:
                connection.close()
            if isinstance(exc, Exception) and not isinstance(exc, MailError):
                raise self._connection_problem(exc) from None
            raise

    def _connection_problem(self, exc: Exception) -> Exception:
        """What to tell the officer about a failed connection: a MailError to act on, or _Unreachable."""
        s = self.server
        where = f"{s.host}:{s.port}"
        if isinstance(exc, ssl.SSLCertVerificationError):
            return MailError(s.problem(f"the certificate of {s.host} is not trusted ({exc.verify_message}); check "
                                       "smtp.host: it must be the server's name as the mail provider gives it"))
        if isinstance(exc, ssl.SSLError):
            return MailError(s.problem(f"no encrypted connection with {where} ({exc.reason}); check smtp.security "
                                       "and smtp.port: ssl is for port 465, starttls for port 587", at="security"))
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return MailError(s.problem(f"{s.host} refused the login of « {s.user} » ({_answer(exc.smtp_code, exc.smtp_error)}); "
                                       f"check smtp.user, and the password ({PASSWORD_VARIABLE} or the one typed)",
                                       at="user"))
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return MailError(s.problem(f"{s.host} offers no login on this connection; leave smtp.user empty, or "
                                       "use security: starttls or ssl", at="user"))
        if isinstance(exc, socket.gaierror):
            return _Unreachable(f"cannot find the mail server « {s.host} » (check smtp.host and the internet "
                                "connection)")
        if isinstance(exc, ConnectionRefusedError):
            return _Unreachable(f"nothing answers at {where} (check smtp.host and smtp.port)")
        if isinstance(exc, TimeoutError):
            return _Unreachable(f"{where} does not answer (no answer in {self.timeout:.0f} s; check smtp.port and "
                                "the network)")
        if isinstance(exc, (smtplib.SMTPResponseException,)):
            return _Unreachable(f"{where} refused the connection ({_answer(exc.smtp_code, exc.smtp_error)})")
        if isinstance(exc, (smtplib.SMTPException, OSError)):
            return _Unreachable(f"no connection with {where} ({exc})")
        return exc

    def _reset(self) -> None:
        """End the refused transaction, keeping the connection when it still works."""
        try:
            self._connection.rset()
        except (smtplib.SMTPException, OSError):
            self._close()

    def _close(self) -> None:
        self.awaiting_reply = False
        if self._connection is not None:
            try:
                self._connection.close()
            except OSError:
                pass
            self._connection = None


def _log_in(connection: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a user name or password with accents is sent as UTF-8 (AUTH PLAIN, RFC 4616), which smtplib cannot."""
    if (user + password).isascii():
        connection.login(user, password)
        return
    if not connection.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
    if "PLAIN" not in connection.esmtp_features["auth"].upper().split():
        raise smtplib.SMTPAuthenticationError(
            504, b"the server offers no login that accepts accented characters (AUTH PLAIN)")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, text = connection.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, text)


#: the name this computer gives the server (EHLO): no DNS look-up, which can be slow on an office network
_HOSTNAME = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "localhost"


def _dot_stuffed(data: bytes) -> bytes:
    """The message as DATA carries it: a line starting with a dot gets another, and a lone dot ends it."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _answer(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}".strip()


# --- the report ---------------------------------------------------------------------------------------------


def write_report(folder: Path, outcomes: list[Outcome]) -> Path:
    """send-report.csv, one line per row; Excel opens it as is (UTF-8 BOM, semicolons)."""
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    out.writerow(["row", "recipient", "e-mail", "language", "status", "message id", "answer or reason", "file"])
    out.writerows([o.row, o.name, o.email, o.lang, o.status, o.message_id, o.detail, o.file]
                  for o in sorted(outcomes, key=lambda o: o.row))
    path = folder / REPORT_FILE
    write_atomic(path, ("\ufeff" + buffer.getvalue()).encode("utf-8"))
    return path


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
