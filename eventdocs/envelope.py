"""The window envelope the letters travel in, and where each part of page 1 may go.

The letter is A4 folded in three, its top third facing the envelope's front:
the window shows part of that third. The envelope is a little larger than the
folded letter, so the letter moves inside it; where it sits is never known
exactly. Hence three areas on page 1, in millimetres from its top-left corner:

- ``window``: where the window is when the letter sits in the middle of the envelope;
- ``reach``: every place the window may be as the letter moves (a margin the size of
  the envelope's play). Nothing but the address block may be printed there, or the
  date and the subject would show through;
- ``address``: the window shrunk by the safety margin (at least ``envelope.margin``, more
  when the envelope leaves the letter more play): wherever the letter sits, the sender's
  return line and the address inside it stay in sight, none of their letters at the edge.

The geometry is data (``envelope:`` in editions/association.yaml, DL 110 × 220 mm
with the common 45 × 100 mm window by default), so the letters follow the
envelopes the association buys. ``letter.css`` and ``letter.docx`` read the
areas from here; the README draws them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import escape_markup

A4_WIDTH, A4_HEIGHT = 210.0, 297.0
#: the third of the letter that faces the window when it is folded in three
FOLDED_HEIGHT = A4_HEIGHT / 3
#: height the return line and a 6-line address take (letter.css: 6.5 pt and 10 pt text, see the README)
ADDRESS_BLOCK_HEIGHT = 31.5
#: width the longest postal line (38 characters of 10 pt Noto Sans) may take
ADDRESS_BLOCK_WIDTH = 80.0
#: white space between the window's reach and the first line of running text (the date)
TEXT_GAP = 3.0
#: the return line's separator, between the association's name, street and town
SEPARATOR = " · "


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in millimetres from the paper's top-left corner."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def shrunk(self, horizontal: float, vertical: float) -> "Box":
        return Box(self.left + horizontal, self.top + vertical, self.width - 2 * horizontal,
                   self.height - 2 * vertical)

    def contains(self, other: "Box") -> bool:
        return (self.left <= other.left + 1e-6 and other.right <= self.right + 1e-6
                and self.top <= other.top + 1e-6 and other.bottom <= self.bottom + 1e-6)


@dataclass(frozen=True)
class WindowLayout:
    """Where the window is on page 1, where it may be, and where the address block goes."""

    window: Box
    reach: Box
    address: Box

    @property
    def text_top(self) -> float:
        """The top of the first line of running text (the date): below the window's reach and below the fold."""
        return round(max(self.reach.bottom, FOLDED_HEIGHT) + TEXT_GAP, 2)

    def css(self) -> dict[str, str]:
        """The custom properties letter.css positions the address block and the date with."""
        mm = lambda value: f"{round(value, 2)}mm"  # noqa: E731
        return {"--address-left": mm(self.address.left), "--address-top": mm(self.address.top),
                "--address-width": mm(self.address.width), "--address-height": mm(self.address.height),
                "--text-top": mm(self.text_top)}


def window_layout(envelope) -> WindowLayout:
    """The areas of page 1 for an envelope of the model (``model.Envelope``); see the module's docstring."""
    play_x = envelope.width - A4_WIDTH
    play_y = envelope.height - FOLDED_HEIGHT
    on_envelope = Box(envelope.width - envelope.window.right - envelope.window.width,
                      envelope.height - envelope.window.bottom - envelope.window.height,
                      envelope.window.width, envelope.window.height)
    # the letter in the middle of the envelope
    window = Box(on_envelope.left - play_x / 2, on_envelope.top - play_y / 2, on_envelope.width, on_envelope.height)
    reach = Box(window.left - play_x / 2, window.top - play_y / 2, window.width + play_x, window.height + play_y)
    address = window.shrunk(max(envelope.margin, play_x / 2), max(envelope.margin, play_y / 2))
    return WindowLayout(window, reach, address)


def envelope_problems(envelope) -> list[str]:
    """What makes an envelope unusable for our letters (an empty list when it fits)."""
    if envelope.width < A4_WIDTH or envelope.height < FOLDED_HEIGHT:
        return [f"an envelope of {envelope.height:g} × {envelope.width:g} mm cannot hold an A4 letter folded in three "
                f"({FOLDED_HEIGHT:g} × {A4_WIDTH:g} mm); a DL envelope is 110 × 220 mm"]
    window = envelope.window
    if window.right + window.width > envelope.width or window.bottom + window.height > envelope.height:
        return ["the window does not fit in the envelope: check window.width + window.right "
                "and window.height + window.bottom against the envelope's width and height"]
    layout = window_layout(envelope)
    problems = []
    if layout.address.height < ADDRESS_BLOCK_HEIGHT or layout.address.width < ADDRESS_BLOCK_WIDTH:
        problems.append(
            f"the window leaves {max(layout.address.width, 0):.0f} × {max(layout.address.height, 0):.0f} mm for the "
            f"address once the letter's play and the {envelope.margin:g} mm safety margin are taken off; six address "
            f"lines and the return line need {ADDRESS_BLOCK_WIDTH:g} × {ADDRESS_BLOCK_HEIGHT:g} mm "
            "(a larger window, or an envelope closer to the folded letter's size)")
    if layout.address.left < 0 or layout.address.right > A4_WIDTH or layout.address.top < 0:
        problems.append("the window lies past the edge of the folded letter; check its position")
    return problems


def return_line(association) -> str:
    """« Cités Unies France · 9 rue Christiani · 75018 Paris »: the sender, printed small above the address.

    Postal style: no comma after the street number. Markup (escaped), for a ``Text``.
    """
    street = re.sub(r"^(\d+\s*(?:bis|ter|[A-Za-z])?)\s*,\s*", r"\1 ", association.street.strip())
    parts = (association.name, street, f"{association.postcode} {association.city}")
    return escape_markup(SEPARATOR.join(part.strip() for part in parts if part.strip()))
