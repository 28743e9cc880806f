"""MIDI clock out: F8 24 times per quarter note while the arpeggiator or playback runs, FA when it
starts, FC when it stops, so a DAW can follow the keyboard (MIDI 1.0, System Real Time messages).

Each byte goes out as a USB-MIDI single-byte packet, CIN F: `0F F8 00 00` (USB MIDI 1.0, table 4-1).
Pulse n after a start is due at start + floor(n * 60e6 / (bpm * 24)) us, exactly (core/time_grid.py),
and goes out on the first scan tick at or after that time; a tempo change takes effect from the next
pulse. Whoever runs in time starts and stops the clock with its own user bit: FA goes out when the first
user starts it, FC when the last one stops it.

Between runs, while the arpeggiator is on, the clock keeps counting beats silently (no bytes) so that the
arp LED (`beat_led`) can blink on the beat; a tap on the tap tempo button puts that silent beat on the tap.
"""

from core.compat import const, micropython
from core.feature import Feature
from core.time_grid import TimeGrid

USER_ARP = const(1)
USER_PLAYBACK = const(2)
PULSES_PER_QUARTER = const(24)
BLINK_PULSES = const(6)  # a beat LED is lit for the first 6 pulses (a 16th note) of each beat
NO_LED = const(-1)
_US_PER_MINUTE = const(60000000)
_CIN_SINGLE_BYTE = const(0x0F)
_TIMING_CLOCK = const(0xF8)
_START = const(0xFA)
_STOP = const(0xFC)
# Pulses sent in one tick at most: after a stall (a long flash write, say) the clock skips rather than
# bursting; at 240 BPM a pulse is 10.4 ms, so a healthy 1 ms tick never has more than one due.
_MAX_PULSES_PER_TICK = const(4)
# core.compat.ticks_diff, inlined in the per-tick check: ticks_diff(a, b) >= 0 when
# (a - b + _TICKS_HALF) & _TICKS_MAX >= _TICKS_HALF.
_TICKS_HALF = const(1 << 29)
_TICKS_MAX = const((1 << 30) - 1)


class MidiClock(Feature):
    NAME = "clock"

    def __init__(self):
        self.users = 0  # USER_* bits of who runs: clock bytes go out while this is not 0
        self.pulse_in_beat = 0  # the last pulse counted, 0..23 within its beat (0: the beat itself)
        self.beat_led = NO_LED  # an LED (pins.LED_*) to blink on the beat, or NO_LED
        self._grid = TimeGrid()
        self.ticking = False  # the grid runs (started, or counting beats silently): after_scan has work
        self._silent_wanted = False
        self._bpm = 0

    def start(self, keyboard, now_us, user=USER_PLAYBACK):
        """`user` runs from now: FA and the first F8 go out now when nobody ran before."""
        was_running = self.users != 0
        self.users |= user
        if was_running:
            return
        keyboard.tx.put(_CIN_SINGLE_BYTE, _START, 0, 0)
        self._restart(keyboard, now_us)

    def stop(self, keyboard, now_us, user=USER_PLAYBACK):
        """`user` stopped: FC goes out when nobody runs any more."""
        if not self.users & user:
            return
        self.users &= ~user
        if not self.users:
            keyboard.tx.put(_CIN_SINGLE_BYTE, _STOP, 0, 0)
            self.ticking = self._silent_wanted

    def count_beats(self, keyboard, now_us, wanted):
        """Count beats without sending anything while nobody runs (for the beat LED)."""
        self._silent_wanted = wanted
        if self.users:
            return
        if wanted and not self.ticking:
            self._restart(keyboard, now_us)
        self.ticking = wanted

    def tapped(self, keyboard, now_us):
        """The tempo was just tapped: while nobody runs, the silent beat falls on the tap."""
        if self.ticking and not self.users:
            self._restart(keyboard, now_us)

    @micropython.native
    def after_scan(self, keyboard, now_us):
        if self.ticking and (now_us - self._grid.due + _TICKS_HALF) & _TICKS_MAX >= _TICKS_HALF:
            self._pulses_due(keyboard, now_us)

    def _restart(self, keyboard, now_us):
        self._bpm = keyboard.tempo.bpm
        self._grid.start(now_us, _US_PER_MINUTE, self._bpm * PULSES_PER_QUARTER)
        self.ticking = True
        self.pulse_in_beat = PULSES_PER_QUARTER - 1  # so that pulse 0 counts as a beat
        self._pulses_due(keyboard, now_us)

    def _pulses_due(self, keyboard, now_us):
        grid = self._grid
        for _ in range(_MAX_PULSES_PER_TICK):
            if not grid.is_due(now_us):
                return
            if self.users:
                keyboard.tx.put(_CIN_SINGLE_BYTE, _TIMING_CLOCK, 0, 0)
            pulse = self.pulse_in_beat + 1 if self.pulse_in_beat < PULSES_PER_QUARTER - 1 else 0
            self.pulse_in_beat = pulse
            if self.beat_led != NO_LED and (pulse == 0 or pulse == BLINK_PULSES):
                keyboard.set_led(self.beat_led, pulse == 0)
            bpm = keyboard.tempo.bpm
            if bpm != self._bpm:  # a new tempo: from the pulse after this one
                self._bpm = bpm
                grid.set_period(_US_PER_MINUTE, bpm * PULSES_PER_QUARTER)
            grid.advance()
        while grid.is_due(now_us):  # still behind after a stall: skip the missed pulses
            grid.advance()
