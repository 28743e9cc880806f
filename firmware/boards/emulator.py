"""The emulator board: virtual pins and a virtual (or wall) clock behind a framed byte stream.

Implements the board contract of firmware/README.md for `micropython firmware/main.py` and for
`python firmware/main.py` (CPython, the oracle the MicroPython run must match byte for byte). The host
drives it over stdin and reads it over stdout; every byte of every frame is in firmware/EMULATOR.md, and
the host's side is host/keycomposer/emulator/. Nothing but frames may ever reach stdout.
"""

import os
import struct
import sys
import time

from boards.packet_ring import PacketRing
from core.compat import const
from pins import ADC_MOD, ADC_PITCH, ADC_VOLUME, N_COLS, N_LEDS, N_ROWS

# Frame layout (EMULATOR.md "Frames"): START, kind, payload length, payload, CRC-8 of kind..payload.
# START is not ASCII, so text printed to stdout by mistake can never pass for a frame start.
_START = const(0xA5)
_HEADER = const(3)
_MAX_PAYLOAD = const(255)
_MAX_FRAME = const(259)
PROTOCOL_VERSION = const(1)

# Host -> emulator.
_SWITCH = const(0x01)
_ADC = const(0x02)
_PEDAL = const(0x03)
_ADVANCE = const(0x04)
_MIDI_IN = const(0x05)
_SYNC = const(0x06)
_BOOT = const(0x07)
_QUIT = const(0x08)
_USB = const(0x09)
# Emulator -> host.
_READY = const(0x81)
_MIDI_OUT = const(0x82)
_LED = const(0x83)
_FAULT = const(0x84)
_SYNC_REPLY = const(0x85)
_ERROR = const(0x86)

# The keyboard scans once a millisecond, in virtual time exactly so.
SCAN_PERIOD_US = const(1000)
# now_us handed to the core wraps like time.ticks_us() on the RP2040 (firmware/README.md).
_TICKS_MASK = const((1 << 30) - 1)
# What the host takes a scan: 256 bytes (the room the pico had in usb-device-midi's buffer until it sent
# one transfer a tick: boards/pico_usb.py OUT_BYTES, 64 bytes; the emulator still takes up to four).
_TX_BYTES = const(256)
# A MIDI_OUT frame: 8-byte time stamp, then at most 61 packets; 60 keeps it a round number.
_PACKETS_PER_FRAME_BYTES = const(240)
# Received packets wait here for midi_receive(). Power of two: index mask. The core reads at least 64
# packets (256 bytes) a scan, so a host that sends no more than that per millisecond never overflows it.
_RX_RING_BYTES = const(4096)
# The USB frame's states (EMULATOR.md "USB-MIDI"): the host reads; plugged in but not reading; unplugged.
USB_READING = const(0)
USB_STALLED = const(1)
USB_UNPLUGGED = const(2)
# A feature that raises on every tick is reported at most once a (virtual) second, as on the pico.
_FAULT_REPORT_US = const(1_000_000)
_MASK64 = const(0xFFFFFFFFFFFFFFFF)

# Virtual pins at power-up: nothing pressed, pitch wheel centred, modulation off, volume full,
# sustain jack high (its pull-up; the core takes the level at boot as 'pedal up').
_ADC_REST_PITCH = const(32768)
_ADC_REST_MOD = const(0)
_ADC_REST_VOLUME = const(65535)


def _crc8_table() -> bytearray:
    # CRC-8, polynomial x^8 + x^2 + x + 1 (0x07), initial value 0, no reflection (CRC-8/SMBUS).
    table = bytearray(256)
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table[i] = crc
    return table


_CRC8 = _crc8_table()


def crc8(data, start: int, end: int) -> int:
    """CRC-8/SMBUS of data[start:end]."""
    crc = 0
    table = _CRC8
    for i in range(start, end):
        crc = table[crc ^ data[i]]
    return crc


