"""Which computer key does what, as data.

Two rows of the computer keyboard are two octaves, laid out the way trackers and DAWs do it: the
bottom letter row is the lower octave (Z is C, S is C#, X is D ...), its continuation `, L . ; /`
carries on into the next octave, and the top letter row with the digits above it is the upper octave
(Q is C, 2 is C#, W is D ...), running on through I 9 O 0 P [ = ] to the keyboard's 32nd key, G.
Key numbers are the keyboard's own (0..31, key0 = C3 at the default octave): which note a key plays
is the keyboard's business (octave shift, chord mode).

Buttons are the capital letter of their name (Shift + letter), so no note key is lost to them; the
arrow keys move the octave (up/down) and the velocity (left/right).

Terminal key names used here: a printable character stands for itself; the others are "up", "down",
"left", "right", "enter", "escape", "ctrl-c" (terminal.key_name makes them from what curses reads).
"""

from __future__ import annotations

from dataclasses import dataclass

from keycomposer.emulator.layout import BUTTONS, N_KEYS

LOWER_OCTAVE = "zsxdcvgbhnjm"  # keys 0..11, C..B
LOWER_OCTAVE_CONTINUED = ",l.;/"  # keys 12..16 (C..E above), as the row continues on a tracker
UPPER_OCTAVE = "q2w3er5t6y7u"  # keys 12..23, C..B
UPPER_OCTAVE_CONTINUED = "i9o0p[=]"  # keys 24..31, C..G


def _note_keys() -> dict[str, int]:
    keys: dict[str, int] = {}
    for first_key, row in ((0, LOWER_OCTAVE + LOWER_OCTAVE_CONTINUED), (12, UPPER_OCTAVE + UPPER_OCTAVE_CONTINUED)):
        for offset, character in enumerate(row):
            keys[character] = first_key + offset
    return keys


NOTE_KEYS: dict[str, int] = _note_keys()

BUTTON_KEYS: dict[str, str] = {
    "up": "octave_up",
    "down": "octave_down",
    "C": "chord",
    "A": "arp",
    "R": "record",
    "P": "playback",
    "T": "tap_tempo",
}

# What the console itself does (not the keyboard).
COMMAND_KEYS: dict[str, str] = {
    "left": "velocity_down",
    "right": "velocity_up",
    "L": "latch",  # notes end on the next press of their key instead of after the hold time
    "enter": "end_take",  # end the take and save it now
    "escape": "quit",
    "ctrl-c": "quit",
}
COMMANDS = ("velocity_down", "velocity_up", "latch", "end_take", "quit")


@dataclass(frozen=True)
class PlayKey:
    key: int  # 0..31


@dataclass(frozen=True)
class PressButton:
    button: str  # one of layout.BUTTONS


@dataclass(frozen=True)
class Command:
    name: str  # one of COMMANDS


Action = PlayKey | PressButton | Command


def action_for(key_name: str) -> Action | None:
    """What the computer key called ``key_name`` does; None for a key that does nothing."""
    if key_name in NOTE_KEYS:
        return PlayKey(NOTE_KEYS[key_name])
    if key_name in BUTTON_KEYS:
        return PressButton(BUTTON_KEYS[key_name])
    if key_name in COMMAND_KEYS:
        return Command(COMMAND_KEYS[key_name])
    return None


def label_of_key(key: int) -> str:
    """The computer key shown on screen for keyboard key ``key``: the lower row for the first octave,
    the upper row from the second octave on."""
    if not 0 <= key < N_KEYS:
        raise ValueError(f"key must be in range 0..{N_KEYS - 1}, got {key}")
    if key < 12:
        return LOWER_OCTAVE[key]
    return (UPPER_OCTAVE + UPPER_OCTAVE_CONTINUED)[key - 12]


def keys_of_button(button: str) -> list[str]:
    """The computer keys that press ``button``."""
    if button not in BUTTONS:
        raise ValueError(f"no button {button!r}; the buttons are {', '.join(BUTTONS)}")
    return [name for name, target in BUTTON_KEYS.items() if target == button]
