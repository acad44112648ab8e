"""The press dossier: the edition presented to journalists, in French."""

from __future__ import annotations

from typing import Any

from ..localize import Localizer
from ..model import Edition
from . import DocumentType
from .invitation import quoted, short_url


class DossierDocument(DocumentType):
    id = "dossier"
    languages = ("fr",)
    needs = ("dossier", "programme", "expected")
    skip_reasons = {
        "dossier": "no 'dossier:' section (the dossier's own texts)",
        "programme": "no 'programme:' (the days and their sessions)",
        "expected": "no 'expected:' figures (participants, authorities, delegations)",
    }

    def context(self, edition: Edition, lang: str, previous: Edition | None = None, **extra: Any) -> dict[str, Any]:
        ctx = super().context(edition, lang, previous=previous, **extra)
        # the street is a plain field: the placeholder gives it French typography (d’Iéna)
        ctx["venue_address"] = Localizer(edition, lang).text("{venue_address}")
        ctx["quoted_theme"] = quoted(ctx["edition"].theme, lang) if edition.theme else None
        ctx["short_url"] = short_url
        return ctx
