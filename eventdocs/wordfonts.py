"""Word files that look the same on any computer: the bundled fonts embedded as Word embeds them.

A DOCX names its fonts; a computer without Noto shows other faces. Word can
carry the fonts inside the file (Office Open XML, ECMA-376 Part 1 §17.8.3):
each face as a part ``word/fonts/fontN.odttf``, obfuscated (its first 32
bytes XOR-ed with a GUID, the ``w:fontKey``), named in ``word/fontTable.xml``
by ``w:embedRegular``/``w:embedBold``/``w:embedItalic``/``w:embedBoldItalic``.
Word, LibreOffice and Pages read them. The fonts' licences allow it (SIL Open
Font License, IPA Font License; their fsType is 0, "installable").

``embed_fonts`` finds the faces the text of a DOCX is set in (styles, character
styles and direct formatting resolved, each character in the font Word draws it
with: Latin, complex script, East Asian), embeds each face once and only the
faces used, each as a subset:

- for a document the officer edits in Word (``repertoire=LATIN``): the characters
  used and every letter of French, English and the other Latin languages, so
  that a correction typed in Word keeps its face;
- for a merged letter: the characters of the letter, and the Latin repertoire for
  the faces of the address and the salutation (``placeholders``), which the merge
  fills in later; a letter whose recipient needs other characters (Vietnamese,
  Arabic, Japanese…) has its fonts embedded again (``needs_embedding``).

Subsets are unhinted and carry no OpenType layout tables but for scripts that
need them to be drawn at all (Arabic): Word draws with its own line layout, and
a letter's fonts stay a few kilobytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from lxml import etree

from . import ooxml
from .fonts import bundled_fonts
from .ooxml import qn

#: every letter of the Latin alphabets Western Europe writes, and the punctuation of French and English texts
LATIN = ("".join(map(chr, range(0x20, 0x7F))) + "".join(map(chr, range(0xA0, 0x180)))
         + "\u2010\u2011\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2026\u2022\u20ac\u2009\u202f")
#: every file inside a DOCX gets this time, so that two builds are identical
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
#: always in a subset: the digits Word writes into page-number fields
FIELD_CHARACTERS = "0123456789/ "
FONT_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SLOTS = {(False, False): "w:embedRegular", (True, False): "w:embedBold", (False, True): "w:embedItalic",
         (True, True): "w:embedBoldItalic"}
#: scripts whose glyphs need the font's layout tables to be drawn right (joining forms)
SHAPED = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")


@dataclass(frozen=True)
class Face:
    """A typeface as a run asks for it: family, bold, italic."""

    family: str
    bold: bool = False
    italic: bool = False


@dataclass
class _Properties:
    """The run properties that choose a face: fonts per script, bold and italic (also for complex scripts)."""

    fonts: dict[str, str] = field(default_factory=dict)  # ascii, hAnsi, eastAsia, cs
    switches: dict[str, bool] = field(default_factory=dict)  # b, i, bCs, iCs, caps, smallCaps

    def updated(self, rpr) -> "_Properties":
        if rpr is None:
            return self
        fonts, switches = dict(self.fonts), dict(self.switches)
        names = rpr.find(qn("w:rFonts"))
        if names is not None:
            for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
                if names.get(qn(f"w:{slot}")):
                    fonts[slot] = names.get(qn(f"w:{slot}"))
        for switch in ("b", "i", "bCs", "iCs", "caps", "smallCaps"):
            element = rpr.find(qn(f"w:{switch}"))
            if element is not None:
                switches[switch] = element.get(qn("w:val"), "true") not in ("0", "false", "off")
        return _Properties(fonts, switches)

    def face(self, ch: str) -> Face | None:
        """The face Word draws ``ch`` with."""
        if SHAPED.match(ch):
            slot, bold, italic = "cs", "bCs", "iCs"
        elif _east_asian(ch):
            slot, bold, italic = "eastAsia", "b", "i"
        else:
            slot, bold, italic = ("ascii" if ord(ch) < 0x80 else "hAnsi"), "b", "i"
        family = self.fonts.get(slot) or self.fonts.get("hAnsi") or self.fonts.get("ascii")
        if not family:
            return None
        return Face(family, self.switches.get(bold, False), self.switches.get(italic, False))


def _east_asian(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F") or "\u3000" <= ch <= "\u30ff"


class _Styles:
    """The run properties of styles.xml: defaults, and each style's with what it is based on."""

    def __init__(self, styles_xml: bytes | None):
        self.of = lru_cache(maxsize=None)(self._of)  # per document: the cache goes with it
        self.defaults = _Properties()
        self.styles: dict[str, etree._Element] = {}
        self.default_paragraph: str | None = None
        if styles_xml is None:
            return
        root = etree.fromstring(styles_xml)
        self.defaults = _Properties().updated(root.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}"))
        for style in root.iter(qn("w:style")):
            self.styles[style.get(qn("w:styleId"))] = style
            if style.get(qn("w:type")) == "paragraph" and style.get(qn("w:default")) in ("1", "true", "on"):
                self.default_paragraph = style.get(qn("w:styleId"))

    def _of(self, style_id: str | None) -> _Properties:
        """The run properties a style gives, from docDefaults through its basedOn chain."""
        style = self.styles.get(style_id) if style_id else None
        if style is None:
            return self.defaults
        based = style.find(qn("w:basedOn"))
        base = self.of(based.get(qn("w:val"))) if based is not None and based.get(qn("w:val")) != style_id \
            else self.defaults
        return base.updated(style.find(qn("w:rPr")))


