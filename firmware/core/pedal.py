"""The sustain jack: CC 64, 127 when pressed and 0 when released. The host's synth does the sustaining.

Pedals come with either polarity, so the level read at power-up is taken as 'up'. The jack bounces like
a key: eager on press, deferred on release, with the same debounce time.
"""

from core.compat import const, micropython, ticks_diff
from core.feature import LANE_ODD, Feature

CC_SUSTAIN = const(64)
_STATUS_CONTROL_CHANGE = const(0xB0)


class SustainPedal(Feature):
    NAME = "pedal"
    LANE = LANE_ODD  # read every other tick: 2 ms is well inside its 5 ms debounce

    def __init__(self):
        self._rest_level = False
        self.pressed = False
        self._changing_since = 0
        self._releasing = False
        self._locked = False

    def boot(self, keyboard, now_us):
        self._rest_level = keyboard.board.read_pedal()

    @micropython.native
    def before_scan(self, keyboard, now_us):
        down = keyboard.board.read_pedal() != self._rest_level
        if not down and not self.pressed and not self._locked:
            return  # at rest: the common case, kept short
        debounce_us = keyboard.settings.debounce_us
        if self._locked:
            if ticks_diff(now_us, self._changing_since) < debounce_us:
                return
            self._locked = False
        if down:
            self._releasing = False
            if not self.pressed:
                self.pressed = True
                self._locked = True
                self._changing_since = now_us
                self._send(keyboard, 127)
        elif self.pressed:
            if not self._releasing:
                self._releasing = True
                self._changing_since = now_us
            if ticks_diff(now_us, self._changing_since) >= debounce_us:
                self._releasing = False
                self.pressed = False
                self._send(keyboard, 0)

    def on_channel_change(self, keyboard, old_channel):
        if self.pressed:
            # Pedal up on the old channel, down on the new: its release will go to the new one.
            keyboard.tx.channel_message(_STATUS_CONTROL_CHANGE | old_channel, CC_SUSTAIN, 0)
            self._send(keyboard, 127)

    def _send(self, keyboard, value):
        keyboard.tx.channel_message(_STATUS_CONTROL_CHANGE | keyboard.settings.channel, CC_SUSTAIN, value)