def unique_id_from_seed(seed: int) -> bytes:
    """The 8-byte unique id of the emulated MCU numbered `seed`: SplitMix64's first output for it.

    The host computes the same id (keycomposer.emulator.unique_id_from_seed) to know the DSN to expect.
    """
    z = (seed + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    z ^= z >> 31
    return struct.pack(">Q", z)


class FrameReader:
    """Cuts checked frames out of the incoming bytes.

    A frame whose CRC fails is counted and dropped, and reading resumes at the next START byte after its
    first byte, so one flipped bit costs one frame, never the stream.
    """

    def __init__(self) -> None:
        self.buf = bytearray(2 * _MAX_FRAME)
        self.used = 0
        self.garbled = 0
        # How many more bytes the next decision needs: reading exactly this many never blocks on a
        # frame the host has not sent.
        self.wanted = _HEADER

    def add(self, data) -> None:
        n = len(data)
        self.buf[self.used : self.used + n] = data
        self.used += n

    def frame_length(self) -> int:
        """Length of the checked frame at the start of buf, or 0 when more bytes are needed."""
        buf = self.buf
        while True:
            skip = 0
            while skip < self.used and buf[skip] != _START:
                skip += 1
            if skip:
                self.drop(skip)
            if self.used < _HEADER:
                self.wanted = _HEADER - self.used
                return 0
            length = _HEADER + buf[2] + 1
            if self.used < length:
                self.wanted = length - self.used
                return 0
            if crc8(buf, 1, length - 1) == buf[length - 1]:
                return length
            self.garbled += 1
            self.drop(1)

    def drop(self, n: int) -> None:
        self.buf[0 : self.used - n] = self.buf[n : self.used]
        self.used -= n


class EmulatorBoard:
    """The board contract (firmware/README.md) over virtual pins; output goes out as frames."""

    def __init__(self, out, unique_id: bytes) -> None:
        self._out = out
        self._unique_id = unique_id
        self._matrix = [0] * N_ROWS
        self._adc = [0] * 3
        self._adc[ADC_PITCH] = _ADC_REST_PITCH
        self._adc[ADC_MOD] = _ADC_REST_MOD
        self._adc[ADC_VOLUME] = _ADC_REST_VOLUME
        self._pedal = True
        self._leds = bytearray(N_LEDS)
        self._tx = bytearray(_TX_BYTES)
        self._tx_used = 0
        self.usb = USB_READING
        self._stall_until_us = -1  # USB_STALLED ends at this time (-1: when the host says so)
        self._received = PacketRing(_RX_RING_BYTES)
        self._frame = bytearray(_MAX_FRAME)
        self.wrote = False
        # Microseconds since boot of the tick being run: what every output frame is stamped with.
        self.now_us = 0

    # -- the board contract ------------------------------------------------------------------------

    def read_matrix(self, rows) -> None:
        matrix = self._matrix
        for row in range(N_ROWS):
            rows[row] = matrix[row]

    def read_adc(self, channel: int) -> int:
        return self._adc[channel]

    def read_pedal(self) -> bool:
        return self._pedal

    def set_led(self, led: int, on: bool) -> None:
        level = 1 if on else 0
        if self._leds[led] == level:
            return
        self._leds[led] = level
        frame = self._frame
        struct.pack_into(">Q", frame, _HEADER, self.now_us)
        frame[_HEADER + 8] = led
        frame[_HEADER + 9] = level
        self._emit(_LED, 10)

    def midi_send(self, packets, n: int) -> int:
        used = self._tx_used
        # All or nothing: what is not taken the core offers again next tick. A host that stopped reading
        # takes nothing, and neither does an unplugged cable (as on the pico: its port is closed).
        if self.usb == USB_STALLED and 0 <= self._stall_until_us <= self.now_us:
            self.usb = USB_READING  # the stall is over: the host reads again
        if used + n > _TX_BYTES or self.usb != USB_READING:
            return 0
        tx = self._tx
        for i in range(n):
            tx[used + i] = packets[i]
        self._tx_used = used + n
        return n

    def midi_receive(self, buf) -> int:
        return self._received.take_into(buf)

    def unique_id(self) -> bytes:
        return self._unique_id

    def fault(self, text: str) -> None:
        self.report(_FAULT, text)

    # -- the host's side of the virtual pins -------------------------------------------------------

    def set_switch(self, row: int, col: int, closed: bool) -> None:
        if closed:
            self._matrix[row] |= 1 << col
        else:
            self._matrix[row] &= ~(1 << col)

    def set_adc(self, channel: int, value: int) -> None:
        self._adc[channel] = value

    def set_pedal(self, level: bool) -> None:
        self._pedal = level

    def set_usb(self, state: int, duration_us: int) -> None:
        """The cable's state from now on; a stall of duration_us > 0 ends by itself."""
        self.usb = state
        self._stall_until_us = self.now_us + duration_us if state == USB_STALLED and duration_us else -1

    def receive_packets(self, data, start: int, end: int) -> bool:
        """Queue host-to-device packets data[start:end]; False (and nothing queued) when full."""
        return self._received.put_bytes(data, start, end)

    # -- frames out --------------------------------------------------------------------------------

    def flush_midi(self) -> None:
        """Send what the core queued this tick as MIDI_OUT frames stamped with now_us."""
        sent = 0
        frame = self._frame
        while sent < self._tx_used:
            n = min(self._tx_used - sent, _PACKETS_PER_FRAME_BYTES)
            struct.pack_into(">Q", frame, _HEADER, self.now_us)
            for i in range(n):
                frame[_HEADER + 8 + i] = self._tx[sent + i]
            self._emit(_MIDI_OUT, 8 + n)
            sent += n
        self._tx_used = 0

    def report(self, kind: int, text: str) -> None:
        """A FAULT (a feature raised) or ERROR (a bad frame) with its text, stamped with now_us."""
        frame = self._frame
        struct.pack_into(">Q", frame, _HEADER, self.now_us)
        data = text.encode()[: _MAX_PAYLOAD - 8]
        frame[_HEADER + 8 : _HEADER + 8 + len(data)] = data
        self._emit(kind, 8 + len(data))

    def send_ready(self, version: str) -> None:
        frame = self._frame
        frame[_HEADER] = PROTOCOL_VERSION
        data = version.encode()
        frame[_HEADER + 1 : _HEADER + 1 + len(data)] = data
        self._emit(_READY, 1 + len(data))

    def send_sync_reply(self, token: int, garbled: int) -> None:
        frame = self._frame
        struct.pack_into(">IQI", frame, _HEADER, token, self.now_us, garbled)
        self._emit(_SYNC_REPLY, 16)

    def _emit(self, kind: int, length: int) -> None:
        frame = self._frame
        frame[0] = _START
        frame[1] = kind
        frame[2] = length
        end = _HEADER + length
        frame[end] = crc8(frame, 1, end)
        self._out.write(memoryview(frame)[: end + 1])
        self.wrote = True


class Emulator:
    """Runs the core on an EmulatorBoard and serves the host's frames, in virtual or real time."""

    def __init__(self, board: EmulatorBoard, stdin, stdout, version: str, realtime: bool) -> None:
        self.board = board
        self._in = stdin
        self._out = stdout
        self._version = version
        self._reader = FrameReader()
        self._keyboard = None
        self._realtime = realtime
        self._next_tick_us = SCAN_PERIOD_US
        self._last_fault_us = -_FAULT_REPORT_US
        self._faults_unreported = 0
        self._running = True

    # -- the two clocks ----------------------------------------------------------------------------

    def serve_virtual(self) -> None:
        """Time moves only when an ADVANCE frame says so; read blocking, answer in order."""
        self.board.send_ready(self._version)
        self._flush()
        reader = self._reader
        while self._running:
            length = reader.frame_length()
            if not length:
                data = self._in.read(reader.wanted)
                if not data:
                    return  # the host closed our stdin: it has gone
                reader.add(data)
                continue
            self._handle(length)
            reader.drop(length)
            self._flush()

    def serve_realtime(self) -> None:
        """Tick on the wall clock once per scan period; between ticks, poll stdin for frames."""
        import select

        poller = select.poll()
        poller.register(self._in, select.POLLIN)
        started = _monotonic_us()
        self.board.send_ready(self._version)
        self._flush()
        reader = self._reader
        while self._running:
            now = _monotonic_us() - started
            if self._keyboard is not None and now >= self._next_tick_us:
                self._tick(now)
                self._next_tick_us += SCAN_PERIOD_US
                if now - self._next_tick_us > 20 * SCAN_PERIOD_US:
                    self._next_tick_us = now + SCAN_PERIOD_US  # far behind: restart the schedule
                self._flush()
                continue
            self.board.now_us = now
            wait_ms = (self._next_tick_us - now + 999) // 1000 if self._keyboard is not None else 100
            if not poller.poll(wait_ms):
                continue
            # One byte per readiness: MicroPython's read(n) waits for all n bytes.
            data = self._in.read(1)
            if not data:
                return
            reader.add(data)
            length = reader.frame_length()
            if length:
                self._handle(length)
                reader.drop(length)
                self._flush()

    # -- frames in ---------------------------------------------------------------------------------

    def _handle(self, length: int) -> None:
        buf = self._reader.buf
        kind = buf[1]
        size = buf[2]
        p = _HEADER
        board = self.board
        if kind == _SWITCH:
            if size != 3 or buf[p] >= N_ROWS or buf[p + 1] >= N_COLS or buf[p + 2] > 1:
                self._reject("SWITCH wants row < %d, col < %d, closed 0/1" % (N_ROWS, N_COLS))
                return
            board.set_switch(buf[p], buf[p + 1], buf[p + 2] == 1)
        elif kind == _ADC:
            if size != 3 or buf[p] > 2:
                self._reject("ADC wants channel 0..2 and a 16-bit value")
                return
            board.set_adc(buf[p], (buf[p + 1] << 8) | buf[p + 2])
        elif kind == _PEDAL:
            if size != 1 or buf[p] > 1:
                self._reject("PEDAL wants level 0/1")
                return
            board.set_pedal(buf[p] == 1)
        elif kind == _ADVANCE:
            if size != 4:
                self._reject("ADVANCE wants a 4-byte microsecond count")
            elif self._realtime:
                self._reject("ADVANCE in real time: the wall clock moves by itself")
            elif self._keyboard is None:
                self._reject("ADVANCE before BOOT")
            else:
                self._advance(struct.unpack_from(">I", buf, p)[0])
        elif kind == _MIDI_IN:
            if size == 0 or size % 4:
                self._reject("MIDI_IN wants whole 4-byte USB-MIDI packets")
            elif board.usb == USB_UNPLUGGED:
                self._reject("MIDI_IN while the USB cable is unplugged; dropped")
            elif not board.receive_packets(buf, p, p + size):
                self._reject("MIDI_IN overflow: the core has not read its packets; dropped")
        elif kind == _SYNC:
            if size != 4:
                self._reject("SYNC wants a 4-byte token")
                return
            board.send_sync_reply(struct.unpack_from(">I", buf, p)[0], self._reader.garbled)
        elif kind == _BOOT:
            if size != 0 or self._keyboard is not None:
                self._reject("BOOT twice")
                return
            self._boot()
        elif kind == _QUIT:
            self._running = False
        elif kind == _USB:
            if size != 5 or buf[p] > USB_UNPLUGGED:
                self._reject("USB wants state 0 (host reads), 1 (host stalled) or 2 (unplugged), and 32-bit us")
                return
            board.set_usb(buf[p], struct.unpack_from(">I", buf, p + 1)[0])
        else:
            self._reject("unknown frame kind 0x%02X" % kind)

    def _reject(self, why: str) -> None:
        self.board.report(_ERROR, why)

    # -- the keyboard ------------------------------------------------------------------------------

    def _boot(self) -> None:
        from core.keyboard import Keyboard

        # Virtual time: 0, as nothing can advance it before boot. Real time: now.
        self._next_tick_us = self.board.now_us + SCAN_PERIOD_US
        self._keyboard = Keyboard(self.board, self.board.now_us & _TICKS_MASK)  # type: ignore[assignment]
        self.board.flush_midi()

    def _advance(self, microseconds: int) -> None:
        board = self.board
        until = board.now_us + microseconds
        while self._next_tick_us <= until:
            self._tick(self._next_tick_us)
            self._next_tick_us += SCAN_PERIOD_US
        board.now_us = until

    def _tick(self, now_us: int) -> None:
        board = self.board
        board.now_us = now_us
        try:
            self._keyboard.tick(now_us & _TICKS_MASK)  # type: ignore[attr-defined]
        except Exception as error:  # the core reports its features' faults; this is the last net
            self._fault_from_tick(now_us, error)
        board.flush_midi()

    def _fault_from_tick(self, now_us: int, error: Exception) -> None:
        if now_us - self._last_fault_us < _FAULT_REPORT_US:
            self._faults_unreported += 1
            return
        text = "tick: %s: %s" % (type(error).__name__, error)
        if self._faults_unreported:
            text += " (%d more since the last report)" % self._faults_unreported
        self.board.fault(text)
        _print_exception(error)
        self._last_fault_us = now_us
        self._faults_unreported = 0

    def _flush(self) -> None:
        if self.board.wrote:
            self._out.flush()
            self.board.wrote = False


def _monotonic_us() -> int:
    if hasattr(time, "ticks_us"):
        return time.ticks_us()  # type: ignore[return-value]  # unix port: period 2**62, no wrap in practice
    return time.monotonic_ns() // 1000  # type: ignore[attr-defined]  # CPython


def _print_exception(error: BaseException) -> None:
    # stderr is the emulator's log; stdout carries frames only.
    if hasattr(sys, "print_exception"):
        sys.print_exception(error, sys.stderr)  # type: ignore[arg-type]
    else:
        import traceback  # type: ignore[import-not-found]  # CPython only

        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)


