"""Pitch wheel, modulation wheel and volume slider: 16-bit ADC readings to MIDI, with hysteresis.

A control at rest sends nothing: ADC noise of a few LSBs never crosses a hysteresis band. Integer math
only; every product stays below 2**30 so it is a small int on the RP2040 too.

The controls are read one at a time in turn (mod wheel, volume slider, pitch wheel), on every other tick
(LANE_EVEN: the pedal and MIDI in take the ticks between), so each is read every READ_EVERY_TICKS ticks
(6 ms at 1 kHz): hands move far slower than that, and the scan tick stays short (reading and converting
all three every tick cost about a fifth of it on the RP2040; tools/bench/scan_tick.py).
"""

import pins
from core.compat import const, micropython
from core.feature import LANE_EVEN, Feature

PITCH_BEND_CENTRE = const(8192)
PITCH_BEND_MAX = const(16383)
# Raw 16-bit units a CC value's band is widened by on each side before the value moves (a CC step is 512).
CC_HYSTERESIS = const(256)
# Raw 16-bit units the pitch wheel must move from where it last moved the bend (centre and ends excepted).
PITCH_HYSTERESIS = const(96)
CC_MODULATION = const(1)
CC_VOLUME = const(7)
_STATUS_CONTROL_CHANGE = const(0xB0)
_STATUS_PITCH_BEND = const(0xE0)
_N_CONTROLS = const(3)  # read in turn, one each time the feature runs
READ_EVERY_TICKS = const(2 * _N_CONTROLS)  # ticks between two readings of one control (it runs every other tick)
_READ_MOD = const(0)
_READ_VOLUME = const(1)


def cc_from_raw(raw, current):
    """The 7-bit value for ADC reading `raw` when the control last sent `current` (hysteresis band)."""
    low = current * 512 - CC_HYSTERESIS
    high = current * 512 + 511 + CC_HYSTERESIS
    if low <= raw <= high:
        return current
    return raw >> 9


def bend_from_raw(raw, minimum, centre, maximum, dead_zone):
    """14-bit pitch bend for `raw` on a wheel calibrated to minimum/centre/maximum, with a dead zone."""
    upper = centre + dead_zone
    lower = centre - dead_zone
    if raw > upper:
        span = maximum - upper
        if span <= 0 or raw >= maximum:
            return PITCH_BEND_MAX
        return PITCH_BEND_CENTRE + (raw - upper) * (PITCH_BEND_MAX - PITCH_BEND_CENTRE) // span
    if raw < lower:
        span = lower - minimum
        if span <= 0 or raw <= minimum:
            return 0
        return PITCH_BEND_CENTRE - (lower - raw) * PITCH_BEND_CENTRE // span
    return PITCH_BEND_CENTRE


class ControlsFeature(Feature):
    NAME = "controls"
    LANE = LANE_EVEN

    def __init__(self):
        self.bend = PITCH_BEND_CENTRE
        self._bend_raw = 0  # the reading that last moved the bend
        self.modulation = 0
        self.volume = 0
        self._turn = 0  # which control this tick reads: _READ_MOD, _READ_VOLUME or the pitch wheel

    def boot(self, keyboard, now_us):
        # Where the controls rest at power-up is not news: nothing is sent until one moves.
        board = keyboard.board
        self._bend_raw = board.read_adc(pins.ADC_PITCH)
        self.modulation = board.read_adc(pins.ADC_MOD) >> 9
        self.volume = board.read_adc(pins.ADC_VOLUME) >> 9

    @micropython.native
    def before_scan(self, keyboard, now_us):
        turn = self._turn
        self._turn = turn + 1 if turn < _N_CONTROLS - 1 else 0
        if turn == _READ_MOD:
            value = cc_from_raw(keyboard.board.read_adc(pins.ADC_MOD), self.modulation)
            if value != self.modulation:
                self.modulation = value
                status = _STATUS_CONTROL_CHANGE | keyboard.settings.channel
                keyboard.tx.channel_message(status, CC_MODULATION, value)
        elif turn == _READ_VOLUME:
            value = cc_from_raw(keyboard.board.read_adc(pins.ADC_VOLUME), self.volume)
            if value != self.volume:
                self.volume = value
                status = _STATUS_CONTROL_CHANGE | keyboard.settings.channel
                keyboard.tx.channel_message(status, CC_VOLUME, value)
        else:
            self._read_pitch(keyboard)

    def on_channel_change(self, keyboard, old_channel):
        # A bent wheel: centre on the old channel, the same bend on the new one (where it will return).
        if self.bend != PITCH_BEND_CENTRE:
            tx = keyboard.tx
            tx.channel_message(_STATUS_PITCH_BEND | old_channel, PITCH_BEND_CENTRE & 0x7F, PITCH_BEND_CENTRE >> 7)
            tx.channel_message(_STATUS_PITCH_BEND | keyboard.settings.channel, self.bend & 0x7F, self.bend >> 7)

    @micropython.native
    def _read_pitch(self, keyboard):
        raw = keyboard.board.read_adc(pins.ADC_PITCH)
        settings = keyboard.settings
        value = bend_from_raw(
            raw, settings.pitch_min, settings.pitch_centre, settings.pitch_max, settings.pitch_dead_zone
        )
        moved = raw - self._bend_raw
        # Back to centre and the two ends always land exactly; elsewhere the wheel must move a band.
        if value == PITCH_BEND_CENTRE or value == 0 or value == PITCH_BEND_MAX or not (
            -PITCH_HYSTERESIS <= moved <= PITCH_HYSTERESIS
        ):
            self._bend_raw = raw
            if value != self.bend:
                self.bend = value
                # Pitch bend: LSB then MSB, 7 bits each (MIDI 1.0).
                keyboard.tx.channel_message(_STATUS_PITCH_BEND | settings.channel, value & 0x7F, value >> 7)
