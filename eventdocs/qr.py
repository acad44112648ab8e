"""The QR code of a badge: a vCard of the fields the edition declares public, or the registration number.

segno (pinned: it writes the bytes of the code) makes a PNG of one pixel per
module; the badge's CSS scales it up without smoothing (image-rendering:
pixelated), so the code stays sharp at any size and costs a few hundred bytes.
"""

from __future__ import annotations

import base64
import io

import segno
import segno.helpers

#: a quiet zone of 4 modules, as the QR standard asks
QUIET_ZONE = 4
MASK = 2


def vcard(fields: dict[str, str]) -> str:
    """A vCard 3.0 of a person's public fields (name, function, organisation, country, email)."""
    name = fields.get("name", "")
    first, _, last = name.partition(" ")
    return segno.helpers.make_vcard_data(
        name=f"{fields.get('last_name', last)};{fields.get('first_name', first)}", displayname=name,
        email=fields.get("email") or None, org=fields.get("organisation") or None,
        title=fields.get("function") or None, country=fields.get("country") or None)


def png_data_uri(content: str) -> str:
    """The QR code of ``content`` as a PNG data URI, one pixel per module, with its quiet zone."""
    # one mask for every code rather than the "best" of eight: any mask is valid (ISO/IEC 18004), the choice
    # only avoids rare patterns, and evaluating the eight costs more than laying the badge out
    code = segno.make(content, error="m", micro=False, mask=MASK)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=1, border=QUIET_ZONE)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
