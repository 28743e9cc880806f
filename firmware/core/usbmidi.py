"""USB-MIDI 1.0 event packets (USB Device Class Definition for MIDI Devices 1.0, section 4).

Every packet is 4 bytes: (cable number << 4 | code index number), then up to 3 MIDI bytes padded with 0.
The keyboard uses cable 0 only. Outgoing packets wait in a preallocated queue; incoming packets are
checked, SysEx is reassembled into a preallocated buffer, and anything garbled is dropped and counted.
"""

from core import counters as _counters
from core.compat import const, micropython, ticks_diff
from core.owed import Owed

try:
    from core.compat import ptr8  # CPython: a stand-in (MicroPython: a viper builtin)
except ImportError:
    pass

# Code index numbers (USB MIDI 1.0 table 4-1).
CIN_SYSCOMMON_2 = const(0x2)
CIN_SYSCOMMON_3 = const(0x3)
CIN_SYSEX_START = const(0x4)  # SysEx starts or continues: 3 bytes
CIN_SYSEX_END_1 = const(0x5)  # SysEx ends with 1 byte (also: single-byte system common)
CIN_SYSEX_END_2 = const(0x6)
CIN_SYSEX_END_3 = const(0x7)
CIN_NOTE_OFF = const(0x8)
CIN_NOTE_ON = const(0x9)
CIN_POLY_PRESSURE = const(0xA)
CIN_CONTROL_CHANGE = const(0xB)
CIN_PROGRAM_CHANGE = const(0xC)
CIN_CHANNEL_PRESSURE = const(0xD)
CIN_PITCH_BEND = const(0xE)
CIN_SINGLE_BYTE = const(0xF)

SYSEX_START = const(0xF0)
SYSEX_END = const(0xF7)

# How many MIDI bytes each CIN carries (0: reserved CIN).
CIN_LENGTH = bytes((0, 0, 2, 3, 3, 1, 2, 3, 3, 3, 3, 3, 2, 2, 3, 1))

# Sized for a burst: a few keys' 4-note chords at once plus MIDI clock and a SysEx reply; the queue
# drains every tick (about 1 ms). 64 packets = 256 bytes, allocated once.
TX_QUEUE_PACKETS = const(64)
# At most this many packets go to board.midi_send at once.
TX_CHUNK_PACKETS = const(16)
RX_CHUNK_PACKETS = const(16)
SYSEX_BUFFER_BYTES = const(128)
# A host that has taken nothing for this long has stopped listening (stalled, or the cable is out): what
# waits in the queue is no longer worth playing late, and is shed (core/owed.py) so that only what ends
# notes and returns controllers goes out when it reads again.
STALE_US = const(100000)

_TX_QUEUE_BYTES = const(TX_QUEUE_PACKETS * 4)
_TX_QUEUE_MASK = const(TX_QUEUE_PACKETS * 4 - 1)  # the ring's size is a power of two: offsets wrap by a mask
_TX_CHUNK_BYTES = const(TX_CHUNK_PACKETS * 4)


