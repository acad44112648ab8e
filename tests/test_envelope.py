"""The window envelope: its geometry is data, the letter's PDF and DOCX put the address where the window is."""

from __future__ import annotations

import docx
import pytest

from eventdocs.envelope import window_layout
from eventdocs.model import Envelope
from extract import pdf_word_boxes

TWIPS_PER_MM = 1440 / 25.4

#: a DL envelope with a taller window, closer to the right edge (one the officer might buy)
OTHER_ENVELOPE = """
envelope:
  window:
    height: 50
    right: 15
    bottom: 12
"""


def test_the_common_dl_window_gives_the_address_its_safety_margins():
    """DL 110 × 220 mm, window 45 × 100 mm at 20 mm from the right and 15 mm from the bottom, the A4 letter folded
    in three (99 mm): 10 mm of play across, 11 mm down, so the address keeps 5 mm (5.5 mm) inside the window."""
    layout = window_layout(Envelope())
    assert (layout.window.left, layout.window.top, layout.window.width, layout.window.height) == (95, 44.5, 100, 45)
    assert (layout.address.left, layout.address.top, layout.address.right, layout.address.bottom) == (100, 50, 190, 84)
    assert (layout.reach.left, layout.reach.top, layout.reach.right, layout.reach.bottom) == (90, 39, 200, 95)
    assert layout.text_top == 102  # the date: below the reach of the window and below the first fold (99 mm)


def test_a_built_letter_prints_only_the_return_line_in_the_window(built):
    layout = window_layout(Envelope())
    words = pdf_word_boxes(built / "2026" / "letter-fr.pdf")
    in_reach = [w for w in words if w.left < layout.reach.right and w.right > layout.reach.left
                and w.top < layout.reach.bottom and w.bottom > layout.reach.top]
    assert " ".join(w.text for w in in_reach) == "Cités Unies France · 9 rue Christiani · 75018 Paris"
    assert all(layout.address.left <= w.left and w.bottom <= layout.address.bottom for w in in_reach)
    date = next(w for w in words if w.text == "Paris,")
    assert date.top >= layout.text_top - 0.5 and date.left >= layout.address.left - 0.5


def test_the_word_letter_places_its_frames_from_the_same_geometry(built):
    layout = window_layout(Envelope())
    document = docx.Document(str(built / "2026" / "letter-fr.docx"))
    frames = {}
    for paragraph in document.paragraphs:
        frame = paragraph._p.pPr.find(docx.oxml.ns.qn("w:framePr")) if paragraph._p.pPr is not None else None
        if frame is not None and paragraph.style.name in ("Mention expéditeur", "Adresse du destinataire"):
            frames[paragraph.style.name] = {k.split("}")[1]: frame.get(k) for k in frame.keys()}
    ret, address = frames["Mention expéditeur"], frames["Adresse du destinataire"]
    assert int(ret["x"]) == int(address["x"]) == round(layout.address.left * TWIPS_PER_MM)
    assert int(ret["y"]) == round(layout.address.top * TWIPS_PER_MM)
    assert int(address["y"]) + int(address["h"]) == pytest.approx(layout.address.bottom * TWIPS_PER_MM, abs=2)
    assert ret["hAnchor"] == ret["vAnchor"] == "page"
    date = next(p for p in document.paragraphs if p.style.name == "Lieu et date")
    top = document.sections[0].top_margin.mm + date.paragraph_format.space_before.mm
    assert top == pytest.approx(layout.text_top, abs=0.1)
    assert "Cités Unies France · 9 rue Christiani · 75018 Paris" in " ".join(
        p.text.replace("\u00a0", " ") for p in document.paragraphs)


def test_the_officer_sets_the_envelopes_they_buy(make_project, run, tmp_path):
    project = make_project("reference")
    with open(project / "editions" / "association.yaml", "a", encoding="utf-8") as file:
        file.write(OTHER_ENVELOPE)
    code, _, err = run("build", "2026", "--only", "letter", "--lang", "fr", "--output", tmp_path, project=project)
    assert code == 0, err
    other = window_layout(Envelope(window={"height": 50, "right": 15, "bottom": 12}))
    assert other.address.left != window_layout(Envelope()).address.left
    words = pdf_word_boxes(tmp_path / "2026" / "letter-fr.pdf")
    first = next(w for w in words if w.text == "Cités" and w.top > 30)
    assert first.left == pytest.approx(other.address.left, abs=0.1)
    assert first.top == pytest.approx(other.address.top, abs=0.5)
    document = docx.Document(str(tmp_path / "2026" / "letter-fr.docx"))
    address = next(p for p in document.paragraphs if p.style.name == "Adresse du destinataire")
    frame = address._p.pPr.find(docx.oxml.ns.qn("w:framePr"))
    assert int(frame.get(docx.oxml.ns.qn("w:x"))) == round(other.address.left * TWIPS_PER_MM)


def test_an_envelope_too_small_for_the_letter_is_refused_with_its_line(project, run, tmp_path):
    with open(project / "editions" / "association.yaml", "a", encoding="utf-8") as file:
        file.write("\nenvelope:\n  height: 95\n")
    code, _, err = run("build", "2026", "--only", "letter", "--output", tmp_path, project=project)
    assert code == 1 and "Traceback" not in err
    line = (project / "editions" / "association.yaml").read_text(encoding="utf-8").splitlines().index("envelope:") + 1
    assert f"editions/association.yaml:{line}: envelope: an envelope of 95 × 220 mm cannot hold an A4 letter" in err


def test_a_window_too_small_for_six_lines_is_refused(project, run, tmp_path):
    with open(project / "editions" / "association.yaml", "a", encoding="utf-8") as file:
        file.write("\nenvelope:\n  window:\n    height: 35\n")
    code, _, err = run("check", "2026", project=project)
    assert code == 1
    assert "six address lines and the return line need 80 × 31.5 mm" in err