def used_faces(parts: dict[str, bytes]) -> dict[Face, set[str]]:
    """Every face the text of a DOCX is set in, with the characters set in it."""
    styles = _Styles(parts.get("word/styles.xml"))
    used: dict[Face, set[str]] = {}

    def add(properties: _Properties, text: str) -> None:
        if properties.switches.get("caps") or properties.switches.get("smallCaps"):
            text += text.upper()  # drawn in capitals
        for ch in text:
            face = properties.face(ch)
            if face is not None and not ch.isspace():
                used.setdefault(face, set()).add(ch)

    for name in sorted(parts):
        if not _TEXT_PARTS.fullmatch(name):
            continue
        root = etree.fromstring(parts[name])
        for paragraph in root.iter(qn("w:p")):
            style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            base = styles.of(style.get(qn("w:val")) if style is not None else styles.default_paragraph)
            for run in paragraph.iter(qn("w:r")):
                rpr = run.find(qn("w:rPr"))
                character = rpr.find(qn("w:rStyle")) if rpr is not None else None
                properties = base
                if character is not None:
                    properties = _merged(properties, styles, character.get(qn("w:val")))
                properties = properties.updated(rpr)
                add(properties, "".join(t.text or "" for t in run.iter(qn("w:t"), qn("w:instrText"))))
    if "word/numbering.xml" in parts:  # the bullets and numbers of lists
        for level in etree.fromstring(parts["word/numbering.xml"]).iter(qn("w:lvl")):
            text = level.find(qn("w:lvlText"))
            if text is not None:
                add(styles.defaults.updated(level.find(qn("w:rPr"))), re.sub(r"%\d", "0", text.get(qn("w:val"), "")))
    return used


def _merged(paragraph: _Properties, styles: _Styles, character_style: str) -> _Properties:
    """A character style's properties over the paragraph's (those it does not set stay the paragraph's)."""
    style = styles.styles.get(character_style)
    if style is None:
        return paragraph
    chain = []
    while style is not None and len(chain) < 10:
        chain.append(style)
        based = style.find(qn("w:basedOn"))
        style = styles.styles.get(based.get(qn("w:val"))) if based is not None else None
    properties = paragraph
    for link in reversed(chain):
        properties = properties.updated(link.find(qn("w:rPr")))
    return properties


# --- the font files -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FontFile:
    """A bundled font file and the face it is."""

    path: Path
    family: str
    bold: bool
    italic: bool


