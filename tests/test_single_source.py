"""One fact, one place: the programme reads the same in every document of the edition."""

from pathlib import Path

import pytest

from conftest import shared_project

from eventdocs import formats
from eventdocs.build import load_edition
from eventdocs.localize import localize
from eventdocs.render import Project
from extract import contains, docx_text, pdf_text

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = {"fr": ["invitation-fr", "dossier-fr"], "en": ["invitation-en"]}


def programme(lang):
    edition = load_edition(Project(shared_project()), 2026).edition
    view = localize(edition, lang)
    for day in view.programme:
        for session in day.sessions:
            titles = [str(session.title)] + [str(p.title) for p in session.parallel]
            yield formats.time_range(session.start, session.end, lang), titles


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_session_time_and_title_is_in_every_programme(built, lang):
    for stem in DOCUMENTS[lang]:
        for fmt in ("pdf", "docx"):
            path = built / "2026" / f"{stem}.{fmt}"
            text = pdf_text(path) if fmt == "pdf" else docx_text(path)
            for times, titles in programme(lang):
                assert contains(text, times), f"{path.name}: no {times!r}"
                for title in titles:
                    assert contains(text, title), f"{path.name}: no {title!r}"


def test_cafes_time_in_the_dossier_is_the_programmes(built):
    cafes = next((t, titles) for t, titles in programme("fr") if "Cafés" in titles[0])
    start, end = cafes[0].split("\u202f–\u202f")
    text = pdf_text(built / "2026" / "dossier-fr.pdf")
    assert contains(text, f"de {start} à {end} le jeudi 9 juillet")
    assert "14h00 à 15h00" not in text
