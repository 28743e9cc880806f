"""MIDI from the host: event packets are checked, SysEx is reassembled and answered."""

from core.compat import const
from core.feature import LANE_ODD, Feature
from core.usbmidi import RX_CHUNK_PACKETS, Receiver

# Run every other tick (LANE_ODD), reading up to this many chunks of RX_CHUNK_PACKETS: 512 bytes each
# 2 ms, the board's receive queue drains at 256 bytes a millisecond, and a flooding host cannot stall the
# scan.
_MAX_READS_PER_TICK = const(8)


class MidiIn(Feature):
    NAME = "midi_in"
    LANE = LANE_ODD

    def __init__(self, counters, on_sysex):
        self._buffer = bytearray(RX_CHUNK_PACKETS * 4)
        self.receiver = Receiver(counters, on_sysex)

    def before_scan(self, keyboard, now_us):
        board = keyboard.board
        for _ in range(_MAX_READS_PER_TICK):
            n = board.midi_receive(self._buffer)
            if not n:
                return
            self.receiver.feed(self._buffer, n)
