"""The kinds of document the pipeline makes, one small class each.

A ``DocumentType`` says what it is (id, titles), which templates lay it out
(``templates/<id>.docx`` and ``templates/<id>.html``), in which languages it
exists, what it needs from the edition, and builds its template context.
Adding a fifth document is a subclass here, two templates and a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..localize import localize
from ..model import Edition
from ..recipients import Recipient, RowRules
from ..text import direction


#: a person's fields written in any script, each given its direction (``person.dir.<field>``: rtl or ltr)
TEXT_FIELDS = ("first_name", "last_name", "name", "function", "organisation", "country")
#: the file name each format gives after the output's stem (``invitation-fr``): every document's Word
#: file and on-screen PDF, and a booklet's printer's PDF (PDF/X-4) and office booklet (A4, imposed)
FORMAT_FILES = {"docx": ".docx", "pdf": ".pdf", "print": "-print.pdf", "booklet": "-booklet-a4.pdf"}


@dataclass(frozen=True)
class Output:
    """One document of one edition in one language (or ``bilingual``)."""

    document: "DocumentType"
    edition: Edition
    lang: str
    previous: Edition | None = None  # the edition of the year before, when its file exists

    @property
    def stem(self) -> str:
        return f"{self.document.id}-{self.lang}"

    def file_name(self, fmt: str) -> str:
        return self.stem + FORMAT_FILES[fmt]

    def format_of(self, name: str) -> str:
        """The format of one of this output's files, from its name."""
        return next(fmt for fmt, ending in sorted(FORMAT_FILES.items(), key=lambda item: -len(item[1]))
                    if name == self.stem + ending)


class DocumentType:
    """Base class of every document; subclasses fill in the class data.

    Its title (PDF and Word metadata, archive index) is the label
    ``title_<id>`` of templates/labels.yaml, which an edition may override.
    """

    id: ClassVar[str]
    languages: ClassVar[tuple[str, ...]] = ("fr", "en")
    #: edition fields that must be filled for the document to exist
    needs: ClassVar[tuple[str, ...]] = ()
    #: why it is skipped when one of ``needs`` is empty, per field
    skip_reasons: ClassVar[dict[str, str]] = {}
    per_recipient: ClassVar[bool] = False
    #: its files (FORMAT_FILES); "print" and "booklet" are for a document with ``booklet_languages``
    formats: ClassVar[tuple[str, ...]] = ("docx", "pdf")
    #: fields its Word template must keep (``check`` says when one is lost)
    word_fields: ClassVar[tuple[str, ...]] = ()
    #: Word styles the code applies to its runs (``check`` warns when the template lost one)
    word_styles: ClassVar[tuple[str, ...]] = ()

    @property
    def html_template(self) -> str:
        return f"{self.id}.html"

    @property
    def docx_template(self) -> str:
        return f"{self.id}.docx"

    def skip_reason(self, edition: Edition) -> str | None:
        """Why this edition has no such document (every missing part named), or None when it has one."""
        missing = [
            self.skip_reasons.get(field, f"the edition has no '{field}' section")
            for field in self.needs
            if not getattr(edition, field)
        ]
        return "; ".join(missing) or None

    def formats_for(self, lang: str) -> tuple[str, ...]:
        """The files made in ``lang`` (a bilingual edition may be PDF only)."""
        return self.formats

    def booklet_languages(self, lang: str) -> tuple[str, ...]:
        """The booklets an output in ``lang`` holds, each folded from sheets of four pages (booklet.py):
        none for a document printed flat."""
        return ()

    def context(self, edition: Edition, lang: str, previous: Edition | None = None, **extra: Any) -> dict[str, Any]:
        """What the templates see. Subclasses add their own derived values.

        ``edition`` and ``previous`` are the editions seen in ``lang``
        (see localize.py); ``previous`` is None when there is no earlier edition file.
        """
        text_lang = "fr" if lang == "bilingual" else lang
        view = localize(edition, text_lang, extra.get("salutation"))
        previous_view = localize(previous, text_lang) if previous else None
        return {
            "edition": view,
            "previous": previous_view,
            "lang": lang,
            "title": self.title(edition, text_lang, view),
            "document": self.id,
            # the fixed words of the layout, placeholders filled (templates/labels.yaml, labels: in the YAML)
            "labels": view.labels,
            # the same labels with the previous edition's values ("la 16e édition, qui a eu lieu…")
            "previous_labels": view.labels.with_values_of(previous_view._localizer) if previous_view else None,
            "keywords": self.keywords(edition, text_lang),
            **extra,
        }

    def date(self, edition: Edition):
        """The date the document carries (its DOCX 'created' property): the event's first day by default."""
        return edition.dates[0]

    def title(self, edition: Edition, lang: str, view=None) -> str:
        """Title of the document for the PDF metadata and the DOCX properties (label ``title_<id>``)."""
        view = view or localize(edition, lang)
        return str(getattr(view.labels, f"title_{self.id}"))

    @staticmethod
    def keywords(edition: Edition, lang: str) -> str:
        """The PDF and DOCX keywords: what the edition has of acronym, year, hashtag, association."""
        parts = [edition.acronym, str(edition.year), edition.hashtag, edition.association.short_name]
        return ", ".join(p for p in parts if p)


