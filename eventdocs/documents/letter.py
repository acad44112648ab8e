"""The president's invitation letter."""

from __future__ import annotations

from typing import Any

from .. import formats
from ..model import Edition
from ..text import Text, escape_markup
from . import DocumentType


class LetterDocument(DocumentType):
    id = "letter"
    titles = {
        "fr": "Lettre d'invitation du président – Rencontres {year}",
        "en": "Invitation letter from the President – Rencontres {year}",
    }
    needs = ("letter",)
    skip_reasons = {"letter": "the edition has no 'letter' section (no invitation letter was written)"}

    def context(self, edition: Edition, lang: str, **extra: Any) -> dict[str, Any]:
        ctx = super().context(edition, lang, **extra)
        letter = edition.letter
        date = formats.plain_date(letter.date, lang)
        place = escape_markup(letter.place)
        ctx["place_date"] = Text(f"{place}, le {date}" if lang == "fr" else f"{place}, {date}")
        recipient = ctx.setdefault("recipient", [])
        ctx["recipient_block"] = Text("\n".join(escape_markup(line) for line in recipient))
        if not ctx.get("salutation"):
            ctx["salutation"] = ctx["edition"].letter.salutation
        return ctx
