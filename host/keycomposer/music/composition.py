"""The music object model: a Composition holds Tracks of Notes, all timed in integer ticks.

Time is counted in ticks; ``resolution`` is the number of ticks per beat (a quarter note), as in a
Standard MIDI File header. Every object is immutable: an edit builds a new Composition (see
``keycomposer.music.edits``) and never changes the one it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

DRUM_CHANNEL = 9  # MIDI channel 10, counted from zero as on the wire (General MIDI percussion)
DEFAULT_RESOLUTION = 480
DEFAULT_TEMPO = 500_000  # microseconds per beat: 120 BPM, the Standard MIDI File default


def _check_range(what: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, not {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{what} must be in range {low}..{high}, got {value}")


@dataclass(frozen=True, order=True)
class Note:
    """One sounding note: ``start`` and ``duration`` in ticks, ``pitch`` and ``velocity`` as in MIDI."""

    start: int
    pitch: int
    duration: int
    velocity: int = 100

    def __post_init__(self) -> None:
        _check_range("note start", self.start, 0, 2**31 - 1)
        _check_range("note pitch", self.pitch, 0, 127)
        _check_range("note duration", self.duration, 1, 2**31 - 1)
        _check_range("note velocity", self.velocity, 1, 127)

    @property
    def end(self) -> int:
        return self.start + self.duration


@dataclass(frozen=True)
class Track:
    """A voice: its notes (kept sorted by start, then pitch), a General MIDI program, a channel, a name.

    A track on channel 9 (MIDI channel 10) is a drum track: its pitches are drum sounds, its program
    is ignored by General MIDI synthesizers, and pitch edits leave it alone.
    """

    notes: tuple[Note, ...] = ()
    program: int = 0
    channel: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        _check_range("program", self.program, 0, 127)
        _check_range("channel", self.channel, 0, 15)
        for note in self.notes:
            if not isinstance(note, Note):
                raise TypeError(f"a track holds Notes, not {type(note).__name__}")
        object.__setattr__(self, "notes", tuple(sorted(self.notes)))
        if not isinstance(self.name, str):
            raise TypeError(f"track name must be text, not {type(self.name).__name__}")

    @property
    def is_drum(self) -> bool:
        return self.channel == DRUM_CHANNEL

    @property
    def end(self) -> int:
        return max((note.end for note in self.notes), default=0)


@dataclass(frozen=True, order=True)
class Tempo:
    """A tempo that holds from ``tick`` on, stored as MIDI does (microseconds per beat) so files round-trip."""

    tick: int
    microseconds_per_beat: int = DEFAULT_TEMPO

    def __post_init__(self) -> None:
        _check_range("tempo tick", self.tick, 0, 2**31 - 1)
        _check_range("microseconds per beat", self.microseconds_per_beat, 1, 0xFFFFFF)

    @property
    def bpm(self) -> float:
        return 60_000_000 / self.microseconds_per_beat

    @classmethod
    def from_bpm(cls, bpm: float, tick: int = 0) -> "Tempo":
        """Build a tempo from beats per minute (the inverse of ``bpm``)."""
        if not 1 <= bpm <= 1000:
            raise ValueError(f"tempo must be in range 1..1000 BPM, got {bpm}")
        return cls(tick, round(60_000_000 / bpm))


@dataclass(frozen=True, order=True)
class TimeSignature:
    """A meter that holds from ``tick`` on; ``denominator`` is the note value (4 = quarter)."""

    tick: int = 0
    numerator: int = 4
    denominator: int = 4

    def __post_init__(self) -> None:
        _check_range("time signature tick", self.tick, 0, 2**31 - 1)
        _check_range("time signature numerator", self.numerator, 1, 255)
        if self.denominator not in (1, 2, 4, 8, 16, 32, 64):
            raise ValueError(f"time signature denominator must be a power of two 1..64, got {self.denominator}")

    def ticks_per_bar(self, resolution: int) -> int:
        return self.numerator * resolution * 4 // self.denominator


@dataclass(frozen=True)
class Composition:
    """A piece: tracks, a resolution (ticks per beat), tempo changes and time signatures (each sorted by tick)."""

    tracks: tuple[Track, ...] = ()
    resolution: int = DEFAULT_RESOLUTION
    tempos: tuple[Tempo, ...] = field(default_factory=lambda: (Tempo(0),))
    time_signatures: tuple[TimeSignature, ...] = field(default_factory=lambda: (TimeSignature(),))
    name: str = ""

    def __post_init__(self) -> None:
        _check_range("resolution (ticks per beat)", self.resolution, 1, 0x7FFF)
        for attribute in ("tracks", "tempos", "time_signatures"):
            object.__setattr__(self, attribute, tuple(getattr(self, attribute)))
        for track in self.tracks:
            if not isinstance(track, Track):
                raise TypeError(f"a composition holds Tracks, not {type(track).__name__}")
        tempos = tuple(sorted(self.tempos)) or (Tempo(0),)
        if tempos[0].tick != 0:
            tempos = (Tempo(0, tempos[0].microseconds_per_beat),) + tempos
        signatures = tuple(sorted(self.time_signatures)) or (TimeSignature(),)
        if signatures[0].tick != 0:
            signatures = (replace(signatures[0], tick=0),) + signatures
        object.__setattr__(self, "tempos", tempos)
        object.__setattr__(self, "time_signatures", signatures)

    @property
    def end(self) -> int:
        """The tick at which the last note ends (0 when there is none)."""
        return max((track.end for track in self.tracks), default=0)

    @property
    def ticks_per_bar(self) -> int:
        """Bar length under the first time signature (see `bar_lines` for a piece whose meter changes)."""
        return self.time_signatures[0].ticks_per_bar(self.resolution)

    def bar_lines(self, until: int | None = None) -> tuple[int, ...]:
        """The ticks of the bar lines from tick 0 up to the first one at or after ``until`` (default: the end):
        each time signature starts a bar where it stands, and bars of its meter follow until the next one (MIDI's
        rule; a signature inside a bar cuts that bar short). The last line closes the last bar."""
        until = self.end if until is None else until
        lines = []
        for index, signature in enumerate(self.time_signatures):
            following = self.time_signatures[index + 1].tick if index + 1 < len(self.time_signatures) else None
            line, length = signature.tick, max(1, signature.ticks_per_bar(self.resolution))
            while (following is None or line < following) and (not lines or lines[-1] < until):
                if not lines or line > lines[-1]:
                    lines.append(line)
                line += length
            if lines[-1] >= until:
                break
        return tuple(lines)

    @property
    def bpm(self) -> float:
        """The opening tempo in beats per minute."""
        return self.tempos[0].bpm

    @property
    def note_count(self) -> int:
        return sum(len(track.notes) for track in self.tracks)

    def seconds(self, tick: int) -> float:
        """Wall-clock time of ``tick`` from the start, following every tempo change."""
        elapsed = 0.0
        for here, following in zip(self.tempos, self.tempos[1:] + (None,)):
            until = tick if following is None else min(tick, following.tick)
            if until > here.tick:
                elapsed += (until - here.tick) * here.microseconds_per_beat / 1e6 / self.resolution
        return elapsed

    def with_tracks(self, tracks: Iterable[Track]) -> "Composition":
        """A copy holding ``tracks`` instead of this composition's."""
        return replace(self, tracks=tuple(tracks))
