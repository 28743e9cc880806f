"""Error counters: what went wrong without being fatal, readable over SysEx (GET_COUNTERS)."""

from array import array

from core.compat import const

# The order is the wire order of the GET_COUNTERS reply (firmware/PROTOCOL.md); append, never reorder.
COUNTER_NAMES = (
    "bad_cable",  # received packet for a cable other than 0
    "bad_cin",  # received packet with a reserved code index number (0x0, 0x1)
    "bad_message",  # received status/data bytes that do not fit the packet's CIN
    "sysex_overflow",  # received SysEx longer than the reassembly buffer
    "sysex_orphan",  # SysEx continuation or end with no start
    "sysex_aborted",  # a new SysEx start (or a bad byte) cut an unfinished one short
    "sysex_rejected",  # a private SysEx request with an unknown command or a wrong length
    "tx_dropped",  # outgoing packet dropped: the queue was full (host not reading)
    "faults",  # a feature raised (see the FAULT report and GET_LAST_FAULT)
    "late_ticks",  # a scan tick's work ran past its 1 ms period (counted by the pico board's loop)
)
BAD_CABLE = const(0)
BAD_CIN = const(1)
BAD_MESSAGE = const(2)
SYSEX_OVERFLOW = const(3)
SYSEX_ORPHAN = const(4)
SYSEX_ABORTED = const(5)
SYSEX_REJECTED = const(6)
TX_DROPPED = const(7)
FAULTS = const(8)
LATE_TICKS = const(9)

# Counters saturate here: three 7-bit bytes on the wire, and a small int on every port.
COUNTER_MAX = const((1 << 21) - 1)


class Counters:
    def __init__(self):
        self.values = array("i", [0] * len(COUNTER_NAMES))

    def count(self, counter):
        if self.values[counter] < COUNTER_MAX:
            self.values[counter] += 1

    def clear(self):
        for i in range(len(self.values)):
            self.values[i] = 0

    def as_dict(self):
        return {name: self.values[i] for i, name in enumerate(COUNTER_NAMES)}