class PersonDocument(DocumentType):
    """A document made for every person of a spreadsheet by ``merge`` (``--only <id>``), never by ``build``.

    The merge reads the rows with ``rules`` (the columns this document needs),
    keeps the people ``selects`` (a certificate: those present), and lays out
    every person of a batch in one HTML document (``html_template``, with
    ``people``: one ``person_context`` each). ``sheets``: the people share pages
    (badges on A4 stock, one file for printing); otherwise each person has a
    page of their own, and their own PDF and DOCX besides the combined PDF.
    """

    per_recipient = True
    #: the folder of output/<year>/ its files go to
    folder: ClassVar[str]
    #: a word for one of them, in messages and the progress bar ("badge")
    unit: ClassVar[str]
    #: the columns a row must have (recipients.COLUMNS keys)
    columns: ClassVar[tuple[str, ...]] = ("first_name", "last_name")
    #: whether it needs a postal address (checked by La Poste's rules)
    needs_address: ClassVar[bool] = False
    #: people share sheets (one PDF for printing) rather than having a page and files each
    sheets: ClassVar[bool] = False
    #: people laid out in one WeasyPrint document (a batch of the work shared between processes)
    batch_size: ClassVar[int] = 100
    #: a page laid out once per language, each person drawn over it from this template (as the letter's
    #: address: stitch.py); None: every person's page is laid out whole (``html_template`` with ``people``)
    overlay: ClassVar[str | None] = None
    #: people on shared sheets: what their documents share (a badge's header and band), laid out once, one page
    #: per kind (``background_context``), and drawn under each person's words (``sheet_pages``, sheets.py)
    background: ClassVar[str | None] = None

    #: a blank page after a document of an odd number of pages in the print file (documents printed duplex)
    duplex: ClassVar[bool] = False
    #: the markers standing for each person's text in the Word file rendered once per language (docxfill.MarkedDocx),
    #: each with the template field it fills (``word_context`` puts them there, ``word_values`` says what replaces them)
    word_markers: ClassVar[dict[str, str]] = {}
    #: merge-report.csv: the column naming the person, and the document's own columns before the status and after
    #: the reason (``report_cells``, ``report_notes``)
    report_person: ClassVar[str] = "person"
    report_columns: ClassVar[tuple[str, ...]] = ("category", "number")
    report_note_columns: ClassVar[tuple[str, ...]] = ()
    #: templates a document is made from besides its own (a change to one makes every file again)
    extra_templates: ClassVar[tuple[str, ...]] = ()

    def variant_of(self, person: Recipient) -> tuple:
        """The page laid out once that this person's page is drawn over (``overlay`` documents): its language
        first, then whatever else the page differs by."""
        return (person.lang,)

    def variant_context(self, variant: tuple) -> dict[str, Any]:
        """What the template of ``variant``'s page needs besides the language (nothing by default)."""
        return {}

    def salutation(self, person: Recipient, edition: Edition) -> str:
        """How the document greets the person, as printed (none by default)."""
        return ""

    def word_context(self) -> dict[str, Any]:
        """The Word template's fields filled with ``word_markers``, for the file rendered once per language."""
        return {field: marker for marker, field in self.word_markers.items()}

    def word_values(self, item) -> dict[str, Any]:
        """What replaces each marker in a person's Word file (``item``: the merge's plan for the person; a value
        is a text, or a tuple of lines)."""
        return {}

    def report_cells(self, item) -> list:
        """The report's ``report_columns`` for a person (``item``: the merge's plan for them)."""
        return [item.recipient.category, item.number]

    def report_notes(self, item) -> list:
        """The report's ``report_note_columns`` for a person."""
        return []

    def print_title(self, edition: Edition, lang: str) -> str:
        """The title of the print file (of a language)."""
        return self.title(edition, lang)

    def people_per_batch(self, edition: Edition) -> int:
        """How many people one WeasyPrint document lays out (a batch of the work shared between processes)."""
        return self.batch_size

    def batch_context(self, edition: Edition, people: list[dict[str, Any]]) -> dict[str, Any]:
        """What ``html_template`` needs besides ``people`` to lay a batch of them out (none by default)."""
        return {}

    def background_context(self, edition: Edition, views: dict[str, Any]) -> list[dict[str, Any]]:
        """Each page of ``background``: what one kind of document shares (``background`` documents only)."""
        raise NotImplementedError(f"{type(self).__name__} has a background template but no background_context")

    def sheet_pages(self, edition: Edition, people: list[dict[str, Any]]) -> list:
        """The pages ``html_template`` lays ``people`` out on, each with what sheets.py draws under them
        (``background`` documents only)."""
        raise NotImplementedError(f"{type(self).__name__} has a background template but no sheet_pages")

    def rules(self, edition: Edition) -> RowRules:
        """How the merge checks the rows for this document."""
        categories = tuple(c.id for c in edition.categories)
        return RowRules(self.required_columns(edition), self.needs_address,
                        (lambda text: (c.id if (c := edition.category(text)) else None)) if categories else None,
                        categories)

    def required_columns(self, edition: Edition) -> tuple[str, ...]:
        return self.columns

    #: the longest name (first and family name, each) a page can print at a readable size
    longest_name: ClassVar[int] = 60

    def selects(self, recipient: Recipient) -> str | None:
        """Why this person gets no such document (None: they get one)."""
        for what, value in (("prénom", recipient.first_name), ("nom", recipient.last_name)):
            if len(value) > self.longest_name:
                return (f"« {what} » has {len(value)} characters: more than a {self.unit} can print legibly "
                        f"({self.longest_name} at most)")
        return None

    def numbering(self, edition: Edition) -> tuple[str, int] | None:
        """The prefix and number of digits of each person's number, kept in the register beside the edition
        (register.py); None: this document is not numbered."""
        return None

    def combined_name(self, year: int, lang: str | None = None) -> str:
        """The file of every person's document (of a language, when each has their own page), for printing."""
        return f"{self.folder}-{year}-{lang}.pdf" if lang else f"{self.folder}-{year}.pdf"

    def person_context(self, person: Recipient, edition: Edition, views: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """What the template shows of one person (``views``: ``event_lines`` in each language)."""
        return {"first_name": person.first_name, "last_name": person.last_name, "name": person.name,
                "function": person.function, "organisation": person.organisation, "country": person.country,
                "lang": person.lang, "row": person.row, "event": views[person.lang],
                "dir": {field: direction(getattr(person, field)) for field in TEXT_FIELDS}, **extra}

    @staticmethod
    def event_lines(edition: Edition, lang: str) -> dict[str, Any]:
        """The edition's words every person's page repeats, in ``lang``, rendered once for a batch (a badge
        asking the localized edition for them costs more than laying it out)."""
        from markupsafe import escape

        view = localize(edition, lang)
        return {"short_name": escape(view.short_name), "name": escape(view.name), "year": edition.year,
                "venue": escape(view.venue.name), "city": escape(view.city),
                "association": escape(view.association.name)}


def registry() -> dict[str, DocumentType]:
    """Every document type by id, in the order they are built."""
    from .letter import LetterDocument

    types: list[DocumentType] = [LetterDocument()]
    from .invitation import InvitationDocument
    types.append(InvitationDocument())
    from .dossier import DossierDocument
    types.append(DossierDocument())
    from .communique import CommuniqueDocument
    types.append(CommuniqueDocument())
    return {doc.id: doc for doc in types}


def person_documents() -> dict[str, PersonDocument]:
    """Every per-person document by id (``merge --only``): the letter first, as ``merge`` makes it alone."""
    from .badge import BadgeDocument
    from .certificate import CertificateDocument
    from .letter import PersonalLetter
    from .placecard import PlaceCardDocument

    return {doc.id: doc for doc in (PersonalLetter(), BadgeDocument(), PlaceCardDocument(), CertificateDocument())}
