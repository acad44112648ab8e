"""The QR code of a badge: a vCard of the fields the edition declares public, or the registration number.

segno (pinned: it decides the modules of the code) encodes the text; the
badge sheets draw the dark modules as one filled vector path (``path``), sharp
at any size on any printer, with no image for a viewer to smooth.
"""

from __future__ import annotations

import re

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


def path(content: str) -> tuple[int, bytes]:
    """The QR code of ``content`` as PDF path operators in module units, quiet zone included, the origin at
    the bottom left: its side in modules, and the path (one rectangle per run of dark modules in a row,
    filled at once by the caller, so that no seam shows between two modules)."""
    # one mask for every code rather than the "best" of eight: any mask is valid (ISO/IEC 18004), the choice
    # only avoids rare patterns, and evaluating the eight costs more than laying the badge out
    matrix = segno.make(content, error="m", micro=False, mask=MASK).matrix
    side = len(matrix) + 2 * QUIET_ZONE
    ops = []
    for r, row in enumerate(matrix):
        y = side - QUIET_ZONE - r - 1
        for run in _DARK_RUNS.finditer(bytes(row)):
            ops.append(b"%d %d %d 1 re" % (run.start() + QUIET_ZONE, y, run.end() - run.start()))
    return side, b"\n".join(ops)


#: runs of dark modules in a row of segno's matrix (a dark module is 1)
_DARK_RUNS = re.compile(b"\x01+")