@lru_cache(maxsize=4)
def font_files(fonts_dir: Path) -> tuple[FontFile, ...]:
    from fontTools.ttLib import TTFont

    files = []
    for path in bundled_fonts(fonts_dir):
        with TTFont(str(path), lazy=True) as font:
            name = font["name"]
            family = name.getDebugName(16) or name.getDebugName(1)
            selection = font["OS/2"].fsSelection
            files.append(FontFile(path, family, bool(selection & 0x20), bool(selection & 0x01)))
    return tuple(files)


def file_for(face: Face, files: Iterable[FontFile]) -> FontFile | None:
    """The bundled file that draws a face: the face itself, or its family's regular (Word makes it bold)."""
    family = [f for f in files if f.family == face.family]
    exact = [f for f in family if (f.bold, f.italic) == (face.bold, face.italic)]
    plain = [f for f in family if not f.bold and not f.italic]
    return (exact or plain or family or [None])[0]


@lru_cache(maxsize=256)
def subset(path: Path, characters: frozenset[str]) -> bytes:
    """The font at ``path`` with only the glyphs of ``characters`` (same bytes for the same input)."""
    from fontTools import subset as subsetting
    from fontTools.ttLib import TTFont

    options = subsetting.Options()
    options.hinting = False
    options.glyph_names = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables += ["DSIG"]
    font = TTFont(str(path), lazy=True, recalcTimestamp=False)  # the font's own date: the same bytes on every run
    if not any(SHAPED.match(ch) for ch in characters):
        for tag in ("GSUB", "GPOS", "GDEF"):  # read and rewritten at length, and Word lays out lines itself
            if tag in font:
                del font[tag]
        options.layout_features = []
    else:
        options.layout_features = ["*"]
    subsetter = subsetting.Subsetter(options)
    subsetter.populate(text="".join(sorted(characters)))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def font_key(data: bytes) -> str:
    """The GUID a font part is obfuscated with, derived from its bytes: ``{0F1E…}``."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376's font obfuscation: the first 32 bytes XOR-ed with the key's 16 bytes, last byte first.

    The same operation undoes it.
    """
    secret = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ secret[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


# --- the DOCX ---------------------------------------------------------------------------------------


def embed_fonts(docx: bytes, fonts_dir: Path, repertoire: str = "",
                placeholders: dict[str, str] | None = None, comment: bytes = b"") -> bytes:
    """The DOCX with the bundled faces its text uses embedded (replacing any embedded before).

    ``repertoire``: characters every face also keeps (text to be typed in Word later);
    ``placeholders``: characters standing for text to come, and what that text may hold
    (the merge's address and salutation markers): the face they are set in keeps it.
    ``comment``: the zip's comment (the merge's mark of a finished letter).
    """
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        entries = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    parts = {name: data for name, data in entries if not name.startswith("word/fonts/")}
    faces = used_faces(parts)
    files = font_files(fonts_dir)
    wanted: dict[FontFile, set[str]] = {}
    for face, characters in faces.items():
        found = file_for(face, files)
        if found is None:
            continue
        extra = "".join(placeholders.get(ch, "") for ch in characters) if placeholders else ""
        wanted.setdefault(found, set()).update(characters, repertoire, extra, FIELD_CHARACTERS)
    embedded = []
    for number, (font, characters) in enumerate(sorted(wanted.items(), key=lambda item: item[0].path.name), start=1):
        characters -= set(placeholders or ())
        data = subset(font.path, frozenset(characters))
        key = font_key(data)
        embedded.append((font, f"word/fonts/font{number}.odttf", key, obfuscate(data, key)))
    parts["word/fontTable.xml"] = _font_table(parts.get("word/fontTable.xml"), embedded)
    parts["word/_rels/fontTable.xml.rels"] = _font_relationships(embedded)
    parts["[Content_Types].xml"] = _content_types(parts["[Content_Types].xml"])
    if "word/settings.xml" in parts:
        parts["word/settings.xml"] = _settings(parts["word/settings.xml"])
    names = [name for name, _ in entries if name in parts] + [n for n in ("word/_rels/fontTable.xml.rels",)
                                                              if n not in dict(entries)]
    return _zip([(name, parts[name]) for name in names] + [(part, data) for _, part, _, data in embedded], comment)


def needs_embedding(text: str, covered: str = LATIN) -> bool:
    """Whether text filled into a DOCX holds characters its embedded subsets may lack."""
    return any(ch not in covered and not ch.isspace() for ch in text)


def add_characters(docx: bytes, fonts_dir: Path, text: str, comment: bytes = b"") -> bytes:
    """A merged letter whose address or salutation holds characters beyond its variant's subsets (LATIN):
    those characters added to the embedded regular faces that draw them, the rest of the file untouched.

    Letters (in Latin script) are drawn by the embedded regular faces, other scripts by the bundled
    fallback font that has them (Noto Sans Arabic, IPAexGothic), as the Word template's address and
    salutation styles name them. No document part is read: a few milliseconds, and the subsets of a
    name met before come from the cache.
    """
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        entries = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    parts = dict(entries)
    table = etree.fromstring(parts["word/fontTable.xml"])
    rels = etree.fromstring(parts["word/_rels/fontTable.xml.rels"])
    targets = {rel.get("Id"): "word/" + rel.get("Target") for rel in rels}
    files = font_files(fonts_dir)
    embedded: dict[FontFile, tuple] = {}  # file -> (its slot element, its part)
    for font in table.findall(qn("w:font")):
        for slot in font:
            if slot.tag in {qn(name) for name in SLOTS.values()}:
                bold, italic = next(key for key, name in SLOTS.items() if qn(name) == slot.tag)
                found = next((f for f in files if (f.family, f.bold, f.italic) == (font.get(qn("w:name")), bold,
                                                                                    italic)), None)
                if found:
                    embedded[found] = (slot, targets[slot.get(f"{{{R_NS}}}id")])
    latin = [f for f in embedded if not f.bold and not f.italic]
    wanted: dict[FontFile, set[str]] = {}
    for ch in {ch for ch in text if ch not in LATIN and not ch.isspace()}:
        if SHAPED.match(ch) or _east_asian(ch):
            drawing = [next((f for f in files if f not in latin and not f.bold and ord(ch) in _cmap(f.path)), None)]
        else:
            drawing = [f for f in latin if ord(ch) in _cmap(f.path)]
        for font in filter(None, drawing):
            wanted.setdefault(font, set()).add(ch)
    for font, characters in sorted(wanted.items(), key=lambda item: item[0].path.name):
        if font in embedded:
            slot, part = embedded[font]
            old = obfuscate(parts[part], slot.get(qn("w:fontKey")))
            characters |= {chr(code) for code in _subset_cmap(old)}
        else:
            number = len(targets) + 1
            part, rid = f"word/fonts/font{number}.odttf", f"rIdFont{number}"
            etree.SubElement(rels, f"{{{ooxml.RELATIONSHIPS}}}Relationship",
                             {"Id": rid, "Type": FONT_RELATIONSHIP, "Target": part.removeprefix("word/")})
            targets[rid] = part
            element = table.makeelement(qn("w:font"), {qn("w:name"): font.family})
            table.append(element)
            for tag, values in _description(font):
                ooxml.insert(element, element.makeelement(qn(tag), {qn(f"w:{k}"): v for k, v in values.items()}))
            slot = ooxml.insert(element, element.makeelement(qn(SLOTS[(font.bold, font.italic)]),
                                                              {f"{{{R_NS}}}id": rid}))
            entries.append((part, b""))
        data = subset(font.path, frozenset(characters | set(FIELD_CHARACTERS)))
        key = font_key(data)
        slot.set(qn("w:fontKey"), key)
        parts[part] = obfuscate(data, key)
    if not wanted:
        return docx
    parts["word/fontTable.xml"] = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts["word/_rels/fontTable.xml.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8",
                                                            standalone=True)
    return _zip([(name, parts[name]) for name, _ in entries], comment)


@lru_cache(maxsize=16)
def _cmap(path: Path) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def _subset_cmap(data: bytes) -> set[int]:
    from fontTools.ttLib import TTFont

    with TTFont(io.BytesIO(data), lazy=True) as font:
        return set(font.getBestCmap() or {})


def _zip(entries: list[tuple[str, bytes]], comment: bytes = b"") -> bytes:
    """A DOCX of these parts, every entry with the same time so that equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)
        target.comment = comment
    return out.getvalue()


def _font_table(xml: bytes | None, embedded) -> bytes:
    root = etree.fromstring(xml) if xml else etree.Element(qn("w:fonts"), nsmap={"w": ooxml.NAMESPACES["w"],
                                                                                  "r": R_NS})
    for font_element in root.findall(qn("w:font")):
        for slot in SLOTS.values():
            for old in font_element.findall(qn(slot)):
                font_element.remove(old)
    for number, (font, part, key, _) in enumerate(embedded, start=1):
        element = next((f for f in root.findall(qn("w:font")) if f.get(qn("w:name")) == font.family), None)
        if element is None:
            element = root.makeelement(qn("w:font"), {qn("w:name"): font.family})
            root.append(element)
            regular = file_for(Face(font.family), font_files(font.path.parent)) or font
            for tag, values in _description(regular):
                ooxml.insert(element, element.makeelement(qn(tag), {qn(f"w:{k}"): v for k, v in values.items()}))
        slot = element.makeelement(qn(SLOTS[(font.bold, font.italic)]),
                                   {f"{{{R_NS}}}id": f"rIdFont{number}", qn("w:fontKey"): key})
        ooxml.insert(element, slot)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _description(font: FontFile) -> list[tuple[str, dict[str, str]]]:
    """What Word says of a font in its font table: PANOSE, character set, family, pitch, Unicode ranges."""
    from fontTools.ttLib import TTFont

    with TTFont(str(font.path), lazy=True) as ttf:
        os2 = ttf["OS/2"]
        panose = os2.panose
        digits = [panose.bFamilyType, panose.bSerifStyle, panose.bWeight, panose.bProportion, panose.bContrast,
                  panose.bStrokeVariation, panose.bArmStyle, panose.bLetterForm, panose.bMidline, panose.bXHeight]
        ranges = [os2.ulUnicodeRange1, os2.ulUnicodeRange2, os2.ulUnicodeRange3, os2.ulUnicodeRange4]
        pages = [os2.ulCodePageRange1, os2.ulCodePageRange2]
    serif = "Serif" in font.family or (panose.bFamilyType == 2 and panose.bSerifStyle not in (11, 12, 13))
    return [("w:panose1", {"val": "".join(f"{d:02X}" for d in digits)}), ("w:charset", {"val": "00"}),
            ("w:family", {"val": "roman" if serif else "swiss"}), ("w:pitch", {"val": "variable"}),
            ("w:sig", {"usb0": f"{ranges[0]:08X}", "usb1": f"{ranges[1]:08X}", "usb2": f"{ranges[2]:08X}",
                       "usb3": f"{ranges[3]:08X}", "csb0": f"{pages[0]:08X}", "csb1": f"{pages[1]:08X}"})]


def _font_relationships(embedded) -> bytes:
    root = etree.Element(f"{{{ooxml.RELATIONSHIPS}}}Relationships", nsmap={None: ooxml.RELATIONSHIPS})
    for number, (_, part, _, _) in enumerate(embedded, start=1):
        etree.SubElement(root, f"{{{ooxml.RELATIONSHIPS}}}Relationship",
                         {"Id": f"rIdFont{number}", "Type": FONT_RELATIONSHIP, "Target": part.removeprefix("word/")})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _content_types(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    tag = f"{{{ooxml.CONTENT_TYPES}}}Default"
    if not any(d.get("Extension") == "odttf" for d in root.findall(tag)):
        default = root.makeelement(tag, {"Extension": "odttf", "ContentType": OBFUSCATED_FONT})
        defaults = root.findall(tag)
        (defaults[-1].addnext(default) if defaults else root.insert(0, default))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _settings(xml: bytes) -> bytes:
    """Word keeps the fonts embedded (as subsets) when the officer saves the file."""
    root = etree.fromstring(xml)
    ooxml.get_or_add(root, "w:embedTrueTypeFonts")
    ooxml.get_or_add(root, "w:saveSubsetFonts")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
