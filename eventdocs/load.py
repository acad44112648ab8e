"""Stage 1: read the YAML files of an edition, remembering where every value came from.

The officer writes YAML by hand, so the loader removes YAML 1.1's traps:
``14:30`` stays the text "14:30" (not the integer 870), ``NO`` and ``yes``
stay text (only ``true``/``false`` are booleans), and a key written twice is
an error rather than a silent overwrite.

An edition file inherits everything from ``editions/association.yaml`` and
may override any part of it (mappings are merged key by key).
"""

from __future__ import annotations

import bisect
import codecs
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import EditionError, Problem

ASSOCIATION_FILE = "association.yaml"
EDITION_NAME = re.compile(r"^(\d{4})\.yaml$")

Path_ = tuple  # a path into the data: ("programme", 1, "sessions", 2, "start")


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without sexagesimal numbers and yes/no/on/off booleans."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?$"),
    list("-+0123456789"),
)


@dataclass
class SourceMap:
    """Where each value was written: data path -> (file, line)."""

    locations: dict[Path_, tuple[str, int]] = field(default_factory=dict)

    def locate(self, path: Path_) -> tuple[str | None, int | None]:
        """The file and line of ``path``, or of its nearest written ancestor."""
        path = tuple(path)
        while True:
            if path in self.locations:
                return self.locations[path]
            if not path:
                return None, None
            path = path[:-1]

    def problem(self, path: Path_, message: str) -> Problem:
        file, line = self.locate(path)
        return Problem(message, file=file, line=line, field=format_path(path) or None)


