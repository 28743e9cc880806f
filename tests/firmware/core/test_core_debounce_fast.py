"""The debouncer's shortcut while a switch bounces or waits out its release (core/debounce.py): it must
report exactly what the full per-switch scan reports, and skip the per-switch work when nothing can
change (tools/bench/scan_tick.py measures what that saves in the scan tick)."""

from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from core_harness import import_core

import_core()
from core.compat import TICKS_PERIOD, ticks_add, ticks_diff  # noqa: E402
from core.debounce import EVENT_CLOSED, MatrixDebouncer  # noqa: E402

N_ROWS, N_COLS = 3, 16


class Reference:
    """The per-switch rules of core/debounce.py, written plainly: every switch looked at on every scan."""

    def __init__(self, debounce_us):
        self.debounce_us = debounce_us
        self.state = [0] * (N_ROWS * N_COLS)
        self.lockout = [False] * (N_ROWS * N_COLS)
        self.releasing = [False] * (N_ROWS * N_COLS)
        self.since = [0] * (N_ROWS * N_COLS)

    def scan(self, rows, now_us):
        events = []
        for position in range(N_ROWS * N_COLS):
            raw = rows[position // N_COLS] >> (position % N_COLS) & 1
            if self.lockout[position]:
                if ticks_diff(now_us, self.since[position]) < self.debounce_us:
                    continue
                self.lockout[position] = False
            if raw:
                if self.releasing[position]:
                    self.releasing[position] = False
                elif not self.state[position]:
                    self.state[position] = 1
                    self.lockout[position] = True
                    self.since[position] = now_us
                    events.append(position | EVENT_CLOSED)
            elif self.state[position]:
                if not self.releasing[position]:
                    self.releasing[position] = True
                    self.since[position] = now_us
                if ticks_diff(now_us, self.since[position]) >= self.debounce_us:
                    self.releasing[position] = False
                    self.state[position] = 0
                    events.append(position)
        return events


# A few switches (two sharing a row), moved at random times, the debounce time changed now and then.
switch = st.sampled_from([0, 1, 15, 17, 40])
step = st.one_of(
    st.tuples(st.just("flip"), switch),
    st.tuples(st.just("wait"), st.integers(1, 9000)),
    st.tuples(st.just("debounce"), st.sampled_from([0, 1000, 5000, 8000])),
)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(step, max_size=80), start=st.integers(0, TICKS_PERIOD - 1))
def test_the_shortcut_reports_exactly_what_scanning_every_switch_reports(steps, start):
    debouncer = MatrixDebouncer(N_ROWS, N_COLS, 5000)
    reference = Reference(5000)
    rows = array("H", [0] * N_ROWS)
    now = start
    for action, value in steps:
        if action == "flip":
            rows[value // N_COLS] ^= 1 << (value % N_COLS)
            ticks = 1
        elif action == "debounce":
            debouncer.debounce_us = reference.debounce_us = value
            ticks = 1
        else:
            ticks = value // 1000 + 1
        for _ in range(ticks):  # a scan every millisecond, the clock wrapping as ticks_us does
            now = ticks_add(now, 1000)
            n = debouncer.scan(rows, now)
            assert list(debouncer.events[:n]) == reference.scan(rows, now)
    assert list(debouncer.debounced) == [
        sum(reference.state[row * N_COLS + col] << col for col in range(N_COLS)) for row in range(N_ROWS)
    ]


class CountingRows(array):
    """Raw rows that count how often a row is read one by one (the per-switch scan reads each row)."""

    reads = 0

    def __getitem__(self, row):
        CountingRows.reads += 1
        return array.__getitem__(self, row)


def test_a_bouncing_switch_costs_no_per_switch_work_until_its_time_is_up():
    debouncer = MatrixDebouncer(N_ROWS, N_COLS, 5000)
    rows = CountingRows("H", [0, 1 << 3, 0])
    assert debouncer.scan(rows, 1000) == 1  # pressed: locked out for 5 ms
    CountingRows.reads = 0
    for now in (2000, 3000, 4000, 5000):
        assert debouncer.scan(rows, now) == 0
    assert CountingRows.reads == 0
    rows[1] = 0  # let go: the release waits 5 ms
    debouncer.scan(rows, 6000)
    CountingRows.reads = 0
    for now in (7000, 8000, 9000, 10000):
        assert debouncer.scan(rows, now) == 0
    assert CountingRows.reads == 0
    assert debouncer.scan(rows, 11000) == 1  # open for 5 ms: released
    assert list(debouncer.debounced) == [0, 0, 0]
