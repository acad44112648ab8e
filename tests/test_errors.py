"""Bad input: a clear message naming file, line and field; exit 1; no traceback; output untouched."""

from pathlib import Path

from conftest import failed_cleanly, tree_snapshot


def edit(project: Path, name: str, old: str, new: str, count: int = 1) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(project: Path, name: str, snippet: str) -> int:
    lines = (project / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if snippet in line)


def build(run, project, out, *extra):
    return run("build", "2026", "--output", out, *extra, project=project)


def test_time_out_of_range(run, project, previous_output):
    edit(project, "editions/2026.yaml", "start: 16:00", "start: 25:00")
    before = tree_snapshot(previous_output)
    code, _, err = build(run, project, previous_output)
    line = line_of(project, "editions/2026.yaml", "start: 25:00")
    assert f"editions/2026.yaml:{line}: programme[0].sessions[3].start: '25:00' is not a time (expected HH:MM" in err
    failed_cleanly(code, err, previous_output, before)


def test_every_problem_is_listed_at_once(run, project, previous_output):
    edit(project, "editions/2026.yaml", "start: 16:00", "start: 25:00")
    edit(project, "editions/2026.yaml", "edition: 17", "edition: dix-sept")
    edit(project, "editions/2026.yaml", "registration_opens: 2026-04-15", "registration_opens: 15 avril")
    before = tree_snapshot(previous_output)
    code, _, err = build(run, project, previous_output)
    assert "3 problem(s)" in err
    assert "programme[0].sessions[3].start" in err
    assert "edition: " in err and "dix-sept" in err
    assert "registration_opens: '15 avril' is not a date (expected YYYY-MM-DD" in err
    failed_cleanly(code, err, previous_output, before)


def test_unknown_key_is_reported_with_a_suggestion(run, project, previous_output):
    edit(project, "editions/2026.yaml", "  postcode: \"75116\"", "  postcode: \"75116\"\n  adress: 9bis")
    before = tree_snapshot(previous_output)
    code, _, err = build(run, project, previous_output)
    line = line_of(project, "editions/2026.yaml", "adress: 9bis")
    assert f"editions/2026.yaml:{line}: venue.adress: unknown key 'adress'" in err
    failed_cleanly(code, err, previous_output, before)


def test_duplicate_key_is_an_error(run, project, previous_output):
    edit(project, "editions/2026.yaml", "hashtag: \"#RencontresAICT2026\"", "hashtag: \"#RencontresAICT2026\"\nhashtag: \"#RAICT\"")
    before = tree_snapshot(previous_output)
    code, _, err = build(run, project, previous_output)
    assert "hashtag: key 'hashtag' is written twice (first on line" in err
    failed_cleanly(code, err, previous_output, before)


def test_yaml_syntax_error_names_the_line(run, project, previous_output):
    edit(project, "editions/2026.yaml", "city: Paris\n", "city: \"Paris\n", 1)
    before = tree_snapshot(previous_output)
    code, _, err = build(run, project, previous_output)
    assert "editions/2026.yaml:" in err and "YAML syntax error" in err
    failed_cleanly(code, err, previous_output, before)


def test_missing_required_entry(run, project, previous_output):
    edit(project, "editions/2026.yaml", "  street: 9bis, avenue d'Iéna\n", "")
    before = tree_snapshot(previous_output)
    code, _, err = build(run, project, previous_output)
    assert "venue.street: this required entry is missing" in err
    failed_cleanly(code, err, previous_output, before)


