"""Name badges, on sheets of badge stock (``merge --only badge``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import formats, namefit, qr
from ..model import A4_HEIGHT, A4_WIDTH, LANGUAGES, BadgeStock, Edition
from ..recipients import Recipient
from ..sheets import SheetPage, Slot
from . import PersonDocument

#: crop marks: their length, and the gap between a mark and the badge it marks, in mm
MARK_LENGTH, MARK_GAP = 5.0, 1.5


@dataclass(frozen=True)
class BadgeLayout:
    """Where things go on one badge, in mm, from the stock's size (an A6 portrait or a card landscape)."""

    width: float
    height: float
    landscape: bool
    padding: float
    header: float  # the event's line at the top
    band: float  # the category's colour band at the bottom
    qr: float  # side of the QR code (with its quiet zone)
    text_width: float  # room for the names
    detail_width: float  # room for function, organisation, country (beside the QR code)
    first_max: float  # font sizes of the names, pt
    first_min: float
    last_max: float
    last_min: float
    detail: float  # function, organisation, country
    names_height: float  # the names are centred in this height under the header
    details_height: float  # function, organisation, country: at the bottom, above the band

    @property
    def details_bottom(self) -> float:
        return round(self.band + self.padding * 0.4, 2)

    @property
    def qr_bottom(self) -> float:
        """From the badge's bottom edge to the QR code's (mm): beside the details, or centred in a card."""
        if not self.landscape:
            return self.details_bottom
        return round((self.height - self.header - self.band - self.qr) / 2 + self.band, 2)

    @classmethod
    def of(cls, stock: BadgeStock, with_qr: bool) -> "BadgeLayout":
        w, h = stock.width, stock.height
        landscape = w > h
        scale = min(w / 105, h / 148) if not landscape else min(w / 148, h / 105)
        padding = max(3.0, 7 * scale)
        header = h * (0.13 if not landscape else 0.2)
        band = h * (0.1 if not landscape else 0.17)
        qr_side = (min(w, h) * (0.36 if not landscape else 0.44)) if with_qr else 0.0
        text_width = w - 2 * padding - ((qr_side + 2) if landscape and with_qr else 0)
        detail_width = w - 2 * padding - ((qr_side + 2) if with_qr else 0)
        body = h - header - band
        details_height = qr_side if not landscape else body * 0.4
        names_height = body - details_height - padding * (1.4 if not landscape else 0.4)
        return cls(w, h, landscape, round(padding, 2), round(header, 2), round(band, 2), round(qr_side, 2),
                   round(text_width, 2), round(detail_width, 2), round(46 * scale, 1), round(20 * scale, 1),
                   round(28 * scale, 1), round(13 * scale, 1), round(max(6.5, 10.5 * scale), 1),
                   round(names_height, 2), round(details_height, 2))


@dataclass(frozen=True)
class CropMark:
    """A line of a crop mark, in mm on the sheet."""

    x: float
    y: float
    width: float
    height: float


def crop_marks(stock: BadgeStock) -> list[CropMark]:
    """The crop marks of a sheet cut after printing: a short line in the margin facing every cut, none on
    pre-cut stock, and none where the margin has no room for one."""
    if stock.precut:
        return []
    xs = sorted({round(stock.left + c * (stock.width + stock.gap_x) + d, 2)
                 for c in range(stock.columns) for d in (0, stock.width)})
    ys = sorted({round(stock.top + r * (stock.height + stock.gap_y) + d, 2)
                 for r in range(stock.rows) for d in (0, stock.height)})
    right = xs[-1]
    bottom = ys[-1]
    marks = []
    room_top, room_bottom = stock.top, A4_HEIGHT - bottom
    room_left, room_right = stock.left, A4_WIDTH - right
    for x in xs:
        if room_top >= MARK_LENGTH + MARK_GAP:
            marks.append(CropMark(x, stock.top - MARK_GAP - MARK_LENGTH, 0, MARK_LENGTH))
        if room_bottom >= MARK_LENGTH + MARK_GAP:
            marks.append(CropMark(x, bottom + MARK_GAP, 0, MARK_LENGTH))
    for y in ys:
        if room_left >= MARK_LENGTH + MARK_GAP:
            marks.append(CropMark(stock.left - MARK_GAP - MARK_LENGTH, y, MARK_LENGTH, 0))
        if room_right >= MARK_LENGTH + MARK_GAP:
            marks.append(CropMark(right + MARK_GAP, y, MARK_LENGTH, 0))
    return marks


