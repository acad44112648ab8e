"""The fixture editions build, read as written, and keep their golden extracted text.

Each fixture project (tests/fixtures/<name>/) carries, under expected/, the text
a reader gets from every document: DOCX text (python-docx, headers and footers
included) and PDF text (pypdf), normalised. ``pytest --update-golden`` rewrites
them after a wanted change, which then shows as a diff in review.
"""

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, built_fixture, check_golden, shared_project
from extract import contains, docx_text, normalize, pdf_fonts, pdf_metadata, pdf_text

GOLDEN_FIXTURES = ("full", "minimal", "earlier", "unicode")


def documents(fixture: str) -> list[Path]:
    out = built_fixture(fixture)
    return sorted(p for p in out.rglob("*") if p.suffix in (".docx", ".pdf") and "thumbnails" not in p.parts)


def reader_text(path: Path) -> str:
    """The text of a document, one sentence a line (line breaks and hyphenation of the layout removed)."""
    text = normalize(docx_text(path) if path.suffix == ".docx" else pdf_text(path))
    return re.sub(r"(?<=[.!?;:»”]) ", "\n", text) + "\n"


@pytest.mark.parametrize("fixture", GOLDEN_FIXTURES)
def test_golden_text(fixture, update_golden):
    paths = documents(fixture)
    assert paths, f"the {fixture} fixture made no document"
    out = built_fixture(fixture)
    for path in paths:
        relative = path.relative_to(out)
        check_golden(FIXTURES / fixture / "expected" / f"{relative}.txt", reader_text(path), update_golden)


@pytest.mark.parametrize("fixture", GOLDEN_FIXTURES)
def test_no_absent_block_leaks_into_a_document(fixture):
    """An absent theme, hashtag or website leaves nothing behind: no 'None', no empty quotes, no brace."""
    for path in documents(fixture):
        text = docx_text(path) if path.suffix == ".docx" else pdf_text(path)
        for leak in ("None", "{", "}", "« »", "«  »", "“”", " ·  · ", "[À RÉÉCRIRE]"):
            assert leak not in text, (path.name, leak)
        if fixture != "full" and fixture != "reference":
            assert "RAICT" not in text, path.name  # nothing of this year's event where it does not belong


def test_minimal_one_day_edition_reads_naturally():
    out = built_fixture("minimal")
    letter = normalize(docx_text(out / "2030/letter-fr.docx"))
    assert "qui se tiendra le jeudi 14 mars 2030 au Couvent des Jacobins" in letter
    english = normalize(pdf_text(out / "2030/letter-en.pdf"))
    assert "to be held on Thursday 14 March 2030 at the Couvent des Jacobins" in english
    brochure = normalize(pdf_text(out / "2030/invitation-fr.pdf"))
    assert "Jeudi 14 mars 2030" in brochure and "édition" not in brochure.lower().replace("éditorial", "")
    assert not (out / "2030/dossier-fr.pdf").exists() and not (out / "2030/communique-fr.pdf").exists()


def test_minimal_metadata_has_no_absent_keyword():
    meta = pdf_metadata(built_fixture("minimal") / "2030/letter-fr.pdf")
    assert meta["Keywords"] == "2030, RVJ"
    assert meta["Title"] == "Lettre d’invitation du président – Journée des villes jumelées 2030"


