"""Hostile edition files: each kind gets its own file:line: field: message, exit 1, no traceback, nothing written,
in bounded time and memory; and whatever the bytes, the loader returns data or raises EditionError."""

from __future__ import annotations

import codecs
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventdocs.errors import EditionError
from eventdocs.load import SourceMap, read_yaml
from conftest import failed_cleanly
from hostile import cli_measured, edit_text, line_of, snapshot

EDITION = "editions/2026.yaml"
THEME = "  fr: Les collectivités territoriales dans le nouvel ordre mondial"


def build(run, project, out):
    before = snapshot(out)
    code, _, err = run("build", "2026", "--output", out, project=project)
    failed_cleanly(code, err, out, before)
    return err


@pytest.mark.parametrize("written, shown", [("2026-02-30", "'2026-02-30'"), ("2026-13-45", "'2026-13-45'")])
def test_an_impossible_date_is_named_with_its_line(run, project, previous_output, written, shown):
    edit_text(project / EDITION, "registration_opens: 2026-04-15", f"registration_opens: {written}")
    err = build(run, project, previous_output)
    line = line_of(project / EDITION, "registration_opens:")
    assert f"{EDITION}:{line}: registration_opens: {shown} is not a date (YYYY-MM-DD, e.g. 2026-07-08) that exists" in err


def test_a_python_tag_is_refused_not_run(run, project, previous_output):
    edit_text(project / EDITION, "city: Paris\n\nvenue:", "city: !!python/name:os.system\n\nvenue:")
    err = build(run, project, previous_output)
    line = line_of(project / EDITION, "city: !!python")
    assert f"{EDITION}:{line}: city: unknown tag '!!python/name:os.system'; remove it" in err


def test_a_wrongly_typed_tag_is_named(run, project, previous_output):
    edit_text(project / EDITION, "edition: 17", "edition: !!int dix-sept")
    err = build(run, project, previous_output)
    assert f"{EDITION}:{line_of(project / EDITION, 'edition: !!int')}: edition: 'dix-sept' is not a whole number" in err


@pytest.mark.parametrize("char, name", [("\x0b", "U+000B (vertical tab"), ("\x00", "U+0000 (NUL)"),
                                        ("\x0c", "U+000C (form feed")])
def test_a_raw_control_character_pasted_from_word_is_named_in_the_yaml_not_the_template(
        run, project, previous_output, char, name):
    path = project / EDITION
    path.write_bytes(path.read_bytes().replace(THEME.encode(), f"{THEME[:-7]}{char}mondial".encode()))
    err = build(run, project, previous_output)
    assert f"{EDITION}:{line_of(project / EDITION, '  fr: Les collectivités territoriales')}: theme.fr: " \
           f"holds the control character {name}" in err
    assert "templates/" not in err


def test_a_control_character_written_as_an_escape_is_named_too(run, project, previous_output):
    edit_text(project / EDITION, THEME, '  fr: "Les collectivités\\vterritoriales\\0"')
    err = build(run, project, previous_output)
    line = line_of(project / EDITION, '"Les collectivités')
    assert f"{EDITION}:{line}: theme.fr: holds the control character U+000B" in err
    assert "templates/letter.html" not in err


def test_nesting_twenty_thousand_levels_deep_is_refused_quickly_in_little_memory(project):
    path = project / EDITION
    path.write_text(path.read_text(encoding="utf-8") + "deep: " + "[" * 20000 + "]" * 20000 + "\n", encoding="utf-8")
    done, peak = cli_measured(project, "check", "2026")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert f"{EDITION}:{line_of(path, 'deep:')}: the data is nested more than 50 levels deep" in done.stderr
    assert 0 < peak < 400, f"{peak} MiB"


def test_an_alias_bomb_is_refused_quickly_in_little_memory(project):
    bomb = ['lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    bomb += [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]  # 9^9 values once expanded
    path = project / EDITION
    path.write_text(path.read_text(encoding="utf-8") + "\n".join(bomb) + "\n", encoding="utf-8")
    done, peak = cli_measured(project, "check", "2026")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "expands to more than 20,000 values (anchors & and aliases *" in done.stderr
    assert f"{EDITION}:" in done.stderr
    assert 0 < peak < 400, f"{peak} MiB"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_utf16_file_is_named_without_byte_offsets(run, project, previous_output, encoding):
    path = project / EDITION
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    err = build(run, project, previous_output)
    assert f"{EDITION}: saved as UTF-16" in err and "save the file as UTF-8" in err
    assert "byte" not in err


def test_a_windows_1252_line_in_a_utf8_file_is_named_by_its_line(run, project, previous_output):
    path = project / EDITION
    data = path.read_bytes().replace("Iéna – sortie".encode(), "Iéna – sortie".encode("cp1252"))
    path.write_bytes(data)
    err = build(run, project, previous_output)
    assert f"{EDITION}:{_line(data, 'sortie')}: not UTF-8 text, unlike the rest of the file" in err
    assert "byte" not in err


def _line(data: bytes, word: str) -> int:
    return next(i for i, line in enumerate(data.split(b"\n"), 1) if word.encode() in line)


def test_an_empty_edition_file_is_named_not_association_yaml(run, project, previous_output):
    (project / EDITION).write_text("# rien encore\n", encoding="utf-8")
    err = build(run, project, previous_output)
    assert f"{EDITION}: the file is empty" in err
    assert "association.yaml" not in err


def test_a_missing_association_yaml_is_named(run, project, previous_output):
    (project / "editions/association.yaml").unlink()
    err = build(run, project, previous_output)
    assert "editions/association.yaml: file not found: every edition inherits the association's details" in err


def test_association_problems_are_printed_once(run, project, previous_output):
    edit_text(project / "editions/association.yaml", "  founded: 1975", "  founded: mille neuf cent")
    err = build(run, project, previous_output)  # 2026 and its previous edition 2025 both read association.yaml
    assert err.count("association.founded") == 1, err


# --- whatever the input -----------------------------------------------------------------------------------------

YAML_SYMBOLS = list("-:[]{},&*!|>'\"#%@`?\\ \t\n") + ["!!int ", "!!python/object:x ", "&a ", "*a ", "<<: ", "2026-02-30",
                                                     "14:30", "\x0b", "\x00", "\ud800", "é", "\ufeff", "\r\n"]


def load(tmp_path: Path, data: bytes):
    path = tmp_path / "x.yaml"
    path.write_bytes(data)
    return read_yaml(path, "x.yaml", SourceMap())


def _bounded(tmp_path, data):
    tracemalloc.start()
    try:
        try:
            load(tmp_path, data)
        except EditionError as exc:
            assert exc.problems and all(str(p).startswith("x.yaml") for p in exc.problems)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(YAML_SYMBOLS) | st.text(max_size=6), max_size=60))
def test_any_yaml_like_text_loads_or_raises_edition_error(tmp_path, pieces):
    _bounded(tmp_path, "".join(pieces).encode("utf-8", errors="surrogatepass"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400))
def test_any_bytes_load_or_raise_edition_error(tmp_path, data):
    _bounded(tmp_path, data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(2, 12), st.integers(2, 12))
def test_any_alias_bomb_is_refused_within_bounds(tmp_path, width, depth):
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, depth)]
    _bounded(tmp_path, "\n".join(lines).encode())


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    assert load(tmp_path, codecs.BOM_UTF8 + "a: 1\n".encode()) == {"a": 1}
