"""Start next year's edition from the latest one: ``python generate.py new 2027``.

The new file keeps the officer's comments and layout (ruamel.yaml round-trip)
and the structure of the programme. The number and year move on, every date
moves to the same weekday a year later, results are emptied, and every text
that must be rewritten is marked «[À RÉÉCRIRE]» so that ``check 2027`` fails,
naming each such field, until the officer has written it.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any, Iterator

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from .errors import EditionError, Problem, UsageError
from .load import SourceMap, edition_years, preview, read_yaml
from .write import write_atomic

MARK = "[À RÉÉCRIRE]"

#: texts that say something about one year only; "*" is any list item
TO_REWRITE = (
    ("theme",),
    ("letter", "body", "*"),
    ("brochure", "editorial", "*"),
    ("dossier", "ambitions", "*"),
    ("programme", "*", "sessions", "*", "parallel", "*", "title"),
    ("cafes", "who"),
)
#: dates that move with the edition
DATES = (("dates", "*"), ("programme", "*", "date"), ("registration_opens",), ("letter", "date"))


def year_shift(first_day: dt.date) -> dt.timedelta:
    """52 or 53 weeks: the same weekday, as close as possible to the same date a year later."""
    try:
        same_date = first_day.replace(year=first_day.year + 1)
    except ValueError:  # 29 February
        same_date = first_day.replace(year=first_day.year + 1, day=28)
    weeks = min((52, 53), key=lambda w: abs((first_day + dt.timedelta(weeks=w)) - same_date))
    return dt.timedelta(weeks=weeks)


def new_edition(editions_dir: Path, year: int, root: Path) -> Path:
    """Write editions/<year>.yaml from the latest earlier edition; return its path."""
    target = editions_dir / f"{year}.yaml"
    if target.exists():
        raise UsageError(f"{target.relative_to(root)} already exists; nothing was changed")
    earlier = [y for y in edition_years(editions_dir) if y < year]
    if not earlier:
        raise UsageError(f"no edition before {year} in editions/ to start from")
    source_year = earlier[-1]
    source = editions_dir / f"{source_year}.yaml"
    display = str(source.relative_to(root))
    check_source(source, display, year)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 100
    try:
        data = yaml.load(source.read_text(encoding="utf-8"))
    except YAMLError as exc:  # our loader read it, so this is ruamel.yaml's own limit
        raise EditionError(Problem(f"cannot read it to start {year}: {exc}", file=display)) from None

    step = year - source_year
    data["edition"] = int(data["edition"]) + step
    data["year"] = year
    if data.get("dates"):
        shift = year_shift(data["dates"][0]) if step == 1 else dt.timedelta(weeks=52 * step)
        for path in DATES:
            for parent, key in _find(data, path):
                if isinstance(parent[key], dt.date):
                    parent[key] = parent[key] + shift
    for key in ("hashtag", "info_page"):
        if isinstance(data.get(key), str):
            data[key] = data[key].replace(str(source_year), str(year))
    for path in TO_REWRITE:
        for parent, key in _find(data, path):
            _mark(parent[key], year)
    if "results" in data:
        del data["results"]
    if isinstance(data.get("country_of_honour"), dict):
        data["country_of_honour"]["name"] = None
    if "exhibitors" in data:
        data["exhibitors"] = []

    out = io.StringIO()
    out.write(
        f"# Édition {year}, créée par « python generate.py new {year} » à partir de {source.name}.\n"
        f"# Les textes marqués {MARK} sont à écrire pour {year} : « python generate.py check {year} »\n"
        f"# les liste tant qu'il en reste. Les dates ont été décalées au même jour de la semaine.\n"
    )
    yaml.dump(data, out)
    write_atomic(target, out.getvalue().encode("utf-8"))
    return target


def check_source(source: Path, display: str, year: int) -> None:
    """Refuse, naming each line and field, an edition file ``new`` cannot start from: one that does not load,
    or whose number, year or dates (what ``new`` moves on) are missing or not numbers and dates."""
    sources = SourceMap()
    data = read_yaml(source, display, sources)  # syntax, tags, control characters, bombs: with their line
    sources.locations[()] = (display, None)  # a missing key is missing from the file, not from its first line
    where = f"; correct {display} before starting {year}"
    if not isinstance(data, dict) or not data:
        raise EditionError(Problem(f"is empty or not a list of 'key: value' lines{where}", file=display))
    problems = []
    for key, what in (("edition", "the number of the edition, in digits (17)"), ("year", "the year, in digits")):
        if key not in data:
            problems.append(sources.problem((key,), f"missing: {what}{where}"))
        elif not isinstance(data[key], int) or isinstance(data[key], bool):
            problems.append(sources.problem((key,), f"expected {what}, found {preview(repr(data[key]))}{where}"))
    if not isinstance(data.get("dates"), list) or not data["dates"]:
        problems.append(sources.problem(("dates",), "expected the list of the days of the event, e.g. "
                                                    f"[2026-07-08, 2026-07-09]{where}"))
    for pattern in DATES:
        for path in _paths(data, pattern, ()):
            value = _at(data, path)
            if not isinstance(value, dt.date) and not (value is None and pattern[-1] != "*"):
                problems.append(sources.problem(path, f"expected a date (2026-07-08), found "
                                                      f"{preview(repr(value))}{where}"))
    for key in ("hashtag", "info_page"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(sources.problem((key,), f"expected a text{where}"))
    if problems:
        raise EditionError(problems)


def _paths(node: Any, pattern: tuple, prefix: tuple) -> Iterator[tuple]:
    """Every data path matching ``pattern`` ("*": each item of a list)."""
    if not pattern:
        yield prefix
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        keys = range(len(node)) if isinstance(node, list) else []
    else:
        keys = [head] if isinstance(node, dict) and head in node else []
    for key in keys:
        yield from _paths(node[key], rest, prefix + (key,))


def _at(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


def _find(node: Any, path: tuple) -> Iterator[tuple[Any, Any]]:
    """(parent, key) of every value at ``path``; "*" walks every item of a list."""
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == "*":
        keys = range(len(node)) if isinstance(node, list) else []
    else:
        keys = [head] if isinstance(node, dict) and head in node else []
    for key in keys:
        if rest:
            yield from _find(node[key], rest)
        else:
            yield node, key


def _mark(text_node: Any, year: int) -> None:
    """Prefix every language of a text with the mark (kept out of language-neutral values)."""
    if not isinstance(text_node, dict):
        return
    for lang in ("fr", "en"):
        value = text_node.get(lang)
        if isinstance(value, str) and MARK not in value:
            marked = f"{MARK} {value}"
            if isinstance(value, FoldedScalarString):
                marked = FoldedScalarString(marked)
            elif isinstance(value, LiteralScalarString):
                marked = LiteralScalarString(marked)
            text_node[lang] = marked
