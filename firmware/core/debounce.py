"""Matrix debounce, per switch: eager on press, deferred on release (QMK's `asym_eager_defer_pk`).

A press is reported on the first scan that sees the contact closed (so velocity timing is exact), then
the switch ignores its contact for `debounce_us` while it bounces. A release is reported only after the
contact has stayed open for `debounce_us`; a re-close before then cancels it. With n-key rollover every
switch is independent.
"""

from array import array

# MicroPython: the per-switch loop is compiled to machine code (`@micropython.viper`, which the compiler
# recognises by name): as bytecode it cost about a third of the scan tick on the ticks a contact moves
# (tools/bench/scan_tick.py). Under CPython, the tests' oracle, compat's stand-ins run the same source.
from core.compat import const, micropython

try:
    from core.compat import ptr8, ptr16, ptr32  # CPython: stand-ins (MicroPython: viper builtins)
except ImportError:
    pass

EVENT_CLOSED = const(0x80)  # events are (position | EVENT_CLOSED) for a press, position for a release
# ticks_diff and ticks_add (core/compat.py), written out in the compiled code: a call each would be a
# bytecode call on every tick a switch spends bouncing.
_TICKS_MAX = const((1 << 30) - 1)
_TICKS_HALF = const(1 << 29)


class MatrixDebouncer:
    def __init__(self, n_rows, n_cols, debounce_us):
        self.n_rows = n_rows
        self.n_cols = n_cols
        self.debounce_us = debounce_us
        self.debounced = array("H", [0] * n_rows)  # the reported state, a column bitmask per row
        self._lockout = array("H", [0] * n_rows)  # pressed switches still inside their debounce time
        self._releasing = array("H", [0] * n_rows)  # opened switches waiting out their debounce time
        self._since = array("i", [0] * (n_rows * n_cols))  # when the press or release began
        self.events = bytearray(n_rows * n_cols)
        self._busy = False  # some switch is inside its debounce time: every row must be looked at
        # While busy, nothing can happen before _due (the first debounce time to run out) unless a
        # contact moves: the raw rows of the last full scan, and the debounce time _due was worked out
        # with (the setting can change between scans).
        self._raw = array("H", [0] * n_rows)
        self._due = 0
        self._due_debounce_us = -1

    @micropython.viper
    def scan(self, rows, now_us: int) -> int:
        """Compare the raw `rows` with the debounced state; returns how many events were written."""
        # The steady state (keys held or not, nothing bouncing) costs one array comparison, done in C;
        # so do the ticks a switch spends bouncing or waiting out its release, until its time is up.
        if not self._busy:
            if rows == self.debounced:
                return 0
        elif (
            rows == self._raw
            and ((now_us - int(self._due) + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF < 0  # (ticks_diff < 0)
            and self.debounce_us == self._due_debounce_us
        ):
            return 0
        # Every switch whose contact differs from its state or that is inside its debounce time: write
        # the events; note the time until the first debounce time still running runs out, and whether any is.
        raw_rows = ptr16(rows)
        debounced = ptr16(self.debounced)
        lockout = ptr16(self._lockout)
        releasing = ptr16(self._releasing)
        raw_seen = ptr16(self._raw)
        since = ptr32(self._since)
        events = ptr8(self.events)
        n_rows = int(self.n_rows)
        n_cols = int(self.n_cols)
        debounce_us = int(self.debounce_us)
        n_events = 0
        busy_any = 0
        left_us = debounce_us  # a press locked out now has the whole debounce time left
        row = 0
        while row < n_rows:
            raw = raw_rows[row]
            raw_seen[row] = raw
            state = debounced[row]
            todo = (raw ^ state) | lockout[row] | releasing[row]
            if todo:
                position = row * n_cols
                bit = 1
                while bit <= todo:
                    if todo & bit:
                        locked = 0
                        if lockout[row] & bit:
                            elapsed = ((now_us - since[position] + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF
                            if elapsed < debounce_us:
                                locked = 1
                                if debounce_us - elapsed < left_us:
                                    left_us = debounce_us - elapsed
                            else:
                                lockout[row] = lockout[row] & ~bit
                        if not locked:
                            if raw & bit:
                                if releasing[row] & bit:
                                    releasing[row] = releasing[row] & ~bit  # bounced back closed: no release
                                elif not state & bit:
                                    state |= bit
                                    lockout[row] = lockout[row] | bit
                                    since[position] = now_us
                                    events[n_events] = position | EVENT_CLOSED
                                    n_events += 1
                            elif state & bit:
                                if not releasing[row] & bit:
                                    releasing[row] = releasing[row] | bit
                                    since[position] = now_us
                                elapsed = now_us - since[position]
                                elapsed = ((elapsed + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF
                                if elapsed >= debounce_us:
                                    releasing[row] = releasing[row] & ~bit
                                    state &= ~bit
                                    events[n_events] = position
                                    n_events += 1
                                elif debounce_us - elapsed < left_us:
                                    left_us = debounce_us - elapsed
                    bit <<= 1
                    position += 1
                debounced[row] = state
                busy_any |= lockout[row] | releasing[row]
            row += 1
        self._busy = busy_any != 0
        self._due = (now_us + left_us) & _TICKS_MAX  # (ticks_add)
        self._due_debounce_us = debounce_us
        return n_events

    def forget(self):
        """Treat every switch as open (nothing reported): used at boot."""
        for row in range(self.n_rows):
            self.debounced[row] = 0
            self._lockout[row] = 0
            self._releasing[row] = 0
        self._busy = False
