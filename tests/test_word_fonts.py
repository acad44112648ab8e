"""Word files that look the same on any computer: the fonts embedded as Word embeds them, page numbers."""

from __future__ import annotations

import io
import os
import re
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from fontTools.ttLib import TTFont

from eventdocs.envelope import window_layout
from eventdocs.model import Envelope
from eventdocs.wordfonts import obfuscate
from extract import pdf_fonts, pdf_word_boxes

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def embedded_fonts(path: Path) -> list[tuple[str, str, TTFont]]:
    """(family named in fontTable.xml, embedding slot, the de-obfuscated font) for each embedded face."""
    from lxml import etree

    with zipfile.ZipFile(path) as archive:
        table = etree.fromstring(archive.read("word/fontTable.xml"))
        rels = etree.fromstring(archive.read("word/_rels/fontTable.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target") for rel in rels}
        types = archive.read("[Content_Types].xml").decode()
        assert 'Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont"' in types
        found = []
        for font in table.iter(f"{W}font"):
            for slot in font:
                if slot.tag.startswith(f"{W}embed"):
                    data = archive.read("word/" + targets[slot.get(f"{R}id")])
                    plain = obfuscate(data, slot.get(f"{W}fontKey"))
                    assert plain[:4] == b"\x00\x01\x00\x00" and data[:4] != plain[:4]  # TrueType, obfuscated
                    found.append((font.get(f"{W}name"), slot.tag[len(W):], TTFont(io.BytesIO(plain))))
    return found


def test_every_word_file_embeds_each_face_it_uses_once(built):
    for path in sorted(built.rglob("*.docx")):
        fonts = embedded_fonts(path)
        faces = [(family, slot) for family, slot, _ in fonts]
        assert len(faces) == len(set(faces)), path.name  # each face once
        assert {"Noto Serif", "Noto Sans"} <= {family for family, _ in faces}, path.name
        for family, slot, font in fonts:
            assert font["name"].getDebugName(1) == family and font["OS/2"].fsType == 0  # installable embedding
        with zipfile.ZipFile(path) as archive:
            settings = archive.read("word/settings.xml").decode()
        assert "<w:embedTrueTypeFonts/>" in settings and "<w:saveSubsetFonts/>" in settings


def test_only_the_faces_used_as_subsets_that_keep_every_latin_letter(built):
    fonts = embedded_fonts(built / "2026" / "letter-fr.docx")
    assert sorted((family, slot) for family, slot, _ in fonts) == [
        ("Noto Sans", "embedBold"), ("Noto Sans", "embedRegular"), ("Noto Serif", "embedBold"),
        ("Noto Serif", "embedRegular")]  # no italic in the letter, no fallback font for other scripts
    text = docx.Document(str(built / "2026" / "letter-fr.docx")).paragraphs
    body = {ch for p in text for ch in p.text if not ch.isspace()}
    for family, slot, font in fonts:
        cmap = {chr(code) for code in font.getBestCmap()}
        assert len(cmap) < 600  # a subset: the whole Noto Serif has thousands of glyphs
        assert set("àâçéèêëîïôœùûüÿÀÂÇÉÈÊËÎÏÔŒÙÛÜŸ«»’€0123456789") <= cmap, (family, slot)  # Word edits keep it
    serif = next(font for family, slot, font in fonts if (family, slot) == ("Noto Serif", "embedRegular"))
    assert body - {chr(c) for c in serif.getBestCmap()} <= set()  # every character of the letter


def test_a_merged_letter_embeds_the_fallback_font_its_recipient_needs(tmp_path):
    from conftest import shared_project
    from eventdocs.stages import merge_letters
    from eventdocs.render import Project
    from test_merge import ROWS, write_csv

    spreadsheet = write_csv(tmp_path / "invites.csv", [ROWS[0], ROWS[6], ROWS[7]])  # Paris, Rabat (Arabic), Osaka
    result = merge_letters(Project(shared_project()), 2026, spreadsheet, tmp_path / "out")
    letters = {l.recipient.row: result.folder / f"{l.stem}.docx" for l in result.written}
    families = {row: {family for family, _, _ in embedded_fonts(path)} for row, path in letters.items()}
    assert families[2] == {"Noto Serif", "Noto Sans"}  # rows 2, 3, 4 of this spreadsheet
    assert "Noto Sans Arabic" in families[3] and "IPAexGothic" in families[4]
    arabic = next(font for family, _, font in embedded_fonts(letters[3]) if family == "Noto Sans Arabic")
    assert {"م", "ح", "د"} <= {chr(c) for c in arabic.getBestCmap()}
    # subsets: the merge's disk use stays within 1.5 times what the letters took without fonts
    with_fonts = sum(p.stat().st_size for p in result.folder.iterdir() if p.suffix in (".docx", ".pdf"))
    fonts = sum(info.compress_size for p in letters.values() for info in zipfile.ZipFile(p).infolist()
                if info.filename.startswith("word/fonts/"))
    assert with_fonts <= 1.5 * (with_fonts - fonts)


