"""The base of every feature: lifecycle hooks the keyboard calls, KMK style.

The keyboard calls each hook of each feature in turn inside its own try: a feature that raises is
reported (SysEx FAULT, board.fault) and the scan goes on with the next one. Hooks must not allocate in
steady state (keys held, wheels moving): they run about every millisecond.
"""


from core.compat import const

# Which ticks a feature's before_scan runs on (core/keyboard.py): every tick, or every other tick in one
# of two lanes that take turns, so work that can wait 2 ms is spread over two ticks instead of piling
# into each (tools/bench/scan_tick.py measures the tick).
EVERY_TICK = const(-1)
LANE_EVEN = const(0)
LANE_ODD = const(1)


class Feature:
    NAME = "feature"
    LANE = EVERY_TICK
    # Which switch events on_switch is called with: the keys' contacts, the buttons'. A key event (the
    # common one, up to 64 contacts) reaches only the features that want it.
    ON_KEYS = False
    ON_BUTTONS = True
    # False while the feature's every-tick hooks (before_scan outside a lane, after_scan) have nothing to
    # do: the keyboard then does not call them (a call each tick is a fair part of the tick's budget,
    # tools/bench/scan_tick.py). A feature that sets it keeps it true whenever they have work.
    ticking = True

    def boot(self, keyboard, now_us):
        """Once, when the keyboard is constructed."""

    def before_scan(self, keyboard, now_us):
        """Every tick while `ticking`, before the matrix is read; in a LANE, every other tick, after the scan
        (core/keyboard.py)."""

    def on_switch(self, keyboard, kind, index, closed, now_us):
        """A debounced switch changed: kind is pins.SWITCH_KEY_FIRST/SECOND or SWITCH_BUTTON. (A key's
        second contact opening is not handed on: the first contact's opening ends the note.)"""

    def after_scan(self, keyboard, now_us):
        """Every tick while `ticking`, after every switch event of the tick was handled."""

    def on_panic(self, keyboard):
        """All notes were just silenced: forget anything that assumed they sound."""

    def on_channel_change(self, keyboard, old_channel):
        """The keyboard moved from old_channel to keyboard.settings.channel (notes already ended by a
        panic on the old one): release on the old channel what this feature holds, restate it on the new."""