class BadgeDocument(PersonDocument):
    """A name badge: first name large, family name below, function, organisation, country, the category's
    colour band and a QR code, on A4 sheets of pre-cut stock (the geometry is data: ``badge_stocks``).

    What badges share (header, band, the back's event lines) is laid out once per side, language and
    category (``background``); each person's words are laid out on the sheets (``html_template``), and
    sheets.py draws each page over its badges' backgrounds, QR codes and crop marks.
    """

    id = "badge"
    folder = "badges"
    unit = "badge"
    sheets = True
    formats = ("pdf",)
    batch_size = 100
    background = "badge-background.html"

    def required_columns(self, edition: Edition) -> tuple[str, ...]:
        extra = ("registration",) if edition.badges.qr == "registration" else ()
        return self.columns + extra

    def people_per_batch(self, edition: Edition) -> int:
        """Whole sheets only: a batch never ends on a half-empty sheet in the middle of the print file."""
        per_sheet = edition.badge_stock.per_sheet
        return per_sheet * max(1, self.batch_size // per_sheet)

    def context(self, edition: Edition, lang: str, previous=None, **extra: Any) -> dict[str, Any]:
        ctx = super().context(edition, lang, previous, **extra)
        stock = edition.badge_stock
        ctx["stock"] = stock
        ctx["badge"] = BadgeLayout.of(stock, edition.badges.qr != "none")
        ctx["slots"] = [badge_position(stock, index) for index in range(stock.per_sheet)]  # each badge's place
        ctx["back"] = edition.badges.back
        return ctx

    def background_kinds(self, edition: Edition) -> list[BackgroundKind]:
        """Every side × language × category a badge may have, in the order of the backgrounds' pages."""
        sides = ("front", "back") if edition.badges.back else ("front",)
        categories = [c.id for c in edition.categories] + [""]  # "": no band
        return [BackgroundKind(side, lang, category) for side in sides for lang in LANGUAGES
                for category in categories]

    def background_context(self, edition: Edition, views: dict[str, Any]) -> list[dict[str, Any]]:
        """What each page of templates/badge-background.html shows."""
        pages = []
        for kind in self.background_kinds(edition):
            category = edition.category(kind.category) if kind.category else None
            pages.append({"back": kind.side == "back", "lang": kind.lang, "event": views[kind.lang],
                          "dates": formats.date_span(list(edition.dates), kind.lang),
                          "category": ({"label": _label(category, kind.lang), "colour": category.colour,
                                        "ink": ink_on(category.colour)} if category else None)})
        return pages

    def person_context(self, person: Recipient, edition: Edition, views: dict[str, Any], fonts_dir: Path = Path(),
                       **extra: Any) -> dict[str, Any]:
        layout = BadgeLayout.of(edition.badge_stock, edition.badges.qr != "none")
        category = next((c for c in edition.categories if c.id == person.category), None)
        if category is None and edition.categories and not person.category:
            category = edition.categories[0]  # no catégorie given: the first one (participant)
        ctx = super().person_context(person, edition, views, **extra)
        longest = max((person.function, person.organisation), key=lambda t: namefit.width_em(t, fonts_dir, "bold"))
        ctx["detail_fit"] = namefit.fit(longest, layout.detail_width, layout.detail, layout.detail * 0.75, fonts_dir)
        ctx["first_fit"] = namefit.fit(person.first_name, layout.text_width, layout.first_max, layout.first_min,
                                       fonts_dir, "bold")
        ctx["last_fit"] = namefit.fit(person.last_name, layout.text_width, layout.last_max, layout.last_min,
                                      fonts_dir, "regular")
        ctx["names_top"] = names_top(layout, ctx["first_fit"], ctx["last_fit"])
        ctx["category"] = category.id if category else ""
        ctx["qr"] = qr.path(qr_content(person, edition)) if edition.badges.qr != "none" else None
        return ctx

    def batch_context(self, edition: Edition, people: list[dict[str, Any]]) -> dict[str, Any]:
        """Every font size and top the batch's badges use, each a class of badge.html."""
        sizes = {p[fit].size for p in people for fit in ("first_fit", "last_fit", "detail_fit")}
        return {"font_sizes": sorted(sizes), "tops": sorted({p["names_top"] for p in people})}

    def sheet_pages(self, edition: Edition, people: list[dict[str, Any]]) -> list[SheetPage]:
        """The pages of ``people``'s sheets: each sheet's front, as badge.html lays it out, then its back
        (turned over its long edge: each badge's back is at the mirrored column, with the front's names)."""
        stock = edition.badge_stock
        layout = BadgeLayout.of(stock, edition.badges.qr != "none")
        kinds = {kind: index for index, kind in enumerate(self.background_kinds(edition))}
        marks = tuple((m.x, m.y, m.width, m.height) for m in crop_marks(stock))
        qr_box = (layout.width - layout.padding * 0.6 - layout.qr, layout.qr_bottom, layout.qr)
        pages = []
        for start in range(0, len(people), stock.per_sheet):
            sheet = people[start:start + stock.per_sheet]
            sides = ("front", "back") if edition.badges.back else ("front",)
            for side in sides:
                slots = []
                for index, person in enumerate(sheet):
                    left, top = badge_position(stock, index, mirrored=side == "back")
                    front_left = badge_position(stock, index)[0]
                    slots.append(Slot(left, top, kinds[BackgroundKind(side, person["lang"], person["category"])],
                                      person["qr"], qr_box, left - front_left if side == "back" else None))
                pages.append(SheetPage(stock.height, tuple(slots), marks if side == "front" else
                                       tuple((A4_WIDTH - x - w, y, w, h) for x, y, w, h in marks)))
        return pages


@dataclass(frozen=True)
class BackgroundKind:
    """What a badge's background depends on: its side, its person's language and category."""

    side: str
    lang: str
    category: str


def badge_position(stock: BadgeStock, index: int, mirrored: bool = False) -> tuple[float, float]:
    """The top left corner (mm) of the ``index``-th badge of a sheet (``mirrored``: on its back)."""
    column, row = index % stock.columns, index // stock.columns
    left = stock.left + column * (stock.width + stock.gap_x)
    if mirrored:
        left = A4_WIDTH - left - stock.width
    return round(left, 2), round(stock.top + row * (stock.height + stock.gap_y), 2)


#: a line of a name is 1.12 times its size (css/badge.css), and a point is 0.3528 mm
LINE_MM_PER_PT = 1.12 * 25.4 / 72


def names_top(layout: BadgeLayout, first: namefit.Fit, last: namefit.Fit) -> float:
    """Where the names start so that they are centred in their space under the header (mm from the badge's top)."""
    height = first.lines * first.size * LINE_MM_PER_PT + 0.8 + last.lines * last.size * LINE_MM_PER_PT
    return round(layout.header + max(0.0, (layout.names_height - height) / 2), 2)


def ink_on(colour: str) -> str:
    """White on a dark band, near-black on a light one (WCAG relative luminance)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#ffffff" if luminance < 0.4 else "#1b1e24"


def _label(category, lang: str) -> str:
    return getattr(category.label, lang) or category.label.fr or category.label.en or category.id


def qr_content(person: Recipient, edition: Edition) -> str:
    """What a badge's QR code holds, as the edition chose: the registration number, or a vCard of the
    public fields."""
    if edition.badges.qr == "registration":
        return person.registration
    public = set(edition.badges.public)
    fields = {"name": person.name, "first_name": person.first_name, "last_name": person.last_name}
    if "name" not in public:
        fields = {"name": "", "first_name": "", "last_name": ""}
    for key in ("function", "organisation", "country", "email"):
        if key in public:
            fields[key] = getattr(person, key)
    return qr.vcard(fields)
