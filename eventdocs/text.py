"""Texts as the officer writes them, and as each output format needs them.

The small inline markup of the YAML files:

    **bold**     *italic*     17^e^ (superscript)     \\* (a literal star)
    {ordinal}    a value computed from the edition (see ``placeholders.py``)
    {date:2026-03-15}   any date, printed in the document's language

and, line by line (a text written with ``|`` in YAML keeps its lines):

    - an item        a bulleted list (also « • » or « – »)
    1. an item       a numbered list (also « 1) »)
    (empty line)     a new paragraph

A ``Text`` is a piece of that markup already resolved for one language. It
renders itself as HTML tags (``__html__``, used by Jinja's autoescape), as
Word runs (``docx`` markers, turned into real bold/italic/superscript runs
after docxtpl has rendered) and as plain text (``str``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, before ; ! ? in French

# Private-use characters that survive Jinja and docxtpl untouched and are
# turned into run properties by ``render._apply_docx_markers``.
DOCX_BOLD, DOCX_ITALIC, DOCX_SUP, DOCX_BREAK = "\ue001", "\ue002", "\ue003", "\ue004"
# Block markers: where a text's paragraphs and list items begin. ``render`` splits the Word
# paragraph there; a numbered list's first item also carries DOCX_RESTART (numbering from 1).
DOCX_PARAGRAPH, DOCX_BULLET, DOCX_NUMBER, DOCX_RESTART = "\ue005", "\ue006", "\ue007", "\ue008"
# Toggles a word Word must not hyphenate (a name, a compound, a web address, the noun after an ordinal):
# ``render`` gives it Word's « Do not check spelling or grammar », which Word never hyphenates.
DOCX_KEEP = "\ue009"

_TOKEN = re.compile(r"\\([*^\\{}])|(\*\*)|(\*)|(\^)|(\n)")
#: {name}, or {name:argument} (a date: {date:2026-03-15}); an escaped brace (\{) is not one
PLACEHOLDER = re.compile(r"(?<!\\)\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}\s]*))?\}")
_BULLET_ITEM = re.compile(r"^[ \t]*[-•–][ \t]+(?=\S)")
_NUMBER_ITEM = re.compile(r"^[ \t]*\d{1,3}[.)][ \t]+(?=\S)")


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    sup: bool = False
    br: bool = False  # a line break, text is empty


@dataclass(frozen=True)
class Block:
    """A paragraph (one item) or a list (one item per entry) of a text."""

    kind: str  # "paragraph", "bullets" or "numbers"
    items: tuple[tuple[Run, ...], ...]


class MarkupError(ValueError):
    """Unbalanced ** * or ^ in a text."""


def parse_blocks(markup: str) -> list[Block]:
    """Split markup into paragraphs and lists, each item parsed into runs.

    A text without list items or empty lines is one paragraph (its line
    breaks kept as breaks). Raise MarkupError on an unclosed marker.
    """
    lines = markup.split("\n")
    if not any(_BULLET_ITEM.match(line) or _NUMBER_ITEM.match(line) for line in lines) \
            and not any(not line.strip() for line in lines[1:-1]):
        return [Block("paragraph", (tuple(parse(markup)),))]
    blocks: list[Block] = []
    kind, items, lines_of_paragraph = None, [], []

    def close():
        nonlocal kind, items
        if lines_of_paragraph:
            blocks.append(Block("paragraph", (tuple(parse("\n".join(lines_of_paragraph))),)))
            lines_of_paragraph.clear()
        if items:
            blocks.append(Block(kind, tuple(tuple(parse(item)) for item in items)))
            kind, items = None, []

    for line in lines:
        item_kind = "bullets" if _BULLET_ITEM.match(line) else "numbers" if _NUMBER_ITEM.match(line) else None
        if item_kind:
            if lines_of_paragraph or item_kind != kind:
                close()
            kind = item_kind
            pattern = _BULLET_ITEM if item_kind == "bullets" else _NUMBER_ITEM
            items.append(pattern.sub("", line, count=1).strip())
        elif not line.strip():
            close()
        elif items:  # a line under an item, not an item itself: the item goes on
            items[-1] += " " + line.strip()
        else:
            lines_of_paragraph.append(line.strip())
    close()
    return [b for b in blocks if any(b.items)] or [Block("paragraph", ((),))]


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


def direction(text: str) -> str:
    """``rtl`` or ``ltr``: the direction of a text's first strongly directional letter, as HTML's
    ``dir="auto"`` decides it (a name in Arabic is right to left), found once here rather than by WeasyPrint
    for each of a thousand badges."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def typography(text: str, lang: str) -> str:
    return _number_spacing(french_typography(text) if lang == "fr" else english_typography(text))


