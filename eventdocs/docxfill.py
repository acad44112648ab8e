"""Fill a Word file rendered once with each person's text: one DOCX per person without rendering again.

A per-person document differs from person to person in a few runs of text (a
letter's address and salutation, a certificate's name and number). The variant
is rendered once with private-use characters standing for those texts
(``markers``); a person's file is its ``word/document.xml`` with the markers
replaced, zipped with the variant's other parts, compressed once.

A finished file ends with a mark of the digest of what it was made from
(``file_mark``: the zip comment of a DOCX, the /ID of a PDF), so that a merge
run again can tell which files are done.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from . import ooxml, wordfonts
from .errors import Problem, TemplateError

#: every file inside a DOCX gets this time (2000-01-01 00:00, as wordfonts.ZIP_TIME) so equal files are equal bytes
DOS_DATE, DOS_TIME = (2000 - 1980) << 9 | 1 << 5 | 1, 0
DOCUMENT_XML = "word/document.xml"


@dataclass(frozen=True)
class _ZipEntry:
    name: bytes
    crc: int
    size: int
    data: bytes  # deflated


def _deflated(name: str, data: bytes) -> _ZipEntry:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return _ZipEntry(name.encode("utf-8"), zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


class MarkedDocx:
    """A rendered DOCX whose ``markers`` (each once or more, inside text runs) are filled per person.

    ``markers``: each marker with the template field it stands for (named when it is missing).
    """

    def __init__(self, data: bytes, markers: dict[str, str], template: str, fonts_dir: Path | None = None):
        self._fonts_dir = fonts_dir  # where the fonts to embed again come from, for a name in another script
        self.markers = markers
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if DOCUMENT_XML not in names:
                raise TemplateError(Problem("not a Word document (no word/document.xml)", file=template))
            xml = archive.read(DOCUMENT_XML).decode("utf-8")
            self._entries = [None if n == DOCUMENT_XML else _deflated(n, archive.read(n)) for n in names]
        _check_markers(xml, markers, template)
        self._pieces = re.split("(" + "|".join(map(re.escape, markers)) + ")", xml)

    def fill(self, values: dict[str, str | tuple[str, ...]], comment: bytes = b"") -> bytes:
        """The DOCX of one person: each marker replaced by its value (plain text, or a tuple of lines in one run,
        line breaks between them), ``comment`` at its very end (see ``file_mark``)."""
        escaped = {m: ooxml.text_lines(v) if isinstance(v, tuple) else escape(v) for m, v in values.items()}
        xml = "".join(escaped.get(piece, piece) for piece in self._pieces)
        entry = _deflated(DOCUMENT_XML, xml.encode("utf-8"))
        data = zip_bytes([entry if e is None else e for e in self._entries], comment)
        text = " ".join(" ".join(v) if isinstance(v, tuple) else v for v in values.values())
        if self._fonts_dir and wordfonts.needs_embedding(text):
            # a name in another script: its characters added to the subsets the variant embedded
            data = wordfonts.add_characters(data, self._fonts_dir, text, comment)
        return data


def _check_markers(xml: str, markers: dict[str, str], template: str) -> None:
    """Every marker is in the rendered file, inside a text run."""
    problems = []
    for marker, field in markers.items():
        at = xml.find(marker)
        if at < 0:
            problems.append(f"the mail merge needs {{{{ {field} }}}} in the Word template")
            continue
        opened = [m.start() for m in re.finditer(r"<w:t[ >]", xml[:at])]
        if not opened or opened[-1] < xml.rfind("</w:t>", 0, at):
            problems.append(f"the merge field {{{{ {field} }}}} is not inside a text run")
    if problems:
        raise TemplateError([Problem(p, file=template) for p in problems])


def zip_bytes(entries: list[_ZipEntry], comment: bytes) -> bytes:
    """A ZIP archive of already deflated entries, dated 2000-01-01, ``comment`` at its very end."""
    local, central, offset = [], [], 0
    for e in entries:
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, DOS_TIME, DOS_DATE,
                             e.crc, len(e.data), e.size, len(e.name), 0)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 3 << 8 | 20, 20, 0, 8, DOS_TIME,
                                   DOS_DATE, e.crc, len(e.data), e.size, len(e.name), 0, 0, 0, 0,
                                   0o644 << 16, offset) + e.name)
        local += (header, e.name, e.data)
        offset += len(header) + len(e.name) + len(e.data)
    directory = b"".join(central)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), offset,
                      len(comment))
    return b"".join(local) + directory + end + comment


def file_mark(digest: str) -> bytes:
    """16 bytes written at the end of a finished letter: its PDF /ID, its DOCX zip comment.

    A file that ends with the mark of its inputs' digest is complete and up to
    date (files are renamed into place whole), so a new run can skip it.
    """
    return hashlib.md5(digest.encode()).digest()


def has_mark(path, mark: bytes) -> bool:
    """Whether the file at ``path`` ends with ``mark`` (in its PDF trailer or as its zip comment)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - 256))
            tail = handle.read()
    except OSError:
        return False
    return tail.endswith(mark) or b"/ID [<%s>" % mark.hex().encode() in tail
