"""The keyboard's SysEx map, described as data, and the responder that answers requests.

Two families of messages (every byte is documented in firmware/PROTOCOL.md):
- Universal Identity Request F0 7E <device> 06 01 F7 (MIDI 1.0 spec, "Device Inquiry"): answered with the
  15-byte Identity Reply, carrying the <device> asked for, when it is 7F (all call) or the keyboard's
  device id (its MIDI channel).
- Private messages F0 7D <PRODUCT_ID> <command> <payload> F7 (7D: the non-commercial manufacturer id).
  A request's reply carries command | 0x40; a request that cannot be served gets NAK.
"""

from core import counters as _counters
from core.compat import const
from core.settings_store import value_of
from core.settings_table import SETTINGS, in_range, setting
from core.version import FIRMWARE_VERSION

MANUFACTURER_ID = const(0x7D)  # MIDI 1.0: "non-commercial use"
PRODUCT_ID = const(0x4B)  # "K": tells our messages from other 7D devices'
FAMILY_CODE = (0x01, 0x00)  # LSB first, as the Identity Reply orders them
MODEL_NUMBER = (0x01, 0x00)
UNIVERSAL_NON_REALTIME = const(0x7E)
ALL_CALL = const(0x7F)
REPLY_FLAG = const(0x40)

# Private commands: (code, name, request payload length). Replies are code | REPLY_FLAG.
# 0x10..0x1F are settings (core/settings_table.py says which ids, ranges and defaults there are).
COMMANDS = (
    (0x01, "DEVICE_INFO", 0),  # reply: version major, minor, patch, then the 16 DSN characters
    (0x02, "GET_COUNTERS", 0),  # reply: count, then each counter as three 7-bit bytes, MSB first
    (0x03, "GET_LAST_FAULT", 0),  # reply: faults count (3 bytes), text length, text (ASCII)
    (0x04, "CLEAR_COUNTERS", 0),  # reply: empty; counters back to 0, last fault forgotten
    (0x05, "PANIC", 0),  # reply: empty; all notes off (see notes.py)
    (0x10, "GET_SETTINGS", 0),  # reply: count, then each setting's value as three 7-bit bytes, by id
    (0x11, "SET_SETTING", 4),  # id, value as three 7-bit bytes; reply: the same four bytes; saved
    (0x12, "RESET_SETTINGS", 0),  # reply: empty; every setting back to its default, saved
)
NAK = const(0x7E)  # reply: the refused command, the reason
FAULT = const(0x7F)  # unsolicited: a feature raised; payload is the fault text (ASCII)
# Unsolicited notices for the host bridge (firmware/PROTOCOL.md, "Notices"):
RECORD_STATE = const(0x60)  # payload: 01 a take started, 00 it ended (the host records the same take)
GENERATE_REQUEST = const(0x61)  # no payload: the person asked, from the keyboard, to generate from the last take
NAK_UNKNOWN_COMMAND = const(0x01)
NAK_BAD_LENGTH = const(0x02)
NAK_UNKNOWN_SETTING = const(0x03)
NAK_OUT_OF_RANGE = const(0x04)
NAK_NOT_SAVED = const(0x05)  # applied, but the flash refused the write: lost at the next power cycle

FAULT_TEXT_MAX = const(48)
_REPLY_BYTES = const(80)


def ascii7(text, limit):
    """text cut to `limit` characters, with anything outside printable 7-bit ASCII shown as '?'."""
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text[:limit])


