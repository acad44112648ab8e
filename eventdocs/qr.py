"""The QR code of a badge: a vCard of the fields the edition declares public, or the registration number.

zxing-cpp (pinned: it decides the modules of the code) encodes the text: it is
compiled, and makes a code in a quarter of the time segno (pure Python) took, a
fifth of a badge's cost. segno still writes the vCard's text (its helper knows
vCard's escaping). The badge sheets draw the dark modules as one filled vector
path (``path``), sharp at any size on any printer, with no image for a viewer
to smooth. The tests read the printed codes back with another decoder (zbar).
"""

from __future__ import annotations

import re

import segno.helpers
import zxingcpp

#: a quiet zone of 4 modules, as the QR standard asks
QUIET_ZONE = 4


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
    code = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = memoryview(code.to_image(scale=1, add_quiet_zones=False))  # one byte per module, 0 when dark
    modules = image.shape[0]
    rows = image.tobytes()
    side = modules + 2 * QUIET_ZONE
    ops = []
    for r in range(modules):
        y = side - QUIET_ZONE - r - 1
        start = r * modules - QUIET_ZONE
        for run in _DARK_RUNS.finditer(rows, r * modules, (r + 1) * modules):
            ops.append(b"%d %d %d 1 re" % (run.start() - start, y, run.end() - run.start()))
    return side, b"\n".join(ops)


#: runs of dark modules in a row of zxing-cpp's image (a dark module is 0)
_DARK_RUNS = re.compile(b"\x00+")
