"""A fake board and a virtual clock for driving the core in test scripts, under CPython and MicroPython.

It implements the board contract of firmware/README.md without allocating in its hot calls, so the
heap-lock test can run the whole tick through it. Time moves only when a script says so.
"""

import pins
from core.compat import ticks_add
from core.keyboard import Keyboard

UNIQUE_ID = b"\xe6\x61\x38\x52\xd3\x4f\x2a\x21"
TICK_US = 1000
_LOG_BYTES = 1 << 16


class FakeBoard:
    def __init__(self, unique_id=UNIQUE_ID, pedal_level=True, adc=(32768, 0, 0)):
        self.row_masks = [0] * pins.N_ROWS
        self.adc = list(adc)
        self.pedal_level = pedal_level
        self.uid = unique_id
        self.leds = [False] * pins.N_LEDS
        self.accepting = True  # False: midi_send takes nothing (a full transmit buffer, a host not reading)
        self.accept_bytes = -1  # >= 0: midi_send takes at most this many bytes a call (a slow host)
        self.sends_refused = 0
        self.faults = []
        self._log = bytearray(_LOG_BYTES)  # every packet sent, in order
        self._log_used = 0
        self._taken = 0
        self._incoming = bytearray(0)
        self._incoming_at = 0

    # The board contract -------------------------------------------------------------------------
    def read_matrix(self, rows):
        for r in range(pins.N_ROWS):
            rows[r] = self.row_masks[r]

    def read_adc(self, channel):
        return self.adc[channel]

    def read_pedal(self):
        return self.pedal_level

    def set_led(self, led, on):
        self.leds[led] = on

    def midi_send(self, packets, n):
        if not self.accepting:
            self.sends_refused += 1
            return 0
        if 0 <= self.accept_bytes < n:
            n = self.accept_bytes
        log = self._log
        at = self._log_used
        for i in range(n):
            log[at + i] = packets[i]
        self._log_used = at + n
        return n

    def midi_receive(self, buf):
        left = len(self._incoming) - self._incoming_at
        n = min(left, len(buf))
        for i in range(n):
            buf[i] = self._incoming[self._incoming_at + i]
        self._incoming_at += n
        return n

    def unique_id(self):
        return self.uid

    def fault(self, text):
        self.faults.append(text)

    # Test helpers -------------------------------------------------------------------------------
    def set_switch(self, position, closed):
        row = position // pins.N_COLS
        bit = 1 << (position % pins.N_COLS)
        if closed:
            self.row_masks[row] |= bit
        else:
            self.row_masks[row] &= ~bit

    def host_sends(self, packet_bytes):
        """Queue bytes (whole event packets) for the keyboard to receive."""
        self._incoming = bytes(self._incoming[self._incoming_at :]) + bytes(packet_bytes)
        self._incoming_at = 0

    def all_packets(self):
        return [tuple(self._log[at : at + 4]) for at in range(0, self._log_used, 4)]

    def take(self):
        """Packets sent since the last take, as tuples of 4 ints."""
        packets = []
        for at in range(self._taken, self._log_used, 4):
            packets.append(tuple(self._log[at : at + 4]))
        self._taken = self._log_used
        return packets


class Rig:
    """A board, a keyboard on it, and the virtual clock that ticks it every millisecond."""

    def __init__(self, board=None, start_us=0):
        self.board = board if board is not None else FakeBoard()
        self.now_us = start_us
        self.keyboard = Keyboard(self.board, self.now_us)

    def run_ms(self, ms):
        for _ in range(ms):
            self.now_us = ticks_add(self.now_us, TICK_US)
            self.keyboard.tick(self.now_us)

    def settle(self):
        """Tick until no switch event waits for a later tick (core/keyboard.py MAX_EVENTS_PER_TICK);
        returns how many ms that took."""
        ms = 0
        while self.keyboard.events_waiting:
            self.run_ms(1)
            ms += 1
        return ms

    def contact(self, key, which, closed):
        positions = pins.KEY_FIRST_POS if which == 1 else pins.KEY_SECOND_POS
        self.board.set_switch(positions[key], closed)

    def press(self, key, travel_ms=5):
        """First contact, `travel_ms` later the second (0: both in the same scan), then one more tick."""
        self.contact(key, 1, True)
        if travel_ms:
            self.run_ms(travel_ms)
        self.contact(key, 2, True)
        self.run_ms(1)

    def release(self, key, settle_ms=10):
        """Both contacts open, then `settle_ms` of scans (the release is deferred by the debounce)."""
        self.contact(key, 2, False)
        self.contact(key, 1, False)
        self.run_ms(settle_ms)

    def button(self, button, closed, settle_ms=10):
        self.board.set_switch(pins.BUTTON_POS[button], closed)
        self.run_ms(settle_ms)

    def tap(self, button):
        self.button(button, True)
        self.button(button, False)

    def take(self):
        return self.board.take()

    def finish(self):
        """Print every packet the keyboard ever sent: the pytest side checks it with mido (every
        note-off ends a sounding note; nothing sounds at the end)."""
        show("log", self.board.all_packets())


def hexes(packets):
    return " ".join("%02x%02x%02x%02x" % p for p in packets)


def show(label, packets):
    """Print packets in the form the pytest side decodes with mido: 'label: 09903064 ...'."""
    print("%s: %s" % (label, hexes(packets)))


def note_on(note, velocity, channel=0):
    return (0x09, 0x90 | channel, note, velocity)


def note_off(note, channel=0):
    return (0x08, 0x80 | channel, note, 0x40)


def cc(number, value, channel=0):
    return (0x0B, 0xB0 | channel, number, value)


def bend(value, channel=0):
    return (0x0E, 0xE0 | channel, value & 0x7F, value >> 7)


def sysex_packets(message):
    """USB-MIDI packets of one SysEx message (independent of the core's encoder, for checks)."""
    packets = []
    i = 0
    while len(message) - i > 3:
        packets.append((0x04, message[i], message[i + 1], message[i + 2]))
        i += 3
    rest = list(message[i:])
    packets.append((0x04 + len(rest),) + tuple(rest + [0] * (3 - len(rest))))
    return packets


def sysex_from_packets(packets):
    """Reassemble the SysEx messages in a packet list (CIN 4..7), for checks."""
    messages = []
    current = []
    for p in packets:
        cin = p[0] & 0xF
        if cin == 0x4:
            current.extend(p[1:4])
        elif cin in (0x5, 0x6, 0x7):
            current.extend(p[1 : 1 + cin - 4])
            messages.append(bytes(current))
            current = []
    return messages


def counts(values):
    """A counters dict as text in the wire order (dicts print in different orders on the two ports)."""
    from core.counters import COUNTER_NAMES

    return " ".join("%s=%d" % (name, values[name]) for name in COUNTER_NAMES if name in values)


def flat(packets):
    out = bytearray()
    for p in packets:
        out.extend(bytes(p))
    return bytes(out)
