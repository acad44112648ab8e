"""The invitation brochure: an A5 booklet in French, in English, and both in one PDF."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from docxtpl import RichText

from .. import formats, ooxml
from ..localize import View, localize
from ..model import Edition
from ..text import (
    DOCX_BULLET, DOCX_NUMBER, DOCX_PARAGRAPH, DOCX_RESTART, NBSP, Text, escape_markup, typography, word_text,
)
from . import DocumentType

#: the languages of the bilingual booklet, in the order of its halves
HALVES = ("fr", "en")
#: id of the character style « Mise en valeur » of templates/invitation.docx (bold, navy)
BOLD_STYLE_ID = "Miseenvaleur"


class InvitationDocument(DocumentType):
    id = "invitation"
    languages = ("fr", "en", "bilingual")
    needs = ("brochure", "programme")
    word_styles = (BOLD_STYLE_ID,)
    skip_reasons = {
        "brochure": "no brochure texts ('brochure:' with the editorial and the formats)",
        "programme": "no programme ('programme:' with the days and their sessions)",
    }

    #: the Word file, the on-screen PDF, the printer's PDF/X-4 and the booklet for the office's A4 printer
    formats = ("docx", "pdf", "print", "booklet")

    def formats_for(self, lang: str) -> tuple[str, ...]:
        """The bilingual booklet exists only as PDFs (print files, nobody edits it)."""
        return tuple(f for f in self.formats if f != "docx") if lang == "bilingual" else self.formats

    def booklet_languages(self, lang: str) -> tuple[str, ...]:
        """One booklet, or the French and the English ones head to tail (tête-bêche) for ``bilingual``."""
        return HALVES if lang == "bilingual" else (lang,)

    def context(self, edition: Edition, lang: str, **extra: Any) -> dict[str, Any]:
        ctx = super().context(edition, lang, **extra)
        langs = HALVES if lang == "bilingual" else (lang,)
        # One booklet per language; the bilingual PDF prints both, one after the other.
        ctx["booklets"] = [booklet(ctx["edition"] if each == langs[0] else localize(edition, each), each)
                           for each in langs]
        if lang == "bilingual":
            ctx["title"] = " / ".join(self.title(edition, each) for each in HALVES)
        else:
            ctx.update(ctx["booklets"][0])  # the Word template reads {{ ordinal }}, {{ quoted_theme }}…
        ctx["short_url"] = short_url
        ctx["word_runs"] = word_runs
        # the renderer lays the booklet out for the screen or the printer, with notes pages (build.Renderer)
        ctx.setdefault("finish", "screen")
        ctx.setdefault("notes", {})
        return ctx


def booklet(edition: View, lang: str) -> dict[str, Any]:
    """What one booklet (one language) prints besides the edition's own texts."""
    return {
        "lang": lang,
        "edition": edition,
        "ordinal": Text(formats.ordinal(edition.edition, lang)) if edition.edition else None,
        "quoted_theme": quoted(edition.theme, lang) if edition.raw.theme else None,
        "day_dates": formats.date_span(edition.dates, lang, weekdays=False),
        "venue_address": address(edition.venue, lang),
        "association_address": address(edition.association, lang),
    }


def address(place: View, lang: str) -> Text:
    """Street, postcode and city on one line, with the language's apostrophes (d’Iéna)."""
    return Text(typography(escape_markup(f"{place.street}, {place.postcode} {place.city}"), lang))


def quoted(text: Text, lang: str) -> Text:
    """The theme between the language's quotes: « … » with no-break spaces in French, “…” in English
    (as text.typography quotes the texts of the YAML)."""
    if not isinstance(text, Text):  # an untranslated text: printing it reports the missing entry
        return text
    opening, closing = (f"«{NBSP}", f"{NBSP}»") if lang == "fr" else ("“", "”")
    return Text(f"{opening}{text.markup}{closing}")


def word_runs(text: Text) -> RichText | Text:
    """A text as Word runs, for ``{{r word_runs(x) }}`` where ``{{ x }}`` would lose the PDF's look.

    Bold takes the template's character style « Mise en valeur » (navy, as the
    PDF's editorial) and stays bold if the officer deletes the style; a
    superscript keeps its lower case in a paragraph set in capitals
    (« 17e ÉDITION », not « 17E ») — ``{{ x }}`` copies the paragraph's capitals
    onto every run.
    """
    if not isinstance(text, Text):  # an untranslated text: printing it reports the missing entry
        return text
    rich = RichText()
    for b, block in enumerate(text.blocks):
        for n, item in enumerate(block.items):
            # where a paragraph or a list item begins: render.py splits the Word paragraph there
            marker = {"bullets": DOCX_BULLET, "numbers": DOCX_NUMBER + (DOCX_RESTART if n == 0 else "")}.get(
                block.kind, DOCX_PARAGRAPH if b else "")
            if marker:
                rich.xml += f'<w:r><w:t xml:space="preserve">{marker}</w:t></w:r>'
            previous = None
            for run in item:
                if run.br:
                    rich.xml += "<w:r><w:br/></w:r>"
                    previous = run
                    continue
                properties = []
                if run.bold:
                    properties += [("w:rStyle", {"val": BOLD_STYLE_ID}), ("w:b", {})]
                if run.italic:
                    properties.append(("w:i", {}))
                if run.sup:
                    properties += [("w:caps", {"val": "0"}), ("w:vertAlign", {"val": "superscript"})]
                rpr = ooxml.properties("w:rPr", properties) if properties else ""
                rich.xml += f'<w:r>{rpr}<w:t xml:space="preserve">{escape(word_text(run, previous))}</w:t></w:r>'
                previous = run
    return rich


def short_url(url: str) -> str:
    """A web address as printed: no scheme, no trailing slash (raict.org)."""
    return url.split("://", 1)[-1].rstrip("/")

