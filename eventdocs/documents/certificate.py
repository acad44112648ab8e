"""Attendance certificates, after the event (``merge --only certificate``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import namefit
from ..model import Edition
from ..recipients import Recipient
from . import PersonDocument


#: the width the person's name is set in (A4, less the page's margins and the frame's padding), mm
NAME_WIDTH = 146.0


class CertificateDocument(PersonDocument):
    """A certificate of attendance in the person's language, on the association's letterhead, signed by the
    president, numbered from the edition's register (register.py); only for the rows marked present."""

    id = "certificate"
    folder = "certificates"
    unit = "certificate"
    columns = ("first_name", "last_name", "present")
    formats = ("docx", "pdf")
    overlay = "certificate-names.html"
    batch_size = 100
    #: where the merge puts each person's name, number and detail in the Word certificate rendered once
    word_fields = ("person_name", "person_detail", "certificate_number")

    def selects(self, recipient: Recipient) -> str | None:
        if not recipient.present:
            return "not marked present (column « présent »): no certificate"
        return super().selects(recipient)

    def date(self, edition: Edition):
        return edition.certificates.date or edition.dates[-1]

    def context(self, edition: Edition, lang: str, previous=None, **extra: Any) -> dict[str, Any]:
        ctx = super().context(edition, lang, previous, **extra)
        ctx["certificate_date"] = self.date(edition)
        return ctx

    def person_context(self, person: Recipient, edition: Edition, views: dict[str, Any], number: str = "",
                       fonts_dir: Path = Path(), **extra: Any) -> dict[str, Any]:
        ctx = super().person_context(person, edition, views, **extra)
        ctx["number"] = number
        ctx["name_fit"] = namefit.fit(person.name, NAME_WIDTH, 22, 14, fonts_dir, "bold")
        ctx["detail"] = ", ".join(part for part in (person.function, person.organisation) if part)
        return ctx
