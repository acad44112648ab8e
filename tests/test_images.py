"""Logos, the signature, partners' logos and the co-funding emblem: in both formats, with alt text."""

import io
import re

import pytest
from PIL import Image
from pypdf import PdfReader

from conftest import built_fixture, edit
from extract import pdf_metadata


def docx_pictures(path) -> list[tuple[str, bytes]]:
    """(alternative text, image bytes) of every picture of a DOCX, body, headers and footers."""
    import docx

    document = docx.Document(str(path))
    parts = [document.part] + [rel.target_part for rel in document.part.rels.values()
                               if rel.reltype.endswith(("/header", "/footer"))]
    found = []
    for part in parts:
        for drawing in part.element.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}drawing"):
            doc_pr = next(drawing.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"))
            blip = next(drawing.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip"))
            rid = blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
            found.append((doc_pr.get("descr"), part.related_parts[rid].blob))
    return found


def pdf_figures(path) -> list[str]:
    """The /Alt of every /Figure of a tagged PDF's structure tree."""
    reader = PdfReader(str(path))
    alts = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict) or hasattr(node, "get"):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt")))
            kids = node.get("/K")
            if kids is not None:
                kids = kids.get_object()
                for kid in kids if isinstance(kids, list) else [kids]:
                    if hasattr(kid, "get_object") and not isinstance(kid.get_object(), int):
                        walk(kid)
        elif isinstance(node, list):
            for kid in node:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return alts


def pdf_image_count(path) -> int:
    return sum(len(page.images) for page in PdfReader(str(path)).pages)


EXPECTED_ALTS = {
    "letter-fr": {"Logo de Cités Unies France", "Signature de Michaël Delafosse"},
    "letter-en": {"Logo of Cités Unies France", "Signature of Michaël Delafosse"},
    "communique-fr": {"Logo de Cités Unies France", "Ministère de l’Europe et des Affaires étrangères",
                      "Logo de l’AFD", "Cités et Gouvernements Locaux Unis (CGLU)", "Drapeau de l’Union européenne"},
    "invitation-fr": {"Cités Unies France", "Logo de Cités Unies France", "Signature de Michaël Delafosse",
                      "Ministère de l’Europe et des Affaires étrangères", "Logo de l’AFD",
                      "Cités et Gouvernements Locaux Unis (CGLU)", "Drapeau de l’Union européenne"},
    "dossier-fr": {"Logo de Cités Unies France", "Ministère de l’Europe et des Affaires étrangères", "Logo de l’AFD",
                   "Cités et Gouvernements Locaux Unis (CGLU)", "Drapeau de l’Union européenne"},
}


@pytest.mark.parametrize("stem", sorted(EXPECTED_ALTS))
def test_every_image_is_in_both_formats_with_its_alt_text(stem):
    folder = built_fixture("full") / "2026"
    docx_alts = {alt for alt, _ in docx_pictures(folder / f"{stem}.docx")}
    assert EXPECTED_ALTS[stem] - {"Cités Unies France"} <= docx_alts, docx_alts
    assert all(docx_alts), "a picture without alternative text"
    pdf_alts = set(pdf_figures(folder / f"{stem}.pdf"))
    assert EXPECTED_ALTS[stem] <= pdf_alts | {"Cités Unies France"} and "None" not in pdf_alts, pdf_alts


def test_pdf_a_still_holds_with_images():
    for stem in EXPECTED_ALTS:
        path = built_fixture("full") / f"2026/{stem}.pdf"
        reader = PdfReader(str(path))
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and "/OutputIntents" in root and "/Metadata" in root
        assert b"pdfaid:part" in root["/Metadata"].get_object().get_data().replace(b'"', b"")
        assert pdf_metadata(path)["Title"]


def test_cmyk_jpeg_is_converted_to_rgb_and_svg_drawn_for_word():
    folder = built_fixture("full") / "2026"
    modes = {}
    for alt, blob in docx_pictures(folder / "communique-fr.docx"):
        image = Image.open(io.BytesIO(blob))
        modes[alt] = (image.format, image.mode)
    assert modes["Logo de l’AFD"][1] == "RGB"                                # supplied as CMYK JPEG
    assert modes["Cités et Gouvernements Locaux Unis (CGLU)"][0] == "PNG"    # supplied as SVG
    assert modes["Drapeau de l’Union européenne"][0] == "PNG"


def test_a_50_megapixel_photo_is_scaled_down(make_project, run, tmp_path):
    project = make_project("full")
    Image.new("RGB", (8660, 5780), (29, 52, 97)).save(project / "images/photo.jpg", quality=80)
    edit(project / "editions/association.yaml", "  logo_light: images/logo-light.png", "  logo_light: images/photo.jpg")
    code, _, err = run("build", "2026", "--only", "invitation", "--lang", "fr", "--output", tmp_path / "out",
                       project=project)
    assert code == 0, err
    sizes = [Image.open(io.BytesIO(blob)).size for _, blob in docx_pictures(tmp_path / "out/2026/invitation-fr.docx")]
    assert max(max(s) for s in sizes) <= 2400
    assert (tmp_path / "out/2026/invitation-fr.docx").stat().st_size < 3_000_000


@pytest.mark.parametrize("value, message", [
    ("images/nowhere.png", r"image file not found: images/nowhere\.png"),
    ("editions/2026.yaml", r"'editions/2026\.yaml' is not an image Word and PDF can show"),
    ("../outside.png", r"'\.\./outside\.png' is outside the project"),
    ("/etc/hosts", r"'/etc/hosts' is outside the project"),
    ("images", r"'images' is a folder, not an image file"),
])
def test_a_bad_image_is_named_with_its_file_line_and_field(make_project, run, tmp_path, value, message):
    project = make_project("full")
    (project.parent / "outside.png").write_bytes((project / "images/logo.png").read_bytes())
    edit(project / "editions/2026.yaml", "    logo: images/partner-meae.png", f"    logo: {value}")
    out = tmp_path / "out"
    code, _, err = run("build", "2026", "--output", out, project=project)
    assert code == 1 and "Traceback" not in err and not out.exists()
    assert re.search(r"editions/2026\.yaml:\d+: partners\[0\]\.logo\.file: " + message, err), err


def test_a_new_logo_rebuilds_every_document_that_shows_it_and_verify_notices(make_project, run, tmp_path):
    project = make_project("full")
    code, _, err = run("build", "2026", "--only", "letter", "--output", tmp_path / "out", project=project)
    assert code == 0, err
    before = (tmp_path / "out/2026/letter-fr.pdf").read_bytes()
    code, out, _ = run("build", "2026", "--only", "letter", "--output", tmp_path / "out", project=project)
    assert "0 new or changed" in out
    Image.new("RGB", (400, 120), (0, 120, 60)).save(project / "images/logo.png")
    code, out, _ = run("verify", "2026", "--output", tmp_path / "out", project=project)
    assert code == 1
    code, out, _ = run("build", "2026", "--only", "letter", "--output", tmp_path / "out", project=project)
    assert code == 0 and "wrote     " in out and "letter-fr.pdf" in out
    assert (tmp_path / "out/2026/letter-fr.pdf").read_bytes() != before
    manifest = (tmp_path / "out/2026/manifest.json").read_text()
    assert "images/logo.png" in manifest
