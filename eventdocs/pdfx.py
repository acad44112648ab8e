"""The printer's PDF: PDF/X-4, finished as WeasyPrint writes it.

WeasyPrint writes PDF/X-4 (``pdf_variant="pdf/x-4"``) with its CMYK output
intent when the stylesheet declares ``@color-profile device-cmyk``
(css/invitation-print.css), and the TrimBox of the A5 page inside a larger
MediaBox holding the bleed and the crop marks. ``finisher`` completes it with
WeasyPrint's public ``finisher`` hook, on the PDF objects before they are written:

- the BleedBox exactly ``BLEED_MM`` outside the TrimBox (WeasyPrint puts it
  anywhere up to 10 pt out);
- what stays RGB (images, crop marks) declared as sRGB (``DefaultRGB``), as
  PDF/X-4 requires next to a CMYK output intent;
- no link annotation inside the page (PDF/X allows none in the BleedBox);
- the XMP's document identifier derived from the content (WeasyPrint draws it
  at random), so that a print file rebuilds byte for byte — its dates come from
  the edition (``Document.metadata``, set by the renderer);
- the output intent named as the ICC registry names the printing condition;
- for a tête-bêche booklet, the pages of the second half turned upside down
  and put in the order a printer imposes them (see booklet.py).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Callable, Sequence

import pydyf

PDF_VARIANT = "pdf/x-4"
BLEED_MM = 3.0
#: the colour space of what stays RGB in a print file, inside templates/ (color/LICENCE.txt)
SRGB_PROFILE = "color/sRGB.icc"
#: the printing condition of color/FOGRA39L-coated.icc, as the ICC's registry of characterisations names it
OUTPUT_CONDITION = {
    "OutputConditionIdentifier": "FOGRA39",
    "OutputCondition": "Offset printing, coated paper, ISO 12647-2:2004 (FOGRA39)",
    "RegistryName": "http://www.color.org",
    "Info": "Coated FOGRA39 (ISO 12647-2:2004)",
}
_POINTS_PER_MM = 72 / 25.4
_REFERENCE = re.compile(rb"^(\d+) 0 R$")


def finisher(identifier: bytes, srgb_profile: bytes, order: Sequence[int] | None = None,
             turned: Sequence[int] = ()) -> Callable:
    """The ``finisher`` WeasyPrint calls with the document and its ``pydyf.PDF`` before writing it.

    ``order``: the pages in the order to print them (indexes of the laid-out pages);
    ``turned``: indexes of the pages whose content is turned upside down.
    """

    def finish(document, pdf: pydyf.PDF) -> None:
        pages = [pdf.objects[number] for number in pdf.pages["Kids"][::3]]
        for index, page in enumerate(pages):
            _set_bleed_box(page)
            page.pop("Annots", None)
            if index in turned:
                _turn_upside_down(pdf, page)
        _declare_srgb(pdf, pages, srgb_profile)
        _name_output_intent(pdf)
        _fix_document_id(pdf, identifier)
        if order is not None:
            kids = pydyf.Array()
            for index in order:
                kids.extend([pages[index].number, 0, "R"])
            pdf.pages["Kids"] = kids

    return finish


def _object(pdf: pydyf.PDF, value):
    """The object a reference (``b"12 0 R"``) points to, or the value itself."""
    match = _REFERENCE.match(value) if isinstance(value, bytes) else None
    return pdf.objects[int(match.group(1))] if match else value


def _set_bleed_box(page) -> None:
    left, top, right, bottom = (float(v) for v in page["TrimBox"])
    bleed = BLEED_MM * _POINTS_PER_MM
    page["BleedBox"] = pydyf.Array([left - bleed, top - bleed, right + bleed, bottom + bleed])


def _turn_upside_down(pdf: pydyf.PDF, page) -> None:
    """Turn the page's content half a turn about the centre of its MediaBox (which the boxes share)."""
    left, top, right, bottom = (float(v) for v in page["MediaBox"])
    before = pydyf.Stream([f"q -1 0 0 -1 {left + right:.4f} {top + bottom:.4f} cm"])
    after = pydyf.Stream(["Q"])
    pdf.add_object(before)
    pdf.add_object(after)
    page["Contents"] = pydyf.Array([before.reference, page["Contents"], after.reference])


def _declare_srgb(pdf: pydyf.PDF, pages, srgb_profile: bytes) -> None:
    """DefaultRGB in every colour-space dictionary the pages and their forms use."""
    profile = pydyf.Stream([srgb_profile], pydyf.Dictionary({"N": 3}), compress=True)
    pdf.add_object(profile)
    seen = set()
    for page in pages:
        resources = _object(pdf, page["Resources"])
        spaces = _object(pdf, resources.get("ColorSpace"))
        if isinstance(spaces, pydyf.Dictionary) and id(spaces) not in seen:
            seen.add(id(spaces))
            spaces["DefaultRGB"] = pydyf.Array(["/ICCBased", profile.reference])


def _name_output_intent(pdf: pydyf.PDF) -> None:
    for intent in pdf.catalog.get("OutputIntents", ()):
        intent = _object(pdf, intent)
        for key, value in OUTPUT_CONDITION.items():
            intent[key] = pydyf.String(value)


def _fix_document_id(pdf: pydyf.PDF, identifier: bytes) -> None:
    stream = _object(pdf, pdf.catalog.get("Metadata"))
    if not isinstance(stream, pydyf.Stream):
        return
    document_id = uuid.UUID(bytes=hashlib.sha256(identifier).digest()[:16])
    stream.stream = [re.sub(rb"xmp\.did:[0-9a-f-]{36}", f"xmp.did:{document_id}".encode(), part)
                     if isinstance(part, bytes) else part for part in stream.stream]