class Options:
    """The emulator process's command line (EMULATOR.md "Starting it")."""

    def __init__(self, argv) -> None:
        self.dsn_seed = 0
        self.flash = None
        self.realtime = False
        i = 0
        while i < len(argv):
            arg = argv[i]
            if arg == "--realtime":
                self.realtime = True
            elif arg in ("--dsn-seed", "--flash") and i + 1 < len(argv):
                i += 1
                if arg == "--flash":
                    self.flash = argv[i]
                else:
                    self.dsn_seed = _seed(argv[i])
            else:
                raise ValueError("unknown or incomplete option %r" % arg)
            i += 1


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise ValueError("--dsn-seed wants an integer 0..2**64-1, got %r" % text)
    if seed < 0 or seed > _MASK64:
        raise ValueError("--dsn-seed wants an integer 0..2**64-1, got %r" % text)
    return seed


def run(argv=None) -> None:
    """Serve the host until it sends QUIT or closes stdin."""
    try:
        options = Options(sys.argv[1:] if argv is None else argv)
    except ValueError as error:
        # Told on stderr: MicroPython would print an uncaught traceback on stdout, among the frames.
        sys.stderr.write("emulator: %s\n" % error)
        sys.exit(2)
    stdin = sys.stdin.buffer
    stdin = getattr(stdin, "raw", stdin)  # CPython: unbuffered, so poll() sees every waiting byte
    stdout = sys.stdout.buffer
    if not hasattr(sys, "print_exception"):
        sys.stdout = sys.stderr  # CPython: a stray print() must not corrupt the frame stream
    board = EmulatorBoard(stdout, unique_id_from_seed(options.dsn_seed))
    try:
        from core.version import FIRMWARE_VERSION

        if options.flash is not None:
            # The pico's flash is its current directory; imports are already resolved by absolute path.
            os.chdir(options.flash)
        version = "%d.%d.%d" % FIRMWARE_VERSION
        emulator = Emulator(board, stdin, stdout, version, options.realtime)
        if options.realtime:
            emulator.serve_realtime()
        else:
            emulator.serve_virtual()
    except Exception as error:
        board.report(_ERROR, "emulator stopped: %s: %s" % (type(error).__name__, error))
        stdout.flush()
        _print_exception(error)
        sys.exit(1)
