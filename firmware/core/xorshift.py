"""A 16-bit xorshift generator (Marsaglia's xorshift, the 16-bit triple 7, 9, 8): the arpeggiator's
random mode.

Not the `random` module: this gives the very same numbers under CPython and MicroPython (the emulator's
oracle test compares them byte for byte), it never allocates, and every value stays far below 2**30,
so it is a small int on the RP2040. Period 65535; the state is never 0.
"""

from core.compat import const

_MASK = const(0xFFFF)
DEFAULT_SEED = const(0x2A5D)


class Xorshift16:
    def __init__(self, seed=DEFAULT_SEED):
        self.state = seed & _MASK or DEFAULT_SEED

    def next(self):
        """The next value, 1..65535."""
        x = self.state
        x ^= (x << 7) & _MASK
        x ^= x >> 9
        x ^= (x << 8) & _MASK
        self.state = x
        return x

    def below(self, n):
        """A value in 0..n-1 (n >= 1); the modulo bias is below n / 65535."""
        return self.next() % n
