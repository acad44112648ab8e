"""YAML 1.1's traps are closed: times stay times, NO stays text, keys are unique."""

import datetime as dt

import pytest

from eventdocs.errors import EditionError
from eventdocs.load import SourceMap, read_yaml


def load(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return read_yaml(path, "x.yaml", SourceMap())


def test_unquoted_time_is_not_sexagesimal(tmp_path):
    assert load(tmp_path, "start: 14:30\n") == {"start": "14:30"}


def test_norway_problem(tmp_path):
    assert load(tmp_path, "country: NO\nok: yes\nflag: true\n") == {"country": "NO", "ok": "yes", "flag": True}


def test_dates_and_numbers(tmp_path):
    assert load(tmp_path, "d: 2026-07-08\nn: 17\nx: 1.5\nz: 075\n") == {"d": dt.date(2026, 7, 8), "n": 17, "x": 1.5, "z": "075"}


def test_duplicate_keys_name_both_lines(tmp_path):
    with pytest.raises(EditionError, match=r"x.yaml:3: a.b: key 'b' is written twice \(first on line 2\)"):
        load(tmp_path, "a:\n  b: 1\n  b: 2\n")


def test_source_lines_are_remembered(tmp_path):
    sources = SourceMap()
    path = tmp_path / "x.yaml"
    path.write_text("a:\n  - b: 1\n  - b: 2\n", encoding="utf-8")
    read_yaml(path, "x.yaml", sources)
    assert sources.locate(("a", 1, "b")) == ("x.yaml", 3)
    assert sources.locate(("a", 1, "b", "missing")) == ("x.yaml", 3)


def test_time_in_model_accepts_unquoted_and_h_forms():
    from eventdocs.model import Session

    session = Session.model_validate({"start": "9:30", "end": "11h", "kind": "break", "title": {"fr": "Pause"}})
    assert (session.start, session.end) == (dt.time(9, 30), dt.time(11, 0))


def test_a_file_read_again_gives_its_new_content_and_a_copy_of_the_same(tmp_path):
    """Files parsed are kept by their bytes: a new content is parsed again, even of the same size and name."""
    path = tmp_path / "x.yaml"
    path.write_text("a:\n  b: 1\n", encoding="utf-8")
    first = read_yaml(path, "x.yaml", SourceMap())
    path.write_text("a:\n  b: 2\n", encoding="utf-8")
    assert read_yaml(path, "x.yaml", SourceMap()) == {"a": {"b": 2}}
    path.write_text("a:\n  b: 1\n", encoding="utf-8")
    first["a"]["b"] = "changed by a caller"
    sources = SourceMap()
    assert read_yaml(path, "x.yaml", sources) == {"a": {"b": 1}}  # the kept parse, not what a caller did to it
    assert sources.locate(("a", "b")) == ("x.yaml", 2)
    path.write_text("a:\n\n  b: 1\n", encoding="utf-8")
    sources = SourceMap()
    read_yaml(path, "x.yaml", sources)
    assert sources.locate(("a", "b")) == ("x.yaml", 3)
    assert read_yaml(path, "y.yaml", SourceMap()) == {"a": {"b": 1}}


def test_a_problem_is_reported_each_time_the_file_is_read(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a:\n  b: 1\n  b: 2\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(EditionError, match=r"x.yaml:3: a.b: key 'b' is written twice"):
            read_yaml(path, "x.yaml", SourceMap())
        problems = []
        assert read_yaml(path, "x.yaml", SourceMap(), problems) == {"a": {"b": 1}}
        assert [p.line for p in problems] == [3]
    path.write_text("a: [1\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(EditionError, match=r"x.yaml:2: YAML syntax error"):
            read_yaml(path, "x.yaml", SourceMap())