def format_path(path: Path_) -> str:
    """("programme", 1, "start") -> "programme[1].start"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class RawEdition:
    """The merged, still unvalidated data of one edition and where it came from."""

    year: int
    path: Path
    data: dict[str, Any]
    sources: SourceMap
    #: problems that did not stop reading (a key written twice): reported with the validation's
    problems: list[Problem] = field(default_factory=list)
    #: the labels the layout defines (templates/labels.yaml): the only ones an edition may override
    label_keys: frozenset[str] = frozenset()
    #: the project folder (images are found from there, fonts in its fonts/)
    root: Path | None = None


def read_yaml(path: Path, display: str, sources: SourceMap, problems: list[Problem] | None = None) -> Any:
    """Parse one YAML file into plain Python data, recording every value's line.

    Whatever the file holds, this returns plain data (mappings, lists, texts,
    numbers, dates) or raises ``EditionError`` naming the file, the line and the
    field, in bounded time and memory: the file's size, its nesting and the
    values its aliases expand to are capped. Syntax errors raise at once; the
    other problems (a key written twice, an impossible date, a control
    character in a text...) are added to ``problems`` (or raised when no list is
    given), so that validation can report them with the rest.

    A file read again with the same bytes is not parsed again (see ``_parse``): the
    data returned is a fresh copy each time, for the caller to keep or change.
    """
    parsed = _parse(_read_bytes(path, display), display)
    sources.locations.update(parsed.locations)
    found = list(parsed.problems)
    if parsed.too_big or (problems is None and found):
        raise EditionError(found)
    if problems is not None:
        problems.extend(found)
    return _copy(parsed.data)


@dataclass(frozen=True)
class _Parsed:
    """What one file's bytes parse to: its data, every value's location, the problems that did not stop reading."""

    data: Any
    locations: dict[Path_, tuple[str, int]]
    problems: tuple[Problem, ...]
    too_big: bool


#: files parsed lately, by their name in messages and their bytes (never by name or date alone: a file whose
#: bytes changed is parsed again). The live preview reads labels.yaml and association.yaml again at every save,
#: and PyYAML, in pure Python, takes tens of milliseconds for each.
_PARSED: OrderedDict[tuple[str, bytes], _Parsed] = OrderedDict()
_PARSED_LOCK = threading.Lock()
PARSED_FILES_KEPT = 8
#: larger files are parsed each time (an edition is a few dozen kilobytes)
PARSED_BYTES_KEPT = 512 * 1024


def _parse(data: bytes, display: str) -> _Parsed:
    """The parse of a file's bytes, from the cache when the same bytes were parsed under the same name."""
    key = (display, data)
    with _PARSED_LOCK:
        parsed = _PARSED.get(key)
        if parsed is not None:
            _PARSED.move_to_end(key)
            return parsed
    text, bad_characters = _decode_yaml(data, display)
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
    except _TooDeep as exc:
        raise EditionError(Problem(exc.problem, file=display, line=exc.problem_mark.line + 1)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or "invalid YAML"
        hint = " (check the indentation and put quotes around texts containing ': ' or '#')"
        raise EditionError(Problem(f"YAML syntax error: {reason}{hint}", file=display, line=line)) from None
    finally:
        loader.dispose()
    own = SourceMap()
    builder = _Builder(loader, text, display, own, bad_characters)
    value = {} if node is None else builder.value(node, (), 0)
    parsed = _Parsed(value, own.locations, tuple(builder.problems + builder.stray_characters()), builder.too_big)
    if len(data) <= PARSED_BYTES_KEPT:
        with _PARSED_LOCK:
            _PARSED[key] = parsed
            while len(_PARSED) > PARSED_FILES_KEPT:
                _PARSED.popitem(last=False)
    return parsed


def _copy(value: Any) -> Any:
    """A copy of parsed data (its mappings and lists; texts, numbers and dates cannot change)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


#: an edition file is a few dozen kilobytes; anything this big is another file
MAX_FILE_BYTES = 4 * 1024 * 1024
#: nesting levels a file may use (an edition uses about 7)
MAX_DEPTH = 50
#: values a file may expand to, aliases (*name) included (an edition has a few hundred)
MAX_VALUES = 20_000
#: characters YAML does not allow in a file (PyYAML's own rule): found, they are reported with their field
NOT_IN_YAML = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
#: control characters a printed text has no use for, as double-quoted escapes give them ("\v", "\0", "\x07")
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
CHARACTER_NAMES = {
    0x00: "NUL",
    0x09: "tab",
    0x0B: "vertical tab: what a line break typed with Shift+Enter in Word becomes when pasted",
    0x0C: "form feed: a page break pasted from Word",
    0x0D: "carriage return",
    0x1B: "escape",
    0x7F: "delete",
}
#: the tags a value may carry: those YAML gives plain values anyway
SCALAR_TAGS = {f"tag:yaml.org,2002:{kind}": what for kind, what in (
    ("str", "a text"), ("int", "a whole number"), ("float", "a number"), ("bool", "true or false"),
    ("null", "empty"), ("timestamp", "a date (YYYY-MM-DD, e.g. 2026-07-08) that exists"))}
MAP_TAG, SEQ_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
#: how PyYAML's scalar constructors refuse a value its tag (written, or implied) cannot hold: 2026-02-30
#: (ValueError), '!!int' with nothing (IndexError), '!!bool maybe' (KeyError), '!!timestamp soon' (AttributeError)
SCALAR_REFUSALS = (ValueError, KeyError, IndexError, AttributeError, TypeError, OverflowError,
                   yaml.constructor.ConstructorError)


class _TooDeep(yaml.MarkedYAMLError):
    """The data is nested deeper than any edition needs (a file made to exhaust the parser)."""


def _composer_depth_guard(cls):
    """Make the composer (recursive in PyYAML) refuse nesting deeper than MAX_DEPTH, before Python's own limit."""
    compose_node = cls.compose_node

    def guarded(self, parent, index):
        depth = getattr(self, "_depth", 0) + 1
        if depth > MAX_DEPTH:
            raise _TooDeep(problem=f"the data is nested more than {MAX_DEPTH} levels deep; an edition needs about 7",
                           problem_mark=self.peek_event().start_mark)
        self._depth = depth
        try:
            return compose_node(self, parent, index)
        finally:
            self._depth = depth - 1

    cls.compose_node = guarded
    return cls


_composer_depth_guard(_StrictLoader)


def character_name(char: str) -> str:
    """U+000B (vertical tab: ...), for a message."""
    name = CHARACTER_NAMES.get(ord(char))
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def _read_bytes(path: Path, display: str) -> bytes:
    """The file's bytes, or ``EditionError`` (a folder, a file far too big, a file that cannot be read)."""
    try:
        if path.is_dir():
            raise EditionError(Problem("is a folder, not a YAML file", file=display))
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise EditionError(Problem(f"is {size / 1024 / 1024:.0f} MB; a YAML file of the project is a few dozen "
                                       "kilobytes: is it the right file?", file=display))
        return path.read_bytes()
    except FileNotFoundError:
        raise EditionError(Problem("file not found", file=display)) from None
    except OSError as exc:
        raise EditionError(Problem(f"cannot be read: {exc.strerror}", file=display)) from None


def _decode_yaml(data: bytes, display: str) -> tuple[str, dict[int, str]]:
    """The file's text, and the characters YAML refuses by position (replaced, so that parsing can go on)."""
    text = decode_text(data, display, EditionError)
    bad = {m.start(): m.group() for m in NOT_IN_YAML.finditer(text)}
    if bad:
        text = NOT_IN_YAML.sub("\ufffd", text)  # one character for one: positions and lines stay right
    return text, bad


def decode_text(data: bytes, display: str, error: type = EditionError) -> str:
    """UTF-8 text (a byte order mark is dropped); anything else raises ``error`` naming the lines to fix."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
        raise error(Problem("saved as UTF-16 (\u00ab Unicode \u00bb in Notepad or Word); save the file as UTF-8",
                            file=display))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    bad = [number for number, line in enumerate(lines, start=1) if not is_utf8(line)]
    if not any(is_utf8(line) and not line.isascii() for line in lines):
        # the whole file is in another encoding: one message, at the first line to show it
        more = f", and {len(bad) - 1} more line(s) like it" if len(bad) > 1 else ""
        raise error(Problem(f"not UTF-8 text: \u00ab {preview(lines[bad[0] - 1].decode('cp1252', errors='replace'))} "
                            f"\u00bb{more} (saved as Windows-1252 / ANSI?); save the file as UTF-8",
                            file=display, line=bad[0]))
    problems = [Problem(f"not UTF-8 text, unlike the rest of the file: \u00ab "
                        f"{preview(lines[n - 1].decode('cp1252', errors='replace'))} \u00bb; retype the accented "
                        "letters of this line, or save the file as UTF-8", file=display, line=n) for n in bad[:10]]
    if len(bad) > 10:
        problems.append(Problem(f"\u2026 and {len(bad) - 10} more line(s) that are not UTF-8", file=display))
    raise error(problems)


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a byte order mark: every other byte of a Latin text is zero."""
    sample = data[:2000]
    return len(sample) >= 8 and max(sample[0::2].count(0), sample[1::2].count(0)) > len(sample) // 4


def preview(text: str, width: int = 50) -> str:
    """A piece of a text safe to quote in a message: no-break spaces as spaces, any other invisible or control
    character (tab, line break, binary) as <U+XXXX>; shortened to ``width`` characters."""
    text = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in text)
    return text if len(text) <= width else text[: width - 1] + "\u2026"


