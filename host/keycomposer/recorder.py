"""A take: timed MIDI messages from the keyboard turned into a Composition.

The recorder is fed ``(time_us, mido.Message)`` pairs as they arrive (from the emulator's virtual clock
or a real port's clock) and can be asked for what it holds at any moment, so a keyboard unplugged
mid-take still leaves everything played up to then. Notes still held when the take ends are closed at
the end of the take rather than dropped. Pitch bend and controllers are not kept in the composition
model yet; they are counted so a caller can say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mido

from keycomposer.music.composition import DEFAULT_RESOLUTION, Composition, Note, Tempo, Track


@dataclass
class Recorder:
    """Collects one take. ``bpm`` fixes the tick grid: ticks = microseconds * resolution / (60e6 / bpm)."""

    bpm: float = 120.0
    resolution: int = DEFAULT_RESOLUTION
    program: int = 0
    name: str = "take"
    _origin_us: int | None = None
    _last_us: int = 0
    _held: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # (channel, pitch) -> (start, velocity)
    _notes: list[Note] = field(default_factory=list)
    controls_ignored: int = 0

    def _ticks(self, time_us: int) -> int:
        if self._origin_us is None:
            self._origin_us = time_us
        elapsed = max(0, time_us - self._origin_us)
        return round(elapsed * self.resolution * self.bpm / 60_000_000)

    def feed(self, time_us: int, message: mido.Message) -> None:
        """Take one message that the keyboard sent at ``time_us``."""
        if message.type not in ("note_on", "note_off", "control_change", "pitchwheel"):
            return  # clock, SysEx replies and the like are not part of the music
        tick = self._ticks(time_us)
        self._last_us = max(self._last_us, time_us)
        if message.type in ("control_change", "pitchwheel"):
            self.controls_ignored += 1
            return
        key = (message.channel, message.note)
        if message.type == "note_on" and message.velocity > 0:
            if key in self._held:  # a repeated note-on without an off: end the first one here
                self._close(key, tick)
            self._held[key] = (tick, message.velocity)
        elif key in self._held:
            self._close(key, tick)

    def _close(self, key: tuple[int, int], tick: int) -> None:
        start, velocity = self._held.pop(key)
        self._notes.append(Note(start, key[1], max(1, tick - start), velocity))

    def restart(self, time_us: int | None = None) -> None:
        """Forget everything: the keyboard's record button started a take at ``time_us``, which becomes
        the take's time 0 (None: its first message will be)."""
        self._origin_us = time_us
        self._last_us = 0
        self._held.clear()
        self._notes.clear()
        self.controls_ignored = 0

    @property
    def started(self) -> bool:
        return self._origin_us is not None

    def elapsed_us(self, time_us: int) -> int:
        """How far ``time_us`` lies after the take's first message (0 before the take starts)."""
        return 0 if self._origin_us is None else time_us - self._origin_us

    def composition(self, end_us: int | None = None) -> Composition:
        """What the take holds so far; notes still held end at ``end_us`` (default: the last message)."""
        notes = list(self._notes)
        if self._held:
            end_tick = self._ticks(end_us if end_us is not None else self._last_us)
            for (channel, pitch), (start, velocity) in self._held.items():
                notes.append(Note(start, pitch, max(1, end_tick - start), velocity))
        track = Track(tuple(notes), program=self.program, name=self.name)
        return Composition((track,), self.resolution, (Tempo.from_bpm(self.bpm),), name=self.name)
