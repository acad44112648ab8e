"""The ``{name}`` placeholders a text in the YAML may use, computed from the edition.

They keep facts in one place: a text says "la {ordinal} édition" or
"{on_dates}", never "la 17e édition" or "les 8 et 9 juillet 2026".
Writing ``{Dates}`` instead of ``{dates}`` capitalises the first letter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import formats
from .text import escape_markup

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
    "short_name": "short name of the event",
    "theme": "theme of the edition",
    "association": "name of the association",
    "founded": "year the association was founded: 1975",
    "association_age": "years since the association was founded, in the edition's year: 50 in 2025",
    "dates": "days with weekdays: mercredi 8 et jeudi 9 juillet 2026",
    "day_dates": "days without weekdays: 8 et 9 juillet 2026",
    "on_dates": "days with their article: les 8 et 9 juillet 2026 / on 8 and 9 July 2026",
    "on_weekdays": "days with weekdays and their article: les mercredi 8 et jeudi 9 juillet 2026 / le vendredi 4 juillet 2025",
    "days": "number of days, in words: deux / two",
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
    "results_participants": "participants counted after the event",
    "results_countries": "countries counted after the event",
    "results_workshops": "workshops held",
    "results_cafes": "cafés held",
}


def placeholder_values(edition: "Edition", lang: str, salutation: str | None = None) -> dict[str, str]:
    """Every placeholder's value for one language, as markup."""
    e = edition
    values = {
        "edition": str(e.edition),
        "ordinal": formats.ordinal(e.edition, lang),
        "ordinal_words": formats.ordinal_words(e.edition, lang),
        "year": str(e.year),
        "previous_year": str(e.year - 1),
        "next_year": str(e.year + 1),
        "next_ordinal": formats.ordinal(e.edition + 1, lang),
        "dates": formats.date_span(e.dates, lang),
        "day_dates": formats.date_span(e.dates, lang, weekdays=False),
        "on_dates": formats.on_dates(e.dates, lang),
        "on_weekdays": formats.on_dates(e.dates, lang, weekdays=True),
        "days": formats.num2words(len(e.dates), lang=lang) if len(e.dates) > 1 else ("un" if lang == "fr" else "one"),
        "city": escape_markup(e.city),
        "venue_address": escape_markup(f"{e.venue.street}, {e.venue.postcode} {e.venue.city}"),
        "hashtag": escape_markup(e.hashtag),
        "website": escape_markup(e.website),
        "info_page": escape_markup(e.info_page or ""),
        "association": escape_markup(e.association.name),
        "founded": str(e.association.founded),
        "association_age": str(e.year - e.association.founded),
        "president": escape_markup(e.president.name),
    }
    for name, text in (
        ("name", e.name),
        ("short_name", e.short_name),
        ("theme", e.theme),
        ("venue", e.venue.name),
        ("at_venue", e.venue.at),
    ):
        values[name] = getattr(text, lang) or ""
    for name in ("participants", "french_authorities", "foreign_delegations"):
        values[name] = formats.number(getattr(e.expected, name), lang) if e.expected else ""
    for name in ("french_authorities", "partner_authorities", "countries", "projects", "country_groups"):
        values[f"stat_{name}"] = formats.number(getattr(e.statistics, name), lang)
    values["registration_date"] = formats.plain_date(e.registration_opens, lang) if e.registration_opens else ""
    values["cafes_time"] = _cafes_time(e, lang)
    values["salutation"] = salutation if salutation is not None else ((getattr(e.letter.salutation, lang) or "") if e.letter else "")
    results = e.results
    for name in ("participants", "countries", "workshops", "cafes"):
        values[f"results_{name}"] = formats.number(getattr(results, name), lang) if results else ""
    return values


def _cafes_time(edition: "Edition", lang: str) -> str:
    for day in edition.programme:
        for session in day.sessions:
            if session.kind.value == "cafes":
                start, end = formats.time(session.start, lang), formats.time(session.end, lang)
                when = formats.day_month(day.date, lang)
                if lang == "fr":
                    return f"de {start} à {end} le {when}"
                return f"from {start} to {end} on {when}"
    return ""
