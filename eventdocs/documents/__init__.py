"""The kinds of document the pipeline makes, one small class each.

A ``DocumentType`` says what it is (id, titles), which templates lay it out
(``templates/<id>.docx`` and ``templates/<id>.html``), in which languages it
exists, what it needs from the edition, and builds its template context.
Adding a fifth document is a subclass here, two templates and a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from ..errors import Problem, TemplateError
from ..localize import Localizer, localize
from ..model import Edition
from ..placeholders import PLACEHOLDERS
from ..text import Text, escape_markup, substitute, typography


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


class DocumentType:
    """Base class of every document; subclasses fill in the class data."""

    id: ClassVar[str]
    #: shown in messages, the PDF title and the archive index
    titles: ClassVar[dict[str, str]]
    languages: ClassVar[tuple[str, ...]] = ("fr", "en")
    #: edition fields that must be filled for the document to exist
    needs: ClassVar[tuple[str, ...]] = ()
    #: why it is skipped when one of ``needs`` is empty, per field
    skip_reasons: ClassVar[dict[str, str]] = {}
    per_recipient: ClassVar[bool] = False
    formats: ClassVar[tuple[str, ...]] = ("docx", "pdf")

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

    def context(self, edition: Edition, lang: str, previous: Edition | None = None, **extra: Any) -> dict[str, Any]:
        """What the templates see. Subclasses add their own derived values.

        ``edition`` and ``previous`` are the editions seen in ``lang``
        (see localize.py); ``previous`` is None when there is no earlier edition file.
        """
        text_lang = "fr" if lang == "bilingual" else lang
        return {
            "edition": localize(edition, text_lang, extra.get("salutation")),
            "previous": localize(previous, text_lang) if previous else None,
            "lang": lang,
            "title": self.title(edition, text_lang),
            "document": self.id,
            # labels may use placeholders too: {{ fill(labels.x) }} in a template
            "fill": label_filler(edition, text_lang),
            "fill_previous": label_filler(previous, text_lang) if previous else None,
            **extra,
        }

    def date(self, edition: Edition):
        """The date the document carries (its DOCX 'created' property): the event's first day by default."""
        return edition.dates[0]

    def title(self, edition: Edition, lang: str) -> str:
        """Title of the document for the PDF metadata and the DOCX properties."""
        return typography(self.titles[lang].format(year=edition.year, edition=edition.edition), lang)


def label_filler(edition: Edition, lang: str) -> Callable[..., Text]:
    """``fill(label, name=value…)``: a label of labels.yaml with its ``{placeholders}`` filled.

    Labels are the layout's fixed wordings; some carry facts of the edition
    ("Rendez-vous en {next_year} pour la {next_ordinal} édition…"), computed
    from ``edition`` rather than typed. Extra values (``date=…``) add placeholders.
    """
    localizer = Localizer(edition, lang)

    def fill(label: Text, **more: Any) -> Text:
        extra = {name: v.markup if isinstance(v, Text) else escape_markup(str(v)) for name, v in more.items()}
        try:
            return Text(typography(substitute(label.markup, {**localizer.values, **extra}), lang))
        except KeyError as exc:
            known = ", ".join("{" + name + "}" for name in sorted({*PLACEHOLDERS, *more}))
            raise TemplateError(Problem(
                f"the label «{label}» uses an unknown placeholder {{{exc.args[0]}}}; the placeholders are: {known}",
                file="templates/labels.yaml",
            )) from None

    return fill


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
