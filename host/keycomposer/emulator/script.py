"""Scripts for the emulated keyboard: one action per line, run in virtual time.

    # a C major triad, then the octave button
    press C3 velocity=100     close key C3's first contact, its second after the velocity's contact time
    press E3 dt=12            ... or after exactly 12 ms
    wait 250                  let 250 ms pass
    release C3
    button octave_up tap      down, then up (buttons: arp chord octave_down octave_up playback record tap_tempo)
    wheel pitch -0.5          pitch wheel -1..1 (0 is the centre); `wheel mod 0..1`; `slider volume 0..1`
    pedal down                sustain pedal down|up
    send F0 7E 7F 06 01 F7    MIDI bytes from the host to the keyboard (paced: a long SysEx takes
                              1 ms of virtual time per 85 bytes or so once the keyboard's queue is full)
    usb stall 300             from now the host reads nothing the keyboard sends for 300 ms, then reads
                              again; the next lines run at once, into the stall
    usb unplug                the USB cable out: the keyboard plays on, nothing reaches the host
    usb plug                  ... and back in (no `send` while it is out)

KEY is key0..key31, or a note name (C3, F#4, Bb3; C4 is 60) at the octave the script has moved the
keyboard to with its octave buttons (they act on release, as on the keyboard); `release` with the name a
key was pressed as lets that key go, even after an octave shift. Every contact stays put at
least emulator.STABLE_US (10 ms) before it changes again, so debounce never eats a press or a release;
a `release` right after a `press` therefore waits that long first. Buttons act on release, which
debounce defers: after a button goes up the script lets STABLE_US pass, so the button has done its work
(an octave shift, say) before the next line. After the last line the script lets
SETTLE_MS pass, so deferred releases come out.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from keycomposer.emulator import layout
from keycomposer.emulator.emulator import Emulator, Event
from keycomposer.emulator.usb_midi import MidiBytesError, split_messages

SETTLE_MS = 20
# A comment starts with # at the start of a line or after a space (C#3 is a note, not a comment).
_COMMENT = re.compile(r"(?:^|\s)#")
# The core refuses an octave shift that would push a key outside MIDI 0..127 (firmware/PROTOCOL.md).
_HIGHEST_NOTE = 127


class ScriptError(ValueError):
    """A script line that cannot be run; the message starts with its line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Press:
    line: int
    key: int
    velocity: int | None = None
    contact_time_us: int | None = None

    def apply(self, emulator: Emulator) -> None:
        emulator.press(self.key, velocity=self.velocity, contact_time_us=self.contact_time_us)


@dataclass(frozen=True)
class Release:
    line: int
    key: int

    def apply(self, emulator: Emulator) -> None:
        emulator.release(self.key)


@dataclass(frozen=True)
class Wait:
    line: int
    microseconds: int

    def apply(self, emulator: Emulator) -> None:
        emulator.advance(self.microseconds)


@dataclass(frozen=True)
class Button:
    line: int
    name: str
    action: str  # down, up or tap

    def apply(self, emulator: Emulator) -> None:
        if self.action == "tap":
            emulator.tap(self.name)
        else:
            emulator.button(self.name, self.action == "down")


@dataclass(frozen=True)
class Control:
    line: int
    name: str  # pitch, mod or volume
    value: float

    def apply(self, emulator: Emulator) -> None:
        emulator.set_control(self.name, self.value)


@dataclass(frozen=True)
class PedalStep:
    line: int
    down: bool

    def apply(self, emulator: Emulator) -> None:
        emulator.pedal(self.down)


@dataclass(frozen=True)
class Send:
    line: int
    data: bytes

    def apply(self, emulator: Emulator) -> None:
        emulator.send_midi(self.data)


@dataclass(frozen=True)
class UsbStep:
    line: int
    action: str  # stall, unplug or plug
    microseconds: int = 0

    def apply(self, emulator: Emulator) -> None:
        if self.action == "stall":
            emulator.usb_stall(self.microseconds / 1000)
        elif self.action == "unplug":
            emulator.usb_unplug()
        else:
            emulator.usb_plug()


Step = Press | Release | Wait | Button | Control | PedalStep | Send | UsbStep


class _Keyboard:
    """What the script has done to the keyboard so far: held keys and buttons, and the octave shift."""

    def __init__(self) -> None:
        self.octave = 0
        self.keys_down: dict[str, int] = {}  # the name each held key was pressed as
        self.buttons_down: set[str] = set()
        self._octave_combo = False
        self.plugged = True

    def button(self, name: str, down: bool) -> None:
        if down:
            self.buttons_down.add(name)
            if {"octave_down", "octave_up"} <= self.buttons_down:
                self._octave_combo = True  # both together: all notes off, and no shift on release
            return
        self.buttons_down.discard(name)
        if name not in ("octave_down", "octave_up"):
            return
        if self._octave_combo:
            self._octave_combo = bool({"octave_down", "octave_up"} & self.buttons_down)
            return
        octave = self.octave + (1 if name == "octave_up" else -1)
        lowest = layout.LOWEST_NOTE_DEFAULT + 12 * octave
        if 0 <= lowest and lowest + layout.N_KEYS - 1 <= _HIGHEST_NOTE:
            self.octave = octave


def parse_script(text: str) -> list[Step]:
    """The steps of a script; raises ScriptError naming the first line that is wrong."""
    steps: list[Step] = []
    keyboard = _Keyboard()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.split(raw, 1)[0].strip()
        if not line:
            continue
        try:
            steps.append(_parse_line(number, shlex.split(line), keyboard))
        except ScriptError:
            raise
        except ValueError as error:
            raise ScriptError(number, f"{error} (in {line!r})") from None
    return steps


