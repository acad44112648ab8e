"""Stage 2: turn the raw YAML data into a checked ``Edition``, or list every problem.

Problems are reported the way the officer can act on them::

    editions/2026.yaml:42: programme[1].sessions[2].start: '25:00' is not a time (expected HH:MM, e.g. 14:30)
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

from .errors import EditionError, Problem
from .load import RawEdition, SourceMap
from .model import Edition, LList, LText
from .placeholders import PLACEHOLDERS
from .scaffold import MARK
from .text import MarkupError, parse, substitute


def validate(raw: RawEdition) -> Edition:
    """Check the data of one edition; raise EditionError listing every problem."""
    try:
        edition = Edition.model_validate(raw.data)
    except ValidationError as exc:
        # a value the loader could not read (2026-02-30) is reported once, by the loader
        read = {(p.file, p.line, p.field) for p in raw.problems}
        schema = [p for p in _schema_problems(exc, raw.sources) if (p.file, p.line, p.field) not in read]
        raise EditionError(raw.problems + schema) from None
    problems = raw.problems + list(_consistency_problems(edition, raw)) + list(_markup_problems(edition, raw.sources))
    if problems:
        raise EditionError(problems)
    return edition


def _schema_problems(exc: ValidationError, sources: SourceMap) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        if kind == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            if close:
                hint = f"; did you mean '{close[0]}'?"
            else:
                hint = f"; the keys allowed here are: {', '.join(allowed)}" if allowed else ""
            message = f"unknown key '{loc[-1]}'{hint}"
        elif kind == "missing":
            message = "this required entry is missing; add it"
        elif kind in FRIENDLY:
            message = f"{FRIENDLY[kind]} (found: {_short(error.get('input'))})"
        else:
            message = error["msg"].removeprefix("Value error, ")
            if kind != "value_error":
                message += f" (found: {_short(error.get('input'))})"
        problems.append(sources.problem(loc, message))
    return problems


FRIENDLY = {
    "int_parsing": "expected a whole number, in digits",
    "int_type": "expected a whole number, in digits",
    "int_from_float": "expected a whole number, in digits",
    "string_type": "expected a text",
    "list_type": "expected a list (one line per item, each starting with '- ')",
    "dict_type": "expected a group of 'key: value' lines",
    "model_type": "expected a group of 'key: value' lines",
    "model_attributes_type": "expected a group of 'key: value' lines",
    "bool_parsing": "expected true or false",
    "too_short": "needs at least one entry",
    "greater_than_equal": "is too small",
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def _allowed_keys(loc: tuple) -> list[str]:
    """The field names of the model found at ``loc`` inside Edition."""
    model: Any = Edition
    for part in loc:
        model = _unwrap(model)
        if isinstance(part, int):
            args = typing.get_args(model)
            model = args[0] if args else None
        elif isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields:
            model = model.model_fields[part].annotation
        else:
            return []
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Optional[X] -> X."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return annotation


def _consistency_problems(edition: Edition, raw: RawEdition) -> Iterator[Problem]:
    src = raw.sources
    if edition.year != raw.year:
        yield src.problem(("year",), f"says {edition.year} but the file is {raw.path.name}; make them agree")
    for i, day in enumerate(edition.dates):
        if day.year != edition.year:
            yield src.problem(("dates", i), f"{day.isoformat()} is not in {edition.year}")
        if i and day <= edition.dates[i - 1]:
            yield src.problem(("dates", i), "dates must be in order, one per day of the event")
    for i, day in enumerate(edition.programme):
        if day.date not in edition.dates:
            yield src.problem(("programme", i, "date"), f"{day.date.isoformat()} is not one of the edition's dates")
        for j, session in enumerate(day.sessions):
            if session.end <= session.start:
                yield src.problem(
                    ("programme", i, "sessions", j, "end"),
                    f"ends at {session.end:%H:%M}, not after its start {session.start:%H:%M}",
                )
            if j and session.start < day.sessions[j - 1].start:
                yield src.problem(
                    ("programme", i, "sessions", j, "start"),
                    "sessions must be listed in time order",
                )
    if edition.letter and edition.letter.date > edition.dates[0]:
        yield src.problem(("letter", "date"), "the invitation letter is dated after the event")
    if edition.results and edition.results.communique_date < edition.dates[-1]:
        yield src.problem(("results", "communique_date"), "the communiqué is dated before the end of the event")


def _markup_problems(edition: Edition, sources: SourceMap) -> Iterator[Problem]:
    names = {name: "x" for name in PLACEHOLDERS}
    for path, text in iter_texts(edition):
        if MARK in text:
            yield sources.problem(path, f"still marked {MARK}: write this text for {edition.year}, then remove the mark")
            continue
        try:
            parse(substitute(text, names))
        except KeyError as exc:
            known = ", ".join("{" + n + "}" for n in sorted(PLACEHOLDERS))
            yield sources.problem(path, f"unknown placeholder {{{exc.args[0]}}}; the placeholders are: {known}")
        except MarkupError as exc:
            yield sources.problem(path, str(exc))


def iter_texts(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every reader-visible string in the edition, with its data path."""
    if isinstance(node, (LText, LList)):
        for lang in ("fr", "en"):
            value = getattr(node, lang)
            if isinstance(value, str):
                yield path + (lang,), value
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    yield path + (lang, i), item
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from iter_texts(getattr(node, name), path + (name,))
    elif isinstance(node, (list, tuple)):
        for i, item in enumerate(node):
            yield from iter_texts(item, path + (i,))

