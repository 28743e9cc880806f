"""The keyboard's state as the screen shows it, kept up to date from what the keyboard reports.

LEDs and sounding notes come from the keyboard's own events (LED frames, MIDI it sent). The octave is
the keyboard's business too, but it reports only whether it is shifted down or up (the octave LEDs):
the view counts the octave button presses it made and corrects the count whenever the LEDs disagree.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import mido

from keycomposer.emulator import FaultEvent, LedEvent, MidiEvent
from keycomposer.emulator.layout import LEDS, LOWEST_NOTE_DEFAULT, N_KEYS, note_name

MESSAGES_SHOWN = 6
CLOCKS_PER_BEAT = 24  # MIDI clock (F8)
# The keyboard refuses an octave shift that would put a key outside MIDI 0..127.
LOWEST_OCTAVE = -(LOWEST_NOTE_DEFAULT // 12)
HIGHEST_OCTAVE = (127 - (LOWEST_NOTE_DEFAULT + N_KEYS - 1)) // 12


@dataclass
class KeyboardView:
    velocity: int = 100  # what the next key press plays
    hold_ms: int = 300
    latch: bool = False
    octave: int = 0
    leds: dict[str, bool] = field(default_factory=lambda: {led: False for led in LEDS})
    keys_down: frozenset[int] = frozenset()
    sounding: dict[int, int] = field(default_factory=dict)  # note -> velocity, from the keyboard's MIDI
    last_velocity: int | None = None  # of the last note-on the keyboard sent
    messages: deque[str] = field(default_factory=lambda: deque(maxlen=MESSAGES_SHOWN))
    take_notes: int = 0
    saved: list[str] = field(default_factory=list)  # one line per finished take
    status: str = ""
    title: str = "keycomposer keyboard"
    # The keyboard runs MIDI clock while its arpeggiator or playback runs: the last beat's pulse times.
    clock_us: deque[int] = field(default_factory=lambda: deque(maxlen=CLOCKS_PER_BEAT + 1))
    clock_running: bool = False

    def octave_pressed(self, button: str) -> None:
        """The console pressed an octave button: the keyboard shifts when it is let go."""
        step = 1 if button == "octave_up" else -1
        self.octave = max(LOWEST_OCTAVE, min(HIGHEST_OCTAVE, self.octave + step))

    def feed(self, event: object) -> None:
        """Take one event from the keyboard."""
        if isinstance(event, LedEvent):
            self.leds[event.led] = event.on
            if event.led in ("octave_down", "octave_up"):
                self._check_octave()
        elif isinstance(event, MidiEvent):
            self._midi(event.time_us, event.message)
        elif isinstance(event, FaultEvent):
            self.status = f"keyboard fault: {event.text}"

    def _check_octave(self) -> None:
        down, up = self.leds["octave_down"], self.leds["octave_up"]
        if not down and not up:
            self.octave = 0
        elif up and self.octave <= 0:
            self.octave = 1
        elif down and self.octave >= 0:
            self.octave = -1

    def _midi(self, time_us: int, message: mido.Message) -> None:
        if message.type == "clock":
            self.clock_us.append(time_us)
            self.clock_running = True
            return  # 24 a beat: it would push everything else off the list
        if message.type in ("start", "stop"):
            self.clock_us.clear()
            self.clock_running = message.type == "start"
        self.messages.append(f"{time_us / 1e6:9.3f} s  {describe(message)}")
        if message.type == "note_on" and message.velocity > 0:
            self.sounding[message.note] = message.velocity
            self.last_velocity = message.velocity
        elif message.type in ("note_on", "note_off"):
            self.sounding.pop(message.note, None)

    @property
    def clock_bpm(self) -> float | None:
        """The tempo of the keyboard's MIDI clock over (up to) its last beat; None while it is stopped
        or before its second pulse."""
        if not self.clock_running or len(self.clock_us) < 2:
            return None
        span_us = self.clock_us[-1] - self.clock_us[0]
        beats = (len(self.clock_us) - 1) / CLOCKS_PER_BEAT
        return 60e6 * beats / span_us if span_us > 0 else None

    @property
    def lowest_note(self) -> int:
        return LOWEST_NOTE_DEFAULT + 12 * self.octave


def describe(message: mido.Message) -> str:
    """A MIDI message in a person's words: ``note_on  C4  velocity 100  channel 1``."""
    channel = f"  channel {message.channel + 1}" if hasattr(message, "channel") else ""
    if message.type in ("note_on", "note_off"):
        return f"{message.type:<8} {note_name(message.note):<4} velocity {message.velocity}{channel}"
    if message.type == "control_change":
        return f"control  {message.control} = {message.value}{channel}"
    if message.type == "pitchwheel":
        return f"pitch bend {message.pitch:+d}{channel}"
    if message.type == "sysex":
        return f"sysex    {len(message.data)} bytes"
    fields = " ".join(f"{name}={value}" for name, value in message.dict().items() if name not in ("type", "time"))
    return f"{message.type} {fields}".rstrip()
