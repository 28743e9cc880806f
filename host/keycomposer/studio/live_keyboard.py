"""Recording from the linked keyboard or the emulated one, with the page watching the take as it grows.

A ``KeyboardSource`` yields the timed MIDI messages the keyboard sends (``poll``); ``LiveKeyboard`` feeds
them into a ``Recorder`` (the one ``keycomposer record`` uses) and keeps the take's state for the page.
The keyboard's record button starts and ends a take as it does for ``record``. A keyboard that goes
away mid-take ends it: what was played is kept, and the page is told why it ended.

With ``background=True`` (the server) a thread polls the keyboard every few milliseconds, so a linked
keyboard's messages are stamped as they arrive. Without it (the tests) each look at the take polls once,
and the emulated keyboard runs in virtual time, so nothing waits on the wall clock.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Callable, ContextManager, Protocol

import mido

from keycomposer.device.transport import TransportError
from keycomposer.emulator import Emulator, EmulatorError
from keycomposer.recorder import Recorder
from keycomposer.take import take_state

_POLL_S = 0.01  # the background thread's pause between looks at the keyboard
_VIRTUAL_STEP_US = 20_000  # how much virtual time one look lets pass on an emulator in virtual time
_CHECK_EVERY_S = 1.0  # a real-time emulator that died is noticed within this long


class KeyboardGone(Exception):
    """The keyboard cannot be reached (any more); the message says why."""


class KeyboardSource(Protocol):
    name: str
    playable: bool  # the page's keys can play it (the emulator); a linked keyboard is played by hand

    def poll(self) -> list[tuple[int, mido.Message]]: ...

    def key(self, key: int, down: bool, velocity: int) -> None: ...

    def button(self, name: str) -> None: ...

    def close(self) -> None: ...


class EmulatedKeyboard:
    """The firmware under MicroPython; the page's keys close its contacts. ``realtime=False``: virtual time."""

    playable = True

    def __init__(self, realtime: bool = True, interpreter: str = "micropython", dsn_seed: int = 0):
        self.name = f"emulated keyboard ({interpreter})"
        self._realtime = realtime
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._down: set[int] = set()
        try:
            self._emulator = Emulator(interpreter=interpreter, dsn_seed=dsn_seed, realtime=realtime)
            self._emulator.start()
        except EmulatorError as error:
            raise KeyboardGone(f"the emulated keyboard did not start: {error}") from error

    def poll(self) -> list[tuple[int, mido.Message]]:
        try:
            with self._lock:
                if not self._realtime:
                    self._emulator.advance(_VIRTUAL_STEP_US)
                    self._emulator.sync()
                elif time.monotonic() - self._checked > _CHECK_EVERY_S:
                    self._checked = time.monotonic()
                    self._emulator.sync()
                return [(event.time_us, event.message) for event in self._emulator.midi()]
        except EmulatorError as error:
            raise KeyboardGone(f"the emulated keyboard stopped: {error}") from error

    def key(self, key: int, down: bool, velocity: int) -> None:
        try:
            with self._lock:
                # The page may say "down" twice (mouse and computer key) or "up" for a key pressed before the
                # take: a key already where it is asked to go stays put, rather than ending the take.
                if down and key not in self._down:
                    self._emulator.press(key, velocity=velocity)
                    self._down.add(key)
                elif not down and key in self._down:
                    self._emulator.release(key)
                    self._down.discard(key)
        except EmulatorError as error:
            raise KeyboardGone(f"the emulated keyboard: {error}") from error

    def button(self, name: str) -> None:
        try:
            with self._lock:
                self._emulator.tap(name)
        except EmulatorError as error:
            raise KeyboardGone(f"the emulated keyboard: {error}") from error

    def close(self) -> None:
        with self._lock:
            self._emulator.close()


