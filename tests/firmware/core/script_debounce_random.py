# The debouncer on its own, driven by a long pseudo-random run of contacts that bounce, settle and wrap
# the clock: under MicroPython its per-switch loop is machine code (viper), under CPython the same source
# runs as Python, so the two printing the same events is the check that the compiled loop is right.
from array import array

from core.debounce import MatrixDebouncer

N_ROWS, N_COLS = 8, 16
TICKS_MAX = (1 << 30) - 1


class Lcg:
    """A small deterministic generator, the same on both interpreters."""

    def __init__(self, seed):
        self.state = seed

    def below(self, n):
        self.state = (self.state * 1103515245 + 12345) & 0x7FFFFFFF
        return (self.state >> 8) % n


random = Lcg(2026)
debouncer = MatrixDebouncer(N_ROWS, N_COLS, 5000)
rows = array("H", [0] * N_ROWS)
now = TICKS_MAX - 400000  # the clock wraps a little way in
checksum = 0
n_total = 0
for tick in range(20000):
    for _ in range(random.below(3)):  # a few contacts move, some of them back and forth (bounces)
        row = random.below(N_ROWS)
        rows[row] ^= 1 << random.below(N_COLS)
    if tick % 4000 == 3999:
        debouncer.debounce_us = (0, 2000, 5000, 9000)[random.below(4)]
    now = (now + 1000 - 100 + random.below(200)) & TICKS_MAX  # about a millisecond, with jitter
    n = debouncer.scan(rows, now)
    for e in range(n):
        checksum = (checksum * 31 + debouncer.events[e] + 1) & 0xFFFFFF
    n_total += n
    if tick < 60 and n:
        print(tick, [hex(b) for b in debouncer.events[:n]])
print("events", n_total, "checksum", checksum)
print("state", [hex(r) for r in debouncer.debounced])
print("ok")
