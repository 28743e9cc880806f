"""The emulator's framed byte protocol, host side: every frame kind as data, encoded and decoded.

The firmware's side is firmware/boards/emulator.py; firmware/EMULATOR.md documents every byte. The host
never imports firmware code: these tables are the host's own reading of EMULATOR.md, and the tests in
tests/emulator/ check both sides against each other through a running emulator.

A frame is ``A5 kind length payload... crc``: ``length`` counts the payload bytes (0..255) and ``crc`` is
CRC-8/SMBUS (polynomial 0x07, initial 0) of ``kind``, ``length`` and the payload.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, fields
from typing import ClassVar

START = 0xA5
HEADER_BYTES = 3
MAX_PAYLOAD = 255
PROTOCOL_VERSION = 1


class FrameError(ValueError):
    """A frame that cannot be encoded or a payload that does not fit its kind."""


def _crc8_table() -> bytes:
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return bytes(table)


_CRC8 = _crc8_table()


def crc8(data: bytes | bytearray) -> int:
    """CRC-8/SMBUS (polynomial 0x07, initial value 0, no reflection) of ``data``."""
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


class Frame:
    """Base of every frame kind. A subclass declares KIND, its fixed fields' struct FORMAT (big-endian)
    in field order, and TAIL: None, "packets" (whole 4-byte USB-MIDI packets) or "text" (UTF-8)."""

    KIND: ClassVar[int]
    FORMAT: ClassVar[str] = ">"
    TAIL: ClassVar[str | None] = None


# -- host -> emulator ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Switch(Frame):
    """Close or open the matrix switch at (row, col)."""

    KIND = 0x01
    FORMAT = ">BBB"
    row: int
    col: int
    closed: bool


@dataclass(frozen=True)
class Adc(Frame):
    """Set ADC ``channel`` (pins.ADC_*) to a 16-bit reading."""

    KIND = 0x02
    FORMAT = ">BH"
    channel: int
    value: int


@dataclass(frozen=True)
class Pedal(Frame):
    """Set the sustain jack's level (True = high)."""

    KIND = 0x03
    FORMAT = ">B"
    level: bool


@dataclass(frozen=True)
class Advance(Frame):
    """Move virtual time on by ``microseconds``, ticking the core at every scan period on the way."""

    KIND = 0x04
    FORMAT = ">I"
    microseconds: int


@dataclass(frozen=True)
class MidiIn(Frame):
    """USB-MIDI event packets from the host to the keyboard."""

    KIND = 0x05
    TAIL = "packets"
    packets: bytes


@dataclass(frozen=True)
class Sync(Frame):
    """Answered by SyncReply(token) once every frame before it has been handled."""

    KIND = 0x06
    FORMAT = ">I"
    token: int


@dataclass(frozen=True)
class Boot(Frame):
    """Power the keyboard on: construct the core with the virtual pins as they are now."""

    KIND = 0x07


@dataclass(frozen=True)
class Quit(Frame):
    """End the emulator process."""

    KIND = 0x08


@dataclass(frozen=True)
class Usb(Frame):
    """The USB cable's state: READING (the host reads what the keyboard sends), STALLED (plugged in, the
    host reads nothing, for ``microseconds`` from now; 0: until the next Usb frame) or UNPLUGGED (nothing
    either way)."""

    KIND = 0x09
    FORMAT = ">BI"
    state: int
    microseconds: int = 0

    READING: ClassVar[int] = 0
    STALLED: ClassVar[int] = 1
    UNPLUGGED: ClassVar[int] = 2


# -- emulator -> host ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready(Frame):
    """First frame of every emulator process."""

    KIND = 0x81
    FORMAT = ">B"
    TAIL = "text"
    protocol_version: int
    firmware_version: str


@dataclass(frozen=True)
class MidiOut(Frame):
    """USB-MIDI event packets the keyboard sent during the tick at ``time_us`` (since boot)."""

    KIND = 0x82
    FORMAT = ">Q"
    TAIL = "packets"
    time_us: int
    packets: bytes


@dataclass(frozen=True)
class Led(Frame):
    """An LED (pins.LED_*) changed."""

    KIND = 0x83
    FORMAT = ">QBB"
    time_us: int
    led: int
    on: bool


@dataclass(frozen=True)
class Fault(Frame):
    """A feature of the core raised (board.fault), or the tick itself did."""

    KIND = 0x84
    FORMAT = ">Q"
    TAIL = "text"
    time_us: int
    text: str


