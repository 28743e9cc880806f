"""A compact text notation for melodies, used to keep the sample tunes as readable data.

    C4:q D4 E4:e. F#4:s | G4:h~ | G4:q r:q Bb3:h |

- A note is a pitch (letter, optional ``#`` or ``b``, octave; C4 is middle C, MIDI 60) or ``r`` for a
  rest, then optionally ``:`` and a duration: ``w`` whole, ``h`` half, ``q`` quarter, ``e`` eighth,
  ``s`` sixteenth, with a trailing ``.`` for dotted. A note with no duration repeats the previous one.
- ``~`` after a note ties it to the next note, which must have the same pitch (a note held over a bar line).
- ``|`` closes a bar; ``bar_lengths`` lets tests check every bar against the time signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from keycomposer.music.composition import Note

_DURATIONS = {"w": Fraction(4), "h": Fraction(2), "q": Fraction(1), "e": Fraction(1, 2), "s": Fraction(1, 4)}
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_TOKEN = re.compile(r"^(?:(?P<rest>r)|(?P<step>[A-G])(?P<accidental>[#b]?)(?P<octave>-?\d))"
                    r"(?::(?P<value>[whqes])(?P<dot>\.?))?(?P<tie>~?)$")


class NotationError(ValueError):
    """Melody text that does not follow the notation; the message quotes the bad token."""


@dataclass(frozen=True)
class Event:
    """One written note or rest: pitch None for a rest, length in beats (quarter notes)."""

    pitch: int | None
    beats: Fraction
    tied: bool = False


def parse_melody(text: str) -> list[list[Event]]:
    """The melody as bars of events. Raises NotationError naming the offending token."""
    bars: list[list[Event]] = [[]]
    beats = Fraction(1)
    for token in text.split():
        if token == "|":
            bars.append([])
            continue
        match = _TOKEN.match(token)
        if match is None:
            raise NotationError(f"cannot read note {token!r} (expected e.g. C4:q, F#3:e., Bb4, r:h or C4~)")
        if match["value"]:
            beats = _DURATIONS[match["value"]] * (Fraction(3, 2) if match["dot"] else 1)
        pitch = None
        if not match["rest"]:
            accidental = {"#": 1, "b": -1, "": 0}[match["accidental"]]
            pitch = 12 * (int(match["octave"]) + 1) + _STEPS[match["step"]] + accidental
            if not 0 <= pitch <= 127:
                raise NotationError(f"note {token!r} is outside the MIDI range 0..127")
        elif match["tie"]:
            raise NotationError(f"a rest cannot be tied: {token!r}")
        bars[-1].append(Event(pitch, beats, bool(match["tie"])))
    if not bars[-1]:
        bars.pop()
    return bars


def bar_lengths(text: str) -> list[Fraction]:
    """Each bar's length in beats (quarter notes), for checking bars against the time signature."""
    return [sum((event.beats for event in bar), Fraction(0)) for bar in parse_melody(text)]


def melody_notes(text: str, resolution: int, velocity: int = 96, start_tick: int = 0) -> tuple[Note, ...]:
    """The notes of a melody at ``resolution`` ticks per beat; tied notes become one note."""
    notes: list[Note] = []
    position = Fraction(start_tick)
    held: tuple[int, Fraction] | None = None  # pitch and start of a note tied into the next one
    for event in (event for bar in parse_melody(text) for event in bar):
        length = event.beats * resolution
        if held is not None:
            if event.pitch != held[0]:
                raise NotationError(f"a tie joins notes of one pitch, but {held[0]} is tied to {event.pitch}")
            start = held[1]
        else:
            start = position
        position += length
        if event.pitch is None:
            continue
        if event.tied:
            held = (event.pitch, start)
            continue
        held = None
        if start.denominator != 1 or position.denominator != 1:
            raise NotationError(f"resolution {resolution} cannot hold a note {event.beats} beats long exactly")
        notes.append(Note(int(start), event.pitch, int(position - start), velocity))
    if held is not None:
        raise NotationError("the melody ends inside a tie")
    return tuple(notes)