EARLIER_COMMUNIQUE = [
    "Les Assises de l'action internationale des collectivités locales ont réuni 850 participants à Lyon",
    "Communiqué diffusé à Lyon le 30 juin 2016",
    "La septième édition des Assises de l'action internationale des collectivités locales s'est tenue les "
    "lundi 27 et mardi 28 juin 2016 au Centre de congrès de Lyon.",
    "Elle a réuni 850 participants venus de 40 pays.",
    "Les 12 tables rondes ont abordé trois sujets :",
    "l'eau et l'assainissement ;",
    "la jeunesse et la mobilité ;",
    "la gouvernance locale.",
    "Cités Unies France remercie chaleureusement la ville de Lyon pour son accueil.",
    "Les prochaines Assises se tiendront en 2017 : la date sera annoncée à l'automne.",
    "Louise Garnier, Chargée des relations presse",
]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_an_earlier_edition_written_in_yaml_alone_comes_out_as_written(fmt):
    """Another name, two days at another venue, another president, no theme, hashtag, website or Cafés."""
    path = built_fixture("earlier") / f"2016/communique-fr.{fmt}"
    text = docx_text(path) if fmt == "docx" else pdf_text(path)
    for sentence in EARLIER_COMMUNIQUE:
        assert contains(text, sentence), sentence
    for absent in ("Rencontres", "Site dédié", "#", "Rendez-vous en 2017", "Delafosse"):
        assert absent not in text, absent
    letter = built_fixture("earlier") / f"2016/letter-fr.{fmt}"
    letter_text = docx_text(letter) if fmt == "docx" else pdf_text(letter)
    for sentence in ("Henri Vasseur", "Maire de Saint-Aubin-sur-Loire", "des élus de toutes les régions ;",
                     "Avec mes sentiments les meilleurs, je vous prie de croire, Madame, Monsieur, à ma considération distinguée."):
        assert contains(letter_text, sentence), sentence


def test_unicode_names_print_in_bundled_fonts():
    out = built_fixture("unicode")
    pdf = out / "2031/invitation-fr.pdf"
    fonts = {name.split("+")[-1] for name, embedded in pdf_fonts(pdf) if embedded}
    assert {"Noto-Sans-Arabic", "IPAexGothic"} & fonts, fonts
    assert all(embedded for _, embedded in pdf_fonts(pdf))
    text = pdf_text(pdf)
    assert "横浜市国際局" in text
    assert set("بلديةمدينةتونس") <= set(text)  # right to left: the letters, not their order
    docx = docx_text(out / "2031/invitation-fr.docx")
    assert "横浜市国際局" in docx and "بلدية مدينة تونس" in docx


def test_a_character_no_font_can_print_is_refused_with_its_field(make_project, run):
    project = make_project("unicode")
    path = project / "editions/2031.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("(横浜).", "(横浜) สวัสดี."), encoding="utf-8")
    code, _, err = run("check", "2031", project=project)
    assert code == 1 and "Traceback" not in err
    assert re.search(r"editions/2031\.yaml:\d+: brochure\.editorial\[0\]\.fr: holds characters no font of fonts/ "
                     r"can print: ส \(U\+0E2A\)", err), err


def test_fixture_goldens_exist_for_every_fixture_with_expected():
    for fixture in GOLDEN_FIXTURES:
        assert (FIXTURES / fixture / "editions").is_dir()
        assert shared_project(fixture).is_dir()


#: sentences of the documents the pipeline replaces (../shared/seeds), as the reference fixture (a frozen copy of
#: the seeds' editions) must still print them
SEED_SENTENCES = {
    "2026/letter-fr": ["Rendez-vous annuel de référence de la coopération décentralisée en France",
                       "Comme lors des éditions précédentes, un pays sera mis à l'honneur"],
    "2026/invitation-en": ["Local Authorities in the New World Order"],
    "2026/dossier-fr": ["Les Rencontres de l'action internationale des collectivités territoriales (RAICT)"],
    "2025/communique-fr": ["a une nouvelle fois connu un vif succès"],
}


@pytest.mark.parametrize("stem", sorted(SEED_SENTENCES))
def test_the_reference_editions_carry_their_seeds_sentences(built, stem):
    for fmt in ("docx", "pdf"):
        path = built / f"{stem}.{fmt}"
        text = docx_text(path) if fmt == "docx" else pdf_text(path)
        for sentence in SEED_SENTENCES[stem]:
            assert contains(text, sentence), (path.name, sentence)

