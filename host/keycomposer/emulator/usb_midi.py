"""USB-MIDI 1.0 event packets (USB Device Class Definition for MIDI Devices 1.0, section 4): MIDI bytes
in, packets out, and back.

A packet is four bytes: ``cable << 4 | CIN``, then up to three MIDI bytes padded with zeros. The Code
Index Number (CIN, table 4-1) says how many of the three bytes count.
"""

from __future__ import annotations

import mido

# Table 4-1: MIDI bytes carried by each Code Index Number. 0x0 and 0x1 are reserved.
MIDI_BYTES_BY_CIN = {
    0x2: 2,  # two-byte System Common (F1, F3)
    0x3: 3,  # three-byte System Common (F2)
    0x4: 3,  # SysEx starts or continues
    0x5: 1,  # single-byte System Common (F6), or SysEx ends with one byte
    0x6: 2,  # SysEx ends with two bytes
    0x7: 3,  # SysEx ends with three bytes
    0x8: 3,  # note off
    0x9: 3,  # note on
    0xA: 3,  # poly key pressure
    0xB: 3,  # control change
    0xC: 2,  # program change
    0xD: 2,  # channel pressure
    0xE: 3,  # pitch bend
    0xF: 1,  # single byte (real-time messages)
}

# Length of each message by its status byte (channel messages by high nibble); SysEx runs to F7.
_CHANNEL_MESSAGE_BYTES = {0x8: 3, 0x9: 3, 0xA: 3, 0xB: 3, 0xC: 2, 0xD: 2, 0xE: 3}
_SYSTEM_MESSAGE_BYTES = {0xF1: 2, 0xF2: 3, 0xF3: 2, 0xF6: 1, 0xF8: 1, 0xFA: 1, 0xFB: 1, 0xFC: 1, 0xFE: 1, 0xFF: 1}
_SYSEX_START = 0xF0
_SYSEX_END = 0xF7


class MidiBytesError(ValueError):
    """MIDI bytes that do not split into whole messages."""


def split_messages(data: bytes) -> list[bytes]:
    """Cut a MIDI byte stream into whole messages (no running status)."""
    messages: list[bytes] = []
    i = 0
    while i < len(data):
        status = data[i]
        if status == _SYSEX_START:
            end = data.find(_SYSEX_END, i + 1)
            if end < 0:
                raise MidiBytesError(f"SysEx at byte {i} has no F7 end")
            body = data[i + 1 : end]
            if any(b >= 0x80 for b in body):
                raise MidiBytesError(f"SysEx at byte {i} carries a status byte before its F7 end")
            messages.append(bytes(data[i : end + 1]))
            i = end + 1
            continue
        if status < 0x80:
            raise MidiBytesError(f"byte {i} (0x{status:02X}) is data with no status byte before it")
        if status >= 0xF0:
            length = _SYSTEM_MESSAGE_BYTES.get(status)
            if length is None:
                raise MidiBytesError(f"byte {i} (0x{status:02X}) is not a MIDI status byte one can send")
        else:
            length = _CHANNEL_MESSAGE_BYTES[status >> 4]
        message = bytes(data[i : i + length])
        if len(message) < length or any(b >= 0x80 for b in message[1:]):
            raise MidiBytesError(f"message at byte {i} (0x{status:02X}) wants {length - 1} data bytes 0..127")
        messages.append(message)
        i += length
    return messages


def packets_from_message(message: bytes, cable: int = 0) -> bytes:
    """The USB-MIDI packets of one whole MIDI message."""
    header = (cable & 0x0F) << 4
    status = message[0]
    if status == _SYSEX_START:
        out = bytearray()
        for start in range(0, len(message), 3):
            chunk = message[start : start + 3]
            last = start + 3 >= len(message)
            cin = (0x4 + len(chunk)) if last else 0x4  # 5, 6 or 7 ends it
            out += bytes((header | cin,)) + chunk + bytes(3 - len(chunk))
        return bytes(out)
    if status < 0xF0:
        cin = status >> 4
    elif status >= 0xF8:
        cin = 0xF
    else:
        cin = {1: 0x5, 2: 0x2, 3: 0x3}[len(message)]
    return bytes((header | cin,)) + message + bytes(3 - len(message))


def packets_from_bytes(data: bytes, cable: int = 0) -> bytes:
    """USB-MIDI packets carrying the MIDI byte stream ``data``; the inverse of PacketDecoder."""
    return b"".join(packets_from_message(m, cable) for m in split_messages(data))


class PacketDecoder:
    """Turns USB-MIDI packets back into mido messages; SysEx is reassembled across packets.

    Packets with a reserved CIN are counted in ``dropped`` and skipped.
    """

    def __init__(self) -> None:
        self._parser = mido.Parser()
        self.dropped = 0

    def feed(self, packets: bytes) -> list[mido.Message]:
        if len(packets) % 4:
            raise MidiBytesError(f"USB-MIDI packets come in 4 bytes, got {len(packets)}")
        for i in range(0, len(packets), 4):
            count = MIDI_BYTES_BY_CIN.get(packets[i] & 0x0F)
            if count is None:
                self.dropped += 1
                continue
            self._parser.feed(packets[i + 1 : i + 1 + count])
        return list(self._parser)