class SysexResponder:
    """Answers complete incoming SysEx messages; writes replies into one preallocated buffer."""

    def __init__(self, keyboard):
        self._keyboard = keyboard
        self._reply = bytearray(_REPLY_BYTES)
        # The lookups are derived from the COMMANDS table: code -> (request length, handler).
        self._handlers = {}
        for code, name, request_length in COMMANDS:
            self._handlers[code] = (request_length, getattr(self, "_" + name.lower()))

    def handle(self, message, length):
        """Handle message[0:length], F0 ... F7 inclusive."""
        if length >= 6 and message[1] == UNIVERSAL_NON_REALTIME:
            device = message[2]
            if (
                length == 6
                and message[3] == 0x06
                and message[4] == 0x01
                and (device == ALL_CALL or device == self._keyboard.settings.channel)
            ):
                self._identity_reply(device)
            return
        if length < 5 or message[1] != MANUFACTURER_ID or message[2] != PRODUCT_ID:
            return  # not ours: another device's message, ignored
        code = message[3]
        entry = self._handlers.get(code)
        if entry is None:
            self._nak(code, NAK_UNKNOWN_COMMAND)
            return
        request_length, handler = entry
        if length - 5 != request_length:
            self._nak(code, NAK_BAD_LENGTH)
            return
        handler(message, length)

    # Replies -------------------------------------------------------------------------------------

    def _start(self, code):
        reply = self._reply
        reply[0] = 0xF0
        reply[1] = MANUFACTURER_ID
        reply[2] = PRODUCT_ID
        reply[3] = code
        return 4

    def _send(self, length):
        self._reply[length] = 0xF7
        self._keyboard.tx.sysex(self._reply, length + 1)

    def _put_text(self, at, text):
        reply = self._reply
        for c in text:
            reply[at] = ord(c)
            at += 1
        return at

    def _put_21_bits(self, at, value):
        reply = self._reply
        reply[at] = (value >> 14) & 0x7F
        reply[at + 1] = (value >> 7) & 0x7F
        reply[at + 2] = value & 0x7F
        return at + 3

    def _identity_reply(self, device):
        # MIDI 1.0, General Information, Identity Reply: 15 bytes, `device` the id the request asked for.
        # The DSN is not in it: DEVICE_INFO (private) carries it.
        reply = self._reply
        header = (0xF0, UNIVERSAL_NON_REALTIME, device, 0x06, 0x02, MANUFACTURER_ID)
        at = 0
        for byte in header + FAMILY_CODE + MODEL_NUMBER + FIRMWARE_VERSION + (0,):
            reply[at] = byte
            at += 1
        self._send(at)

    def _nak(self, code, reason):
        self._keyboard.counters.count(_counters.SYSEX_REJECTED)
        at = self._start(NAK)
        self._reply[at] = code & 0x7F
        self._reply[at + 1] = reason
        self._send(at + 2)

    def send_fault(self, text):
        """Unsolicited FAULT report: F0 7D <PRODUCT_ID> 7F <text> F7."""
        at = self._start(FAULT)
        at = self._put_text(at, ascii7(text, FAULT_TEXT_MAX))
        self._send(at)

    def send_notice(self, code, value=-1):
        """Unsolicited notice: F0 7D <PRODUCT_ID> <code> [value] F7 (no value byte when value < 0)."""
        at = self._start(code)
        if value >= 0:
            self._reply[at] = value & 0x7F
            at += 1
        self._send(at)

    # Command handlers: named after COMMANDS entries ---------------------------------------------

    def _device_info(self, message, length):
        at = self._start(0x01 | REPLY_FLAG)
        for part in FIRMWARE_VERSION:
            self._reply[at] = part
            at += 1
        at = self._put_text(at, self._keyboard.dsn)
        self._send(at)

    def _get_counters(self, message, length):
        values = self._keyboard.counters.values
        at = self._start(0x02 | REPLY_FLAG)
        self._reply[at] = len(values)
        at += 1
        for value in values:
            at = self._put_21_bits(at, value)
        self._send(at)

    def _get_last_fault(self, message, length):
        keyboard = self._keyboard
        text = ascii7(keyboard.last_fault, FAULT_TEXT_MAX)
        at = self._start(0x03 | REPLY_FLAG)
        at = self._put_21_bits(at, keyboard.counters.values[_counters.FAULTS])
        self._reply[at] = len(text)
        at = self._put_text(at + 1, text)
        self._send(at)

    def _clear_counters(self, message, length):
        self._keyboard.counters.clear()
        self._keyboard.last_fault = ""
        self._send(self._start(0x04 | REPLY_FLAG))

    def _panic(self, message, length):
        self._keyboard.panic()
        self._send(self._start(0x05 | REPLY_FLAG))

    def _get_settings(self, message, length):
        at = self._start(0x10 | REPLY_FLAG)
        self._reply[at] = len(SETTINGS)
        at += 1
        for row in SETTINGS:
            at = self._put_21_bits(at, value_of(self._keyboard, row[0]))
        self._send(at)

    def _set_setting(self, message, length):
        setting_id = message[4]
        value = message[5] << 14 | message[6] << 7 | message[7]
        row = setting(setting_id)
        if row is None:
            self._nak(0x11, NAK_UNKNOWN_SETTING)
            return
        if not in_range(row, value):
            self._nak(0x11, NAK_OUT_OF_RANGE)
            return
        keyboard = self._keyboard
        if not keyboard.settings_store.change(keyboard, setting_id, value):
            self._nak(0x11, NAK_NOT_SAVED)
            return
        at = self._start(0x11 | REPLY_FLAG)
        self._reply[at] = setting_id
        self._send(self._put_21_bits(at + 1, value))

    def _reset_settings(self, message, length):
        keyboard = self._keyboard
        if not keyboard.settings_store.reset(keyboard):
            self._nak(0x12, NAK_NOT_SAVED)
            return
        self._send(self._start(0x12 | REPLY_FLAG))
