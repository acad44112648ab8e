"""The e-mail that carries a recipient's letter, composed here and sent elsewhere (send.py).

``Composer.compose`` reads as the message: From and Reply-To from the
association's ``smtp:`` section; To with the recipient's name; the subject and
the short body of the edition's ``mail:`` section in the recipient's language,
with the placeholders and the recipient's salutation filled in; an HTML body
with its plain-text alternative; the letter PDF the merge made, attached under
a readable name; a Message-ID derived from the edition, the recipient and the
letter's digest; an opt-out line and its List-Unsubscribe header.

Nothing in the HTML is fetched when the message is opened: no image, no
stylesheet, no font, only inline styles. A composed message has no Date: the
sender adds it when the message really leaves, so two dry runs write the same
bytes (the MIME boundaries are derived from the Message-ID for the same reason).
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from functools import lru_cache
from pathlib import Path

from .errors import EditionError, Problem
from .load import SourceMap
from .localize import Localizer
from .model import LANGUAGE_NAMES
from .recipients import Recipient
from .text import NBSP, NNBSP, Text, escape_markup

#: the ports of each kind of security, when smtp.port is empty
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
#: the word a List-Unsubscribe mail carries as its subject
UNSUBSCRIBE_SUBJECT = "unsubscribe"
#: characters a file name may not hold on Windows, macOS or Linux
FILE_NAME_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
#: a web address as Text.__html__ marks it; trailing punctuation stays out of the link
_HTML_URL = re.compile(r'<span class="url">(.*?)([.,;:!?)»]*)</span>')
#: a word Text.__html__ keeps from hyphenation, which only matters in a printed page
_HTML_WORD = re.compile(r'<span class="word">(.*?)</span>')


class UnsendableAddress(ValueError):
    """An e-mail address that cannot travel over plain SMTP (non-ASCII before the @)."""


@dataclass(frozen=True)
class MergedLetter:
    """A recipient's letter as the merge made it: what the mail needs from the merge, and no more."""

    recipient: Recipient
    salutation: str  # as printed in the letter
    pdf: Path


@dataclass(frozen=True)
class _Wording:
    """What the messages in one language with one salutation share: the subject, the text parts (plain
    and HTML), and the head of the attachment part (its type and file name)."""

    subject: str  # a Subject header
    alternative: EmailMessage  # multipart/alternative: text/plain and text/html
    attachment: EmailMessage  # application/pdf, holding PLACEHOLDER instead of a letter
    alternative_bytes: bytes
    attachment_head: bytes  # the attachment part as written, up to its base64 content


#: what the shared attachment part holds instead of a letter (see Composed.as_bytes)
PLACEHOLDER = b"eventdocs: the letter of the recipient, in PDF"


@dataclass
class Composed:
    """A message ready to leave: its headers (``message``: add a Date before sending), its texts and its letter.

    The text parts and the head of the attachment part are the same for every
    message in a language with a salutation: they are written once (the email
    package takes longer to write a message than to compose it) and each
    message is its headers, those parts and its letter in base64, laid out as
    the email package lays out a multipart/mixed message: the same bytes
    (test_send compares them).
    """

    message: EmailMessage
    wording: _Wording
    pdf: bytes

    def as_bytes(self) -> bytes:
        """The message as it travels: CRLF lines, 7-bit, the letter in base64."""
        head = b"".join(_folded(name, value) if name in SHARED_HEADERS else self.message.policy.fold_binary(name, value)
                        for name, value in self.message.raw_items())
        boundary = self.message.get_boundary().encode("ascii")
        letter = base64.encodebytes(self.pdf).replace(b"\n", b"\r\n")
        return (head + b"\r\n--" + boundary + b"\r\n" + self.wording.alternative_bytes
                + b"\r\n--" + boundary + b"\r\n" + self.wording.attachment_head + letter
                + b"\r\n--" + boundary + b"--\r\n")


#: the headers many messages have in common, written once (see _folded)
SHARED_HEADERS = frozenset({"From", "Reply-To", "Subject", "List-Unsubscribe", "MIME-Version", "Content-Language"})


@lru_cache(maxsize=256)
def _folded(name: str, value) -> bytes:
    """A header as written in a message: the same for every message that has it, so written once."""
    return SMTP.fold_binary(name, value)


