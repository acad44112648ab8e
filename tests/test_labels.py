"""Every fixed word a document prints is a label the YAML can change (templates/labels.yaml, labels:)."""

import re

import yaml

from conftest import ROOT, edit
from extract import docx_text, normalize, pdf_words, words

LABELS = yaml.safe_load((ROOT / "templates/labels.yaml").read_text(encoding="utf-8"))


KEYS = sorted(LABELS)


def sentinel(key: str, lang: str) -> str:
    """A short word of its own for each label and language (short: it must fit the label's place)."""
    n = KEYS.index(key)
    return f"Zq{lang[0]}{chr(97 + n // 26)}{chr(97 + n % 26)}"


def test_with_every_label_replaced_no_other_fixed_word_remains(make_project, run, tmp_path):
    """Set every label to a sentinel word: what is left in the documents comes from the edition's data."""
    project = make_project("full")
    lines = ["", "labels:"]
    for key in LABELS:
        lines += [f"  {key}:", f"    fr: {sentinel(key, 'fr')}", f"    en: {sentinel(key, 'en')}"]
    association = project / "editions/association.yaml"
    text = association.read_text(encoding="utf-8")
    text = text[: text.index("\nlabels:")] + "\n".join(lines) + "\n"
    association.write_text(text, encoding="utf-8")
    edition = project / "editions/2026.yaml"
    text = edition.read_text(encoding="utf-8")
    edition.write_text(text[: text.index("\nlabels:")] + text[text.index("\n# Après l'événement"):], encoding="utf-8")
    code, out, err = run("build", "--all", "--output", tmp_path / "out", project=project)
    assert code == 0, err

    data = set()

    def strings(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif node is not None:
            yield str(node)

    for path in (project / "editions").glob("*.yaml"):
        data |= words(" ".join(strings(yaml.safe_load(path.read_text(encoding="utf-8")))))
    # what the pipeline computes from the data: dates and weekdays in each language, ordinals, numbers
    data |= words("lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril mai juin juillet "
                  "août septembre octobre novembre décembre monday tuesday wednesday thursday friday saturday sunday "
                  "january february march april may june july august september october november december "
                  "et and le les on de à from to e er re st nd rd th am pm h un one deux two")
    from eventdocs.build import load_edition
    from eventdocs.placeholders import placeholder_values
    from eventdocs.render import Project

    for year in (2025, 2026):
        edition = load_edition(Project(project), year).edition
        for lang in ("fr", "en"):
            data |= words(" ".join(v for v in placeholder_values(edition, lang).values() if isinstance(v, str)))
    sentinels = {sentinel(key, lang).lower() for key in LABELS for lang in ("fr", "en")}
    for path in sorted((tmp_path / "out").rglob("*")):
        if path.suffix == ".docx":
            found = words(docx_text(path))
        elif path.suffix == ".pdf":
            found = pdf_words(path)[1]
        else:
            continue
        # a label set in its own box beside its value may come out glued to it: « zqfrinvitationmetroligne »
        found = {w if w in sentinels else
                 next((w[len(s):] for s in sorted(sentinels, key=len, reverse=True) if w.startswith(s)), w)
                 for w in found} - {""}
        stray = {w for w in found - data - sentinels if not w.isdigit() and not re.fullmatch(r"\d+(e|er|re|st|nd|rd|th|h\d*)", w)}
        assert not stray, f"{path.name} prints words that no label or data supplies: {sorted(stray)}"
        assert found & sentinels, f"{path.name} shows no label at all"


def test_an_edition_overrides_the_association_which_overrides_the_layout(make_project, run, tmp_path):
    project = make_project("full")
    code, _, err = run("build", "2026", "--only", "invitation", "--only", "letter", "--lang", "fr",
                       "--output", tmp_path / "out", project=project)
    assert code == 0, err
    letter = normalize(docx_text(tmp_path / "out/2026/letter-fr.docx"))
    assert "Fait à Paris, le 25 janvier 2026" in letter          # the edition's own letter_dateline
    brochure = normalize(docx_text(tmp_path / "out/2026/invitation-fr.docx"))
    assert "Vous êtes invité" in brochure                         # the edition's invitation_word
    assert "Objet :" in letter                                   # templates/labels.yaml


def test_an_empty_label_removes_its_line(make_project, run, tmp_path):
    project = make_project("earlier")
    edit(project / "editions/2016.yaml", '''    fr: "Les prochaines Assises se tiendront en {next_year} : la date sera annoncée à l'automne."''',
         '''    fr: ""''')
    code, _, err = run("build", "2016", "--only", "communique", "--output", tmp_path / "out", project=project)
    assert code == 0, err
    for fmt in ("docx", "pdf"):
        path = tmp_path / f"out/2016/communique-fr.{fmt}"
        text = docx_text(path) if fmt == "docx" else " ".join(pdf_words(path)[0])
        assert "prochaines" not in text


def test_an_unknown_label_is_an_error_with_a_suggestion(project, run):
    edit(project / "editions/2026.yaml", "registration_opens: 2026-04-15",
         "registration_opens: 2026-04-15\nlabels:\n  subjet:\n    fr: 'Objet :'")
    code, _, err = run("check", "2026", project=project)
    assert code == 1 and "Traceback" not in err
    assert re.search(r"editions/2026\.yaml:\d+: labels\.subjet: unknown label 'subjet'; did you mean 'subject'\?", err)


def test_a_label_with_an_unknown_placeholder_names_its_file_and_line(project, run):
    path = project / "templates/labels.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('fr: "Objet :"', 'fr: "Objet {objet} :"'), encoding="utf-8")
    code, _, err = run("check", "2026", project=project)
    assert code == 1
    assert re.search(r"templates/labels\.yaml:\d+: labels\.subject\.fr: unknown placeholder \{objet\}", err), err


def test_a_label_using_data_the_edition_lacks_says_so(make_project, run):
    project = make_project("minimal")
    edit(project / "editions/2030.yaml", "year: 2030", "year: 2030\nlabels:\n  subject:\n    fr: \"{theme} :\"")
    code, _, err = run("check", "2030", project=project)
    assert code == 1 and "Traceback" not in err
    assert re.search(r"editions/2030\.yaml:\d+: labels\.subject\.fr: uses \{theme\}, but the edition has no theme; "
                     r"add 'theme:'", err), err
