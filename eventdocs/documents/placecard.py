"""Place cards for the officials' tables (``merge --only placecard``): an A4 tent card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import namefit
from ..model import Edition
from ..recipients import Recipient
from . import PersonDocument

#: an A4 sheet folded along its length: two faces of 297 × 105 mm, the far one upside down
FACE_WIDTH, FACE_HEIGHT, MARGIN = 297.0, 105.0, 14.0


class PlaceCardDocument(PersonDocument):
    """A tent card: the name on both faces (the far face rotated 180°, so that it reads the right way up from
    across the table once folded), function and organisation below, the edition's wordmark."""

    id = "placecard"
    folder = "placecards"
    unit = "place card"
    formats = ("pdf",)
    sheets = True  # one file for printing; a card per page

    def person_context(self, person: Recipient, edition: Edition, views: dict[str, Any], fonts_dir: Path = Path(),
                       **extra: Any) -> dict[str, Any]:
        ctx = super().person_context(person, edition, views, **extra)
        width = FACE_WIDTH - 2 * MARGIN
        ctx["name_fit"] = namefit.fit(person.name, width, 60, 34, fonts_dir, "bold")
        return ctx