class TxQueue:
    """Outgoing event packets: a ring of TX_QUEUE_PACKETS, sent in chunks through board.midi_send.

    midi_send returns how many bytes the board took; what it did not take stays on offer for the next
    flush: backpressure never blocks the scan and never raises. A packet that cannot be queued (the ring
    is full, or something is still owed) is shed to core/owed.py: note-offs and controller values are
    kept and sent when the host reads again, note-ons and the rest are dropped and counted (tx_dropped).
    When the host has taken nothing for STALE_US, the waiting packets are shed the same way, so a host
    that comes back gets the note-offs it is owed, not a burst of stale notes.
    """

    def __init__(self, counters):
        self._counters = counters
        self._ring = bytearray(_TX_QUEUE_BYTES)
        self._head = 0  # byte offset of the oldest queued packet
        self._used = 0  # bytes queued in the ring
        self._chunk = bytearray(_TX_CHUNK_BYTES)
        self._one = bytearray(1)  # channel_message's data byte, for channel_messages
        self._chunk_used = 0  # bytes in _chunk, offered to the board and not yet accepted
        self._owed = Owed()
        self._refused = False  # the last offer was refused whole
        self._refused_since = 0  # when the board started refusing
        self._deaf = False  # refused for STALE_US: the queue has been shed, the chunk holds what is owed
        # tap(status, data1, data2) sees every channel message queued (the recorder sets it while a take
        # records).
        self.tap = None

    def free_packets(self):
        return (_TX_QUEUE_BYTES - self._used) >> 2

    def pending_packets(self):
        """Packets waiting to be sent, those owed to a host that stopped reading included."""
        return ((self._used + self._chunk_used) >> 2) + self._owed.count

    def owed_packets(self):
        return self._owed.count

    def put(self, header, b1, b2, b3):
        """Queue one packet; False when it could not be (shed: kept as owed, or dropped and counted)."""
        owed = self._owed
        if owed.unsent and (header == CIN_NOTE_OFF or (header == CIN_NOTE_ON and not b3)) and owed.cancels(b1, b2):
            self._counters.count(_counters.TX_DROPPED)  # it ends a note-on the host never got
            return False
        if self._used >= _TX_QUEUE_BYTES or owed.count:
            # Behind what is owed, or no room: what comes now waits as owed or goes.
            if owed.shed(header, b1, b2, b3):
                self._counters.count(_counters.TX_DROPPED)
            return False
        self.push(header, b1, b2, b3)
        return True

    def push(self, header, b1, b2, b3):
        """Queue one packet with no checks: the caller knows there is room."""
        ring = self._ring
        i = (self._head + self._used) & _TX_QUEUE_MASK
        ring[i] = header
        ring[i + 1] = b1
        ring[i + 2] = b2
        ring[i + 3] = b3
        self._used += 4

    @micropython.viper
    def channel_message(self, status: int, data1: int, data2: int):
        """Queue a channel voice message (note on/off, CC, pitch bend); its CIN is its status nibble. What
        cannot be queued is shed (put)."""
        one = ptr8(self._one)
        one[0] = data1
        self.channel_messages(status, self._one, 1, data2)

    @micropython.viper
    def channel_messages(self, status: int, data1s, n: int, data2: int):
        """channel_message(status, data1s[i], data2) for each i < n, in order, in one call: a chord's
        note-ons or note-offs (core/notes.py)."""
        firsts = ptr8(data1s)
        tap = self.tap
        owed = self._owed
        ring = ptr8(self._ring)
        head = int(self._head)
        used = int(self._used)
        k = 0
        while k < n:
            data1 = firsts[k]
            k += 1
            if tap:  # (viper compares no object with None)
                tap(status, data1, data2)
            if used < _TX_QUEUE_BYTES and not int(owed.count) and not int(owed.unsent):
                # What put() does when nothing is owed and there is room, without its calls: every note
                # and controller goes this way (the scan tick's budget, tools/bench/scan_tick.py).
                i = (head + used) & _TX_QUEUE_MASK
                ring[i] = status >> 4
                ring[i + 1] = status
                ring[i + 2] = data1
                ring[i + 3] = data2
                used += 4
                self._used = used
            else:
                self.put(status >> 4, status, data1, data2)
                used = int(self._used)

    def sysex(self, message, length):
        """Queue message[0:length] (F0 ... F7) as SysEx packets, all or nothing."""
        if (length + 2) // 3 > self.free_packets() or self._owed.count:
            self._counters.count(_counters.TX_DROPPED)
            return False
        i = 0
        while length - i > 3:
            self.push(CIN_SYSEX_START, message[i], message[i + 1], message[i + 2])
            i += 3
        left = length - i
        if left == 3:
            self.push(CIN_SYSEX_END_3, message[i], message[i + 1], message[i + 2])
        elif left == 2:
            self.push(CIN_SYSEX_END_2, message[i], message[i + 1], 0)
        else:
            self.push(CIN_SYSEX_END_1, message[i], 0, 0)
        return True

    @micropython.native
    def flush(self, board, now_us):
        """Offer queued packets to the board; returns False when the board pushed back."""
        while True:
            if not self._chunk_used:
                if self._owed.count:
                    self._owed.pay(self)
                if not self._used:
                    self._refused = False
                    self._deaf = False
                    return True
                self._fill_chunk()
            n = self._chunk_used
            taken = board.midi_send(self._chunk, n)
            if taken >= n:
                self._chunk_used = 0
                self._refused = False
                self._deaf = False
                continue
            if taken > 0:
                # The host reads, slowly: keep the rest on offer, in order.
                chunk = self._chunk
                for j in range(n - taken):
                    chunk[j] = chunk[taken + j]
                self._chunk_used = n - taken
                self._refused = False
                self._deaf = False
                return False
            if not self._refused:
                self._refused = True
                self._refused_since = now_us
            elif self._deaf or ticks_diff(now_us, self._refused_since) >= STALE_US:
                # (Once deaf, no more clock: ticks_diff wraps after 2**29 us of a cable left out.)
                self._shed_waiting()
            return False

    @micropython.viper
    def stage(self) -> bool:
        """Copy what is queued into the chunk on offer (when it is empty and nothing is owed) without
        offering it: a tick that may not send does the copying for the next one, which sends. True when
        anything waits to be sent (pending_packets)."""
        used = int(self._used)
        chunk_used = int(self._chunk_used)
        owed = int(self._owed.count)
        if used and not chunk_used and not owed:
            # (_fill_chunk written out: a call less on the tick that plays a note)
            n = used if used < _TX_CHUNK_BYTES else _TX_CHUNK_BYTES
            ring = ptr8(self._ring)
            chunk = ptr8(self._chunk)
            head = int(self._head)
            j = 0
            while j < n:
                chunk[j] = ring[(head + j) & _TX_QUEUE_MASK]
                j += 1
            self._head = (head + n) & _TX_QUEUE_MASK
            self._used = used - n
            self._chunk_used = n
            return True
        return (used | chunk_used | owed) != 0

    @micropython.viper
    def _fill_chunk(self):
        # viper: a byte is a load and a store, where machine code made a runtime call of each (a seventh
        # chord's four packets were 32 of them, on the tick that plays it: tools/bench/scan_tick.py).
        used = int(self._used)
        n = used if used < _TX_CHUNK_BYTES else _TX_CHUNK_BYTES
        ring = ptr8(self._ring)
        chunk = ptr8(self._chunk)
        head = int(self._head)
        j = 0
        while j < n:
            chunk[j] = ring[(head + j) & _TX_QUEUE_MASK]
            j += 1
        self._head = (head + n) & _TX_QUEUE_MASK
        self._used = used - n
        self._chunk_used = n

    def _shed_waiting(self):
        """The host stopped listening: shed what waits, oldest first. The first time the chunk on offer
        goes too, and is refilled with what is owed, so that is what the host gets first when it is back."""
        if not self._deaf:
            self._deaf = True
            self._shed_bytes(self._chunk, 0, self._chunk_used, _TX_CHUNK_BYTES)
            self._chunk_used = 0
        self._shed_bytes(self._ring, self._head, self._used, _TX_QUEUE_BYTES)
        self._head = 0
        self._used = 0
        if not self._chunk_used:
            self._owed.pay(self)
            if self._used:
                self._fill_chunk()

    def _shed_bytes(self, buffer, at, n, size):
        owed = self._owed
        counters = self._counters  # (a bound method kept in a local would allocate: called directly)
        for j in range(0, n, 4):
            i = (at + j) % size
            if owed.shed(buffer[i], buffer[i + 1], buffer[i + 2], buffer[i + 3]):
                counters.count(_counters.TX_DROPPED)


