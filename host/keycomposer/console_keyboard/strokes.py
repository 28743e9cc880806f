"""Terminal key presses turned into the keyboard's contacts opening and closing over time.

A terminal says when a key is pressed, never when it is let go; and while a key is held it repeats the
press (after about half a second, then some 30 times a second). So how a note ends is decided here:

- hold mode (the default): a press plays the note and lets it go ``hold_us`` later. Presses of the same
  key that come faster than ``REPEAT_WINDOW_US`` apart are the terminal's auto-repeat: each one keeps
  the note sounding another ``hold_us``, so holding a computer key holds the note (after the terminal's
  first repeat delay). A later press strikes the note again.
- latch mode: a press starts the note and the next press of the same key ends it (auto-repeats are
  ignored), for notes as long as you like.

A keyboard key is struck as a finger strikes it: its first contact closes, its second closes the contact
time of the wanted velocity later, and at the end both open. A button is held ``BUTTON_HOLD_US`` and let
go (the octave buttons act on release, the others on press); presses of a button faster than
``REPEAT_WINDOW_US`` apart are auto-repeat and ignored. Every contact stays put long enough for the
keyboard's debounce to see it.

Pure logic: time is the ``now_us`` each call is given, and ``due(now_us)`` returns the contact changes
whose time has come, for the caller to send to the keyboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from keycomposer.emulator import layout
from keycomposer.emulator.velocity import scanned_contact_time_us

DEFAULT_HOLD_US = 300_000
# Terminal auto-repeat runs at 25..40 presses a second; a person re-striking one key is slower than this.
REPEAT_WINDOW_US = 120_000
BUTTON_HOLD_US = 30_000  # with SETTLE_US, less than REPEAT_WINDOW_US: a button is up before its next tap
# The keyboard debounces for 5 ms and defers releases: a contact left alone this long is surely seen.
SETTLE_US = 20_000

Switch = tuple[int, int]  # (row, col) in the matrix


@dataclass(frozen=True)
class ContactChange:
    switch: Switch
    closed: bool


@dataclass
class _Stroke:
    """One key or button going down and coming back up."""

    closes: list[tuple[int, Switch]]  # (when, switch) still to close, in time order
    switches: tuple[Switch, ...]  # every switch it closes, in order
    release_at_us: int | None  # None: held until told (latch)
    last_press_us: int
    settled_at_us: int  # from then on every contact it closed has been seen, and it may open
    ending: bool = False  # its release is planned: the person (or release_all) ended it
    again: int | None = None  # velocity of a key's stroke to start once this one is up


@dataclass
class StrokePlanner:
    """Plans the contact changes for key presses and button taps; see the module docstring."""

    hold_us: int = DEFAULT_HOLD_US
    latch: bool = False
    _strokes: dict[int | str, _Stroke] = field(default_factory=dict)  # key number or button name
    _opened_at: dict[int | str, int] = field(default_factory=dict)
    _waiting: dict[int, tuple[int, int]] = field(default_factory=dict)  # key -> (start, velocity) of a re-strike
    _last_tap_us: dict[str, int] = field(default_factory=dict)
    _closed: set[Switch] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.hold_us < SETTLE_US:
            raise ValueError(f"hold must be at least {SETTLE_US // 1000} ms, got {self.hold_us / 1000:g} ms")

    # -- what the person does ------------------------------------------------------------------

    def press_key(self, key: int, velocity: int, now_us: int) -> None:
        """The computer key for keyboard key ``key`` was pressed (or auto-repeated) at ``now_us``."""
        contact_us = scanned_contact_time_us(velocity)  # checks velocity
        stroke = self._strokes.get(key)
        if stroke is None:
            if key in self._waiting:
                return  # already about to be struck again
            self._start_key(key, velocity, contact_us, now_us)
            return
        repeat = now_us - stroke.last_press_us < REPEAT_WINDOW_US
        stroke.last_press_us = now_us
        if repeat:
            if stroke.release_at_us is not None and not stroke.ending:
                stroke.release_at_us = max(stroke.release_at_us, now_us + self.hold_us)
            return
        if stroke.ending or not self.latch:
            stroke.again = velocity  # strike it again once it is up
        self._end(stroke, now_us)

    def tap_button(self, button: str, now_us: int) -> None:
        """Press and let go of ``button``. Presses faster than REPEAT_WINDOW_US apart are the terminal's
        auto-repeat and do nothing: holding Shift+C must not flip chord mode on and off."""
        switch = layout.button_switch(button)  # checks the name
        last = self._last_tap_us.get(button)
        if last is not None and now_us - last < REPEAT_WINDOW_US:
            return
        self._last_tap_us[button] = now_us
        # The last tap's button is up and settled by now: REPEAT_WINDOW_US > BUTTON_HOLD_US + SETTLE_US.
        release = now_us + BUTTON_HOLD_US
        self._strokes[button] = _Stroke([(now_us, switch)], (switch,), release, now_us, now_us + SETTLE_US)

    def set_latch(self, latch: bool, now_us: int) -> None:
        """Switch between hold and latch mode; every key down is let go, so none is left hanging."""
        self.latch = latch
        self.release_all(now_us)

    def release_all(self, now_us: int) -> None:
        """Let every key go now (buttons finish their tap); nothing is struck again."""
        self._waiting.clear()
        for what, stroke in self._strokes.items():
            if isinstance(what, int):
                stroke.again = None
                self._end(stroke, now_us)

    # -- what the keyboard is told -------------------------------------------------------------

    def due(self, now_us: int) -> list[ContactChange]:
        """The contact changes whose time has come, in the order to make them."""
        changes: list[ContactChange] = []
        for key, (start, velocity) in list(self._waiting.items()):
            if start <= now_us:
                del self._waiting[key]
                self._start_key(key, velocity, scanned_contact_time_us(velocity), start)
        for what, stroke in list(self._strokes.items()):
            while stroke.closes and stroke.closes[0][0] <= now_us:
                _, switch = stroke.closes.pop(0)
                changes.append(ContactChange(switch, True))
                self._closed.add(switch)
            if stroke.release_at_us is not None and stroke.release_at_us <= now_us and not stroke.closes:
                for switch in reversed(stroke.switches):
                    changes.append(ContactChange(switch, False))
                    self._closed.discard(switch)
                del self._strokes[what]
                self._opened_at[what] = stroke.release_at_us
                if stroke.again is not None and isinstance(what, int):
                    self._waiting[what] = (stroke.release_at_us + SETTLE_US, stroke.again)
        return changes

    def next_due_us(self) -> int | None:
        """When ``due`` next has something to return; None when nothing is planned."""
        times = [start for start, _ in self._waiting.values()]
        for stroke in self._strokes.values():
            if stroke.closes:
                times.append(stroke.closes[0][0])
            elif stroke.release_at_us is not None:
                times.append(stroke.release_at_us)
        return min(times, default=None)

    @property
    def keys_down(self) -> frozenset[int]:
        """Keys whose first contact is closed now (as far as ``due`` has told)."""
        return frozenset(key for key in range(layout.N_KEYS) if layout.first_contact(key) in self._closed)

    @property
    def idle(self) -> bool:
        """Nothing is down and nothing is planned."""
        return not self._strokes and not self._waiting

    # -- helpers -------------------------------------------------------------------------------

    def _start_key(self, key: int, velocity: int, contact_us: int, now_us: int) -> None:
        start = max(now_us, self._opened_at.get(key, now_us - SETTLE_US) + SETTLE_US)
        first, second = layout.first_contact(key), layout.second_contact(key)
        second_at = start + contact_us
        release = None if self.latch else max(start + self.hold_us, second_at + SETTLE_US)
        self._strokes[key] = _Stroke(
            [(start, first), (second_at, second)], (first, second), release, now_us, second_at + SETTLE_US
        )

    def _end(self, stroke: _Stroke, now_us: int) -> None:
        """Let go at ``now_us``, or once its contacts have been closed long enough to be seen."""
        if not stroke.ending:
            stroke.ending = True
            stroke.release_at_us = max(now_us, stroke.settled_at_us)
