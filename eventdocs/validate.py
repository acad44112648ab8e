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
from .fonts import bundled_fonts, font_coverage, unprintable
from .images import check_image
from .model import Edition, Image, LList, LText
from .placeholders import PLACEHOLDERS, is_known, parse_date_argument
from .scaffold import MARK
from .text import PLACEHOLDER, MarkupError, parse_blocks


def validate(raw: RawEdition) -> Edition:
    """Check the data of one edition; raise EditionError listing every problem."""
    label_problems = list(_label_problems(raw))
    try:
        edition = Edition.model_validate(raw.data)
    except ValidationError as exc:
        # a value the loader could not read (2026-02-30) is reported once, by the loader
        read = {(p.file, p.line, p.field) for p in raw.problems}
        schema = [p for p in _schema_problems(exc, raw.sources) if (p.file, p.line, p.field) not in read]
        raise EditionError(raw.problems + label_problems + schema) from None
    problems = (raw.problems + label_problems + list(_consistency_problems(edition, raw))
                + list(_markup_problems(edition, raw.sources)) + list(_image_problems(edition, raw))
                + list(_character_problems(edition, raw)))
    if problems:
        raise EditionError(problems)
    return edition


def _label_problems(raw: RawEdition) -> Iterator[Problem]:
    """An edition may override the labels the layout has, and no other."""
    labels = raw.data.get("labels")
    if not raw.label_keys or not isinstance(labels, dict):
        return
    known = sorted(raw.label_keys)
    for key in labels:
        if key not in raw.label_keys:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "; the labels are listed in templates/labels.yaml"
            yield raw.sources.problem(("labels", key), f"unknown label '{key}'{hint}")


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
    if edition.badge_stock is None:
        yield src.problem(("badges", "stock"), f"unknown stock '{edition.badges.stock}'; the stocks are: "
                          + ", ".join(s.id for s in edition.badge_stocks) + " (badge_stocks:)")
    ids = [c.id for c in edition.categories]
    for i, category in enumerate(edition.categories):
        if ids.index(category.id) != i:
            yield src.problem(("categories", i, "id"), f"'{category.id}' is already the id of categories[{ids.index(category.id)}]")
    if edition.letter and edition.letter.date > edition.dates[0]:
        yield src.problem(("letter", "date"), "the invitation letter is dated after the event")
    if edition.results and edition.results.communique_date < edition.dates[-1]:
        yield src.problem(("results", "communique_date"), "the communiqué is dated before the end of the event")


def _markup_problems(edition: Edition, sources: SourceMap) -> Iterator[Problem]:
    for path, text in iter_texts(edition):
        if MARK in text:
            yield sources.problem(path, f"still marked {MARK}: write this text for {edition.year}, then remove the mark")
            continue
        for message in markup_problems(text):
            yield sources.problem(path, message)
    if edition.results:
        seen: dict[str, int] = {}
        for i, figure in enumerate(edition.results.figures):
            if figure.id in seen:
                yield sources.problem(("results", "figures", i, "id"),
                                      f"two figures are named '{figure.id}' (the other is figure {seen[figure.id] + 1}); "
                                      "give each its own id")
            seen.setdefault(figure.id, i)


def _image_problems(edition: Edition, raw: RawEdition) -> Iterator[Problem]:
    """Every image must be a PNG, JPEG or SVG file inside the project."""
    if raw.root is None:
        return
    for path, image in iter_models(edition, Image):
        message = check_image(raw.root, image.file)
        if message:
            yield raw.sources.problem(path + ("file",), message)


def _character_problems(edition: Edition, raw: RawEdition) -> Iterator[Problem]:
    """A character no bundled font can draw would print as an empty box: refuse it, naming the field."""
    if raw.root is None or not (raw.root / "fonts").is_dir():
        return
    coverage = font_coverage(bundled_fonts(raw.root / "fonts"))
    if not coverage:
        return
    for path, text in iter_strings(edition):
        missing = unprintable(text, coverage)
        if missing:
            shown = ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing[:5])
            yield raw.sources.problem(path, f"holds characters no font of fonts/ can print: {shown}; "
                                            "replace them, or add a font that has them to fonts/")


def walk(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every value of the edition with its data path, depth first: models, lists and mappings too."""
    yield path, node
    if isinstance(node, BaseModel):
        children = ((name, getattr(node, name)) for name in type(node).model_fields)
    elif isinstance(node, (list, tuple)):
        children = enumerate(node)
    elif isinstance(node, dict):
        children = node.items()
    else:
        return
    for key, child in children:
        yield from walk(child, path + (key,))


def iter_models(node: Any, kind: type) -> Iterator[tuple[tuple, Any]]:
    """Every model of type ``kind`` in the edition, with its data path."""
    return ((path, value) for path, value in walk(node) if isinstance(value, kind))


def iter_strings(node: Any) -> Iterator[tuple[tuple, str]]:
    """Every string of the edition (texts, names, addresses…), with its data path."""
    return ((path, value) for path, value in walk(node) if isinstance(value, str))


def markup_problems(text: str) -> list[str]:
    """What is wrong with the markup of one text: unknown placeholders, bad dates, unclosed markers.

    The markup is checked as written (placeholders not filled in), so a message
    quotes the officer's own words.
    """
    problems = []
    for m in PLACEHOLDER.finditer(text):
        name, argument = m.group(1), m.group(2)
        if not is_known(name):
            close = difflib.get_close_matches(name, [n for n in PLACEHOLDERS if "…" not in n], n=1)
            hint = f"did you mean {{{close[0]}}}? " if close else ""
            problems.append(f"unknown placeholder {{{name}}}; {hint}the placeholders are listed in the README")
        elif name.lower() in ("date", "long_date"):
            try:
                parse_date_argument(argument)
            except ValueError as exc:
                problems.append(f"{{{name}:{argument or ''}}}: {exc}")
        elif argument is not None:
            problems.append(f"{{{name}:{argument}}}: {{{name}}} takes no ':' argument")
    try:
        parse_blocks(text)
    except MarkupError as exc:
        problems.append(str(exc))
    return problems


def iter_texts(node: Any) -> Iterator[tuple[tuple, str]]:
    """Every reader-visible string in the edition (the fr: and en: of its texts), with its data path."""
    for path, value in walk(node):
        if isinstance(value, (LText, LList)):
            for lang in ("fr", "en"):
                text = getattr(value, lang)
                if isinstance(text, str):
                    yield path + (lang,), text
                elif isinstance(text, list):
                    for i, item in enumerate(text):
                        yield path + (lang, i), item