class Composer:
    """Writes each recipient's e-mail from the edition's ``mail:`` texts and the association's ``smtp:`` sender."""

    def __init__(self, edition, sources: SourceMap):
        self.edition = edition
        self.sources = sources
        self.smtp, self.mail = mail_settings(edition, sources)
        self.sender = Address(self.smtp.from_name or edition.association.name, addr_spec=mailbox(self.smtp.from_address))
        self.reply_to = Address(addr_spec=mailbox(self.smtp.reply_to)) if self.smtp.reply_to else None
        self.unsubscribe = mailbox(self.smtp.unsubscribe)
        self.domain = self.sender.domain
        self._wordings: dict[tuple[str, str], _Wording] = {}
        # the headers every message has, read once (reading a header costs more than writing it)
        self._headers = {name: SMTP.header_factory(name, value) for name, value in (
            ("From", self.sender), ("Reply-To", self.reply_to), ("MIME-Version", "1.0"),
            ("List-Unsubscribe", f"<mailto:{self.unsubscribe}?subject={UNSUBSCRIBE_SUBJECT}>")) if value}

    def check_languages(self, langs: set[str]) -> None:
        """Every text of ``mail:`` exists in every language a recipient reads (before anything is sent)."""
        problems = []
        texts = [(("subject",), self.mail.subject), (("opt_out",), self.mail.opt_out),
                 (("attachment",), self.mail.attachment)]
        texts += [(("body", i), paragraph) for i, paragraph in enumerate(self.mail.body)]
        for lang in sorted(langs):
            problems += [self._missing(("mail",) + path, lang) for path, text in texts if getattr(text, lang) is None]
            if "\n" in (getattr(self.mail.subject, lang) or ""):
                problems.append(self.sources.problem(("mail", "subject", lang),
                                                     "a subject is one line; remove the line break"))
        if problems:
            raise EditionError(problems)

    def _missing(self, path: tuple, lang: str) -> Problem:
        return self.sources.problem(path, f"no {LANGUAGE_NAMES[lang]} text, and a recipient reads {LANGUAGE_NAMES[lang]}; "
                                          f"add its '{lang}:' entry")

    def compose(self, letter: MergedLetter, pdf: bytes, message_id: str, to: str | None = None) -> "Composed":
        """The message for ``letter``'s recipient; ``to`` sends it to another address (a proof)."""
        recipient = letter.recipient
        wording = self.wording(recipient.lang, letter.salutation)
        message = EmailMessage(policy=SMTP)
        message["From"] = self._headers["From"]
        if self.reply_to:
            message["Reply-To"] = self._headers["Reply-To"]
        message["To"] = Address(recipient.name, addr_spec=mailbox(to or recipient.email))
        message["Subject"] = wording.subject
        message["Message-ID"] = message_id
        message["List-Unsubscribe"] = self._headers["List-Unsubscribe"]
        message["MIME-Version"] = self._headers["MIME-Version"]
        boundary = f"=_mixed_{hashlib.sha256(message_id.encode()).hexdigest()[:24]}"
        message["Content-Type"] = f'multipart/mixed; boundary="{boundary}"'
        message["Content-Language"] = recipient.lang
        return Composed(message, wording, pdf)

    def wording(self, lang: str, salutation: str) -> _Wording:
        """The subject, text parts and attachment part in ``lang`` for this salutation, made once and shared."""
        key = (lang, salutation)
        if key not in self._wordings:
            localizer = Localizer(self.edition, lang, escape_markup(salutation))
            mail = self.mail
            subject = SMTP.header_factory("Subject", _one_line(str(localizer.text(getattr(mail.subject, lang)))))
            body = [(localizer.text(getattr(p, lang)), p.style) for p in mail.body]
            opt_out = localizer.text(getattr(mail.opt_out, lang))
            alternative = EmailMessage(policy=SMTP)
            alternative.set_content(self.plain_text(body, opt_out), cte="quoted-printable")
            alternative.add_alternative(self.html(subject, body, opt_out, lang), subtype="html",
                                        cte="quoted-printable")
            attachment = EmailMessage(policy=SMTP)
            attachment.set_content(PLACEHOLDER, maintype="application", subtype="pdf", disposition="attachment",
                                   filename=file_name(str(localizer.text(getattr(mail.attachment, lang)))) + ".pdf")
            for part in (alternative, *alternative.iter_parts(), attachment):
                del part["MIME-Version"]  # a header of the message, not of its parts
            alternative.set_boundary(f"=_alternative_{hashlib.sha256(repr(key).encode()).hexdigest()[:24]}")
            head, placeholder, rest = attachment.as_bytes().rpartition(base64.b64encode(PLACEHOLDER) + b"\r\n")
            assert placeholder and not rest, "the attachment part ends with its content"
            self._wordings[key] = _Wording(subject, alternative, attachment, alternative.as_bytes(), head)
        return self._wordings[key]

    def plain_text(self, body: list[tuple[Text, str]], opt_out: Text) -> str:
        paragraphs = [str(text) for text, _ in body]
        return "\n\n".join(paragraphs + [f"{opt_out} {self.unsubscribe}."]) + "\n"

    def html(self, subject: str, body: list[tuple[Text, str]], opt_out: Text, lang: str) -> str:
        """A small HTML page with inline styles only: nothing to fetch from the network."""
        paragraphs = "\n".join(
            f'<p style="{HIGHLIGHT if style == "highlight" else PARAGRAPH}">{_for_mail(text)}</p>'
            for text, style in body)
        link = html.escape(f"mailto:{self.unsubscribe}?subject={UNSUBSCRIBE_SUBJECT}")
        opt_out = f'{_for_mail(opt_out)} <a href="{link}">{html.escape(self.unsubscribe)}</a>.'
        return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{html.escape(subject)}</title>\n</head>\n"
                f'<body style="{BODY}">\n<div style="max-width:40em">\n{paragraphs}\n'
                f'<p style="{OPT_OUT}">{opt_out}</p>\n</div>\n</body>\n</html>\n')