def test_every_word_footer_numbers_its_pages(built):
    """As the PDFs do: every footer that prints something prints the page number (a PAGE field); the covers'
    footers (a first page's, the brochure's back cover's) print no number, as in the PDFs."""
    checked = set()
    for path in sorted(built.rglob("*.docx")):
        document = docx.Document(str(path))
        for section in document.sections:
            footers = [section.footer]
            if document.settings.odd_and_even_pages_header_footer:
                footers.append(section.even_page_footer)
            for footer in footers:
                xml = "" if footer.is_linked_to_previous else footer._element.xml
                if "<w:t" in xml:
                    assert re.search(r"<w:instrText[^>]*>\s*PAGE\s*</w:instrText>", xml), path.name
                    checked.add(path.stem)
    assert {"letter-fr", "letter-en", "invitation-fr", "dossier-fr"} <= checked


def convert_without_noto(docx_file: Path, tmp_path: Path) -> Path:
    """The DOCX converted to PDF by LibreOffice on a computer whose fonts are DejaVu alone (no Noto at all).

    One LibreOffice run per file: LibreOffice keeps the fonts one document embedded for the next.
    """
    config = tmp_path / "fonts.conf"
    config.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{tmp_path}/cache</cachedir>
<selectfont><rejectfont><glob>*Noto*</glob><glob>*ipaex*</glob></rejectfont></selectfont></fontconfig>""")
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    listed = subprocess.run(["fc-list"], capture_output=True, text=True, env=env).stdout
    assert "Noto" not in listed and "DejaVu" in listed  # the computer has no Noto
    out = tmp_path / docx_file.stem
    result = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-{docx_file.stem}",
                             "--convert-to", "pdf", "--outdir", str(out), str(docx_file)],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    return out / (docx_file.stem + ".pdf")


@pytest.mark.slow
def test_without_noto_installed_libreoffice_still_sets_the_word_files_in_noto(built, tmp_path):
    from extract import pdf_lines
    from test_typography import headings_at_the_foot

    for name in ("dossier-fr.docx", "invitation-en.docx"):
        pdf = convert_without_noto(built / "2026" / name, tmp_path)
        fonts = pdf_fonts(pdf)
        assert fonts and all(font.split("+")[-1].startswith("Noto") for font, _ in fonts), (name, fonts)
        assert {"NotoSerif-Regular", "NotoSans-Bold"} <= {font.split("+")[-1] for font, _ in fonts}
        if name.startswith("dossier"):  # as Word lays it out: keep with next, and the dossier's headings bookmarked
            assert not headings_at_the_foot(pdf, pdf_lines(pdf)), name


@pytest.mark.slow
def test_a_merged_letter_abroad_keeps_its_fonts_and_its_window_in_word(tmp_path):
    """The Word letter of a recipient in Rabat, on a computer without Noto: Noto and Noto Sans Arabic, and the
    address in the envelope's window as in the PDF."""
    from conftest import shared_project
    from eventdocs.stages import merge_letters
    from eventdocs.render import Project
    from test_merge import ROWS, write_csv

    result = merge_letters(Project(shared_project()), 2026, write_csv(tmp_path / "invites.csv", [ROWS[6]]),
                           tmp_path / "out")
    letter, = result.written
    pdf = convert_without_noto(result.folder / f"{letter.stem}.docx", tmp_path)
    fonts = {font.split("+")[-1] for font, _ in pdf_fonts(pdf)}
    assert "NotoSansArabic-Regular" in fonts and all(font.startswith("Noto") for font in fonts), fonts
    layout = window_layout(Envelope())
    words = pdf_word_boxes(pdf)
    for text in ("Monsieur", "RABAT", "MAROC", "Christiani"):
        word = next(w for w in words if w.text == text)
        assert layout.address.left - 0.5 <= word.left and word.right <= layout.address.right, word
        assert layout.address.top - 0.5 <= word.top and word.bottom <= layout.address.bottom + 0.5, word
    date = next(w for w in words if w.text == "Paris,")
    assert date.top >= layout.reach.bottom