_URL = re.compile(r"https?://\S+")


def _is_name(token: str) -> bool:
    first_letter = re.search(r"[^\W\d_]", token)
    return bool(first_letter) and first_letter.group(0).isupper()


#: the shortest word the layout hyphenates (base.css: hyphenate-limit-chars); a shorter one needs no protection
HYPHENATED_LETTERS = 6


def protected(token: str, after_ordinal: bool = False) -> str | None:
    """Why a word must never be hyphenated: "url" (a web address, never split either), "word" (a proper
    name, a compound such as Marie-Hélène or cocktail-déjeuner, the noun after an ordinal), or None.

    A word too short to be hyphenated anyway is left alone: every protected word is an inline box of
    its own, and WeasyPrint breaks lines less well around many of them.
    """
    if _URL.match(token):
        return "url"
    if re.search(r"[^\W\d_]-[^\W\d_]", token):
        return "word"
    if (after_ordinal or _is_name(token)) and len(re.findall(r"[^\W\d_]", token)) >= HYPHENATED_LETTERS:
        return "word"
    return None


def _after_ordinal(text: str, previous) -> str:
    """After a superscript (17^e^, 1^st^), the space before the noun is a no-break space: « 17e édition » holds."""
    if previous is not None and previous.sup and not previous.br and text.startswith(" "):
        return NBSP + text[1:]
    return text


#: (a run starts after a space or a tag, and is read once: linear on a 100,000-character word)
_GLUED_TO_SPAN = re.compile(r'(?<![^\s<>])((?:[^\s<>]++[\u00a0\u202f])+)<span class="(word|url)">')


def glued_into_span(html_text: str) -> str:
    """What a no-break space glues to a protected word goes inside its span: « 150 <span>collectivités</span> »
    becomes « <span>150 collectivités</span> ». WeasyPrint 70 cannot break the line before a no-break space
    followed by an unbreakable span, and leaves its first words alone on their lines.
    """
    return _GLUED_TO_SPAN.sub(r'<span class="\2">\1', html_text)


def _html_words(text: str, after_ordinal: bool = False) -> str:
    """Escaped HTML where proper names, compounds and web addresses are never hyphenated or split.

    A capitalised word (Montpellier, Rencontres), a compound (Marie-Hélène,
    cocktail-déjeuner) or the noun after an ordinal (17e édition) goes in
    <span class="word">; a web address in <span class="url"> (see base.css).
    """
    out = []
    first = after_ordinal
    for token in re.split(r"(\s+)", text):
        if not token or token.isspace():
            out.append(html.escape(token, quote=False))
            continue
        kind = protected(token, first)
        first = False
        out.append(f'<span class="{kind}">{html.escape(token, quote=False)}</span>' if kind
                   else html.escape(token, quote=False))
    return glued_into_span("".join(out))


def _runs_html(runs) -> str:
    out = []
    previous = None
    for r in runs:
        if r.br:
            out.append("<br>")
            previous = r
            continue
        ordinal = previous is not None and previous.sup and r.text.startswith(" ")
        piece = _html_words(_after_ordinal(r.text, previous), after_ordinal=ordinal)
        previous = r
        if r.sup:
            piece = f"<sup>{piece}</sup>"
        if r.italic:
            piece = f"<em>{piece}</em>"
        if r.bold:
            piece = f"<strong>{piece}</strong>"
        out.append(piece)
    return "".join(out)


def docx_words(text: str, after_ordinal: bool = False) -> str:
    """Text for Word with every word that must not be hyphenated between two DOCX_KEEP markers."""
    out = []
    first = after_ordinal
    for token in re.split(r"(\s+)", text):
        if token and not token.isspace():
            kind = protected(token, first)
            first = False
            if kind:
                token = DOCX_KEEP + token + DOCX_KEEP
        out.append(token)
    return "".join(out)


def word_text(run: Run, previous: Run | None) -> str:
    """A run's text for Word: the no-break space after an ordinal, the words never hyphenated marked."""
    ordinal = previous is not None and previous.sup and run.text.startswith(" ")
    return docx_words(_after_ordinal(run.text, previous), after_ordinal=ordinal)


def _runs_docx(runs) -> str:
    """Plain text with private-use markers where formatting toggles (every toggle closed at the end)."""
    out = []
    state = (False, False, False)
    previous = None
    for r in runs:
        if r.br:
            out.append(DOCX_BREAK)
            previous = r
            continue
        for on, was, marker in zip((r.bold, r.italic, r.sup), state, (DOCX_BOLD, DOCX_ITALIC, DOCX_SUP)):
            if on != was:
                out.append(marker)
        state = (r.bold, r.italic, r.sup)
        out.append(word_text(r, previous))
        previous = r
    for was, marker in zip(state, (DOCX_BOLD, DOCX_ITALIC, DOCX_SUP)):
        if was:
            out.append(marker)
    return "".join(out)


