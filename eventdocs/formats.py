"""Dates, times, numbers and ordinals in each language's conventions (Babel, num2words).

Nothing here is typed by the officer: "mercredi 8 juillet 2026",
"Wednesday 8 July 2026", "14h30", "2:30 PM", "17^e^", "17th", "4 802".
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date as _babel_date
from babel.dates import format_time as _babel_time
from babel.numbers import format_decimal
from num2words import num2words

AND = {"fr": "et", "en": "and"}


def long_date(day: dt.date, lang: str) -> str:
    """mercredi 8 juillet 2026 / Wednesday 8 July 2026."""
    return _babel_date(day, "EEEE d MMMM y", locale=lang)


def plain_date(day: dt.date, lang: str) -> str:
    """25 janvier 2026 / 25 January 2026 (1er janvier in French)."""
    text = _babel_date(day, "d MMMM y", locale=lang)
    if lang == "fr" and day.day == 1:
        text = "1^er^" + text[1:]
    return text


def day_month(day: dt.date, lang: str) -> str:
    """mercredi 8 juillet / Wednesday 8 July."""
    return _babel_date(day, "EEEE d MMMM", locale=lang)


def _join(items: list[str], lang: str) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {AND[lang]} " + items[-1]


def date_span(days: list[dt.date], lang: str, weekdays: bool = True) -> str:
    """The days of an event in one phrase.

    mercredi 8 et jeudi 9 juillet 2026 / Wednesday 8 and Thursday 9 July 2026;
    without weekdays: 8 et 9 juillet 2026 / 8 and 9 July 2026.
    """
    days = sorted(days)
    same_month = all((d.year, d.month) == (days[0].year, days[0].month) for d in days)
    day_fmt = "EEEE d" if weekdays else "d"
    if same_month:
        heads = [_babel_date(d, day_fmt, locale=lang) for d in days[:-1]]
        last = _babel_date(days[-1], day_fmt + " MMMM y", locale=lang)
        return _join(heads + [last], lang)
    full = "EEEE d MMMM y" if weekdays else "d MMMM y"
    return _join([_babel_date(d, full, locale=lang) for d in days], lang)


def on_dates(days: list[dt.date], lang: str, weekdays: bool = False) -> str:
    """les 8 et 9 juillet 2026 / le 4 juillet 2025 / on 8 and 9 July 2026.

    With weekdays: les mercredi 8 et jeudi 9 juillet 2026 / le vendredi 4 juillet 2025.
    """
    span = date_span(days, lang, weekdays=weekdays)
    if lang == "fr":
        return ("les " if len(days) > 1 else "le ") + span
    return "on " + span


def time(value: dt.time, lang: str) -> str:
    """14h30 / 2:30 PM."""
    if lang == "fr":
        return f"{value.hour}h{value.minute:02d}"
    return _babel_time(value, "h:mm a", locale="en")


def time_range(start: dt.time, end: dt.time, lang: str) -> str:
    """14h30 – 16h00 / 2:30 PM – 4:00 PM (en dash, no break inside a time)."""
    return f"{time(start, lang)}\u202f–\u202f{time(end, lang)}".replace(" ", "\u00a0")


def number(value: int, lang: str) -> str:
    """4 802 (narrow no-break space) / 4,802."""
    return format_decimal(value, locale=lang)


def ordinal(value: int, lang: str, feminine: bool = True) -> str:
    """17^e^, 1^re^ / 17th, 21st (markup: ^…^ is superscript)."""
    if lang == "fr":
        if value == 1:
            return "1^re^" if feminine else "1^er^"
        return f"{value}^e^"
    if 10 <= value % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}"


def ordinal_words(value: int, lang: str, feminine: bool = True) -> str:
    """dix-septième / seventeenth (première for 1 in French)."""
    if lang == "fr" and value == 1:
        return "première" if feminine else "premier"
    return num2words(value, lang=lang, to="ordinal")
