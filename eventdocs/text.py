"""Texts as the officer writes them, and as each output format needs them.

The small inline markup of the YAML files:

    **bold**     *italic*     17^e^ (superscript)     \\* (a literal star)
    {ordinal}    a value computed from the edition (see ``placeholders.py``)

A ``Text`` is a piece of that markup already resolved for one language. It
renders itself as HTML tags (``__html__``, used by Jinja's autoescape), as
Word runs (``docx`` markers, turned into real bold/italic/superscript runs
after docxtpl has rendered) and as plain text (``str``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, before ; ! ? in French

# Private-use characters that survive Jinja and docxtpl untouched and are
# turned into run properties by ``render._apply_docx_markers``.
DOCX_BOLD, DOCX_ITALIC, DOCX_SUP, DOCX_BREAK = "\ue001", "\ue002", "\ue003", "\ue004"

_TOKEN = re.compile(r"\\([*^\\{}])|(\*\*)|(\*)|(\^)|(\n)")
PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    sup: bool = False
    br: bool = False  # a line break, text is empty


class MarkupError(ValueError):
    """Unbalanced ** * or ^ in a text."""


def parse(markup: str) -> list[Run]:
    """Split markup into runs; raise MarkupError on an unclosed marker."""
    runs: list[Run] = []
    bold = italic = sup = False
    buf: list[str] = []
    opened = {}

    def flush():
        if buf:
            runs.append(Run("".join(buf), bold, italic, sup))
            buf.clear()

    pos = 0
    for m in _TOKEN.finditer(markup):
        buf.append(markup[pos : m.start()])
        pos = m.end()
        if m.group(1):
            buf.append(m.group(1))
            continue
        flush()
        if m.group(2):
            bold = not bold
            opened["**"] = m.start()
        elif m.group(3):
            italic = not italic
            opened["*"] = m.start()
        elif m.group(4):
            sup = not sup
            opened["^"] = m.start()
        else:
            runs.append(Run("", bold, italic, sup, br=True))
    buf.append(markup[pos:])
    flush()
    for marker, state in (("**", bold), ("*", italic), ("^", sup)):
        if state:
            at = opened[marker]
            raise MarkupError(
                f"'{marker}' opened near «{markup[max(0, at - 15):at + 15].strip()}» is never closed "
                f"(write \\{marker[0]} for a literal '{marker[0]}')"
            )
    return [r for r in runs if r.text or r.br]


def french_typography(text: str) -> str:
    """Typographic apostrophes and the non-breaking spaces French requires."""
    text = text.replace("'", "’")
    text = re.sub(r"«[ \u00a0\u202f]*", "«" + NBSP, text)
    text = re.sub(r"[ \u00a0\u202f]*»", NBSP + "»", text)
    text = re.sub(r"[ \u00a0](?=[;!?](\s|$|[*^)»]))", NNBSP, text)
    text = re.sub(r" (?=:(\s|$|[*^]))", NBSP, text)
    text = re.sub(r"(?<=\d) %", NNBSP + "%", text)
    return text


def english_typography(text: str) -> str:
    """Curly quotes: ‘ opening and ’ closing (the apostrophe), “…” for « … »."""
    text = re.sub(r"(^|[\s(\[“])'", "\\1‘", text)
    text = text.replace("'", "’")
    text = re.sub(r"«[ \u00a0\u202f]*", "“", text)
    return re.sub(r"[ \u00a0\u202f]*»", "”", text)


def _number_spacing(text: str) -> str:
    """A number never ends a line apart from its noun: '25 délégations', '400 participants'."""
    return re.sub(r"(?<=\d) (?=[^\W\d_])", NBSP, text)


def typography(text: str, lang: str) -> str:
    return _number_spacing(french_typography(text) if lang == "fr" else english_typography(text))


_URL = re.compile(r"https?://\S+")


def _is_name(token: str) -> bool:
    first_letter = re.search(r"[^\W\d_]", token)
    return bool(first_letter) and first_letter.group(0).isupper()


def _html_words(text: str) -> str:
    """Escaped HTML where proper names, compounds and web addresses are never hyphenated or split.

    A capitalised word (Montpellier, Rencontres) or a compound (Marie-Hélène,
    cocktail-déjeuner) goes in <span class="word">; a web address in
    <span class="url"> (see base.css).
    """
    out = []
    for token in re.split(r"(\s+)", text):
        if not token or token.isspace():
            out.append(html.escape(token, quote=False))
        elif _URL.match(token):
            out.append(f'<span class="url">{html.escape(token, quote=False)}</span>')
        elif _is_name(token) or re.search(r"[^\W\d_]-[^\W\d_]", token):
            out.append(f'<span class="word">{html.escape(token, quote=False)}</span>')
        else:
            out.append(html.escape(token, quote=False))
    return "".join(out)


class Text:
    """A resolved text in one language, rendered per output format."""

    __slots__ = ("markup", "runs", "style")

    def __init__(self, markup: str, style: str = "normal"):
        self.markup = markup
        self.runs = parse(markup)
        self.style = style

    def __str__(self) -> str:
        return "".join("\n" if r.br else r.text for r in self.runs)

    def __html__(self) -> str:
        out = []
        for r in self.runs:
            if r.br:
                out.append("<br>")
                continue
            piece = _html_words(r.text)
            if r.sup:
                piece = f"<sup>{piece}</sup>"
            if r.italic:
                piece = f"<em>{piece}</em>"
            if r.bold:
                piece = f"<strong>{piece}</strong>"
            out.append(piece)
        return "".join(out)

    def docx(self) -> str:
        """Plain text with private-use markers where formatting toggles."""
        out = []
        state = (False, False, False)
        for r in self.runs:
            if r.br:
                out.append(DOCX_BREAK)
                continue
            for on, was, marker in zip((r.bold, r.italic, r.sup), state, (DOCX_BOLD, DOCX_ITALIC, DOCX_SUP)):
                if on != was:
                    out.append(marker)
            state = (r.bold, r.italic, r.sup)
            out.append(r.text)
        for was, marker in zip(state, (DOCX_BOLD, DOCX_ITALIC, DOCX_SUP)):
            if was:
                out.append(marker)
        return "".join(out)

    def __bool__(self) -> bool:
        return bool(self.runs)

    def __eq__(self, other) -> bool:
        if isinstance(other, Text):
            return other.markup == self.markup
        return isinstance(other, str) and other == str(self)

    def __hash__(self) -> int:
        return hash(self.markup)

    def __repr__(self) -> str:
        return f"Text({self.markup!r})"

    def __add__(self, other):
        other_markup = other.markup if isinstance(other, Text) else escape_markup(str(other))
        return Text(self.markup + other_markup)

    def __radd__(self, other):
        return Text(escape_markup(str(other)) + self.markup)

    def capitalize_first(self) -> "Text":
        """The same text with its first letter in capitals (for a sentence start)."""
        m = re.search(r"[^\W\d_]", self.markup)
        if not m:
            return self
        return Text(self.markup[: m.start()] + self.markup[m.start()].upper() + self.markup[m.end():])


def escape_markup(text: str) -> str:
    """A literal string made safe to embed in markup (no accidental bold/sup)."""
    return re.sub(r"([*^\\{}])", r"\\\1", text)


def substitute(markup: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` by its value; ``{Name}`` capitalises the value's first letter.

    Raises KeyError(name) for an unknown placeholder.
    """

    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name in values:
            return values[name]
        lower = name[0].lower() + name[1:]
        if name[0].isupper() and lower in values:
            return Text(values[lower]).capitalize_first().markup
        raise KeyError(name)

    # an escaped brace (\{) is not a placeholder
    return re.sub(r"(?<!\\)\{([A-Za-z_]+)\}", repl, markup)
