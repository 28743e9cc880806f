"""Performance events: a piece as one stream of note-on, note-off, time-shift and velocity tokens.

This is the vocabulary of DeepComposer's Transformer-XL (and of Oore et al., "This time with feeling",
2018): 88 note-ons and 88 note-offs for MIDI 21..108 (the piano's keys), 100 time shifts of 10 ms up to 1 s,
32 velocity bins, a start token and a pad token: 310 tokens. Time lives on a 10 ms grid; a velocity token
is written only when the bin changes, and holds for every note-on after it.

`encode_notes` / `decode_tokens` are inverses over timed notes (seconds); `to_events` / `from_events` are
inverses over Compositions. A round trip is exact at the grid: notes whose times fall on 10 ms steps and
whose velocities are bin centres (see `velocity_of_bin`) come back as they went in. Notes outside 21..108
and drum tracks are dropped by the encoder (the vocabulary has no token for them); all other tracks are
merged into one stream, as a pianist would play a reduction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from keycomposer.music.composition import Composition, Note, Tempo, Track

LOWEST_PITCH, HIGHEST_PITCH = 21, 108  # A0..C8, the 88 keys
GRID_SECONDS = 0.01
MAX_SHIFT_STEPS = 100  # one time-shift token moves at most 1 s
VELOCITY_BINS = 32
VELOCITY_BIN_WIDTH = 4  # 128 MIDI velocities / 32 bins
DEFAULT_VELOCITY = 80  # a note-on before any velocity token plays at this velocity's bin


@dataclass(frozen=True)
class EventKind:
    name: str
    first: int  # the token of this kind's first value
    count: int

    def token(self, index: int) -> int:
        if not 0 <= index < self.count:
            raise ValueError(f"{self.name} index must be in range 0..{self.count - 1}, got {index}")
        return self.first + index

    def __contains__(self, token: int) -> bool:
        return self.first <= token < self.first + self.count


def _layout(*kinds: tuple[str, int]) -> dict[str, EventKind]:
    table, first = {}, 0
    for name, count in kinds:
        table[name] = EventKind(name, first, count)
        first += count
    return table


PITCHES = HIGHEST_PITCH - LOWEST_PITCH + 1
# The vocabulary as data: each kind takes the next block of token numbers, in this order.
KINDS = _layout(
    ("note_on", PITCHES),
    ("note_off", PITCHES),
    ("time_shift", MAX_SHIFT_STEPS),  # index i moves time by (i + 1) * 10 ms
    ("velocity", VELOCITY_BINS),
    ("start", 1),
    ("pad", 1),
)
NOTE_ON, NOTE_OFF, TIME_SHIFT, VELOCITY = (KINDS[k] for k in ("note_on", "note_off", "time_shift", "velocity"))
START = KINDS["start"].first
PAD = KINDS["pad"].first
VOCAB_SIZE = PAD + 1  # 310

# A composition built from events: 1 tick = 1 ms at 120 BPM, so every 10 ms step is a whole number of ticks.
EVENT_RESOLUTION = 500
EVENT_TEMPO = Tempo(0, 500_000)


def bin_of_velocity(velocity: int) -> int:
    return min(VELOCITY_BINS - 1, max(0, int(velocity) // VELOCITY_BIN_WIDTH))


def velocity_of_bin(index: int) -> int:
    """The bin's centre (2, 6, ..., 126): the velocity a decoded note-on gets (the inverse of bin_of_velocity)."""
    return index * VELOCITY_BIN_WIDTH + VELOCITY_BIN_WIDTH // 2


def describe(token: int) -> str:
    """A readable name for one token, e.g. 'note_on 60', 'time_shift 250 ms' (for logs and errors)."""
    for kind in KINDS.values():
        if token in kind:
            index = token - kind.first
            if kind is NOTE_ON or kind is NOTE_OFF:
                return f"{kind.name} {LOWEST_PITCH + index}"
            if kind is TIME_SHIFT:
                return f"time_shift {(index + 1) * 10} ms"
            if kind is VELOCITY:
                return f"velocity {velocity_of_bin(index)}"
            return kind.name
    raise ValueError(f"token must be in range 0..{VOCAB_SIZE - 1}, got {token}")


def _as_notes(notes) -> np.ndarray:
    array = np.asarray(notes, dtype=np.float64).reshape(-1, 4) if len(notes) else np.zeros((0, 4))
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"notes must be rows of (start s, end s, pitch, velocity), got shape {array.shape}")
    return array