def _runs_plain(runs) -> str:
    return "".join("\n" if r.br else r.text for r in runs)


class Text:
    """A resolved text in one language, rendered per output format.

    Most texts are one paragraph; a text may also hold several paragraphs and
    lists (``blocks``). Printed where a single line is expected (``{{ text }}``),
    such a text keeps its items on their own lines; ``{{ text|paragraphs }}``
    (HTML) and the Word renderer make real paragraphs and lists of it.
    """

    __slots__ = ("markup", "blocks", "runs", "style")

    def __init__(self, markup: str, style: str = "normal"):
        self.markup = markup
        self.blocks = parse_blocks(markup)
        self.runs = [run for i, item in enumerate(_items(self.blocks))
                     for run in ([Run("", br=True)] if i else []) + list(item)]
        self.style = style

    @property
    def is_simple(self) -> bool:
        """One paragraph, no list."""
        return len(self.blocks) == 1 and self.blocks[0].kind == "paragraph"

    def __str__(self) -> str:
        return "\n".join(self._lines(_runs_plain, " "))

    def __html__(self) -> str:
        return "<br>".join(self._lines(_runs_html, NBSP))

    def _lines(self, render, space: str) -> list[str]:
        """Each paragraph and list item on a line of its own, items after their bullet or number."""
        if self.is_simple:
            return [render(self.runs)]
        return [{"bullets": "•" + space, "numbers": f"{n}.{space}"}.get(block.kind, "") + render(item)
                for block in self.blocks for n, item in enumerate(block.items, start=1)]

    def html_paragraphs(self, css_class: str = "") -> str:
        """The text as HTML blocks: ``<p>`` for each paragraph, ``<ul>``/``<ol>`` for lists."""
        attr = f' class="{html.escape(css_class)}"' if css_class else ""
        out = []
        for block in self.blocks:
            if block.kind == "paragraph":
                out.append(f"<p{attr}>{_runs_html(block.items[0])}</p>")
            else:
                tag = "ul" if block.kind == "bullets" else "ol"
                items = "".join(f"<li>{_runs_html(item)}</li>" for item in block.items)
                out.append(f'<{tag} class="text-list">{items}</{tag}>')
        return "".join(out)

    def docx(self) -> str:
        """Plain text with private-use markers where formatting toggles and where blocks begin."""
        if self.is_simple:
            return _runs_docx(self.runs)
        out = []
        for b, block in enumerate(self.blocks):
            for n, item in enumerate(block.items):
                if block.kind == "bullets":
                    out.append(DOCX_BULLET)
                elif block.kind == "numbers":
                    out.append(DOCX_NUMBER + (DOCX_RESTART if n == 0 else ""))
                elif b:
                    out.append(DOCX_PARAGRAPH)
                out.append(_runs_docx(item))
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


def _items(blocks: list[Block]):
    for block in blocks:
        yield from block.items


class Unavailable:
    """The value of a placeholder whose data the edition does not have; using it is an error."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason


class PlaceholderUnavailable(Exception):
    """A text uses a placeholder whose data the edition lacks (``{theme}`` without a theme)."""

    def __init__(self, name: str, reason: str):
        self.name, self.reason = name, reason
        super().__init__(f"uses {{{name}}}, but {reason}")


def substitute(markup: str, values) -> str:
    """Replace ``{name}`` by its value; ``{Name}`` capitalises the value's first letter.

    A value may be a string (markup), an ``Unavailable`` (raises
    PlaceholderUnavailable) or a function of the argument (``{date:2026-03-15}``).
    Raises KeyError(name) for an unknown placeholder, ValueError for a bad argument.
    """

    def repl(m: re.Match) -> str:
        name, argument = m.group(1), m.group(2)
        capital = name[0].isupper()
        key = name if name in values else (name[0].lower() + name[1:])
        if key not in values or (key != name and not capital):
            raise KeyError(name)
        value = values[key]
        if callable(value):
            value = value(argument)
        elif argument is not None:
            raise ValueError(f"{{{name}}} takes no ':' argument")
        if isinstance(value, Unavailable):
            raise PlaceholderUnavailable(name, value.reason)
        return Text(value).capitalize_first().markup if key != name else value

    return PLACEHOLDER.sub(repl, markup)