class LinkedKeyboard:
    """A keyboard on a MIDI or serial port, through the transport ``keycomposer record`` uses
    (``opened``: device.connect.open_transport's context, left when this closes)."""

    playable = False

    def __init__(self, opened: ContextManager):
        self._context = contextlib.ExitStack()
        try:
            self._transport = self._context.enter_context(opened)
        except TransportError as error:
            raise KeyboardGone(str(error)) from error
        self.name = getattr(self._transport, "name", "keyboard")

    def poll(self) -> list[tuple[int, mido.Message]]:
        try:
            return self._transport.receive(0)
        except TransportError as error:
            raise KeyboardGone(str(error)) from error

    def key(self, key: int, down: bool, velocity: int) -> None:
        raise KeyboardGone("a linked keyboard is played on the keyboard itself")

    def button(self, name: str) -> None:
        raise KeyboardGone("a linked keyboard's buttons are on the keyboard itself")

    def close(self) -> None:
        self._context.close()


class LiveKeyboard:
    """One take at a time from the keyboard ``open_source`` opens."""

    def __init__(self, open_source: Callable[[], KeyboardSource], background: bool = True, bpm: float = 120.0):
        self._open_source = open_source
        self._background = background
        self._lock = threading.RLock()
        self._source: KeyboardSource | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.recorder = Recorder(bpm=bpm, name="keyboard take")
        self.state = "idle"  # idle, recording, ended
        self.ended_by: str | None = None

    @property
    def source_name(self) -> str | None:
        return self._source.name if self._source else None

    def start(self, bpm: float = 120.0) -> None:
        """Open the keyboard (if not open) and start a new take. KeyboardGone when it cannot be reached."""
        with self._lock:
            if self._source is None:
                self._source = self._open_source()
            self.recorder = Recorder(bpm=bpm, name="keyboard take")
            self.state, self.ended_by = "recording", None
            if self._background and self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="studio-keyboard", daemon=True)
                self._thread.start()

    def pump(self) -> None:
        """Take in what the keyboard sent since the last look (the thread does this when there is one)."""
        with self._lock:
            if self.state != "recording" or self._source is None:
                return
            try:
                events = self._source.poll()
            except KeyboardGone as error:
                self._went_away(str(error))
                return
            for time_us, message in events:
                started = take_state(message)
                if started is True:
                    self.recorder.restart(time_us)
                elif started is False and self.recorder.started:
                    self.state, self.ended_by = "ended", "the record button"
                    return
                else:
                    self.recorder.feed(time_us, message)

    def look(self) -> None:
        """What the page calls before reading the take: polls once when no thread does."""
        if not self._background:
            self.pump()

    def key(self, key: int, down: bool, velocity: int = 100) -> None:
        with self._lock:
            source = self._playable_source()
            try:
                source.key(key, down, velocity)
            except KeyboardGone as error:
                self._went_away(str(error))
                raise

    def button(self, name: str) -> None:
        with self._lock:
            source = self._playable_source()
            try:
                source.button(name)
            except KeyboardGone as error:
                self._went_away(str(error))
                raise

    def finish(self) -> None:
        """End the take (what it holds stays readable until the next start)."""
        with self._lock:
            self.look()
            if self.state == "recording":
                self.state, self.ended_by = "ended", "the page's stop button"

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        with self._lock:
            if self._source is not None:
                self._source.close()
                self._source = None

    def _playable_source(self) -> KeyboardSource:
        if self._source is None or self.state != "recording":
            raise KeyboardGone("no take is being recorded: press record first")
        if not self._source.playable:
            raise KeyboardGone(f"{self._source.name} is played on the keyboard itself")
        return self._source

    def _went_away(self, why: str) -> None:
        self.state, self.ended_by = "ended", f"the keyboard went away ({why})"
        source, self._source = self._source, None
        if source is not None:
            try:
                source.close()
            except (OSError, EmulatorError, TransportError):
                pass  # it is gone already; closing is a courtesy

    def _run(self) -> None:
        while not self._stop.wait(_POLL_S):
            self.pump()
