"""The placeholder and markup parser (text.py), as it is today: whatever the text, it gives runs or says what is wrong.

``parse`` returns runs or raises MarkupError (an unclosed marker); ``substitute``
returns text or raises KeyError naming the unknown placeholder (turned into a
file:line: field: message by validate.py). Nothing else, and in bounded time.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from eventdocs.text import MarkupError, Text, escape_markup, parse, substitute

MARKUP = st.lists(st.sampled_from(["**", "*", "^", "\\", "\\*", "{", "}", "{ordinal}", "{Ordinal}", "{x}", "{}",
                                   "\n", "a", "é", " ", "'", "«", "»", ":", "\ue001"]) | st.text(max_size=4),
                  max_size=40).map("".join)
VALUES = {"ordinal": "17^e^", "year": "2026", "theme": "**nouvel** ordre"}


@settings(max_examples=500, deadline=None)
@given(MARKUP)
def test_parse_gives_runs_or_a_markup_error(markup):
    try:
        runs = parse(markup)
    except MarkupError as exc:
        assert "is never closed" in str(exc)
        return
    assert all(run.text or run.br for run in runs)
    assert "".join(run.text for run in runs).count("*") <= markup.count("*")


@settings(max_examples=500, deadline=None)
@given(MARKUP)
def test_substitute_gives_text_or_names_the_unknown_placeholder(markup):
    try:
        result = substitute(markup, VALUES)
    except KeyError as exc:
        assert "{" + exc.args[0] + "}" in markup
        return
    assert "{ordinal}" not in result.replace("\\{", "")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_an_escaped_text_is_always_printed_as_written(text):
    assert str(Text(escape_markup(text))) == text


def test_a_huge_text_is_parsed_in_bounded_time():
    text = ("**gras** *italique* 17^e^ \\* " * 20000) + "{ordinal}"
    assert len(parse(substitute(text, VALUES))) > 60000
