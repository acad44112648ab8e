"""The president's invitation letter."""

from __future__ import annotations

from typing import Any, Sequence

from ..envelope import return_line, window_layout
from ..localize import localize
from ..model import Edition
from ..text import Text, escape_markup, typography
from ..recipients import LETTER_COLUMNS, LETTER_RULES, Recipient, RowRules
from . import DocumentType, PersonDocument

#: Word paragraph styles of templates/letter.docx placed from the envelope's geometry
RETURN_STYLE, ADDRESS_STYLE, DATE_STYLE = "Mentionexpediteur", "Adressedudestinataire", "Lieuetdate"
#: space between the top of the return line and the first address line (as in css/letter.css)
ADDRESS_OFFSET_MM = 4.9
#: private-use characters standing for the address and the salutation in the Word letter rendered once
ADDRESS_MARKER, SALUTATION_MARKER = "\ue0a1", "\ue0a2"


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
    """The letter addressed to each recipient of a spreadsheet (``merge``), through the merge stages of every
    per-person document (stages.py): its page is laid out once per language and salutation, each recipient's
    address drawn over it in the envelope's window (letter-addresses.html), its Word file rendered once per
    language with markers for the address and the salutation."""

    folder = "letters"
    unit = "letter"
    columns = LETTER_COLUMNS
    needs_address = True
    overlay = "letter-addresses.html"
    extra_templates = ("_letter_address.html",)
    duplex = True  # each letter starts on a right-hand page of the print file
    batch_size = 250
    word_markers = {ADDRESS_MARKER: "recipient_block", SALUTATION_MARKER: "salutation"}
    report_person = "recipient"
    report_columns = ("salutation",)
    report_note_columns = ("address",)

    def rules(self, edition: Edition) -> RowRules:
        return LETTER_RULES

    def selects(self, recipient: Recipient) -> str | None:
        return None  # every good row gets its letter (the address checks bound the names already)

    def combined_name(self, year: int, lang: str | None = None) -> str:
        return f"letters-{year}-{lang}.pdf"

    def print_title(self, edition: Edition, lang: str) -> str:
        return str(localize(edition, lang).labels.title_letters)

    def variant_of(self, person: Recipient) -> tuple:
        return (person.lang, person.salutation)

    def variant_context(self, variant: tuple) -> dict[str, Any]:
        return {"salutation": variant[1], "recipient": []}

    def salutation(self, person: Recipient, edition: Edition) -> str:
        if person.salutation:
            return typography(person.salutation, person.lang)
        return str(localize(edition, person.lang).letter.salutation)

    def word_context(self) -> dict[str, Any]:
        return {"salutation": SALUTATION_MARKER, "recipient": [ADDRESS_MARKER]}

    def word_values(self, item) -> dict[str, Any]:
        return {ADDRESS_MARKER: tuple(item.recipient.address), SALUTATION_MARKER: item.salutation}

    def person_context(self, person: Recipient, edition: Edition, views: dict[str, Any],
                       **extra: Any) -> dict[str, Any]:
        """What the address sheet needs of a recipient: the lines in the envelope's window."""
        return {"address": person.address, "row": person.row, "lang": person.lang}

    def report_cells(self, item) -> list:
        return [item.salutation]

    def report_notes(self, item) -> list:
        return [compacted_note(item.recipient)]


def compacted_note(recipient: Recipient) -> str:
    """What the report says of an address compacted to fit the window (empty when it fitted as it was)."""
    if not recipient.compacted:
        return ""
    return f"compacted to {len(recipient.address)} lines: {', '.join(recipient.compacted)}"
