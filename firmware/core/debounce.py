"""Matrix debounce, per switch: eager on press, deferred on release (QMK's `asym_eager_defer_pk`).

A press is reported on the first scan that sees the contact closed (so velocity timing is exact), then
the switch ignores its contact for `debounce_us` while it bounces. A release is reported only after the
contact has stayed open for `debounce_us`; a re-close before then cancels it. With n-key rollover every
switch is independent.
"""

from array import array

from core.compat import const, ticks_add, ticks_diff

EVENT_CLOSED = const(0x80)  # events are (position | EVENT_CLOSED) for a press, position for a release


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

    def scan(self, rows, now_us):
        """Compare the raw `rows` with the debounced state; returns how many events were written."""
        # The steady state (keys held or not, nothing bouncing) costs one array comparison, done in C;
        # so do the ticks a switch spends bouncing or waiting out its release, until its time is up.
        if not self._busy:
            if rows == self.debounced:
                return 0
        elif (
            rows == self._raw
            and ticks_diff(now_us, self._due) < 0
            and self.debounce_us == self._due_debounce_us
        ):
            return 0
        debounce_us = self.debounce_us
        debounced = self.debounced
        lockout = self._lockout
        releasing = self._releasing
        since = self._since
        events = self.events
        n_events = 0
        n_cols = self.n_cols
        busy_any = 0
        left_us = debounce_us  # until the first debounce time still running runs out
        raw_seen = self._raw
        for row in range(self.n_rows):
            raw = rows[row]
            raw_seen[row] = raw
            state = debounced[row]
            busy = lockout[row] | releasing[row]
            todo = (raw ^ state) | busy
            if not todo:
                continue
            position = row * n_cols
            bit = 1
            while bit <= todo:
                if todo & bit:
                    if lockout[row] & bit:
                        elapsed = ticks_diff(now_us, since[position])
                        if elapsed < debounce_us:
                            if debounce_us - elapsed < left_us:
                                left_us = debounce_us - elapsed
                            bit <<= 1
                            position += 1
                            continue
                        lockout[row] &= ~bit
                    if raw & bit:
                        if releasing[row] & bit:
                            releasing[row] &= ~bit  # bounced back closed: no release after all
                        elif not state & bit:
                            state |= bit
                            lockout[row] |= bit
                            since[position] = now_us
                            events[n_events] = position | EVENT_CLOSED
                            n_events += 1
                    elif state & bit:
                        if not releasing[row] & bit:
                            releasing[row] |= bit
                            since[position] = now_us
                        elapsed = ticks_diff(now_us, since[position])
                        if elapsed >= debounce_us:
                            releasing[row] &= ~bit
                            state &= ~bit
                            events[n_events] = position
                            n_events += 1
                        elif debounce_us - elapsed < left_us:
                            left_us = debounce_us - elapsed
                bit <<= 1
                position += 1
            debounced[row] = state
            busy_any |= lockout[row] | releasing[row]
        self._busy = busy_any != 0
        # A press just locked out has the whole debounce time left: left_us started there.
        self._due = ticks_add(now_us, left_us)
        self._due_debounce_us = debounce_us
        return n_events

    def forget(self):
        """Treat every switch as open (nothing reported): used at boot."""
        for row in range(self.n_rows):
            self.debounced[row] = 0
            self._lockout[row] = 0
            self._releasing[row] = 0
        self._busy = False
