"""What the keyboard plays, cut into takes; each finished take is handed to ``save``.

A take holds the notes from the first note-on after the previous take ended. It ends:

- when the person asks (the console's end-take key, or quitting),
- when the keyboard's own record button is switched off (its record LED goes out),
- and when the record button is switched on (its record LED lights): what was played before that is
  kept as a take of its own, so the recording the person starts holds only what comes after.

What the keyboard plays back (its playback button) is music it sends like any other, so it lands in the
take under way, as it would on a MIDI cable. A take with no notes is not saved. Notes still sounding when a take ends are closed there (the
Recorder does that), and their note-offs are then ignored by the next take.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Generic, TypeVar

import mido

from keycomposer.emulator import LedEvent, MidiEvent
from keycomposer.music.composition import Composition
from keycomposer.recorder import Recorder

Saved = TypeVar("Saved")


@dataclass(frozen=True)
class FinishedTake(Generic[Saved]):
    number: int  # 1, 2, ... in this session
    composition: Composition
    notes: int
    saved: Saved | None  # what ``save`` returned (a library entry), None when not saved


@dataclass
class TakeKeeper(Generic[Saved]):
    """Feed it the keyboard's events; it calls ``save(composition, number)`` for every take that ends
    with notes in it. ``bpm`` is the tick grid the recorder writes the take on."""

    save: Callable[[Composition, int], Saved | None]
    bpm: float = 120.0
    finished: list[FinishedTake[Saved]] = field(default_factory=list)
    _recorder: Recorder | None = None
    _notes: int = 0
    _last_us: int = 0  # time of the take's last message
    _record_led: bool = False

    def feed(self, event: object) -> FinishedTake[Saved] | None:
        """Take one keyboard event; returns the take it ended, if it ended one."""
        if isinstance(event, LedEvent) and event.led == "record" and event.on != self._record_led:
            self._record_led = event.on
            return self.end_take(event.time_us)
        if isinstance(event, MidiEvent):
            self._feed_message(event.time_us, event.message)
        return None

    def _feed_message(self, time_us: int, message: mido.Message) -> None:
        if message.type not in ("note_on", "note_off"):
            return  # clock and controllers: a take starts at a note, not at a wheel moving
        starts_note = message.type == "note_on" and message.velocity > 0
        if self._recorder is None:
            if not starts_note:
                return  # the end of a note from before this take
            self._recorder = Recorder(bpm=self.bpm, name=f"take {len(self.finished) + 1}")
        self._recorder.feed(time_us, message)
        self._last_us = max(self._last_us, time_us)
        if starts_note:
            self._notes += 1

    def end_take(self, end_us: int | None = None) -> FinishedTake[Saved] | None:
        """End the take now (at ``end_us``, default its last message); saves it when it has notes."""
        recorder, notes, last_us = self._recorder, self._notes, self._last_us
        self._recorder, self._notes, self._last_us = None, 0, 0
        if recorder is None or notes == 0:
            return None
        composition = recorder.composition(max(end_us or 0, last_us))
        number = len(self.finished) + 1
        take = FinishedTake(number, composition, notes, self.save(composition, number))
        self.finished.append(take)
        return take

    @property
    def notes_in_take(self) -> int:
        """Notes started in the take under way."""
        return self._notes