class _Builder:
    """Turns the composed nodes into plain data, recording lines and every problem found on the way."""

    def __init__(self, loader, text: str, display: str, sources: SourceMap, bad_characters: dict[int, str]):
        self.loader, self.text, self.display, self.sources = loader, text, display, sources
        self.bad_characters = bad_characters
        self.bad = sorted(bad_characters)
        self.claimed: set[int] = set()
        self.problems: list[Problem] = []
        self.count = 0
        self.too_big = False

    def problem(self, node, path: Path_, message: str) -> None:
        self.problems.append(Problem(message, file=self.display, line=node.start_mark.line + 1,
                                     field=format_path(path) or None))

    def value(self, node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.too_big:
            return None
        if self.count > MAX_VALUES or depth > MAX_DEPTH:
            self.too_big = True
            what = (f"more than {MAX_VALUES:,} values" if self.count > MAX_VALUES
                    else f"data nested more than {MAX_DEPTH} levels deep")
            self.problem(node, path[:1], f"expands to {what} (anchors & and aliases * repeated inside each "
                                         "other?); an edition holds a few hundred")
            return None
        self.sources.locations[path] = (self.display, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != SEQ_TAG:
                self.problem(node, path, f"unknown tag '{_short_tag(node.tag)}'; remove it (a list needs no tag)")
            return [self.value(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node, path: Path_, depth: int) -> dict:
        if node.tag != MAP_TAG:
            self.problem(node, path, f"unknown tag '{_short_tag(node.tag)}'; remove it (a group of keys needs no tag)")
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, path, "a key must be a name, not a list or a group of keys")
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(key_node, path, "'<<' (merging another group of keys) is not supported; write the keys out")
                continue
            key = self.scalar(key_node, path)
            key = key if isinstance(key, str) else str(key)
            if key in result:
                first = self.sources.locations.get(path + (key,), (self.display, "?"))[1]
                self.problem(key_node, path + (key,), f"key '{key}' is written twice (first on line {first}); keep only one")
                continue
            result[key] = self.value(value_node, path + (key,), depth + 1)
            self.sources.locations[path + (key,)] = (self.display, key_node.start_mark.line + 1)
        return result

    def scalar(self, node, path: Path_) -> Any:
        self.claim(node, path)
        if node.tag not in SCALAR_TAGS:
            self.problem(node, path, f"unknown tag '{_short_tag(node.tag)}'; remove it (a value needs no tag)")
            return node.value
        try:
            value = self.loader.construct_object(node, deep=True)
        except SCALAR_REFUSALS:
            self.problem(node, path, f"'{preview(node.value)}' is not {SCALAR_TAGS[node.tag]}")
            return node.value
        if isinstance(value, str) and (bad := CONTROL_IN_TEXT.search(value)):
            self.problem(node, path, f"holds the control character {character_name(bad.group())}, which no "
                                     "document can print; delete it (write \\n in quotes for a line break)")
        return value

    def claim(self, node, path: Path_) -> None:
        """Report the characters YAML refuses that lie in this value, with its field."""
        start, end = node.start_mark.index, node.end_mark.index
        for position in self.bad[bisect.bisect_left(self.bad, start):bisect.bisect_left(self.bad, max(end, start + 1))]:
            self.claimed.add(position)
            self.problems.append(self._stray(position, path))

    def stray_characters(self) -> list[Problem]:
        """Refused characters outside any value (in a comment, between keys)."""
        return [self._stray(position, ()) for position in self.bad if position not in self.claimed]

    def _stray(self, position: int, path: Path_) -> Problem:
        line = self.text.count("\n", 0, position) + 1
        char = self.bad_characters[position]
        return Problem(f"holds the control character {character_name(char)}, which no document can print; "
                       "delete it (retype the text, or paste it as plain text)", file=self.display, line=line,
                       field=format_path(path) or None)


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else preview(tag, 40)


def merge(base: Any, override: Any) -> Any:
    """Deep-merge two mappings: the edition's values win over the association's."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    return override


def edition_years(editions_dir: Path) -> list[int]:
    """Every year that has an edition file, oldest first."""
    return sorted(
        int(m.group(1)) for p in editions_dir.glob("*.yaml") if (m := EDITION_NAME.match(p.name))
    )


def load_raw(editions_dir: Path, year: int, root: Path | None = None, labels_file: Path | None = None) -> RawEdition:
    """Read ``association.yaml`` and ``<year>.yaml`` and merge them.

    ``labels_file`` (templates/labels.yaml) gives the default wording of every
    label; ``labels:`` in association.yaml, then in the edition, override it.
    """
    root = root or editions_dir.parent
    path = editions_dir / f"{year}.yaml"
    if not path.exists():
        known = ", ".join(str(y) for y in edition_years(editions_dir)) or "none"
        raise EditionError(
            Problem(
                f"no edition file for {year} (editions found: {known}); "
                f"create it with 'python generate.py new {year}'",
                file=_display(path, root),
            )
        )
    sources = SourceMap()
    problems: list[Problem] = []
    later: list[Problem] = []
    labels: dict = {}
    if labels_file is not None:
        labels = _read_labels(labels_file, _display(labels_file, root), sources)
    assoc_path = editions_dir / ASSOCIATION_FILE
    documents = []
    for file in (assoc_path, path):
        display = _display(file, root)
        if file == assoc_path and not file.exists():
            problems.append(Problem("file not found: every edition inherits the association's details (name, address, "
                                    "president...) from it; restore it (from version control or a backup)",
                                    file=display))
            continue
        try:
            documents.append((file, display, read_yaml(file, display, sources, later)))
        except EditionError as exc:
            problems.extend(exc.problems)
    for file, display, content in documents:
        if not isinstance(content, dict):
            problems.append(Problem("the file must be a list of 'key: value' lines", file=display, line=1))
        elif not content and file == path:
            problems.append(Problem("the file is empty: an edition needs at least edition:, year:, dates: and its "
                                    f"texts; start it with 'python generate.py new {year}'", file=display))
    if problems:
        raise EditionError(problems)
    data = merge({"labels": labels}, merge(documents[0][2], documents[1][2]))
    # a key missing everywhere is missing from the edition file, not from association.yaml
    sources.locations[()] = (_display(path, root), None)
    return RawEdition(year=year, path=path, data=data, sources=sources, problems=later,
                      label_keys=frozenset(labels), root=root)


def _read_labels(path: Path, display: str, sources: SourceMap) -> dict:
    """templates/labels.yaml: every label with its texts, located under ``labels.<key>``."""
    own = SourceMap()
    data = read_yaml(path, display, own)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise EditionError(Problem("each label must be a key with fr: and en: texts", file=display))
    for location_path, location in own.locations.items():
        sources.locations[("labels",) + location_path] = location
    return data


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
