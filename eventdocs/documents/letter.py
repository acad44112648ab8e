"""The president's invitation letter."""

from __future__ import annotations

from typing import Any, Sequence

from ..envelope import return_line, window_layout
from ..model import Edition
from ..text import Text, escape_markup, typography
from ..recipients import LETTER_COLUMNS
from . import DocumentType, PersonDocument

#: Word paragraph styles of templates/letter.docx placed from the envelope's geometry
RETURN_STYLE, ADDRESS_STYLE, DATE_STYLE = "Mentionexpediteur", "Adressedudestinataire", "Lieuetdate"
#: space between the top of the return line and the first address line (as in css/letter.css)
ADDRESS_OFFSET_MM = 4.9


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
        ctx["window"] = window = window_layout(edition.envelope)
        ctx["return_line"] = Text(typography(return_line(edition.association), lang))
        ctx["word_frames"] = word_frames(window)
        return ctx


def word_frames(window) -> dict:
    """Where letter.docx puts its return line, address and date, from the envelope (see render.place_paragraphs)."""
    address = window.address
    return {
        RETURN_STYLE: (address.left, address.top, address.width, ADDRESS_OFFSET_MM),
        ADDRESS_STYLE: (address.left, address.top + ADDRESS_OFFSET_MM, address.width,
                        address.height - ADDRESS_OFFSET_MM),
        DATE_STYLE: (None, window.text_top, None, None),
    }


class PersonalLetter(LetterDocument, PersonDocument):
    """The letter addressed to each recipient of a spreadsheet (``merge``): merge.py stitches it, fast,
    from the letter rendered once per language and salutation (stitch.py)."""

    folder = "letters"
    unit = "letter"
    columns = LETTER_COLUMNS
    needs_address = True

    def combined_name(self, year: int, lang: str | None = None) -> str:
        return f"letters-{year}-{lang}.pdf"
