"""Where the emulated keyboard's keys, buttons and controls sit: the host's reading of
hardware/keyboard.json (tests/emulator/test_layout.py checks it against that file).

Key ``k`` has two contacts: the first closes early in the key's travel, the second at the bottom; the
time between them is the velocity. Buttons share the matrix's last column.
"""

from __future__ import annotations

import re

N_KEYS = 32
LOWEST_NOTE_DEFAULT = 48  # key0 is C3 (C4 = 60) at the default octave
_KEYS_PER_ROW = 8
_SECOND_CONTACT_ROW_OFFSET = 4
_BUTTON_COL = 8

BUTTONS = ("arp", "chord", "octave_down", "octave_up", "playback", "record", "tap_tempo")
LEDS = ("record", "arp", "chord", "octave_down", "octave_up", "power")
ADC_CHANNELS = {"pitch": 0, "mod": 1, "volume": 2}

_NOTE_NAME = re.compile(r"^([A-Ga-g])([#b]?)(-?\d+)$")
_KEY_NAME = re.compile(r"^key(\d+)$")
_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def first_contact(key: int) -> tuple[int, int]:
    """(row, col) of ``key``'s first contact."""
    _check_key(key)
    return key // _KEYS_PER_ROW, key % _KEYS_PER_ROW


def second_contact(key: int) -> tuple[int, int]:
    """(row, col) of ``key``'s second contact."""
    _check_key(key)
    return _SECOND_CONTACT_ROW_OFFSET + key // _KEYS_PER_ROW, key % _KEYS_PER_ROW


def button_switch(name: str) -> tuple[int, int]:
    """(row, col) of the button called ``name``."""
    try:
        return BUTTONS.index(name), _BUTTON_COL
    except ValueError:
        raise ValueError(f"no button {name!r}; the buttons are {', '.join(BUTTONS)}") from None


def _check_key(key: int) -> None:
    if not 0 <= key < N_KEYS:
        raise ValueError(f"key must be in range 0..{N_KEYS - 1}, got {key}")


def note_number(name: str) -> int:
    """MIDI note of a note name such as C3 (48), F#4 or Bb3; C4 is 60."""
    match = _NOTE_NAME.match(name)
    if not match:
        raise ValueError(f"{name!r} is not a note name like C3, F#4 or Bb3")
    letter, accidental, octave = match.groups()
    note = 12 * (int(octave) + 1) + _PITCH_CLASS[letter.upper()] + {"": 0, "#": 1, "b": -1}[accidental]
    if not 0 <= note <= 127:
        raise ValueError(f"{name} is outside MIDI notes 0..127")
    return note


def note_name(note: int) -> str:
    """The sharp spelling of MIDI note ``note``: 48 -> C3; the inverse of note_number."""
    names = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
    return f"{names[note % 12]}{note // 12 - 1}"


def key_for(name: str, octave_shift: int = 0) -> int:
    """The key (0..31) called ``name``: ``key0``..``key31``, or a note name sounding at the keyboard's
    octave shift ``octave_shift`` (in octaves, as the octave buttons move it)."""
    match = _KEY_NAME.match(name)
    if match:
        key = int(match.group(1))
        _check_key(key)
        return key
    note = note_number(name)
    lowest = LOWEST_NOTE_DEFAULT + 12 * octave_shift
    key = note - lowest
    if not 0 <= key < N_KEYS:
        raise ValueError(
            f"{name} is not on the keyboard at octave shift {octave_shift:+d} "
            f"({note_name(lowest)}..{note_name(lowest + N_KEYS - 1)})"
        )
    return key
