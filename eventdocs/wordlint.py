"""What ``check`` says about a Word template the officer edited: its tags, its fields, its styles, its words.

The Word templates (``templates/*.docx``) are edited in Word, where a tag is
easy to break without seeing it: Word turns ``'`` into ``’`` as you type, a
brace gets deleted, a style gets renamed. ``lint`` reads every paragraph
(body, tables, headers and footers) and reports, quoting the paragraph:

- a tag not closed, or closed without being opened (``{{ edition.name }``);
- a tag Jinja cannot read (typographic quotes, a typo in an expression);
- a field a document type needs (the letter's address and salutation, for
  the mail merge) that the template lost;
- a style the code applies that the template no longer has (a warning: the
  text keeps its direct formatting);
- words typed straight into the template (a warning): the PDF is made from the
  HTML template and never prints them, so they belong in a label.

A variable the data lacks is found when ``check`` renders the template (its
error quotes the paragraph too, see ``paragraph_with``).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
from lxml import etree

from .errors import Problem
from .filters import FILTERS  # the filters templates use: |number, |plain_date…

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
OPENERS = re.compile(r"\{[{%#]")
CLOSERS = re.compile(r"[}%#]\}")
SMART_QUOTES = "‘’“”«»"
#: docxtpl's own tags: {%p …%} {%tr …%} {%tc …%} {%r …%} (paragraph, row, cell, run) and {{r …}}
DOCXTPL_PREFIX = re.compile(r"^(\{%|\{\{)\s*(p|tr|tc|r)\s+")
BLOCK_WORDS = {"if", "elif", "else", "endif", "for", "endfor", "set", "with", "endwith", "cellbg", "vm", "hm",
               "colspan", "filter", "endfilter", "macro", "endmacro", "call", "endcall"}
#: words a template may hold without a label: typographic signs, page numbering, list numbers
LITERAL_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class Finding:
    """One thing ``lint`` found: an error stops ``check``, a warning is printed."""

    problem: Problem
    warning: bool = False


def paragraphs(path: Path) -> list[tuple[str, str, list[str]]]:
    """(part, paragraph text, the texts of its runs) for every paragraph of the DOCX."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if not re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
                continue
            root = etree.fromstring(archive.read(name))
            for p in root.iter(f"{W}p"):
                runs = ["".join(t.text or "" for t in r.iter(f"{W}t")) for r in p.iter(f"{W}r")]
                text = "".join(runs)
                if text.strip():
                    found.append((name, text, runs))
    return found


def styles(path: Path) -> set[str]:
    """The style ids the template defines."""
    with zipfile.ZipFile(path) as archive:
        if "word/styles.xml" not in archive.namelist():
            return set()
        root = etree.fromstring(archive.read("word/styles.xml"))
    return {s.get(f"{W}styleId") for s in root.iter(f"{W}style")}


def lint(path: Path, shown: str, fields: tuple[str, ...] = (), styles_used: tuple[str, ...] = ()) -> list[Finding]:
    """Every finding about one Word template (``shown`` names it in messages)."""
    try:
        found = paragraphs(path)
        defined = styles(path)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError) as exc:
        return [Finding(Problem(f"not a Word document Word can open ({exc}); save it again from Word as .docx",
                                file=shown))]
    findings: list[Finding] = []
    env = jinja2.Environment()
    env.filters.update(FILTERS)
    all_text = "\n".join(text for _, text, _ in found)
    for part, text, runs in found:
        quoted = _quote(text)
        for message in _tag_problems(text, env):
            findings.append(Finding(Problem(f"{message}, in the paragraph «{quoted}»", file=shown)))
        words = LITERAL_WORD.findall(TAG.sub(" ", text))
        if words:
            findings.append(Finding(Problem(
                f"«{' '.join(words)}» is typed in the Word template (paragraph «{quoted}»): the PDF, made from "
                "the HTML template, will not print it, and the YAML cannot change it; write it as a label "
                "({{ labels.… }}) instead", file=shown), warning=True))
    for field in fields:
        if not re.search(r"\{\{-?\s*" + re.escape(field) + r"\s*-?\}\}", all_text):
            findings.append(Finding(Problem(
                f"the field {{{{ {field} }}}} is missing: the mail merge puts each recipient's data there; "
                "type it back where it belongs", file=shown)))
    for style in styles_used:
        if style not in defined:
            findings.append(Finding(Problem(
                f"the style « {style} » is gone: the text it formatted keeps its direct formatting only; "
                "restore the style in Word (Styles pane) if the documents look wrong", file=shown), warning=True))
    return findings


def _tag_problems(text: str, env: jinja2.Environment) -> list[str]:
    problems = []
    stripped = TAG.sub(lambda m: " " * len(m.group(0)), text)
    if OPENERS.search(stripped):
        problems.append(f"a tag is opened ({OPENERS.search(stripped).group(0)}) and never closed")
    elif CLOSERS.search(stripped):
        problems.append(f"a tag is closed ({CLOSERS.search(stripped).group(0)}) without being opened")
    for tag in TAG.findall(text):
        if tag.startswith("{#"):
            continue
        if any(q in tag for q in SMART_QUOTES):
            problems.append(f"the tag {tag} holds typographic quotes (Word's ‘ ’ “ ”): retype them as straight "
                            "quotes ' \" (turn off AutoFormat's smart quotes while typing tags)")
            continue
        message = _syntax_problem(tag, env)
        if message:
            problems.append(f"the tag {tag} cannot be read: {message}")
    return problems


def _syntax_problem(tag: str, env: jinja2.Environment) -> str | None:
    inner = DOCXTPL_PREFIX.sub(r"\1 ", tag)
    try:
        if inner.startswith("{{"):
            env.compile_expression(inner[2:-2].strip().lstrip("-").rstrip("-"))
            return None
        body = inner[2:-2].strip().strip("-").strip()
        word, _, rest = body.partition(" ")
        if word not in BLOCK_WORDS:
            return f"'{word}' is not a tag Word templates use (if, elif, else, endif, for, endfor, set…)"
        if word in ("if", "elif") or (word == "cellbg" and rest):
            env.compile_expression(rest)
        elif word == "for":
            target, _, source = rest.partition(" in ")
            if not source:
                return "a for tag reads « for item in list »"
            env.compile_expression(source)
        elif word == "set":
            name, _, value = rest.partition("=")
            if not value:
                return "a set tag reads « set name = value »"
            env.compile_expression(value)
    except jinja2.TemplateSyntaxError as exc:
        return exc.message or "syntax error"
    return None


def paragraph_with(path: Path, name: str) -> str | None:
    """The first paragraph of the template that mentions ``name`` (a variable), quoted for a message."""
    try:
        for _, text, _ in paragraphs(path):
            for tag in TAG.findall(text):
                if re.search(r"\b" + re.escape(name) + r"\b", tag):
                    return _quote(text)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, OSError):
        return None
    return None


def _quote(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
