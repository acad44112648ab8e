"""The filters every template uses, HTML and Word alike: ``{{ day|long_date }}``, ``{{ n|number }}``…

Each writes in the language of the document being filled (its context's ``lang``).
"""

from __future__ import annotations

import datetime as dt

import jinja2

from . import formats
from .localize import MissingText
from .text import Text


def _lang(ctx) -> str:
    return ctx["lang"]


@jinja2.pass_context
def _long_date(ctx, value: dt.date) -> str:
    return formats.long_date(value, _lang(ctx))


@jinja2.pass_context
def _plain_date(ctx, value: dt.date) -> Text:
    return Text(formats.plain_date(value, _lang(ctx)))


@jinja2.pass_context
def _day_month(ctx, value: dt.date) -> str:
    return formats.day_month(value, _lang(ctx))


@jinja2.pass_context
def _time(ctx, value: dt.time) -> str:
    return formats.time(value, _lang(ctx))


@jinja2.pass_context
def _time_range(ctx, session) -> str:
    return formats.time_range(session.start, session.end, _lang(ctx))


@jinja2.pass_context
def _number(ctx, value: int) -> str:
    return formats.number(value, _lang(ctx))


@jinja2.pass_context
def _date_span(ctx, days) -> str:
    return formats.date_span(list(days), _lang(ctx))


def _capfirst(value):
    if isinstance(value, (Text, MissingText)):
        return value.capitalize_first()
    text = str(value)
    return text[:1].upper() + text[1:]


def _paragraphs(value, css_class: str = ""):
    """HTML: a text as its paragraphs and lists (``{{ paragraph|paragraphs('lead') }}``)."""
    from markupsafe import Markup

    if isinstance(value, (Text, MissingText)):
        return Markup(value.html_paragraphs(css_class or getattr(value, "style", "")))
    return Markup(Text(str(value)).html_paragraphs(css_class))


FILTERS = {
    "long_date": _long_date,
    "plain_date": _plain_date,
    "day_month": _day_month,
    "time": _time,
    "time_range": _time_range,
    "number": _number,
    "date_span": _date_span,
    "capfirst": _capfirst,
    "paragraphs": _paragraphs,
}
