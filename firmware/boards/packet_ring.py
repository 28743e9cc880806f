"""A ring of 4-byte USB-MIDI event packets from the host, between one writer (the USB callback on the
pico, the frame reader in the emulator) and one reader (the core, through board.midi_receive).

Preallocated and allocation-free; the writer publishes its head only after the bytes are in, so the
reader never sees half a packet. A full ring refuses what does not fit (counted in ``overflows``): the
core stopped draining, and blocking the writer would stall USB.
"""

from core.compat import const

_PACKET = const(4)


class PacketRing:
    def __init__(self, size_bytes: int) -> None:
        # A power of two, so an index wraps with a mask.
        self._bytes = bytearray(size_bytes)
        self._mask = size_bytes - 1
        self._head = 0  # written only by the writer
        self._tail = 0  # written only by the reader
        self.overflows = 0

    def free(self) -> int:
        return (self._tail - self._head - _PACKET) & self._mask

    def put(self, b0: int, b1: int, b2: int, b3: int) -> bool:
        """Queue one packet; False (and counted) when the ring is full."""
        head = self._head
        if self.free() < _PACKET:
            self.overflows += 1
            return False
        ring = self._bytes
        ring[head] = b0
        ring[head + 1] = b1
        ring[head + 2] = b2
        ring[head + 3] = b3
        self._head = (head + _PACKET) & self._mask  # publish last
        return True

    def put_bytes(self, data, start: int, end: int) -> bool:
        """Queue the whole packets data[start:end], all or nothing; False (and counted) when they don't fit."""
        if end - start > self.free():
            self.overflows += 1
            return False
        ring = self._bytes
        mask = self._mask
        head = self._head
        for i in range(start, end):
            ring[head] = data[i]
            head = (head + 1) & mask
        self._head = head  # publish last
        return True

    def take_into(self, buf) -> int:
        """Move as many whole packets as fit into ``buf``; returns the number of bytes moved."""
        ring = self._bytes
        mask = self._mask
        tail = self._tail
        head = self._head
        room = len(buf) & ~3
        copied = 0
        while tail != head and copied < room:
            buf[copied] = ring[tail]
            buf[copied + 1] = ring[tail + 1]
            buf[copied + 2] = ring[tail + 2]
            buf[copied + 3] = ring[tail + 3]
            copied += _PACKET
            tail = (tail + _PACKET) & mask
        self._tail = tail
        return copied
