"""The ``{name}`` placeholders a text in the YAML may use, computed from the edition.

They keep facts in one place: a text says "la {ordinal} édition" or
"{on_dates}", never "la 17e édition" or "les 8 et 9 juillet 2026".
Writing ``{Dates}`` instead of ``{dates}`` capitalises the first letter.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from . import formats
from .model import LANGUAGE_NAMES
from .text import Unavailable, escape_markup

if TYPE_CHECKING:
    from .model import Edition

#: name -> what it gives (shown in the README and in error messages)
PLACEHOLDERS = {
    "edition": "number of the edition: 17",
    "ordinal": "ordinal of the edition: 17e / 17th",
    "ordinal_words": "ordinal in words: dix-septième / seventeenth",
    "year": "year of the edition: 2026",
    "previous_year": "the year before: 2025",
    "next_year": "the year after: 2027",
    "next_ordinal": "ordinal of the next edition: 18e / 18th",
    "name": "name of the event",
    "short_name": "short name of the event (its name when it has none)",
    "acronym": "acronym of the event: RAICT",
    "theme": "theme of the edition",
    "association": "name of the association",
    "founded": "year the association was founded: 1975",
    "association_age": "years since the association was founded, in the edition's year: 50 in 2025",
    "dates": "days with weekdays: mercredi 8 et jeudi 9 juillet 2026",
    "day_dates": "days without weekdays: 8 et 9 juillet 2026",
    "on_dates": "days with their article: les 8 et 9 juillet 2026 / on 8 and 9 July 2026",
    "on_weekdays": "days with weekdays and their article: les mercredi 8 et jeudi 9 juillet 2026 / le vendredi 4 juillet 2025",
    "days": "number of days, in words: deux / two",
    "date": "any date, written {date:2026-03-15}: 15 mars 2026 / 15 March 2026",
    "long_date": "any date with its weekday, written {long_date:2026-03-15}: dimanche 15 mars 2026",
    "city": "city of the event",
    "venue": "name of the venue",
    "at_venue": "the venue with its preposition: aux Salons de l'Hôtel…",
    "venue_address": "street, postcode and city of the venue",
    "participants": "expected participants: 500",
    "french_authorities": "expected French local authorities: 150",
    "foreign_delegations": "expected foreign delegations: 25",
    "registration_date": "date registration opens: 15 avril 2026",
    "hashtag": "hashtag of the edition",
    "website": "site dedicated to the Rencontres",
    "info_page": "page of the edition on the association's site",
    "stat_french_authorities": "French authorities engaged abroad: 4 802",
    "stat_partner_authorities": "their foreign partners: 3 237",
    "stat_countries": "countries of the partnerships: 136",
    "stat_projects": "decentralised cooperation projects: 10 784",
    "stat_country_groups": "country groups of the association: 23",
    "cafes_time": "time of the Cafés, from the programme: de 14h30 à 15h30 le jeudi 9 juillet",
    "salutation": "the salutation of the letter (Madame, Monsieur)",
    "president": "name of the president",
    "letter_date": "date of the letter: 25 janvier 2026",
    "letter_place": "place the letter is written from: Paris",
    "communique_date": "date of the press communiqué",
    "results_…": "a figure counted after the event, by its id in results.figures: {results_participants}",
}

#: a figure of ``results.figures``: {results_participants}, {results_workshops}…
RESULT_PREFIX = "results_"


def is_known(name: str) -> bool:
    """Whether ``{name}`` (or ``{Name}``) is a placeholder, whatever the edition."""
    key = name[0].lower() + name[1:]
    return key in PLACEHOLDERS or (key.startswith(RESULT_PREFIX) and len(key) > len(RESULT_PREFIX))


def placeholder_values(edition: "Edition", lang: str, salutation: str | None = None) -> dict[str, Any]:
    """Every placeholder's value for one language, as markup.

    A value the edition cannot give (no theme, no edition number…) is an
    ``Unavailable`` that says why: a text using it is an error, an unused one is not.
    """
    e = edition
    no_number = Unavailable("the edition has no number; add 'edition:' (17 for the 17th)")
    values: dict[str, Any] = {
        "edition": str(e.edition) if e.edition else no_number,
        "ordinal": formats.ordinal(e.edition, lang) if e.edition else no_number,
        "ordinal_words": formats.ordinal_words(e.edition, lang) if e.edition else no_number,
        "next_ordinal": formats.ordinal(e.edition + 1, lang) if e.edition else no_number,
        "year": str(e.year),
        "previous_year": str(e.year - 1),
        "next_year": str(e.year + 1),
        "dates": formats.date_span(e.dates, lang),
        "day_dates": formats.date_span(e.dates, lang, weekdays=False),
        "on_dates": formats.on_dates(e.dates, lang),
        "on_weekdays": formats.on_dates(e.dates, lang, weekdays=True),
        "days": formats.num2words(len(e.dates), lang=lang) if len(e.dates) > 1 else ("un" if lang == "fr" else "one"),
        "date": lambda argument: formats.plain_date(parse_date_argument(argument), lang),
        "long_date": lambda argument: formats.long_date(parse_date_argument(argument), lang),
        "city": escape_markup(e.city),
        "venue_address": escape_markup(f"{e.venue.street}, {e.venue.postcode} {e.venue.city}"),
        "hashtag": _plain(e.hashtag, "the edition has no hashtag; add 'hashtag:'"),
        "acronym": _plain(e.acronym, "the edition has no acronym; add 'acronym:' (RAICT)"),
        "website": _plain(e.website, "the edition has no dedicated website; add 'website:'"),
        "info_page": _plain(e.info_page, "the edition has no information page; add 'info_page:'"),
        "association": escape_markup(e.association.name),
        "founded": str(e.association.founded),
        "association_age": str(e.year - e.association.founded),
        "president": escape_markup(e.president.name),
    }
    for name, text, missing in (
        ("name", e.name, None),
        ("short_name", e.short_name, None),
        ("theme", e.theme, "the edition has no theme; add 'theme:'"),
        ("venue", e.venue.name, None),
        ("at_venue", e.venue.at, None),
    ):
        value = getattr(text, lang) if text is not None else None
        if value is None:
            value = Unavailable(missing or f"'{name}' has no {LANGUAGE_NAMES[lang]} text")
        values[name] = value
    no_expected = Unavailable("the edition has no 'expected:' figures")
    for name in ("participants", "french_authorities", "foreign_delegations"):
        values[name] = formats.number(getattr(e.expected, name), lang) if e.expected else no_expected
    no_statistics = Unavailable("there are no 'statistics:' (in association.yaml or the edition)")
    for name in ("french_authorities", "partner_authorities", "countries", "projects", "country_groups"):
        values[f"stat_{name}"] = formats.number(getattr(e.statistics, name), lang) if e.statistics else no_statistics
    values["registration_date"] = (formats.plain_date(e.registration_opens, lang) if e.registration_opens
                                   else Unavailable("the edition has no 'registration_opens:' date"))
    values["cafes_time"] = _cafes_time(e, lang)
    no_letter = Unavailable("the edition has no 'letter:'")
    if salutation is not None:
        values["salutation"] = salutation
    elif e.letter:
        values["salutation"] = getattr(e.letter.salutation, lang) or Unavailable(
            f"letter.salutation has no {LANGUAGE_NAMES[lang]} text")
    else:
        values["salutation"] = no_letter
    values["letter_date"] = formats.plain_date(e.letter.date, lang) if e.letter else no_letter
    values["letter_place"] = escape_markup(e.letter.place) if e.letter else no_letter
    values["communique_date"] = (formats.plain_date(e.results.communique_date, lang) if e.results
                                 else Unavailable("the edition has no 'results:' yet"))
    figures = {f.id: f.value for f in e.results.figures} if e.results else {}
    for figure_id, value in figures.items():
        values[RESULT_PREFIX + figure_id] = formats.number(value, lang)
    return _WithResults(values, sorted(figures), bool(e.results))


class _WithResults(dict):
    """The values, where an absent ``results_<id>`` says which figures the edition has."""

    def __init__(self, values: dict, figure_ids: list[str], has_results: bool):
        super().__init__(values)
        self.figure_ids, self.has_results = figure_ids, has_results

    def __contains__(self, name) -> bool:
        return super().__contains__(name) or (isinstance(name, str) and name.startswith(RESULT_PREFIX)
                                               and len(name) > len(RESULT_PREFIX))

    def __getitem__(self, name):
        if super().__contains__(name) or not name.startswith(RESULT_PREFIX):
            return super().__getitem__(name)
        if not self.has_results:
            return Unavailable("the edition has no 'results:' yet (they are recorded after the event)")
        known = ", ".join(self.figure_ids) or "none"
        return Unavailable(f"results.figures has no figure with id '{name[len(RESULT_PREFIX):]}' "
                           f"(its figures: {known})")


def parse_date_argument(argument: str | None) -> dt.date:
    """The date of ``{date:2026-03-15}``; ValueError says how to write one."""
    try:
        return dt.date.fromisoformat(argument or "")
    except ValueError:
        raise ValueError(f"'{argument or ''}' is not a date: write it {{date:2026-03-15}} (year-month-day)") from None


def _plain(value: str | None, missing: str):
    return escape_markup(value) if value else Unavailable(missing)


def _cafes_time(edition: "Edition", lang: str):
    for day in edition.programme:
        for session in day.sessions:
            if session.kind.value == "cafes":
                start, end = formats.time(session.start, lang), formats.time(session.end, lang)
                when = formats.day_month(day.date, lang)
                if lang == "fr":
                    return f"de {start} à {end} le {when}"
                return f"from {start} to {end} on {when}"
    return Unavailable("the programme has no session of kind 'cafes'")
