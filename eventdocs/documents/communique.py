"""The press communiqué written after the event, from what the edition recorded (``results:``)."""

from __future__ import annotations

import re
from typing import Any


from ..model import Edition
from . import DocumentType


class CommuniqueDocument(DocumentType):
    id = "communique"
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
        ctx["association_site"] = bare_url(edition.association.website)
        ctx["rencontres_site"] = bare_url(edition.website) if edition.website else ""
        twitter = edition.association.social.twitter
        ctx["social_line"] = " ".join(filter(None, (f"@{twitter}" if twitter else None, edition.hashtag)))
        return ctx


def bare_url(url: str) -> str:
    """https://www.cites-unies-france.org/ -> www.cites-unies-france.org (as printed)."""
    return re.sub(r"^https?://", "", url).rstrip("/")
