"""Stage 1: read the YAML files of an edition, remembering where every value came from.

The officer writes YAML by hand, so the loader removes YAML 1.1's traps:
``14:30`` stays the text "14:30" (not the integer 870), ``NO`` and ``yes``
stay text (only ``true``/``false`` are booleans), and a key written twice is
an error rather than a silent overwrite.

An edition file inherits everything from ``editions/association.yaml`` and
may override any part of it (mappings are merged key by key).
"""

from __future__ import annotations

import re
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

    Syntax errors raise at once; a key written twice is added to ``problems``
    (or raised when no list is given) so that validation can report it with the rest.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EditionError(Problem("file not found", file=display)) from None
    except UnicodeDecodeError as exc:
        raise EditionError(
            Problem(f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", file=display)
        ) from None
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or "invalid YAML"
        hint = " (check the indentation and put quotes around texts containing ': ' or '#')"
        raise EditionError(Problem(f"YAML syntax error: {reason}{hint}", file=display, line=line)) from None
    finally:
        loader.dispose()
    if node is None:
        return {}
    found: list[Problem] = []
    data = _construct(loader, node, (), display, sources, found)
    if problems is None and found:
        raise EditionError(found)
    if problems is not None:
        problems.extend(found)
    return data


def _construct(loader, node, path, display, sources, problems):
    sources.locations[path] = (display, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (int, float)) or not isinstance(key, str):
                key = str(key)
            if key in result:
                first = sources.locations.get(path + (key,), (display, "?"))[1]
                problems.append(
                    Problem(
                        f"key '{key}' is written twice (first on line {first}); keep only one",
                        file=display,
                        line=key_node.start_mark.line + 1,
                        field=format_path(path + (key,)),
                    )
                )
                continue
            result[key] = _construct(loader, value_node, path + (key,), display, sources, problems)
            sources.locations[path + (key,)] = (display, key_node.start_mark.line + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(loader, item, path + (i,), display, sources, problems)
            for i, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


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
    association: Any = {}
    labels: dict = {}
    if labels_file is not None:
        labels = _read_labels(labels_file, _display(labels_file, root), sources)
    assoc_path = editions_dir / ASSOCIATION_FILE
    documents = []
    for file in ([assoc_path] if assoc_path.exists() else []) + [path]:
        try:
            documents.append((file, read_yaml(file, _display(file, root), sources, later)))
        except EditionError as exc:
            problems.extend(exc.problems)
    if problems:
        raise EditionError(problems)
    for file, content in documents:
        if not isinstance(content, dict):
            problems.append(Problem("the file must be a list of 'key: value' lines", file=_display(file, root), line=1))
    if problems:
        raise EditionError(problems)
    if len(documents) == 2:
        association = documents[0][1]
    data = merge({"labels": labels}, merge(association, documents[-1][1]))
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
