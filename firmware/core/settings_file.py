"""The settings on the keyboard's flash: one small binary file in the current folder.

The current folder is the flash: `/` on the pico, the `--flash DIR` folder in the emulator. Layout (also
in firmware/PROTOCOL.md, section 4), big-endian:

    4B 43 53  magic "KCS"
    01        format version
    nn        number of records
    nn x (id, v2, v1, v0)   setting id (core.settings_table) and its value, 24 bits
    c1 c0     CRC-16/CCITT-FALSE (poly 1021, initial FFFF) of every byte before it

A write goes to a temporary file that is then renamed over the old one (rename is atomic on littlefs
and POSIX), so a power cut leaves the old settings or the new, never half of each. A file that is
corrupt, of another format version, or holding an unknown id or an out-of-range value is refused whole:
the keyboard keeps its defaults and reports the fault (it never stops booting over it). A file with fewer
records than there are settings (written by an older firmware) leaves the rest at their defaults.
"""

import os

from core.compat import const
from core.settings_table import SETTINGS, attribute_of, in_range, setting

SETTINGS_FILE = "settings.bin"
_TEMPORARY_FILE = "settings.tmp"
MAGIC = b"KCS"
FORMAT_VERSION = const(1)
_HEADER = const(5)
_RECORD = const(4)
_CHECKSUM = const(2)
_ENOENT = const(2)


class BadSettings(Exception):
    """The settings file is there but cannot be used; the keyboard runs on defaults. (A short name and
    short messages: the fault report `settings.boot: BadSettings: ...` must fit SysEx FAULT's 48 characters.)"""


def crc16(data, length):
    """CRC-16/CCITT-FALSE of data[0:length] (check value of ASCII 123456789: 29B1)."""
    crc = 0xFFFF
    for i in range(length):
        crc ^= data[i] << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def encode_settings(settings):
    """The file's bytes for every setting's current value in `settings`."""
    n = len(SETTINGS)
    data = bytearray(_HEADER + n * _RECORD + _CHECKSUM)
    data[0:3] = MAGIC
    data[3] = FORMAT_VERSION
    data[4] = n
    at = _HEADER
    for row in SETTINGS:
        value = getattr(settings, attribute_of(row))
        data[at] = row[0]
        data[at + 1] = (value >> 16) & 0xFF
        data[at + 2] = (value >> 8) & 0xFF
        data[at + 3] = value & 0xFF
        at += _RECORD
    checksum = crc16(data, at)
    data[at] = checksum >> 8
    data[at + 1] = checksum & 0xFF
    return data


def decode_settings(data):
    """[(id, value), ...] from a settings file's bytes; BadSettings says what is wrong."""
    if len(data) < _HEADER + _CHECKSUM or bytes(data[0:3]) != MAGIC:
        raise BadSettings("not a settings file")
    if data[3] != FORMAT_VERSION:
        raise BadSettings("format %d unknown" % data[3])
    n = data[4]
    end = _HEADER + n * _RECORD
    if len(data) != end + _CHECKSUM:
        raise BadSettings("length %d, not %d" % (len(data), end + _CHECKSUM))
    if crc16(data, end) != (data[end] << 8 | data[end + 1]):
        raise BadSettings("checksum mismatch")
    values = []
    for at in range(_HEADER, end, _RECORD):
        setting_id = data[at]
        value = data[at + 1] << 16 | data[at + 2] << 8 | data[at + 3]
        row = setting(setting_id)
        if row is None:
            raise BadSettings("unknown id %d" % setting_id)
        if not in_range(row, value):
            raise BadSettings("id %d out of range" % setting_id)
        values.append((setting_id, value))
    return values


def read_settings_file():
    """The stored [(id, value), ...], or None when there is no settings file (a fresh keyboard)."""
    try:
        with open(SETTINGS_FILE, "rb") as stream:
            data = stream.read()
    except OSError as error:
        if error.args and error.args[0] == _ENOENT:
            return None
        raise BadSettings("cannot read: %s" % error)
    return decode_settings(data)


def write_settings_file(settings):
    """Store every setting of `settings` atomically: a temporary file, then a rename over the old one."""
    data = encode_settings(settings)
    with open(_TEMPORARY_FILE, "wb") as stream:
        stream.write(data)
    os.rename(_TEMPORARY_FILE, SETTINGS_FILE)
