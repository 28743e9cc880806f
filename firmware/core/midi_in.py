"""MIDI from the host: event packets are checked, SysEx is reassembled and answered."""

from core.compat import const, micropython, ticks_diff
from core.feature import LANE_ODD, Feature
from core.usbmidi import RX_CHUNK_PACKETS, Receiver

# Run every other tick (LANE_ODD), reading up to this many chunks of RX_CHUNK_PACKETS (64 bytes) for each
# millisecond since it last read: 256 bytes a millisecond, as fast as the board's receive queue drains
# (firmware/EMULATOR.md), also when ticks that play notes left the lane to later ticks (core/keyboard.py).
_READS_PER_MS = const(4)
# ... and at most this many in one tick (the longest the lane waits, 6 ms): a flooding host cannot stall
# the scan.
_MAX_READS_PER_TICK = const(24)


class MidiIn(Feature):
    NAME = "midi_in"
    LANE = LANE_ODD

    def __init__(self, counters, on_sysex):
        self._buffer = bytearray(RX_CHUNK_PACKETS * 4)
        self.receiver = Receiver(counters, on_sysex)
        self._read_at = 0  # when it last read

    def boot(self, keyboard, now_us):
        self._read_at = now_us

    @micropython.native
    def before_scan(self, keyboard, now_us):
        board = keyboard.board
        reads = ticks_diff(now_us, self._read_at) // 1000 * _READS_PER_MS
        self._read_at = now_us
        if reads > _MAX_READS_PER_TICK:
            reads = _MAX_READS_PER_TICK
        for _ in range(reads):
            n = board.midi_receive(self._buffer)
            if not n:
                return
            self.receiver.feed(self._buffer, n)
