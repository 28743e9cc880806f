"""Due times of a periodic event, exact and drift-free: event k is due at start + floor(k * N / D) us.

A musical period is rarely a whole number of microseconds (a 1/16 triplet at 120 BPM is 83333 1/3 us),
and adding a rounded period again and again drifts. The grid adds the period's whole part and carries
its fraction like Bresenham's line algorithm, so every due time is the exact one, rounded down, and
every number stays a small int (no big-int allocation on the RP2040, where small ints end at 2**30).
"""

from core.compat import ticks_add, ticks_diff


class TimeGrid:
    def __init__(self):
        self.due = 0  # when the next event is due (wraps like ticks_us)
        self.count = 0  # events passed since the grid was (re)started: the next one is event `count`
        self._whole = 1  # N // D
        self._fraction = 0  # N % D
        self._denominator = 1
        self._carried = 0  # (k * N) % D for the next event k

    def start(self, start_us, numerator_us, denominator):
        """Event 0 is due at start_us, then one every numerator_us / denominator microseconds."""
        self.due = start_us
        self.count = 0
        self._carried = 0
        self.set_period(numerator_us, denominator)

    def set_period(self, numerator_us, denominator):
        """A new period from the next due event on (that event keeps its time: the grid restarts there)."""
        self._whole = numerator_us // denominator
        self._fraction = numerator_us % denominator
        self._denominator = denominator
        self._carried = 0

    def period_us(self):
        """The period rounded down to whole microseconds."""
        return self._whole

    def is_due(self, now_us):
        return ticks_diff(now_us, self.due) >= 0

    def advance(self):
        """The next event: its due time is the exact one, floor(k * N / D) after the start."""
        step = self._whole
        carried = self._carried + self._fraction
        if carried >= self._denominator:
            carried -= self._denominator
            step += 1
        self._carried = carried
        self.due = ticks_add(self.due, step)
        self.count += 1

    def next_due(self):
        """When the event after the next one is due (the grid itself does not move)."""
        step = self._whole
        if self._carried + self._fraction >= self._denominator:
            step += 1
        return ticks_add(self.due, step)
