"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), able to misbehave as real ones do.

It keeps every message it accepts, as bytes, with its envelope. A test tells
it to answer 4xx or 5xx for an address, to drop the connection after a
message's data, or to go down (drop every connection at MAIL FROM).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class Mailbox:
    """The server's behaviour and what it received."""

    user: str | None = None
    password: str | None = None
    messages: list[Received] = field(default_factory=list)
    rcpt_answers: dict[str, list[str]] = field(default_factory=dict)  # address -> answers to give first, in turn
    refused: dict[str, str] = field(default_factory=dict)  # address -> the answer it always gets
    drop_after_data: set[str] = field(default_factory=set)  # addresses whose DATA is taken, then no answer (once)
    drop_at_mail: int = 0  # connections to drop at MAIL FROM, before any data
    down_after: int | None = None  # accept this many messages, then drop every connection at MAIL FROM
    logins: list[tuple[str, str]] = field(default_factory=list)

    def reset(self) -> None:
        self.messages.clear()
        self.rcpt_answers.clear()
        self.refused.clear()
        self.drop_after_data.clear()
        self.drop_at_mail, self.down_after = 0, None
        self.logins.clear()

    @property
    def down(self) -> bool:
        return self.down_after is not None and len(self.messages) >= self.down_after

    def recipients(self) -> list[str]:
        return [to for m in self.messages for to in m.rcpt_tos]

    # --- aiosmtpd hooks

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, mechanism))
        # handled=False: aiosmtpd answers 535 itself to a wrong password
        return AuthResult(success=(login, password) == (self.user, self.password), handled=False, auth_data=auth_data)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.down or self.drop_at_mail:
            self.drop_at_mail = max(0, self.drop_at_mail - 1)
            server.transport.close()
            return "421 4.3.2 going down"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return self.refused[address]
        if self.rcpt_answers.get(address):
            return self.rcpt_answers[address].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        dropped = self.drop_after_data & set(envelope.rcpt_tos)
        if dropped:
            self.drop_after_data -= dropped
            server.transport.close()
        return f"250 2.0.0 Ok: queued as Q{len(self.messages):04d}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A running aiosmtpd server on 127.0.0.1: ``with SmtpServer(mailbox) as server: server.port``."""

    def __init__(self, mailbox: Mailbox, **tls):
        self.mailbox = mailbox
        self.port = free_port()
        auth = {"authenticator": mailbox.authenticate} if mailbox.user else {}
        self.controller = Controller(mailbox, hostname="127.0.0.1", port=self.port,
                                     auth_require_tls=bool(tls.get("require_starttls")), **auth, **tls)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
