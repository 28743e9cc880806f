"""The few things MicroPython and CPython spell differently, so the core runs unchanged on both.

CPython is the oracle in the tests: the same scenario must give byte-identical MIDI on both.
"""

try:
    import micropython
    from micropython import const
except ImportError:  # CPython

    def const(value):  # type: ignore[no-redef,misc]
        return value

    class micropython:  # type: ignore[no-redef]
        """Under CPython, `@micropython.native` leaves the function as it is: the same source runs."""

        @staticmethod
        def native(function):
            return function

        viper = native

    # Under CPython a viper function's ptr8/ptr16/ptr32 (MicroPython builtins, inside viper code only) index
    # the buffer itself: the same source runs as Python (core/keyboard.py and core/debounce.py import them).
    def ptr8(buffer):  # type: ignore[no-redef]
        return buffer

    ptr16 = ptr32 = ptr8


# `@micropython.native` (or `.viper`) compiles a function to machine code on MicroPython (the scan tick's hot path,
# tools/bench/scan_tick.py). The compiler recognises the decorator by its spelling when it compiles the
# module, so it must be written exactly so, with `micropython` imported from here (`from core.compat
# import micropython`); an alias (`native = micropython.native`) would silently leave bytecode.


# time.ticks_us() wraps with this period on every port (MicroPython docs, time.ticks_diff).
TICKS_PERIOD = const(1 << 30)
_TICKS_MAX = const((1 << 30) - 1)
_TICKS_HALF = const(1 << 29)


def ticks_diff(end, start):
    """Signed end - start of two wrapping tick readings, like time.ticks_diff."""
    return ((end - start + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF


def ticks_add(ticks, delta):
    """ticks + delta, wrapped like time.ticks_add."""
    return (ticks + delta) & _TICKS_MAX
