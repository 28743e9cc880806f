"""The two take buffers of core/recorder.py, allocated before anything else at boot.

They are the firmware's largest allocations (2 x 10 KB). Made last, after every module is loaded and every
feature built, each needs 10 KB of contiguous free heap in a heap that loading has fragmented by then: on a
small heap that decided whether the keyboard booted at all. main.py imports this module first, while the
heap is still empty, so they always fit wherever the rest does.
"""

from core.compat import const

TAKE_EVENTS = const(2048)  # messages a take holds
EVENT_BYTES = const(5)  # one message: time in ms (16 bits), status nibble, two data bytes
TAKE_BYTES = const(TAKE_EVENTS * EVENT_BYTES)

_at_boot = [bytearray(TAKE_BYTES), bytearray(TAKE_BYTES)]


def claim():
    """The two buffers: the ones allocated at boot the first time, fresh ones after that (a second
    keyboard in one process, as the tests make)."""
    if _at_boot:
        buffers = (_at_boot[0], _at_boot[1])
        _at_boot.clear()
        return buffers
    return (bytearray(TAKE_BYTES), bytearray(TAKE_BYTES))
