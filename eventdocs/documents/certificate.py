"""Attendance certificates, after the event (``merge --only certificate``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import namefit
from ..model import Edition
from ..recipients import Recipient
from . import PersonDocument


#: markers of the Word certificate rendered once per language, each replaced by the person's text
NAME_MARKER, DETAIL_MARKER, NUMBER_MARKER = "\ue0b1", "\ue0b2", "\ue0b3"
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
    word_markers = {NAME_MARKER: "person_name", DETAIL_MARKER: "person_detail", NUMBER_MARKER: "certificate_number"}
    word_fields = tuple(word_markers.values())

    def selects(self, recipient: Recipient) -> str | None:
        if not recipient.present:
            return "not marked present (column « présent »): no certificate"
        return super().selects(recipient)

    def numbering(self, edition: Edition) -> tuple[str, int]:
        return edition.certificates.prefix.replace("{year}", str(edition.year)), edition.certificates.digits

    def word_values(self, item) -> dict[str, Any]:
        person = item.recipient
        return {NAME_MARKER: person.name, DETAIL_MARKER: _detail(person), NUMBER_MARKER: item.number}

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
        ctx["detail"] = _detail(person)
        return ctx


def _detail(person: Recipient) -> str:
    """The line under the name: function and organisation."""
    return ", ".join(part for part in (person.function, person.organisation) if part)