def test_missing_translation_names_the_field_and_is_never_filled_from_another_language(run, project, previous_output):
    text = (project / "editions/2026.yaml").read_text(encoding="utf-8")
    start = text.index("      en: >-\n        At a time when")
    end = text.index("    - fr: >-\n        C'est dans cette perspective")
    (project / "editions/2026.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    before = tree_snapshot(previous_output)
    code, _, err = build(run, project, previous_output, "--only", "letter", "--lang", "en")
    assert "letter.body[0].en: no English text; add a 'en:' entry" in err
    failed_cleanly(code, err, previous_output, before)
    # the French letter does not need it
    code, out, err = build(run, project, previous_output, "--only", "letter", "--lang", "fr")
    assert code == 0, err
    # check looks at every language
    code, _, err = run("check", "2026", project=project)
    assert code == 1 and "letter.body[0].en" in err


def test_unknown_placeholder(run, project, previous_output):
    edit(project, "editions/2026.yaml", "pour cette {ordinal}\n", "pour cette {ordinnal}\n")
    before = tree_snapshot(previous_output)
    code, _, err = build(run, project, previous_output)
    assert "letter.closing.fr: unknown placeholder {ordinnal}; did you mean {ordinal}?" in err
    failed_cleanly(code, err, previous_output, before)


def test_unclosed_bold(run, project, previous_output):
    edit(project, "editions/2026.yaml", "Rendez-vous annuel de référence", "**Rendez-vous annuel de référence")
    before = tree_snapshot(previous_output)
    code, _, err = build(run, project, previous_output)
    assert "letter.body[3].fr: '**' opened near" in err and "is never closed" in err
    failed_cleanly(code, err, previous_output, before)


def test_year_must_match_file_name(run, project, previous_output):
    edit(project, "editions/2026.yaml", "year: 2026", "year: 2027")
    code, _, err = build(run, project, previous_output)
    assert "year: says 2027 but the file is 2026.yaml" in err
    assert code == 1


def test_file_not_utf8(run, project, previous_output):
    path = project / "editions/2026.yaml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    before = tree_snapshot(previous_output)
    code, _, err = build(run, project, previous_output)
    assert "editions/2026.yaml:1: not UTF-8 text" in err and "save the file as UTF-8" in err  # a line, not a byte
    failed_cleanly(code, err, previous_output, before)


def test_missing_edition(run, project, tmp_path):
    code, _, err = run("build", "2031", "--output", tmp_path / "out", project=project)
    assert code == 1
    assert "no edition file for 2031" in err and "python generate.py new 2031" in err
    assert not (tmp_path / "out").exists()


def test_template_with_unknown_variable_fails_at_check(run, project):
    edit(project, "templates/letter.html", "{{ labels.letter_dateline }}", "{{ edition.letter.placce }}")
    code, out, err = run("check", "2026", project=project)
    assert code == 1
    assert "templates/letter.html:" in err and "placce" in err
    assert "Traceback" not in err


def test_word_template_with_unknown_variable_fails_at_check(run, project):
    import docx

    path = project / "templates/letter.docx"
    document = docx.Document(str(path))
    paragraph = next(p for p in document.paragraphs if "letter_dateline" in p.text)
    paragraph.runs[0].text = "{{ edition.letter.datte }}"
    for run_ in paragraph.runs[1:]:
        run_.text = ""
    document.save(str(path))
    code, _, err = run("check", "2026", project=project)
    assert code == 1
    assert "templates/letter.docx" in err and "datte" in err


def test_template_syntax_error(run, project):
    edit(project, "templates/letter.html", "{% endfor %}", "{% endfo %}")
    code, _, err = run("check", "2026", project=project)
    assert code == 1 and "templates/letter.html" in err and "syntax" in err


def test_missing_template(run, project):
    (project / "templates/letter.docx").unlink()
    code, _, err = run("check", "2026", project=project)
    assert code == 1 and "templates/letter.docx: template not found" in err


def test_unknown_document_and_language(run, project, tmp_path):
    code, _, err = run("build", "2026", "--only", "lettre", "--output", tmp_path, project=project)
    assert code == 1 and "unknown document 'lettre'; the documents are: letter" in err
    code, _, err = run("build", "2026", "--lang", "de", "--output", tmp_path, project=project)
    assert code == 1 and "unknown language 'de'" in err


def test_output_that_cannot_be_written(run, project, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be")
    code, _, err = run("build", "2026", "--only", "letter", "--output", blocker, project=project)
    assert code == 1
    assert "cannot write to" in err and "it is a file, not a folder" in err and "Traceback" not in err
    assert blocker.read_text() == "a file where the output folder should be"


def test_bad_year_argument(run, project):
    code, _, err = run("build", "twenty", project=project)
    assert code == 2 and "'twenty' is not a year" in err


def test_no_traceback_in_a_real_process(project, tmp_path):
    """The same through a real process: the user sees a message, not Python."""
    import subprocess
    import sys

    edit(project, "editions/2026.yaml", "start: 16:00", "start: 25:00")
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, str(root / "generate.py"), "--project", str(project), "build", "2026", "--output", str(tmp_path / "o")],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert "'25:00' is not a time" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()
