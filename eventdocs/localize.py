"""The edition seen in one language, as templates read it.

``localize(edition, "fr")`` wraps the checked edition so that a template
writes ``edition.theme`` and gets the French theme, placeholders filled and
French typography applied, as a ``Text``. A text that has no version in the
language asked for is not replaced by the other language: using it raises
``MissingTranslation`` naming the field, which the build reports as an error.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel

from .load import format_path
from .model import LANGUAGE_NAMES, LList, LText, Paragraph
from .placeholders import placeholder_values
from .text import PlaceholderUnavailable, Text, substitute, typography


class UnavailableText(Exception):
    """A text a document prints cannot be made: ``message`` says why and what to do."""

    def __init__(self, path: tuple, message: str):
        self.path, self.message = path, message
        super().__init__(f"{format_path(path)}: {message}")


class MissingTranslation(UnavailableText):
    """A text is used in a language it was not written in."""

    def __init__(self, path: tuple, lang: str):
        self.lang = lang
        super().__init__(path, f"no {LANGUAGE_NAMES[lang]} text; add a '{lang}:' entry")


class MissingText:
    """Stands for a text that cannot be printed (untranslated, or using data the edition lacks);
    fails as soon as it is printed, naming the field."""

    def __init__(self, path: tuple, lang: str | None = None, error: UnavailableText | None = None):
        self._error = error or MissingTranslation(path, lang)

    def _fail(self, *args, **kwargs):
        raise self._error

    __str__ = __html__ = docx = __iter__ = __len__ = capitalize_first = html_paragraphs = _fail

    def __bool__(self) -> bool:
        return True

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise self._error


class Localizer:
    """Resolves texts of one edition in one language."""

    def __init__(self, edition, lang: str, salutation: str | None = None):
        self.lang = lang
        self.values = placeholder_values(edition, lang, salutation)
        #: every field a template read, so that a build knows what each document depends on
        self.accessed: set[tuple] = set()

    def text(self, markup: str) -> Text:
        """A text of the YAML in this language: placeholders filled, typography applied.

        Raises PlaceholderUnavailable when it uses a value the edition lacks.
        """
        return Text(typography(substitute(markup, self.values), self.lang))

    def _text_at(self, markup: str, path: tuple) -> Text | MissingText:
        try:
            return self.text(markup)
        except PlaceholderUnavailable as exc:
            return MissingText(path, error=UnavailableText(
                path, f"{exc}; complete the data or take {{{exc.name}}} out of this text"))

    def resolve(self, node: Any, path: tuple) -> Any:
        if isinstance(node, LText):
            markup = getattr(node, self.lang)
            if markup is None:
                return MissingText(path + (self.lang,), self.lang)
            text = self._text_at(markup, path + (self.lang,))
            if isinstance(text, Text):
                text.style = node.style if isinstance(node, Paragraph) else "normal"
            return text
        if isinstance(node, LList):
            items = getattr(node, self.lang)
            if items is None:
                return MissingText(path + (self.lang,), self.lang)
            return [self._text_at(item, path + (self.lang, i)) for i, item in enumerate(items)]
        if isinstance(node, dict):
            return Labels(node, self, path)
        if isinstance(node, BaseModel):
            return View(node, self, path)
        if isinstance(node, (list, tuple)):
            return [self.resolve(item, path + (i,)) for i, item in enumerate(node)]
        if isinstance(node, Enum):
            return node.value
        return node


class View:
    """Attribute access to a model, every text resolved in one language."""

    __slots__ = ("_model", "_localizer", "_path", "_cache")

    def __init__(self, model: BaseModel, localizer: Localizer, path: tuple = ()):
        self._model, self._localizer, self._path = model, localizer, path
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in type(self._model).model_fields:
            raise AttributeError(name)
        if name not in self._cache:
            path = self._path + (name,)
            self._localizer.accessed.add(path)
            self._cache[name] = self._localizer.resolve(getattr(self._model, name), path)
        return self._cache[name]

    @property
    def accessed(self) -> set[tuple]:
        """Paths of every field read through this edition's views so far."""
        return self._localizer.accessed

    @property
    def raw(self) -> BaseModel:
        """The underlying, language-neutral model."""
        return self._model

    def __repr__(self) -> str:
        return f"View({type(self._model).__name__} at {format_path(self._path) or 'edition'})"


class Labels:
    """The fixed words of the layout in one language: ``labels.subject`` in a template.

    Each label is resolved like any text of the edition (placeholders,
    typography); a label the templates ask for and that does not exist is an
    error naming it.
    """

    __slots__ = ("_labels", "_localizer", "_path", "_cache")

    def __init__(self, labels: dict, localizer: Localizer, path: tuple):
        self._labels, self._localizer, self._path = labels, localizer, path
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._labels:
            raise AttributeError(name)
        if name not in self._cache:
            path = self._path + (name,)
            self._localizer.accessed.add(path)
            self._cache[name] = self._localizer.resolve(self._labels[name], path)
        return self._cache[name]

    __getitem__ = __getattr__

    def __contains__(self, name: str) -> bool:
        return name in self._labels

    def __iter__(self):
        return iter(self._labels)

    def with_values_of(self, localizer: Localizer) -> "Labels":
        """The same labels, their placeholders filled from another edition (the previous one)."""
        return Labels(self._labels, localizer, self._path)

    def __repr__(self) -> str:
        return f"Labels({len(self._labels)})"


def localize(edition, lang: str, salutation: str | None = None) -> View:
    """The whole edition seen in ``lang``."""
    return View(edition, Localizer(edition, lang, salutation))



def resolve_path(view: View, path: tuple) -> Any:
    """The value at ``path`` (attribute names and list indexes) under ``view``."""
    node: Any = view
    for part in path:
        node = node[part] if isinstance(part, int) else getattr(node, part)
    return node
