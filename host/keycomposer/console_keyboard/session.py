"""The console keyboard at work: computer keys in, the emulated keyboard's contacts out, its events
onto the screen and into takes.

``ConsoleKeyboard`` is driven by the caller's clock (``now_us``) and works with any object that has the
Emulator's ``set_switch(row, col, closed)``, ``events()`` and ``sync()``; terminal.py runs it in a
terminal.
"""

from __future__ import annotations

from typing import Protocol

from keycomposer.console_keyboard.keymap import Command, PlayKey, PressButton, action_for
from keycomposer.console_keyboard.strokes import DEFAULT_HOLD_US, SETTLE_US, StrokePlanner
from keycomposer.console_keyboard.takes import FinishedTake, TakeKeeper
from keycomposer.console_keyboard.view import KeyboardView
from keycomposer.emulator.velocity import FASTEST_US, SCAN_PERIOD_US, SLOWEST_US, scanned_contact_time_us, velocity_of

# The velocities the keyboard can play: one per whole millisecond of contact time (EMULATOR.md).
VELOCITIES = sorted({velocity_of(t) for t in range(FASTEST_US, SLOWEST_US + SCAN_PERIOD_US, SCAN_PERIOD_US)})
DEFAULT_VELOCITY = 100
# Ending a take or quitting lets every key go, then waits this long for the last note-offs to come in.
_WIND_DOWN_US = 4 * SETTLE_US
_POLL_MS = 10  # the longest the loop sleeps: how late the screen may show what the keyboard did
# A keyboard that has gone (its process died) is noticed within this long even when nobody plays.
_CHECK_EVERY_US = 1_000_000


class Keyboard(Protocol):
    def set_switch(self, row: int, col: int, closed: bool) -> None: ...

    def events(self) -> list: ...

    def sync(self) -> None: ...


def playable_velocity(velocity: int) -> int:
    """The velocity the keyboard really plays when asked for ``velocity`` (1..127)."""
    return velocity_of(scanned_contact_time_us(velocity))


def next_velocity(velocity: int, step: int) -> int:
    """The playable velocity ``step`` places above (or below, for a negative step) ``velocity``."""
    index = min(range(len(VELOCITIES)), key=lambda i: abs(VELOCITIES[i] - velocity))
    return VELOCITIES[max(0, min(len(VELOCITIES) - 1, index + step))]


class ConsoleKeyboard:
    def __init__(
        self,
        keyboard: Keyboard,
        takes: TakeKeeper,
        hold_us: int = DEFAULT_HOLD_US,
        velocity: int = DEFAULT_VELOCITY,
        title: str = "keycomposer keyboard",
    ) -> None:
        self.keyboard = keyboard
        self.takes = takes
        self.planner = StrokePlanner(hold_us=hold_us)
        self.view = KeyboardView(velocity=playable_velocity(velocity), hold_ms=hold_us // 1000, title=title)
        self.dirty = True  # the screen needs drawing again
        self.done = False
        self._winding_down: str | None = None  # "end_take" or "quit" once asked for
        self._quiet_since_us: int | None = None
        self._checked_at_us: int | None = None

    # -- the person ----------------------------------------------------------------------------

    def handle_key(self, key_name: str, now_us: int) -> None:
        """The computer key ``key_name`` (keymap's names) was pressed at ``now_us``."""
        action = action_for(key_name)
        if action is None:
            return
        self.dirty = True
        if isinstance(action, Command):
            self._command(action.name, now_us)
        elif self._winding_down:
            return  # the take is being closed: no new notes into it
        elif isinstance(action, PlayKey):
            self.planner.press_key(action.key, self.view.velocity, now_us)
        elif isinstance(action, PressButton):
            self.planner.tap_button(action.button, now_us)
            if action.button in ("octave_down", "octave_up"):
                self.view.octave_pressed(action.button)

    def _command(self, name: str, now_us: int) -> None:
        if name == "velocity_down":
            self.view.velocity = next_velocity(self.view.velocity, -1)
        elif name == "velocity_up":
            self.view.velocity = next_velocity(self.view.velocity, +1)
        elif name == "latch":
            self.planner.set_latch(not self.planner.latch, now_us)
            self.view.latch = self.planner.latch
        elif name in ("end_take", "quit"):
            if self._winding_down != "quit":
                self._winding_down = name
            self.planner.release_all(now_us)
            self._quiet_since_us = None
            self.view.status = "quitting: letting every key go" if name == "quit" else "ending the take"

    # -- the keyboard --------------------------------------------------------------------------

    def step(self, now_us: int) -> None:
        """Make the contact changes that are due and take in what the keyboard did."""
        for change in self.planner.due(now_us):
            self.keyboard.set_switch(*change.switch, closed=change.closed)
            self._quiet_since_us = None
            self.dirty = True
        if self._checked_at_us is None or now_us - self._checked_at_us >= _CHECK_EVERY_US:
            self._checked_at_us = now_us
            self.keyboard.sync()  # raises EmulatorError if the keyboard is gone
        self._take_events(self.keyboard.events())
        if self.view.keys_down != self.planner.keys_down:
            self.view.keys_down = self.planner.keys_down
            self.dirty = True
        if self._winding_down and self.planner.idle:
            if self._quiet_since_us is None:
                self._quiet_since_us = now_us
            elif now_us - self._quiet_since_us >= _WIND_DOWN_US:
                self._finish_winding_down()

    def _take_events(self, events: list) -> None:
        for event in events:
            self.view.feed(event)
            self._finished(self.takes.feed(event))
            self.dirty = True
        self.view.take_notes = self.takes.notes_in_take

    def _finish_winding_down(self) -> None:
        what, self._winding_down = self._winding_down, None
        self.keyboard.sync()  # every note-off the releases caused is in
        self._take_events(self.keyboard.events())
        self._finished(self.takes.end_take())
        self.view.take_notes = self.takes.notes_in_take
        if what == "quit":
            self.done = True
        elif self.view.status == "ending the take":
            self.view.status = "the take was empty: nothing to save"
        self.dirty = True

    def _finished(self, take: FinishedTake | None) -> None:
        if take is None:
            return
        where = "not saved" if take.saved is None else f"saved as #{take.saved}"
        self.view.saved.append(f"take {take.number}: {take.notes} notes, {where}")
        self.view.status = f"take {take.number} ended: {take.notes} notes, {where}"

    def next_wake_us(self, now_us: int) -> int:
        """How long the loop may wait for a key before ``step`` has work to do."""
        due = self.planner.next_due_us()
        wait = _POLL_MS * 1000 if due is None else due - now_us
        return max(0, min(wait, _POLL_MS * 1000))
