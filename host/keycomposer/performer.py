"""Playing a composition on the emulated keyboard, as a person would: key presses at the notes' times.

The demo and the tests use it to put a melody through the whole bridge (keys -> firmware -> USB-MIDI ->
recorder) rather than handing the composition over directly. The melody is moved by whole octaves into
the keyboard's default range (C3..G5); a note that still does not fit, or a second note on a key that is
already down, is reported instead of being silently dropped.
"""

from __future__ import annotations

from keycomposer.emulator import Emulator
from keycomposer.music.composition import Composition, Note

LOWEST_KEY_NOTE = 48  # key0 at the default octave (firmware/PROTOCOL.md)
KEYS = 32


class PerformanceError(ValueError):
    pass


def fit_to_keyboard(notes: list[Note]) -> int:
    """The octave shift (in semitones, a multiple of 12) that puts every note on the keyboard."""
    low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
    if high - low >= KEYS:
        raise PerformanceError(f"the melody spans {high - low + 1} semitones; the keyboard has {KEYS} keys")
    for shift in sorted(range(-120, 121, 12), key=abs):
        if low + shift >= LOWEST_KEY_NOTE and high + shift < LOWEST_KEY_NOTE + KEYS:
            return shift
    raise PerformanceError(f"no octave shift fits MIDI {low}..{high} onto the keyboard's MIDI 48..79")


def perform(composition: Composition, emulator: Emulator, track_index: int = 0) -> int:
    """Play one track of ``composition`` on ``emulator`` in virtual time; returns the octave shift used."""
    if not composition.tracks or not composition.tracks[track_index].notes:
        raise PerformanceError("there is no note to play")
    notes = list(composition.tracks[track_index].notes)
    shift = fit_to_keyboard(notes)
    actions = []  # (time_us, order, kind, key, velocity): releases sort before presses at the same time
    for note in notes:
        key = note.pitch + shift - LOWEST_KEY_NOTE
        start_us = round(composition.seconds(note.start) * 1e6)
        end_us = round(composition.seconds(note.end) * 1e6)
        actions.append((start_us, 1, "press", key, note.velocity))
        actions.append((end_us, 0, "release", key, 0))
    actions.sort()
    down = set()
    for time_us, _, kind, key, velocity in actions:
        if time_us > emulator.now_us:
            emulator.advance(time_us - emulator.now_us)
        if kind == "press":
            if key in down:
                raise PerformanceError(f"two notes overlap on key{key}; the keyboard plays one at a time per key")
            emulator.press(key, velocity=velocity)
            down.add(key)
        elif key in down:
            emulator.release(key)
            down.discard(key)
    emulator.advance(50_000)  # let the last releases through debounce
    emulator.sync()
    return shift
