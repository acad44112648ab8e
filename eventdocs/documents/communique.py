"""The press communiqué written after the event, from what the edition recorded (``results:``)."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from ..model import Edition
from . import DocumentType


class CommuniqueDocument(DocumentType):
    id = "communique"
    titles = {
        "fr": "Communiqué de presse – Rencontres {year}",
        "en": "Press release – Rencontres {year}",
    }
    languages = ("fr",)
    needs = ("results",)
    skip_reasons = {
        "results": "no 'results' section yet: the communiqué is written after the event, "
        "from the figures recorded under 'results:' in the edition file",
    }

    def date(self, edition: Edition):
        return edition.results.communique_date

    def context(self, edition: Edition, lang: str, **extra: Any) -> dict[str, Any]:
        ctx = super().context(edition, lang, **extra)
        ctx["results"] = ctx["edition"].results
        ctx["whole_compounds"] = whole_compounds
        ctx["association_site"] = bare_url(edition.association.website)
        ctx["rencontres_site"] = bare_url(edition.website)
        twitter = edition.association.social.twitter
        ctx["social_line"] = " ".join(filter(None, (f"@{twitter}" if twitter else None, edition.hashtag)))
        return ctx


def bare_url(url: str) -> str:
    """https://www.cites-unies-france.org/ -> www.cites-unies-france.org (as printed)."""
    return re.sub(r"^https?://", "", url).rstrip("/")


_COMPOUND = re.compile(r"\w+(?:-\w+)+")


def whole_compounds(text: Any) -> Markup:
    """HTML of ``text`` where no line ends inside a hyphenated compound.

    "Marie-Hélène", "Jean-Noël", "cocktail-déjeuner" are kept on one line in
    the PDF: a first name split at its hyphen reads badly, and a hyphen at a
    line end could not be told from a word broken by hyphenation.
    """
    html = str(escape(text))  # a Text gives its own HTML (<strong>, <sup>…)
    return Markup(_COMPOUND.sub(lambda m: f'<span class="compound">{m.group(0)}</span>', html))