class Receiver:
    """Checks incoming event packets and reassembles SysEx; complete SysEx goes to on_sysex(buf, length).

    Channel voice and system messages that are well formed are accepted and ignored: the keyboard has no
    sound of its own. Every defect is dropped and counted (counters.py), never raised.
    """

    def __init__(self, counters, on_sysex):
        self._counters = counters
        self._on_sysex = on_sysex
        self.sysex = bytearray(SYSEX_BUFFER_BYTES)
        self._sysex_length = 0
        self._in_sysex = False
        self._sysex_overflowed = False

    def feed(self, packets, length):
        """Process packets[0:length] (a multiple of 4; a trailing partial packet is ignored)."""
        for i in range(0, length - 3, 4):
            self._packet(packets[i], packets[i + 1], packets[i + 2], packets[i + 3])

    def _packet(self, header, b1, b2, b3):
        count = self._counters.count
        if header == 0 and b1 == 0 and b2 == 0 and b3 == 0:
            return  # an all-zero packet is padding, not a message
        if header >> 4:
            count(_counters.BAD_CABLE)
            return
        cin = header & 0xF
        n = CIN_LENGTH[cin]
        if not n:
            count(_counters.BAD_CIN)
            return
        if cin >= CIN_NOTE_OFF and cin <= CIN_PITCH_BEND:
            # Channel voice: the status nibble must repeat the CIN, the data bytes must be 7-bit.
            if b1 >> 4 != cin or b2 & 0x80 or (n == 3 and b3 & 0x80):
                count(_counters.BAD_MESSAGE)
            return
        if cin == CIN_SYSCOMMON_2:
            if (b1 != 0xF1 and b1 != 0xF3) or b2 & 0x80:
                count(_counters.BAD_MESSAGE)
            return
        if cin == CIN_SYSCOMMON_3:
            if b1 != 0xF2 or b2 & 0x80 or b3 & 0x80:
                count(_counters.BAD_MESSAGE)
            return
        if cin == CIN_SINGLE_BYTE:
            if b1 < 0xF8 and b1 != 0xF6:  # real-time bytes and tune request are fine, and ignored
                count(_counters.BAD_MESSAGE)
            return
        if cin == CIN_SYSEX_END_1 and b1 == 0xF6 and not self._in_sysex:
            return  # tune request, the single-byte system common message
        # SysEx: CIN 4 carries 3 bytes that do not end it; CIN 5/6/7 carry 1/2/3 bytes, the last one F7.
        last = b3 if n == 3 else (b2 if n == 2 else b1)
        if (cin == CIN_SYSEX_START) == (last == SYSEX_END):
            count(_counters.BAD_MESSAGE)
            self._abort()
            return
        if b1 != SYSEX_START and not self._in_sysex:
            count(_counters.SYSEX_ORPHAN)
            return
        self._sysex_byte(b1)
        if n >= 2 and self._in_sysex:
            self._sysex_byte(b2)
        if n == 3 and self._in_sysex:
            self._sysex_byte(b3)

    def _abort(self):
        if self._in_sysex:
            self._counters.count(_counters.SYSEX_ABORTED)
        self._in_sysex = False
        self._sysex_length = 0

    def _sysex_byte(self, byte):
        if byte == SYSEX_START:
            if self._in_sysex:
                self._counters.count(_counters.SYSEX_ABORTED)
            self._in_sysex = True
            self._sysex_overflowed = False
            self._sysex_length = 0
        elif byte == SYSEX_END:
            self._in_sysex = False
            if self._sysex_overflowed or self._sysex_length >= SYSEX_BUFFER_BYTES:
                self._counters.count(_counters.SYSEX_OVERFLOW)
                return
        elif byte & 0x80:
            # A status byte inside SysEx: the message is broken.
            self._counters.count(_counters.BAD_MESSAGE)
            self._abort()
            return
        if self._sysex_length >= SYSEX_BUFFER_BYTES:
            self._sysex_overflowed = True
            return
        self.sysex[self._sysex_length] = byte
        self._sysex_length += 1
        if byte == SYSEX_END:
            self._on_sysex(self.sysex, self._sysex_length)