@dataclass(frozen=True)
class SyncReply(Frame):
    """The answer to Sync: virtual time now, and how many garbled frames the emulator has dropped."""

    KIND = 0x85
    FORMAT = ">IQI"
    token: int
    time_us: int
    garbled: int


@dataclass(frozen=True)
class Error(Frame):
    """The emulator refused a frame (or stopped): a bug on the host's side, never the core's."""

    KIND = 0x86
    FORMAT = ">Q"
    TAIL = "text"
    time_us: int
    text: str


FRAME_TYPES: dict[int, type[Frame]] = {
    cls.KIND: cls
    for cls in (Switch, Adc, Pedal, Advance, MidiIn, Sync, Boot, Quit, Usb, Ready, MidiOut, Led, Fault, SyncReply, Error)
}


def _field_names(cls: type[Frame]) -> list[str]:
    return [f.name for f in fields(cls)]  # type: ignore[arg-type]


def encode_frame(frame: Frame) -> bytes:
    """The bytes of ``frame``, START to CRC; the inverse of FrameDecoder."""
    cls = type(frame)
    names = _field_names(cls)
    fixed = names[:-1] if cls.TAIL else names
    values = [int(v) if isinstance(v, bool) else v for v in (getattr(frame, n) for n in fixed)]
    try:
        payload = struct.pack(cls.FORMAT, *values)
    except struct.error as error:
        raise FrameError(f"{cls.__name__}: {error} (fields {dict(zip(fixed, values))})") from error
    if cls.TAIL == "packets":
        packets = bytes(getattr(frame, names[-1]))
        if len(packets) % 4:
            raise FrameError(f"{cls.__name__}: packets must be whole 4-byte USB-MIDI packets, got {len(packets)} bytes")
        payload += packets
    elif cls.TAIL == "text":
        payload += getattr(frame, names[-1]).encode("utf-8")
    if len(payload) > MAX_PAYLOAD:
        raise FrameError(f"{cls.__name__}: payload of {len(payload)} bytes, at most {MAX_PAYLOAD} fit a frame")
    body = bytes((cls.KIND, len(payload))) + payload
    return bytes((START,)) + body + bytes((crc8(body),))


def decode_payload(kind: int, payload: bytes) -> Frame:
    """The frame of ``kind`` carried by ``payload`` (already CRC-checked)."""
    cls = FRAME_TYPES.get(kind)
    if cls is None:
        raise FrameError(f"unknown frame kind 0x{kind:02X}")
    size = struct.calcsize(cls.FORMAT)
    if len(payload) < size or (cls.TAIL is None and len(payload) != size):
        raise FrameError(f"{cls.__name__} payload has {len(payload)} bytes, wants {size}")
    values: list[object] = list(struct.unpack_from(cls.FORMAT, payload))
    tail = payload[size:]
    if cls.TAIL == "packets":
        if len(tail) % 4:
            raise FrameError(f"{cls.__name__} carries {len(tail)} packet bytes, not whole 4-byte packets")
        values.append(bytes(tail))
    elif cls.TAIL == "text":
        values.append(tail.decode("utf-8", errors="replace"))
    kwargs = {}
    for f, value in zip(fields(cls), values):  # type: ignore[arg-type]
        kwargs[f.name] = bool(value) if f.type in ("bool", bool) else value
    return cls(**kwargs)


class FrameDecoder:
    """Turns a byte stream into frames, surviving damage.

    Bytes before a START byte are kept in ``stray`` (text some code printed by mistake lands there). A
    frame whose CRC fails, or whose payload does not fit its kind, is counted in ``garbled`` with the
    reason in ``problems``, and decoding resumes at the next START after its first byte.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.garbled = 0
        self.problems: list[str] = []
        self.stray = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        buf = self._buffer
        while True:
            start = buf.find(START)
            if start < 0:
                self.stray += buf
                buf.clear()
                return frames
            if start:
                self.stray += buf[:start]
                del buf[:start]
            if len(buf) < HEADER_BYTES:
                return frames
            end = HEADER_BYTES + buf[2]
            if len(buf) < end + 1:
                return frames
            if crc8(buf[1:end]) != buf[end]:
                self._reject("CRC mismatch")
                continue
            try:
                frames.append(decode_payload(buf[1], bytes(buf[HEADER_BYTES:end])))
            except FrameError as error:
                self._reject(str(error))
                continue
            del buf[: end + 1]

    def _reject(self, why: str) -> None:
        self.garbled += 1
        self.problems.append(why)
        del self._buffer[:1]