def _parse_line(line: int, words: list[str], keyboard: _Keyboard) -> Step:
    verb, args = words[0].lower(), words[1:]
    if verb == "press":
        _want(args, 1, 2, "press KEY [velocity=V | dt=MS]")
        key = layout.key_for(args[0], keyboard.octave)
        if key in keyboard.keys_down.values():
            raise ValueError(f"{args[0]} is already down")
        keyboard.keys_down[args[0]] = key
        if len(args) == 1:
            return Press(line, key)
        option, _, value = args[1].partition("=")
        if option == "velocity":
            velocity = _integer(value, "velocity")
            if not 1 <= velocity <= 127:
                raise ValueError(f"velocity must be in range 1..127, got {velocity}")
            return Press(line, key, velocity=velocity)
        if option == "dt":
            return Press(line, key, contact_time_us=_microseconds(value, "dt"))
        raise ValueError(f"press takes velocity=V or dt=MS, not {args[1]!r}")
    if verb == "release":
        _want(args, 1, 1, "release KEY")
        # The key pressed under this name, even if an octave shift has renamed it since.
        held = keyboard.keys_down.pop(args[0], None)
        if held is not None:
            key = held
        else:
            key = layout.key_for(args[0], keyboard.octave)
            name = next((n for n, k in keyboard.keys_down.items() if k == key), None)
            if name is None:
                raise ValueError(f"{args[0]} is not down")
            del keyboard.keys_down[name]
        return Release(line, key)
    if verb == "wait":
        _want(args, 1, 1, "wait MS")
        return Wait(line, _microseconds(args[0], "wait"))
    if verb == "button":
        _want(args, 2, 2, "button NAME down|up|tap")
        name, action = args
        layout.button_switch(name)
        if action not in ("down", "up", "tap"):
            raise ValueError(f"a button goes down, up or tap, not {action!r}")
        held = name in keyboard.buttons_down
        if action == "down" and held or action in ("up", "tap") and (action == "up") != held:
            raise ValueError(f"button {name} is {'already' if held else 'not'} down")
        if action in ("down", "tap"):
            keyboard.button(name, True)
        if action in ("up", "tap"):
            keyboard.button(name, False)
        return Button(line, name, action)
    if verb in ("wheel", "slider"):
        controls = {"wheel": ("pitch", "mod"), "slider": ("volume",)}[verb]
        _want(args, 2, 2, f"{verb} {'|'.join(controls)} VALUE")
        if args[0] not in controls:
            raise ValueError(f"{verb} names {' or '.join(controls)}, not {args[0]!r}")
        level = _real(args[1], args[0])
        low = -1.0 if args[0] == "pitch" else 0.0
        if not low <= level <= 1.0:
            raise ValueError(f"{args[0]} must be in range {low:g}..1, got {args[1]}")
        return Control(line, args[0], level)
    if verb == "pedal":
        _want(args, 1, 1, "pedal down|up")
        if args[0] not in ("down", "up"):
            raise ValueError(f"the pedal goes down or up, not {args[0]!r}")
        return PedalStep(line, args[0] == "down")
    if verb == "send":
        if not keyboard.plugged:
            raise ValueError("send while the USB cable is unplugged (usb plug first)")
        if not args:
            raise ValueError("send wants MIDI bytes in hex, e.g. send F0 7E 7F 06 01 F7")
        try:
            data = bytes.fromhex("".join(args))
        except ValueError:
            raise ValueError(f"send wants hex bytes, got {' '.join(args)!r}") from None
        try:
            split_messages(data)
        except MidiBytesError as error:
            raise ValueError(f"send: {error}") from None
        return Send(line, data)
    if verb == "usb":
        return _usb_step(line, args, keyboard)
    raise ValueError(
        f"unknown action {words[0]!r}; expected press, release, wait, button, wheel, slider, pedal, send or usb"
    )


def _usb_step(line: int, args: list[str], keyboard: _Keyboard) -> UsbStep:
    usage = "usb stall MS | usb unplug | usb plug"
    if not args or args[0] not in ("stall", "unplug", "plug"):
        raise ValueError(f"usage: {usage}")
    action = args[0]
    if action == "stall":
        _want(args, 2, 2, "usb stall MS")
        if not keyboard.plugged:
            raise ValueError("usb stall while the USB cable is unplugged (usb plug first)")
        return UsbStep(line, action, _microseconds(args[1], "usb stall"))
    _want(args, 1, 1, usage)
    if (action == "plug") == keyboard.plugged:
        raise ValueError(f"the USB cable is already {'plugged in' if keyboard.plugged else 'unplugged'}")
    keyboard.plugged = action == "plug"
    return UsbStep(line, action)


def _want(args: list[str], least: int, most: int, usage: str) -> None:
    if not least <= len(args) <= most:
        raise ValueError(f"usage: {usage}")


def _integer(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what} wants an integer, got {text!r}") from None


def _real(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} wants a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{what} wants a finite number, got {text!r}")
    return value


def _microseconds(text: str, what: str) -> int:
    milliseconds = _real(text, what)
    if not 0 <= milliseconds < 4_000_000:
        raise ValueError(f"{what} wants milliseconds 0..4000000, got {text}")
    return round(milliseconds * 1000)


def run_script(steps: list[Step], emulator: Emulator) -> list[Event]:
    """Run the steps on a booted emulator in virtual time; returns every event, oldest first."""
    for step in steps:
        step.apply(emulator)
    emulator.advance(SETTLE_MS * 1000)
    emulator.sync()
    return emulator.events()


def format_time(time_us: int) -> str:
    """Virtual time in milliseconds: whole (the keyboard ticks on whole milliseconds), else 3 decimals."""
    if time_us % 1000 == 0:
        return str(time_us // 1000)
    return f"{time_us / 1000:.3f}"
