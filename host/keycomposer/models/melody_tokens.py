"""Melody tokens (REMI-style): a melodic line as bars, positions, pitches and durations on a 16th-note grid.

A `Melody` is one line: notes (onset, length, pitch) in 16ths, at most one note starting on a 16th, and its
bars (start, length) in 16ths. Its tokens, bar by bar:

    BAR_L      a bar of L 16ths begins (1..32): the meter travels with every bar, so a continuation keeps it
    POS_p      the next note starts p 16ths into the bar (0..31)
    PITCH_m    its MIDI pitch m (LOWEST_PITCH..HIGHEST_PITCH)
    DUR_d      its length, d 16ths (1..MAX_DURATION; a longer note is cut there)

A note is always POS PITCH DUR: it carries its own length, so no note can be left sounding. `decode` is the
inverse of `encode`; `Grammar` says which tokens may come next, so sampling only draws well-formed melodies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAD, START = 0, 1
MAX_BAR = 32
LOWEST_PITCH, HIGHEST_PITCH = 24, 108
MAX_DURATION = 48


@dataclass(frozen=True)
class Kind:
    name: str
    first: int
    count: int
    lowest: int  # the value of the kind's first token

    def __contains__(self, token) -> bool:
        return self.first <= token < self.first + self.count

    def token(self, value: int) -> int:
        if not self.lowest <= value < self.lowest + self.count:
            raise ValueError(f"{self.name} {value} is outside {self.lowest}..{self.lowest + self.count - 1}")
        return self.first + value - self.lowest

    def value(self, token: int) -> int:
        return token - self.first + self.lowest


BAR = Kind("bar", 2, MAX_BAR, 1)
POS = Kind("position", BAR.first + BAR.count, MAX_BAR, 0)
PITCH = Kind("pitch", POS.first + POS.count, HIGHEST_PITCH - LOWEST_PITCH + 1, LOWEST_PITCH)
DUR = Kind("duration", PITCH.first + PITCH.count, MAX_DURATION, 1)
KINDS = (BAR, POS, PITCH, DUR)
VOCAB_SIZE = DUR.first + DUR.count


@dataclass(frozen=True)
class Melody:
    """notes: int array (n, 3) of onset, length, pitch (16ths, MIDI), onsets rising; bars: int array (b, 2) of
    start, length (16ths), contiguous, covering every onset."""

    notes: np.ndarray
    bars: np.ndarray


def monophonic(notes: np.ndarray) -> np.ndarray:
    """The top line of (onset, length, pitch) rows: the highest note on each onset, each cut where the next
    begins (a melody is one voice)."""
    notes = np.asarray(notes, dtype=np.int64).reshape(-1, 3)
    if not len(notes):
        return notes
    order = np.lexsort((-notes[:, 2], notes[:, 0]))
    notes = notes[order]
    first = np.concatenate([[True], notes[1:, 0] != notes[:-1, 0]])
    notes = notes[first].copy()
    gaps = np.diff(notes[:, 0])
    notes[:-1, 1] = np.minimum(notes[:-1, 1], gaps)
    notes[:, 1] = np.maximum(notes[:, 1], 1)
    return notes


def encode(melody: Melody, start_token: bool = True) -> list[int]:
    """START, then per bar BAR_L and its notes as POS PITCH DUR (see the module doc). Inverse: `decode`."""
    tokens = [START] if start_token else []
    notes = melody.notes
    at = 0
    for start, length in melody.bars:
        tokens.append(BAR.token(int(min(length, MAX_BAR))))
        while at < len(notes) and notes[at, 0] < start + length:
            onset, duration, pitch = (int(v) for v in notes[at])
            position = onset - int(start)
            if 0 <= position < MAX_BAR and LOWEST_PITCH <= pitch <= HIGHEST_PITCH:
                tokens += [POS.token(position), PITCH.token(pitch), DUR.token(min(duration, MAX_DURATION))]
            at += 1
    return tokens


def decode(tokens, bar_start: int = 0) -> Melody:
    """The melody `tokens` spell, the first BAR token starting at 16th `bar_start`. Notes before the first bar
    are placed in a bar starting at `bar_start`; an unfinished note (no DUR yet) is left out. Inverse: `encode`."""
    notes, bars = [], []
    start, length = bar_start, None
    position = pitch = None
    for token in tokens:
        if token in BAR:
            if length is not None:
                start += length
            length = BAR.value(token)
            bars.append((start, length))
            position = pitch = None
        elif token in POS:
            position, pitch = POS.value(token), None
        elif token in PITCH and position is not None:
            pitch = PITCH.value(token)
        elif token in DUR and position is not None and pitch is not None:
            notes.append((start + position, DUR.value(token), pitch))
            position = pitch = None
    notes = monophonic(np.array(notes, dtype=np.int64).reshape(-1, 3))
    return Melody(notes, np.array(bars, dtype=np.int64).reshape(-1, 2))


class Grammar:
    """Which tokens may follow: BAR, then notes as POS PITCH DUR with positions rising inside the bar, then the
    next BAR. `bar_length` fixes the bars' length (a continuation keeps the input's meter) when given."""

    def __init__(self, bar_length: int | None = None):
        self.bar_length = bar_length
        self.kind: Kind | None = None  # the kind of the last token pushed
        self.length = bar_length or MAX_BAR
        self.position = -1

    def push(self, token: int) -> None:
        if token in BAR:
            self.kind, self.length, self.position = BAR, BAR.value(token), -1
        elif token in POS:
            self.kind, self.position = POS, POS.value(token)
        elif token in PITCH:
            self.kind = PITCH
        elif token in DUR:
            self.kind = DUR

    def allowed(self) -> np.ndarray:
        mask = np.zeros(VOCAB_SIZE, dtype=bool)
        if self.kind is POS:
            mask[PITCH.first:PITCH.first + PITCH.count] = True
        elif self.kind is PITCH:
            mask[DUR.first:DUR.first + DUR.count] = True
        else:  # at the start, after a BAR or after a finished note: a later position in this bar, or a new bar
            if self.kind is not None:
                mask[POS.first + self.position + 1:POS.first + min(self.length, MAX_BAR)] = True
            if self.bar_length is None:
                mask[BAR.first:BAR.first + BAR.count] = True
            else:
                mask[BAR.token(self.bar_length)] = True
        return mask
