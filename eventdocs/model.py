"""The shape of an edition: every field, its type and one line of documentation.

Texts a reader sees are ``LText`` (one entry per language: ``fr:`` and
``en:``); names, addresses, numbers and links are language-neutral. Unknown
keys are refused so that a typo in a key name is reported, not ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

LANGUAGES = ("fr", "en")
Lang = Literal["fr", "en"]
LANGUAGE_NAMES = {"fr": "French", "en": "English"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _time(value):
    if isinstance(value, dt.time):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{1,2})[:hH](\d{2})?", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2) or 0) > 59:
        raise ValueError(f"'{text}' is not a time (expected HH:MM, e.g. 14:30)")
    return dt.time(int(m.group(1)), int(m.group(2) or 0))


def _date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (expected YYYY-MM-DD, e.g. 2026-07-08)") from None


def _text(value):
    if isinstance(value, (dict, list)) or value is None:
        raise ValueError("expected a text")
    return str(value)


def _url(value):
    text = str(value).strip()
    if not re.fullmatch(r"https?://[^\s]+", text):
        raise ValueError(f"'{text}' is not a web address (it must start with https:// or http://)")
    return text


def _email(value):
    text = str(value).strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise ValueError(f"'{text}' is not an e-mail address")
    return text


def _identifier(value):
    text = str(value).strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", text):
        raise ValueError(f"'{text}' is not an identifier (lower-case letters, digits and _, e.g. participants)")
    return text


def _image(value):
    """``logo: images/logo.png`` is short for ``logo: {file: images/logo.png}``."""
    return {"file": value} if isinstance(value, str) else value


Time = Annotated[dt.time, BeforeValidator(_time)]
Date = Annotated[dt.date, BeforeValidator(_date)]
Str = Annotated[str, BeforeValidator(_text)]
Url = Annotated[str, BeforeValidator(_url)]
Email = Annotated[str, BeforeValidator(_email)]
Identifier = Annotated[str, BeforeValidator(_identifier)]


class LText(Strict):
    """A text a reader sees, written once per language (markup allowed)."""

    fr: Optional[Str] = Field(None, description="The French text.")
    en: Optional[Str] = Field(None, description="The English text.")


class Paragraph(LText):
    """A paragraph of running text; ``style: highlight`` sets it apart (centred, bold)."""

    style: Literal["normal", "highlight"] = "normal"


class LList(Strict):
    """A list of short texts per language (titles under a signature, for instance)."""

    fr: Optional[list[Str]] = None
    en: Optional[list[Str]] = None


class Image(Strict):
    """A picture printed in the documents: a PNG, JPEG or SVG file inside the project.

    ``alt`` describes it for readers who cannot see it (screen readers, the PDF's
    tags, Word's alternative text); each image has a sensible default.
    """

    file: Str = Field(description="The image file, relative to the project folder (e.g. templates/images/logo.png).")
    alt: Optional[LText] = Field(None, description="What the image shows, per language (alternative text).")


ImageField = Annotated[Image, BeforeValidator(_image)]


# --- the association -------------------------------------------------------


class Social(Strict):
    twitter: Optional[Str] = Field(None, description="X/Twitter account, without the @.")
    linkedin: Optional[Url] = Field(None, description="LinkedIn page.")


class Association(Strict):
    """Cités Unies France itself: what the letterhead and footers print."""

    name: Str = Field(description="Name of the association.")
    short_name: Str = Field(description="Acronym (CUF).")
    tagline: LText = Field(description="Line under the name in the letterhead and footer.")
    street: Str = Field(description="Street address.")
    postcode: Str = Field(description="Postcode.")
    city: Str = Field(description="City.")
    phone: Str = Field(description="Switchboard, as printed.")
    email: Email = Field(description="General e-mail address.")
    website: Url = Field(description="Main website.")
    siret: Str = Field(description="SIRET number, as printed.")
    ape: Str = Field(description="APE code.")
    founded: int = Field(description="Year the association was created.")
    social: Social = Field(default_factory=Social)
    logo: Optional[ImageField] = Field(None, description="The logo (PNG, JPEG or SVG); a text wordmark is printed without it.")
    logo_light: Optional[ImageField] = Field(None, description="A light version of the logo, for dark backgrounds (brochure cover).")


class Person(Strict):
    """Somebody named in a document, with a role per language."""

    name: Str
    role: Optional[LText] = None


class President(Strict):
    name: Str = Field(description="Full name, as signed.")
    titles: LList = Field(description="Titles printed under the signature, one per line.")
    signature: Optional[ImageField] = Field(None, description="Image of the handwritten signature (PNG with a transparent background).")


class PressContact(Strict):
    name: Str
    role: LText
    email: Email
    phone: Optional[Str] = None


class Statistic(Strict):
    """A national figure of decentralised cooperation (dossier, "Pour en savoir plus")."""

    french_authorities: int = Field(description="French local authorities engaged in partnerships.")
    partner_authorities: int = Field(description="Foreign partner authorities.")
    countries: int = Field(description="Countries concerned.")
    projects: int = Field(description="Decentralised cooperation projects.")
    country_groups: int = Field(description="Country groups and thematic dynamics run by the association.")


class Section(Strict):
    """A titled block of paragraphs."""

    title: LText
    paragraphs: list[Paragraph] = Field(min_length=1)


class About(Strict):
    """Texts about the association reused by every edition (an empty list leaves its part out)."""

    short: list[Paragraph] = Field(default_factory=list, description="One paragraph, for the communiqué's 'À propos'.")
    decentralised_cooperation: list[Paragraph] = Field(default_factory=list, description="'Pour en savoir plus sur la coopération décentralisée' (dossier).")
    association: list[Paragraph] = Field(default_factory=list, description="'Pour en savoir plus sur Cités Unies France' (dossier).")


class EnvelopeWindow(Strict):
    """The window of the envelope, measured on its front (the address side), in millimetres."""

    width: float = Field(100, gt=0, description="Width of the window.")
    height: float = Field(45, gt=0, description="Height of the window.")
    right: float = Field(20, ge=0, description="From the envelope's right edge to the window.")
    bottom: float = Field(15, ge=0, description="From the envelope's bottom edge to the window.")


class Envelope(Strict):
    """The window envelope the letters are posted in (DL, 110 × 220 mm, by default), in millimetres.

    The letter's address block is placed from it (see envelope.py): measure the envelopes you buy.
    """

    width: float = Field(220, gt=0, description="Width of the envelope.")
    height: float = Field(110, gt=0, description="Height of the envelope.")
    window: EnvelopeWindow = Field(default_factory=EnvelopeWindow)
    margin: float = Field(5, ge=0, description="Safety margin inside the window, for the letter moving in the envelope.")

    @model_validator(mode="after")
    def _fits(self) -> "Envelope":
        from .envelope import envelope_problems

        problems = envelope_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


# --- the edition -----------------------------------------------------------


class Access(Strict):
    metro: Optional[LText] = None
    bus: Optional[LText] = None
    parking: Optional[LText] = None


class Venue(Strict):
    name: LText = Field(description="Name of the venue.")
    at: LText = Field(description="The name with its preposition, as used in a sentence ('aux Salons de…').")
    street: Str
    postcode: Str
    city: Str
    website: Optional[Url] = None
    access: Access = Field(default_factory=Access)


class Expected(Strict):
    """Figures announced before the event."""

    participants: int
    french_authorities: int
    foreign_delegations: int


class Kind(str, Enum):
    welcome = "welcome"
    opening = "opening"
    workshops = "workshops"
    workshop = "workshop"
    meeting = "meeting"
    country_group = "country-group"
    plenary = "plenary"
    honour = "honour"
    break_ = "break"
    lunch = "lunch"
    cafes = "cafes"
    networking = "networking"
    closing = "closing"


class Parallel(Strict):
    """One of several sessions running at the same time (a workshop, a meeting)."""

    kind: Kind
    title: LText
    note: Optional[LText] = None


class Session(Strict):
    """A time slot of the programme."""

    start: Time
    end: Time
    kind: Kind
    title: LText = Field(description="What the slot is ('Pause-café', 'Conférence plénière').")
    parallel: list[Parallel] = Field(default_factory=list, description="Workshops or meetings held in this slot.")


class Day(Strict):
    date: Date
    sessions: list[Session] = Field(min_length=1)


class Partner(Strict):
    name: LText
    detail: Optional[LText] = None
    logo: Optional[ImageField] = Field(None, description="The partner's logo; its name is printed without it.")


class CoFunding(Strict):
    """The co-funding mention a funder requires (the EU emblem and its sentence, for instance)."""

    text: LText = Field(description="The mention, e.g. 'Cofinancé par l'Union européenne'.")
    logo: Optional[ImageField] = Field(None, description="The funder's emblem, printed beside the mention.")


class Format(Strict):
    """One of the formats of the event (brochure)."""

    title: LText
    description: Optional[LText] = None


class CountryOfHonour(Strict):
    name: Optional[LText] = Field(None, description="The country, once announced.")
    paragraphs: list[Paragraph] = Field(min_length=1)


class Cafes(Strict):
    """The 'Cafés des Rencontres' (dossier)."""

    intro: list[Paragraph]
    what: LText
    why: LText
    who: LText
    audience: LText
    link: Optional[Url] = None


class Letter(Strict):
    """The president's invitation letter."""

    date: Date = Field(description="Date printed on the letter ({letter_date}).")
    place: Str = Field("Paris", description="Place printed before the date ({letter_place}).")
    subject: LText
    salutation: LText = Field(description="Default salutation when the recipient is unknown ('Madame, Monsieur').")
    body: list[Paragraph] = Field(min_length=1)
    closing: LText = Field(description="Closing formula; {salutation} repeats the salutation.")


class Brochure(Strict):
    """Texts of the invitation brochure."""

    heading: Optional[LText] = Field(None, description="Line above the theme that opens the editorial ('{ordinal} édition des {name} :').")
    editorial: list[Paragraph] = Field(min_length=1, description="The president's editorial.")
    formats: list[Format]
    contact: Optional[LText] = Field(None, description="Sentence before the association's phone and e-mail ('Pour toute information…').")


class Dossier(Strict):
    """Texts of the press dossier."""

    case: list[Section] = Field(min_length=1, description="The strategic case for decentralised cooperation.")
    rencontres: list[Paragraph] = Field(description="What the Rencontres are, who comes, where.")
    ambitions: list[Paragraph] = Field(description="The edition's ambitions, before the list.")
    goals: list[LText] = Field(default_factory=list, description="The bullet list of goals.")
    exhibitors_pending: Optional[LText] = Field(None, description="Said when no exhibitor is listed yet.")


class Figure(Strict):
    """One figure of an edition, counted after the event: ``{results_<id>}`` in a text gives its value."""

    id: Identifier = Field(description="Name of the figure in texts: participants gives {results_participants}.")
    label: LText = Field(description="What is counted, as printed beside the number ('participants', 'pays').")
    value: int = Field(ge=0, description="The number.")


class Results(Strict):
    """What happened, recorded after the event (the communiqué needs it)."""

    communique_date: Date = Field(description="Date printed on the communiqué ({communique_date}).")
    figures: list[Figure] = Field(default_factory=list, description="The edition's figures: participants, countries, workshops…")
    proceedings: Optional[Url] = Field(None, description="Link to the proceedings.")
    headline: LText = Field(description="Headline of the communiqué.")
    paragraphs: list[Paragraph] = Field(min_length=1, description="Summary, opening session, plenary.")
    sections: list[Section] = Field(default_factory=list, description="Titled parts: exchanges, country of honour.")
    closing: list[Paragraph] = Field(default_factory=list, description="Closing speech and thanks.")


# --- documents made for every person of a spreadsheet (python generate.py merge --only …) ---


def _colour(value):
    text = str(value).strip()
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        raise ValueError(f"'{text}' is not a colour (expected #rrggbb, e.g. #b5252f)")
    return text.lower()


Colour = Annotated[str, BeforeValidator(_colour)]
#: the sheet badges are printed on
A4_WIDTH, A4_HEIGHT = 210.0, 297.0


class Category(Strict):
    """A kind of participant (column « catégorie »): the badge's colour band says it from afar."""

    id: Identifier = Field(description="What the spreadsheet may write in « catégorie » (its label works too): participant.")
    label: LText = Field(description="As printed on the badge, per language ('Intervenant', 'Speaker').")
    colour: Colour = Field(description="Colour of the badge's band, #rrggbb.")


class BadgeStock(Strict):
    """A sheet of badge stock (A4): badges of one size in a grid, in millimetres.

    ``precut``: the stock comes with the badges punched out (perforated), nothing to cut,
    so no crop marks; otherwise crop marks are printed in the margins, where there is room.
    """

    id: Identifier = Field(description="Name of the stock, chosen by badges.stock: a6_lanyard.")
    width: float = Field(gt=0, description="Width of one badge.")
    height: float = Field(gt=0, description="Height of one badge.")
    columns: int = Field(ge=1, description="Badges across the sheet.")
    rows: int = Field(ge=1, description="Badges down the sheet.")
    left: float = Field(0, ge=0, description="From the sheet's left edge to the first badge.")
    top: float = Field(0, ge=0, description="From the sheet's top edge to the first badge.")
    gap_x: float = Field(0, ge=0, description="Space between two badges side by side.")
    gap_y: float = Field(0, ge=0, description="Space between two badges one above the other.")
    precut: bool = Field(True, description="Pre-cut (perforated) stock: no crop marks.")

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    @model_validator(mode="after")
    def _fits(self) -> "BadgeStock":
        right = self.left + self.columns * self.width + (self.columns - 1) * self.gap_x
        bottom = self.top + self.rows * self.height + (self.rows - 1) * self.gap_y
        if right > A4_WIDTH + 0.01 or bottom > A4_HEIGHT + 0.01:
            raise ValueError(f"{self.columns} × {self.rows} badges of {self.width:g} × {self.height:g} mm reach "
                             f"{right:g} × {bottom:g} mm: more than an A4 sheet ({A4_WIDTH:g} × {A4_HEIGHT:g} mm)")
        return self


#: an A6 badge in a plastic lanyard pouch, four to a perforated A4 sheet
A6_LANYARD = BadgeStock(id="a6_lanyard", width=105, height=148, columns=2, rows=2, left=0, top=0.5)
#: a credit-card badge (85.6 × 54 mm), ten to an A4 sheet cut after printing
CREDIT_CARD = BadgeStock(id="credit_card", width=85.6, height=54, columns=2, rows=5, left=19.4, top=13.5,
                         precut=False)

PublicField = Literal["name", "function", "organisation", "country", "email"]


class Badges(Strict):
    """Name badges (``merge --only badge``)."""

    stock: Identifier = Field("a6_lanyard", description="The stock printed on: the id of one of badge_stocks.")
    qr: Literal["vcard", "registration", "none"] = Field(
        "registration", description="What the QR code holds: a vCard of the public fields, the registration number "
        "(column « n° d'inscription »), or no QR code.")
    public: list[PublicField] = Field(
        default_factory=lambda: ["name", "organisation", "country"],
        description="The fields the vCard gives away (qr: vcard): name, function, organisation, country, email.")
    back: bool = Field(False, description="Print a back side for duplex printing (the same name, and the QR code).")


class Certificates(Strict):
    """Attendance certificates (``merge --only certificate``), after the event."""

    prefix: Str = Field("{year}-", description="Printed before each certificate's number; {year} is the edition's.")
    digits: int = Field(4, ge=1, le=8, description="Digits of the number (0012).")
    date: Optional[Date] = Field(None, description="Date printed on the certificates; the event's last day when empty.")


# --- sending by e-mail (python generate.py send) ---------------------------


class Smtp(Strict):
    """The mail server and the sender of the e-mailed invitations (``smtp:`` in association.yaml).

    The password is never written here: ``send`` reads it from the environment
    or asks for it (see the README, "Send by e-mail").
    """

    host: Str = Field(description="Mail server that sends for the association (smtp.example.org).")
    port: Optional[int] = Field(None, ge=1, le=65535, description="Its port; when empty, 587 for starttls, 465 for ssl, 25 for none.")
    security: Literal["starttls", "ssl", "none"] = Field("starttls", description="Encryption: starttls, ssl, or none (only for a server on this computer).")
    user: Optional[Str] = Field(None, description="Login name on the server; empty: the server asks for no login.")
    from_address: Email = Field(description="Sender address of the invitations.")
    from_name: Optional[Str] = Field(None, description="Sender name shown by the recipient's mail program; the association's name when empty.")
    reply_to: Optional[Email] = Field(None, description="Where replies go, when not to the sender address.")
    rate_per_minute: int = Field(30, ge=0, description="At most this many messages a minute (0: no limit).")
    unsubscribe: Email = Field(description="Address where a recipient asks for no more invitations (opt-out line, List-Unsubscribe).")


class Mail(Strict):
    """The e-mail that carries each recipient's letter as a PDF (``mail:`` in the edition file)."""

    subject: LText = Field(description="Subject line; {salutation} and every placeholder allowed.")
    body: list[Paragraph] = Field(min_length=1, description="Short message above the attached letter; {salutation} is the recipient's.")
    opt_out: LText = Field(description="Last line of every message, followed by the unsubscribe address.")
    attachment: LText = Field(description="Name of the attached letter, without .pdf.")


class Edition(Strict):
    """One edition of the Rencontres, with the association's data it inherits."""

    @model_validator(mode="before")
    @classmethod
    def _short_name_defaults_to_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("short_name") is None and data.get("name") is not None:
            data = {**data, "short_name": data["name"]}
        return data

    association: Association
    president: President
    press_contact: Optional[PressContact] = None
    about: About = Field(default_factory=About)
    statistics: Optional[Statistic] = Field(None, description="National figures of decentralised cooperation (dossier).")
    labels: dict[str, LText] = Field(default_factory=dict, description="The fixed words of the layout, per language (templates/labels.yaml, overridable).")
    envelope: Envelope = Field(default_factory=Envelope, description="The window envelope of the letters (DL by default).")

    edition: Optional[int] = Field(None, ge=1, description="Number of the edition (17 for 2026); without it, no ordinal is printed.")
    year: int = Field(description="Year of the edition; must match the file name.")
    name: LText = Field(description="Name of the event.")
    short_name: LText = Field(description="Short name ('Rencontres de l'AICT'); the name when it is not given.")
    acronym: Optional[Str] = Field(None, description="Acronym of the event (RAICT), printed in headings and the PDF keywords.")
    theme: Optional[LText] = Field(None, description="Theme of the edition.")
    dates: list[Date] = Field(min_length=1, description="Every day of the event, in order.")
    city: Str
    venue: Venue
    expected: Optional[Expected] = Field(None, description="Figures announced before the event.")
    registration_opens: Optional[Date] = None
    website: Optional[Url] = Field(None, description="Site dedicated to the Rencontres.")
    info_page: Optional[Url] = Field(None, description="Page about this edition on the association's site.")
    hashtag: Optional[Str] = Field(None, description="Hashtag of the edition (#RencontresAICT2026).")
    country_of_honour: Optional[CountryOfHonour] = None
    partners: list[Partner] = Field(default_factory=list)
    co_funding: Optional[CoFunding] = Field(None, description="A co-funding mention with its emblem (brochure, dossier, communiqué).")
    exhibitors: list[LText] = Field(default_factory=list)
    programme: list[Day] = Field(default_factory=list, description="The days of the event and their sessions.")
    cafes: Optional[Cafes] = None
    letter: Optional[Letter] = None
    brochure: Optional[Brochure] = None
    dossier: Optional[Dossier] = None
    results: Optional[Results] = None
    smtp: Optional[Smtp] = Field(None, description="Mail server and sender of the e-mailed invitations (association.yaml).")
    mail: Optional[Mail] = Field(None, description="The e-mail that carries the letter (send command).")
    categories: list[Category] = Field(default_factory=list, description="Kinds of participant (badge colour band), in the order the officer lists them.")
    badge_stocks: list[BadgeStock] = Field(default_factory=lambda: [A6_LANYARD, CREDIT_CARD], description="The badge stocks the association buys (association.yaml).")
    badges: Badges = Field(default_factory=Badges, description="Name badges: stock, QR code, back side.")
    certificates: Certificates = Field(default_factory=Certificates, description="Attendance certificates: numbering, date.")

    def category(self, key: str) -> Optional[Category]:
        """The category a spreadsheet names by its id or label (case and accents aside)."""
        wanted = _loose(key)
        return next((c for c in self.categories
                     if wanted in {_loose(c.id), _loose(c.label.fr or ""), _loose(c.label.en or "")}), None)

    @property
    def badge_stock(self) -> Optional[BadgeStock]:
        return next((s for s in self.badge_stocks if s.id == self.badges.stock), None)



def _loose(text: str) -> str:
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "", plain.lower())
