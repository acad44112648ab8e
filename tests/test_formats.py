"""Dates, times, numbers, ordinals, markup and typography: derived, never typed."""

import datetime as dt

import pytest

from eventdocs import formats
from eventdocs.text import NBSP, NNBSP, MarkupError, Text, french_typography, substitute


def test_dates_in_each_language():
    days = [dt.date(2026, 7, 8), dt.date(2026, 7, 9)]
    assert formats.long_date(days[0], "fr") == "mercredi 8 juillet 2026"
    assert formats.long_date(days[0], "en") == "Wednesday 8 July 2026"
    assert formats.date_span(days, "fr") == "mercredi 8 et jeudi 9 juillet 2026"
    assert formats.date_span(days, "en") == "Wednesday 8 and Thursday 9 July 2026"
    assert formats.on_dates(days, "fr") == "les 8 et 9 juillet 2026"
    assert formats.on_dates(days[:1], "fr") == "le 8 juillet 2026"
    assert formats.on_dates(days, "en") == "on 8 and 9 July 2026"


def test_dates_across_months_and_first_of_month():
    days = [dt.date(2026, 6, 30), dt.date(2026, 7, 1)]
    assert formats.date_span(days, "fr") == "mardi 30 juin 2026 et mercredi 1 juillet 2026"
    assert formats.plain_date(dt.date(2026, 7, 1), "fr") == "1^er^ juillet 2026"


def test_times_follow_each_language():
    assert formats.time(dt.time(14, 30), "fr") == "14h30"
    assert formats.time(dt.time(9, 0), "fr") == "9h00"
    assert formats.time(dt.time(14, 30), "en") == "2:30\u202fPM" or formats.time(dt.time(14, 30), "en") == "2:30 PM"


@pytest.mark.parametrize("n,fr,en", [(1, "1^re^", "1st"), (2, "2^e^", "2nd"), (3, "3^e^", "3rd"),
                                     (11, "11^e^", "11th"), (17, "17^e^", "17th"), (21, "21^e^", "21st"),
                                     (112, "112^e^", "112th")])
def test_ordinals(n, fr, en):
    assert formats.ordinal(n, "fr") == fr
    assert formats.ordinal(n, "en") == en


def test_ordinal_words_and_numbers():
    assert formats.ordinal_words(17, "fr") == "dix-septième"
    assert formats.ordinal_words(17, "en") == "seventeenth"
    assert formats.number(10784, "fr") == "10\u202f784"
    assert formats.number(10784, "en") == "10,784"


def test_markup_renders_as_html_and_plain_text():
    text = Text("La 17^e^ édition, **très** *attendue* & <sans> risque")
    # the noun after the ordinal is bound to it and never hyphenated; « La » is too short to need protection
    assert text.__html__() == ('La 17<sup>e</sup>\u00a0<span class="word">édition,</span> <strong>très</strong> '
                               "<em>attendue</em> &amp; &lt;sans&gt; risque")
    assert str(text) == "La 17e édition, très attendue & <sans> risque"


def test_escaped_markup_characters_are_literal():
    assert str(Text(r"5 \* 3 \^ 2")) == "5 * 3 ^ 2"


def test_unclosed_markup_is_an_error():
    with pytest.raises(MarkupError, match=r"'\*\*' opened near"):
        Text("le **gras sans fin")


def test_french_typography():
    text = french_typography("l'AICT : « nouvel ordre » ; vraiment ? oui ! 70 %")
    assert text == f"l’AICT{NBSP}: «{NBSP}nouvel ordre{NBSP}»{NNBSP}; vraiment{NNBSP}? oui{NNBSP}! 70{NNBSP}%"


def test_urls_keep_their_colon():
    assert french_typography("https://raict.org") == "https://raict.org"


def test_placeholders():
    assert substitute("la {ordinal} édition", {"ordinal": "17^e^"}) == "la 17^e^ édition"
    assert substitute("{Dates}", {"dates": "mercredi 8"}) == "Mercredi 8"
    with pytest.raises(KeyError):
        substitute("{nope}", {})


def test_names_compounds_and_urls_are_protected_in_html():
    html = Text("le Maire de Montpellier, Marie-Hélène, https://raict.org/x-y et cocktail-déjeuner").__html__()
    assert '<span class="word">Montpellier,</span>' in html
    assert '<span class="word">Marie-Hélène,</span>' in html
    assert '<span class="word">cocktail-déjeuner</span>' in html
    assert '<span class="url">https://raict.org/x-y</span>' in html


def test_english_quotes_and_numbers():
    from eventdocs.text import typography

    assert typography("the 'AICT' of «Local Authorities»", "en") == "the ‘AICT’ of “Local Authorities”"
    assert typography("ainsi que 25 délégations", "fr") == "ainsi que 25\u00a0délégations"
