"""Tap tempo: the tap tempo button sets the tempo from the last taps.

The tempo is the average of the last (up to) TAPS_AVERAGED intervals between taps, as BPM rounded to
the nearest whole beat and clamped to MIN_BPM..MAX_BPM. A pause longer than RESET_AFTER_US forgets the
taps: the tap after it is a first tap again. A single tap changes nothing, it only starts counting.
Everything that runs in time (the arpeggiator, the MIDI clock, record and playback) reads `bpm` here.
"""

from array import array

import pins
from core.compat import const, ticks_diff
from core.feature import Feature

DEFAULT_BPM = const(120)
MIN_BPM = const(30)
MAX_BPM = const(240)
TAPS_AVERAGED = const(4)  # intervals
RESET_AFTER_US = const(2000000)
_US_PER_MINUTE = const(60000000)


def bpm_from_span(span_us, intervals):
    """Tempo of `intervals` beats lasting `span_us` in all, rounded to the nearest BPM and clamped."""
    if span_us <= 0:
        return MAX_BPM
    # 60e6 * intervals * 2 stays below 2**30 for up to 8 intervals: a small int on the RP2040 too.
    bpm = (2 * _US_PER_MINUTE * intervals // span_us + 1) // 2
    if bpm < MIN_BPM:
        return MIN_BPM
    if bpm > MAX_BPM:
        return MAX_BPM
    return bpm


class TapTempo(Feature):
    NAME = "tempo"

    def __init__(self):
        self.bpm = DEFAULT_BPM
        self._taps = array("i", [0] * (TAPS_AVERAGED + 1))  # oldest first
        self._n_taps = 0

    def set_bpm(self, bpm):
        if not MIN_BPM <= bpm <= MAX_BPM:
            raise ValueError("tempo must be in range %d..%d BPM, got %d" % (MIN_BPM, MAX_BPM, bpm))
        self.bpm = bpm

    def on_switch(self, keyboard, kind, button, closed, now_us):
        if kind != pins.SWITCH_BUTTON or button != pins.BUTTON_TAP_TEMPO or not closed:
            return
        taps = self._taps
        n = self._n_taps
        if n and ticks_diff(now_us, taps[n - 1]) > RESET_AFTER_US:
            n = 0
        if n == TAPS_AVERAGED + 1:
            for i in range(TAPS_AVERAGED):
                taps[i] = taps[i + 1]
            n = TAPS_AVERAGED
        taps[n] = now_us
        n += 1
        self._n_taps = n
        if n >= 2:
            self.bpm = bpm_from_span(ticks_diff(now_us, taps[0]), n - 1)
            keyboard.clock.tapped(keyboard, now_us)
