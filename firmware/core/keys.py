"""The keys: two contacts each, velocity from the time between them, notes (or chords) out."""

from array import array

import pins
from core.chord import UNISON, chord_intervals
from core.compat import const, micropython

try:
    from core.compat import ptr8, ptr32  # CPython: stand-ins (MicroPython: viper builtins)
except ImportError:
    pass
from core.feature import Feature
from core.velocity import velocity_from_us

_IDLE = const(0)  # key up
_ARMED = const(1)  # first contact closed, waiting for the second
_SOUNDING = const(2)  # second contact reached: the key's notes were sent, until the first contact opens
# core/compat.py ticks_diff, written out: a note's tick is the scan tick's heaviest
# (tools/bench/scan_tick.py).
_TICKS_MAX = const((1 << 30) - 1)
_TICKS_HALF = const(1 << 29)
# pins.SWITCH_KEY_FIRST and SWITCH_KEY_SECOND, as constants viper compares with (test_core_static holds
# them equal to pins').
_KEY_FIRST = const(1)
_KEY_SECOND = const(2)


class KeysFeature(Feature):
    NAME = "keys"
    ON_KEYS = True
    ON_BUTTONS = False

    def __init__(self):
        self._state = bytearray(pins.N_KEYS)
        self._first_closed_at = array("i", [0] * pins.N_KEYS)
        # Where each sounding key's notes went (keyboard.key_target at its press): its release goes there too.
        self._holder: list = [None] * pins.N_KEYS

    # viper: the key's state and first-contact time are read and written in place (a note's tick is the
    # scan tick's heaviest, tools/bench/scan_tick.py).
    @micropython.viper
    def on_switch(self, keyboard, kind: int, key: int, closed: bool, now_us: int):
        state = ptr8(self._state)
        if kind == _KEY_FIRST:
            if closed:
                if state[key] == _IDLE:
                    state[key] = _ARMED
                    first_closed_at = ptr32(self._first_closed_at)
                    first_closed_at[key] = now_us
            else:
                # Release of the first contact ends the note; a press that never reached the second
                # contact sent nothing, so it has nothing to end.
                if state[key] == _SOUNDING:
                    self._holder[key].release(key)
                state[key] = _IDLE
        elif kind == _KEY_SECOND:
            if closed and state[key] == _ARMED:
                state[key] = _SOUNDING
                # The note tracker, or the arpeggiator while it takes the keys; the release goes there too.
                notes = keyboard.key_target
                self._holder[key] = notes
                settings = keyboard.settings
                first_closed_at = ptr32(self._first_closed_at)
                travel_us = ((now_us - first_closed_at[key] + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF
                velocity = velocity_from_us(settings.velocity_curve, travel_us, settings.fixed_velocity)
                root = int(settings.lowest_note) + 12 * int(keyboard.octave) + key
                if keyboard.chord_on:
                    intervals = chord_intervals(settings.chord_mode, root, settings.chord_key)
                else:
                    intervals = UNISON
                notes.hold_chord(key, root, intervals, velocity)  # (one call for a chord's notes)