def encode_notes(notes, start_token: bool = False) -> list[int]:
    """Tokens for timed notes: rows of (start seconds, end seconds, pitch, velocity) (inverse: decode_tokens).

    Times snap to the 10 ms grid and a note lasts at least one step. Pitches outside 21..108 are dropped.
    Where two notes of one pitch overlap, the first ends when the second begins (one key cannot sound twice).
    """
    rows = _as_notes(notes)
    per_pitch: dict[int, list[list[int]]] = {}
    for start_s, end_s, pitch, velocity in sorted(rows.tolist()):
        pitch = int(pitch)
        if not LOWEST_PITCH <= pitch <= HIGHEST_PITCH:
            continue
        start = int(round(start_s / GRID_SECONDS))
        end = max(start + 1, int(round(end_s / GRID_SECONDS)))
        held = per_pitch.setdefault(pitch, [])
        if held and held[-1][1] > start:
            if held[-1][0] == start:  # same key struck twice at once: keep the longer sounding note
                held[-1][1] = max(held[-1][1], end)
                continue
            held[-1][1] = start
        held.append([start, end, bin_of_velocity(velocity)])
    events = []  # (step, 0 = off before 1 = on, pitch, velocity bin)
    for pitch, held in per_pitch.items():
        for start, end, velocity_bin in held:
            events.append((start, 1, pitch, velocity_bin))
            events.append((end, 0, pitch, velocity_bin))
    events.sort()
    tokens = [START] if start_token else []
    now, velocity_bin = 0, -1  # -1: no velocity token written yet
    for step, is_on, pitch, bin_index in events:
        while step > now:
            shift = min(MAX_SHIFT_STEPS, step - now)
            tokens.append(TIME_SHIFT.token(shift - 1))
            now += shift
        if is_on:
            if bin_index != velocity_bin:
                tokens.append(VELOCITY.token(bin_index))
                velocity_bin = bin_index
            tokens.append(NOTE_ON.token(pitch - LOWEST_PITCH))
        else:
            tokens.append(NOTE_OFF.token(pitch - LOWEST_PITCH))
    return tokens


def decode_tokens(tokens: Iterable[int]) -> np.ndarray:
    """Timed notes (start s, end s, pitch, velocity), sorted, from tokens (inverse: encode_notes).

    Any token sequence decodes: start and pad are skipped, a note-off for a silent key is ignored, a
    note-on for a sounding key ends the sounding note first, and notes still held at the end are released
    after the last time shift (or one step after they began, when no time passed)."""
    now, velocity = 0, velocity_of_bin(bin_of_velocity(DEFAULT_VELOCITY))
    sounding: dict[int, tuple[int, int]] = {}
    done: list[tuple[int, int, int, int]] = []
    for token in tokens:
        token = int(token)
        if not 0 <= token < VOCAB_SIZE:
            raise ValueError(f"token must be in range 0..{VOCAB_SIZE - 1}, got {token}")
        if token in TIME_SHIFT:
            now += token - TIME_SHIFT.first + 1
        elif token in VELOCITY:
            velocity = velocity_of_bin(token - VELOCITY.first)
        elif token in NOTE_ON or token in NOTE_OFF:
            is_on = token in NOTE_ON
            pitch = LOWEST_PITCH + token - (NOTE_ON.first if is_on else NOTE_OFF.first)
            if pitch in sounding:
                began, held_velocity = sounding.pop(pitch)
                if now > began:
                    done.append((began, now, pitch, held_velocity))
            if is_on:
                sounding[pitch] = (now, velocity)
    for pitch, (began, held_velocity) in sounding.items():
        done.append((began, max(now, began + 1), pitch, held_velocity))
    done.sort()
    rows = np.array(done, dtype=np.float64).reshape(-1, 4)
    rows[:, :2] *= GRID_SECONDS
    return rows


def composition_notes(composition: Composition) -> np.ndarray:
    """Every non-drum note of the composition as (start s, end s, pitch, velocity), following its tempo map."""
    rows = []
    for track in composition.tracks:
        if track.is_drum:
            continue
        for note in track.notes:
            rows.append((composition.seconds(note.start), composition.seconds(note.end), note.pitch, note.velocity))
    return np.array(sorted(rows), dtype=np.float64).reshape(-1, 4)


def to_events(composition: Composition, start_token: bool = False) -> list[int]:
    """The composition's notes as one event stream (inverse: from_events). Drum tracks and notes outside
    21..108 are dropped; time 0 is the composition's tick 0."""
    return encode_notes(composition_notes(composition), start_token=start_token)


def seconds_to_tick(composition: Composition, seconds: float) -> int:
    """The tick nearest to ``seconds`` from the start under the composition's tempo map (inverse of
    Composition.seconds)."""
    if seconds < 0:
        raise ValueError(f"seconds must not be negative, got {seconds}")
    tempos = composition.tempos
    for here, following in zip(tempos, tempos[1:] + (None,)):
        seconds_per_tick = here.microseconds_per_beat / 1e6 / composition.resolution
        if following is not None:
            span = (following.tick - here.tick) * seconds_per_tick
            if seconds > span:
                seconds -= span
                continue
        return here.tick + int(round(seconds / seconds_per_tick))
    raise AssertionError("a composition always has a tempo at tick 0")


def notes_to_track(
    composition: Composition, notes, offset_seconds: float = 0.0, program: int = 0, channel: int = 0, name: str = ""
) -> Track:
    """A track of timed notes placed ``offset_seconds`` after the composition's start, in its ticks."""
    built = []
    for start_s, end_s, pitch, velocity in _as_notes(notes).tolist():
        start = seconds_to_tick(composition, offset_seconds + start_s)
        end = seconds_to_tick(composition, offset_seconds + end_s)
        built.append(Note(start, int(pitch), max(1, end - start), int(velocity)))
    return Track(tuple(built), program=program, channel=channel, name=name)


def from_events(tokens: Sequence[int], program: int = 0, name: str = "") -> Composition:
    """A one-track composition of the tokens (inverse: to_events), at 500 ticks per beat and 120 BPM so that
    every 10 ms step is exactly 10 ticks."""
    frame = Composition(resolution=EVENT_RESOLUTION, tempos=(EVENT_TEMPO,), name=name)
    return frame.with_tracks([notes_to_track(frame, decode_tokens(tokens), program=program, name=name)])
