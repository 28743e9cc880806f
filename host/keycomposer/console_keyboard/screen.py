"""The console keyboard's screen: a KeyboardView drawn as lines of plain ASCII text.

A pure function of the view, so what the person sees is tested without a terminal. Everything fits an
80 x 24 terminal; terminal.py cuts the lines for a smaller one.
"""

from __future__ import annotations

from keycomposer.console_keyboard.keymap import BUTTON_KEYS, COMMAND_KEYS, LOWER_OCTAVE_CONTINUED, label_of_key
from keycomposer.console_keyboard.view import MESSAGES_SHOWN, KeyboardView
from keycomposer.emulator.layout import N_KEYS, note_name

SCREEN_WIDTH = 80
_BLACK_SEMITONES = (1, 3, 6, 8, 10)
_WHITE_WIDTH = 4  # columns per white key, its left bar included
_KEY_NAMES = {"up": "Up", "down": "Down", "left": "Left", "right": "Right", "enter": "Enter", "escape": "Esc"}
_BUTTON_WORDS = {
    "octave_down": "octave down", "octave_up": "octave up", "chord": "chord", "arp": "arp",
    "record": "record", "playback": "playback", "tap_tempo": "tap tempo",
}
_LED_WORDS = {"power": "power", "record": "record", "arp": "arp", "chord": "chord",
              "octave_down": "oct-down", "octave_up": "oct-up"}


def is_black(key: int) -> bool:
    """Key 0 is always a C (the keyboard shifts by whole octaves), so a key's colour is fixed."""
    return key % 12 in _BLACK_SEMITONES


def piano_lines(keys_down: frozenset[int] | set[int], lowest_note: int) -> list[str]:
    """The 32 keys drawn as a piano, each with the computer key that plays it. A key that is down is
    shown as ``*z*``; a black key that is up as ``[s]``; the C of every octave is named below it."""
    whites = [key for key in range(N_KEYS) if not is_black(key)]
    width = _WHITE_WIDTH * len(whites) + 1
    blacks_row = [" "] * width
    whites_row = [" "] * width
    names_row = [" "] * width
    for index, key in enumerate(whites):
        left = _WHITE_WIDTH * index
        blacks_row[left] = whites_row[left] = "|"
        _put(whites_row, left + 1, _cap(label_of_key(key), key in keys_down, " ", " "))
        if key % 12 == 0:
            _put(names_row, left + 1, note_name(lowest_note + key))
    blacks_row[-1] = whites_row[-1] = "|"
    for index, key in enumerate(whites):
        black = key + 1
        if black < N_KEYS and is_black(black):
            boundary = _WHITE_WIDTH * (index + 1)
            _put(blacks_row, boundary - 1, _cap(label_of_key(black), black in keys_down, "[", "]"))
    border = " " + "_" * (width - 2) + " "
    return [border, "".join(blacks_row), "".join(whites_row), "".join(names_row).rstrip()]


def _cap(label: str, down: bool, left: str, right: str) -> str:
    return f"*{label}*" if down else f"{left}{label}{right}"


def _put(row: list[str], at: int, text: str) -> None:
    row[at : at + len(text)] = list(text)


def render(view: KeyboardView) -> list[str]:
    """Every line of the screen, top to bottom."""
    lowest = view.lowest_note
    leds = "  ".join(f"{_LED_WORDS[led]}:{'ON' if on else 'off'}" for led, on in view.leds.items())
    ending = "latched (L)" if view.latch else f"held {view.hold_ms} ms"
    last = "-" if view.last_velocity is None else str(view.last_velocity)
    down = "  ".join(f"{note_name(lowest + key)} ({label_of_key(key)})" for key in sorted(view.keys_down))
    sounding = " ".join(note_name(note) for note in sorted(view.sounding))
    messages = list(view.messages) + [""] * (MESSAGES_SHOWN - len(view.messages))
    bpm = view.clock_bpm
    clock = "stopped" if not view.clock_running else "running" if bpm is None else f"{bpm:.0f} BPM"
    take = f"Take: {view.take_notes} notes"
    if view.saved:
        take += f"   Last saved: {view.saved[-1]}"
    lines = [
        view.title,
        f"LEDs  {leds}",
        f"Octave {view.octave:+d} ({note_name(lowest)}..{note_name(lowest + N_KEYS - 1)})   "
        f"Velocity {view.velocity} (last sent {last})   Notes: {ending}",
        *piano_lines(view.keys_down, lowest),
        f"Keys down: {down or 'none'}",
        f"Sounding:  {sounding or 'none'}",
        f"MIDI clock (arp, playback): {clock}",
        "Last MIDI from the keyboard:",
        *(f"  {line}" for line in messages),
        take,
        view.status,
        *legend(),
    ]
    return [_fit(line) for line in lines]


def _fit(line: str) -> str:
    """Cut a line that is wider than the screen, saying so."""
    return line if len(line) <= SCREEN_WIDTH else line[: SCREEN_WIDTH - 3] + "..."


def legend() -> list[str]:
    """What the computer keys do, built from the key map. A down/up pair shares one entry."""
    return [
        "  ".join(_legend_entries(BUTTON_KEYS)) + "  (Shift)",
        "  ".join(_legend_entries(COMMAND_KEYS)) + f"  ({''.join(LOWER_OCTAVE_CONTINUED)} = q2w3e)",
    ]


def _legend_entries(table: dict[str, str]) -> list[str]:
    grouped: dict[str, list[str]] = {}
    for key, target in table.items():
        if key == "ctrl-c":
            continue  # quits too, as everywhere, without being advertised
        word = _BUTTON_WORDS.get(target, target.replace("_", " "))
        for direction in (" down", " up"):
            if word.endswith(direction):
                word = word[: -len(direction)]
        grouped.setdefault(word, []).append(_KEY_NAMES.get(key, key))
    return [f"{'/'.join(keys)} {word}" for word, keys in grouped.items()]
