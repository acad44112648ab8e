"""The president's invitation letter."""

from __future__ import annotations

from typing import Any, Sequence

from ..model import Edition
from ..text import Text, escape_markup, typography
from . import DocumentType


class LetterDocument(DocumentType):
    id = "letter"
    needs = ("letter",)
    #: where the mail merge puts each recipient's address and salutation
    word_fields = ("recipient_block", "salutation")
    skip_reasons = {"letter": "the edition has no 'letter' section (no invitation letter was written)"}

    def context(
        self,
        edition: Edition,
        lang: str,
        salutation: str | None = None,
        recipient: Sequence[str] = (),
        **extra: Any,
    ) -> dict[str, Any]:
        """``recipient`` (address lines) and ``salutation`` are plain text from the mail merge.

        Without them the letter is addressed to nobody in particular, with the
        edition's generic salutation; the salutation also fills ``{salutation}``
        in the closing formula.
        """
        markup = escape_markup(salutation) if salutation else None
        ctx = super().context(edition, lang, salutation=markup, **extra)
        ctx["recipient"] = list(recipient)
        ctx["recipient_block"] = Text("\n".join(escape_markup(line) for line in recipient))
        ctx["salutation"] = Text(typography(markup, lang)) if markup else ctx["edition"].letter.salutation
        return ctx