BODY = "margin:0;padding:1.5em;color:#1a1a1a;background:#ffffff;font-family:Georgia,'Times New Roman',serif;" \
       "font-size:16px;line-height:1.5"
PARAGRAPH = "margin:0 0 1em"
HIGHLIGHT = "margin:0 0 1em;font-weight:bold"
OPT_OUT = "margin:2em 0 0;padding-top:1em;border-top:1px solid #cccccc;font-family:Arial,sans-serif;" \
          "font-size:12px;color:#555555"


def mail_settings(edition, sources: SourceMap):
    """The ``smtp:`` and ``mail:`` sections, or an error saying which one to add and where."""
    problems = []
    if edition.smtp is None:
        problems.append(Problem("no 'smtp:' section: the mail server and the sender of the invitations are not set; "
                                "add it (see the README, « Send by e-mail »)", file="editions/association.yaml"))
    if edition.mail is None:
        problems.append(Problem("no 'mail:' section: the subject and text of the e-mail are not written; add it "
                                "(see the README, « Send by e-mail »)", file=f"editions/{edition.year}.yaml"))
    for field in ("from_address", "reply_to", "unsubscribe"):
        value = getattr(edition.smtp, field, None)
        if value:
            try:
                mailbox(value)
            except UnsendableAddress as exc:
                problems.append(sources.problem(("smtp", field), str(exc)))
    if problems:
        raise EditionError(problems)
    return edition.smtp, edition.mail


def mailbox(address: str) -> str:
    """The address as SMTP carries it: a domain in accented letters is written in its ASCII form (IDNA)."""
    local, _, domain = address.strip().rpartition("@")
    if not local.isascii():
        raise UnsendableAddress(f"« {address} » has accents or other non-ASCII characters before the @, "
                                "which mail servers do not accept; check the address")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        raise UnsendableAddress(f"« {address} » has a domain name that is not valid") from None


def message_id(year: int, recipient_key: str, letter_digest: str, domain: str) -> str:
    """A Message-ID derived from the edition, the recipient and the letter: the same message has the same id."""
    digest = hashlib.sha256(f"{year}\0{recipient_key}\0{letter_digest}".encode()).hexdigest()[:32]
    return f"<{year}.{digest}@{domain}>"


def file_name(text: str, width: int = 100) -> str:
    """A readable attachment name: accents kept, characters a file name cannot hold removed."""
    text = unicodedata.normalize("NFC", text).replace(NBSP, " ").replace(NNBSP, " ")
    text = re.sub(r"\s+", " ", FILE_NAME_FORBIDDEN.sub(" ", text)).strip(" .")
    return text[:width].rstrip(" .") or "invitation"


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text).strip()


def _for_mail(text: Text) -> str:
    """A Text's HTML for a mail program: web addresses made into links, the print-only word spans left out."""

    def link(match: re.Match) -> str:
        url = html.unescape(match.group(1))
        return f'<a href="{html.escape(url, quote=True)}">{match.group(1)}</a>{match.group(2)}'

    return _HTML_URL.sub(link, _HTML_WORD.sub(r"\1", text.__html__()))
