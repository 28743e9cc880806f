"""Firmware entry point: run the keyboard on the board this interpreter has.

MicroPython runs this file at power-up on the keyboard, where `machine.Pin` exists. The unix port of
MicroPython and CPython have no pins: there the emulator board runs instead (firmware/EMULATOR.md), with
its options on the command line: `micropython firmware/main.py [--dsn-seed N] [--flash DIR] [--realtime]`.
"""

# First, while the heap is empty: the take buffers, the largest allocations (core/take_buffers.py).
import core.take_buffers  # noqa: F401, E402  (imported for its allocation)


def _board_module():
    try:
        from machine import Pin  # noqa: F401  (only asked whether it exists)
    except ImportError:
        from boards import emulator

        return emulator
    from boards import pico

    return pico


_board_module().run()
