"""Smoke test of the real editions (editions/): they check and build with no warning, and still carry
a few sentences of the documents they replace (../shared/seeds). Everything else is tested on the
fixture editions, since the officer rewrites the real texts every year."""

import pytest

from conftest import ROOT
from eventdocs.cli import main
from extract import contains, docx_text, pdf_text

SEED_SENTENCES = {
    "2026/letter-fr": ["Rendez-vous annuel de référence de la coopération décentralisée en France",
                       "Comme lors des éditions précédentes, un pays sera mis à l'honneur"],
    "2026/invitation-en": ["Local Authorities in the New World Order"],
    "2026/dossier-fr": ["Les Rencontres de l'action internationale des collectivités territoriales (RAICT)"],
    "2025/communique-fr": ["a une nouvelle fois connu un vif succès"],
}


@pytest.fixture(scope="module")
def real_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("real")
    assert main(["build", "--all", "--output", str(out)]) == 0
    return out


def test_the_real_editions_check_with_no_warning(capsys):
    assert main(["check", "--all"]) == 0
    out, err = capsys.readouterr()
    assert "warning" not in out and not err


@pytest.mark.parametrize("stem", sorted(SEED_SENTENCES))
def test_the_real_editions_carry_their_seeds_sentences(real_build, stem):
    for fmt in ("docx", "pdf"):
        path = real_build / f"{stem}.{fmt}"
        text = docx_text(path) if fmt == "docx" else pdf_text(path)
        for sentence in SEED_SENTENCES[stem]:
            assert contains(text, sentence), (path.name, sentence)
