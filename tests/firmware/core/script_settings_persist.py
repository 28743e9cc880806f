# Settings over SysEx (GET_SETTINGS, SET_SETTING, RESET_SETTINGS) and on the flash (settings.bin in the
# current folder): changed values survive a power cycle; a bad file means defaults and a FAULT, never a
# failed boot; out-of-range values and unknown ids are refused with NAK.
import os

import pins

from core.settings_file import SETTINGS_FILE, crc16
from core.settings_table import DEFAULT, ID, N_SETTINGS, SETTINGS
from fakeboard import Rig, flat, hexes, note_on, sysex_from_packets, sysex_packets

# A scratch flash folder of our own (the two interpreters run this script one after the other).
FLASH = "/tmp/keycomposer-settings-%s" % "".join("%02x" % b for b in os.urandom(6))
os.mkdir(FLASH)
os.chdir(FLASH)


def ask(rig, message):
    """Send one SysEx request; the SysEx replies and every other packet that went out meanwhile."""
    rig.board.host_sends(flat(sysex_packets(list(message))))
    rig.run_ms(2)
    packets = rig.take()
    replies = sysex_from_packets(packets)
    for reply in replies:
        print("  ", " ".join("%02x" % b for b in reply))
    others = [p for p in packets if (p[0] & 0xF) >= 0x8]
    return replies, others


def get_all(rig):
    reply = ask(rig, b"\xf0\x7d\x4b\x10\xf7")[0][0]
    assert reply[:4] == b"\xf0\x7d\x4b\x50" and reply[4] == N_SETTINGS and len(reply) == 6 + 3 * N_SETTINGS
    return [reply[5 + 3 * i] << 14 | reply[6 + 3 * i] << 7 | reply[7 + 3 * i] for i in range(N_SETTINGS)]


def set_one(rig, setting_id, value):
    message = bytes((0xF0, 0x7D, 0x4B, 0x11, setting_id, value >> 14 & 0x7F, value >> 7 & 0x7F, value & 0x7F, 0xF7))
    return ask(rig, message)


def nak(reason):
    return [bytes((0xF0, 0x7D, 0x4B, 0x7E, 0x11, reason, 0xF7))]


def files():
    return sorted(os.listdir("."))


DEFAULTS = [row[DEFAULT] for row in SETTINGS]
assert [row[ID] for row in SETTINGS] == list(range(N_SETTINGS))

print("a fresh keyboard: defaults, no file, no fault")
rig = Rig()
assert rig.board.faults == []
assert get_all(rig) == DEFAULTS
assert files() == []

print("set channel 3: a panic on the old channel, the reply echoes the value, the file is written")
replies, others = set_one(rig, 0, 3)
assert replies == [b"\xf0\x7d\x4b\x51\x00\x00\x00\x03\xf7"]
print("   other packets:", hexes(others))
assert others == [(0x0B, 0xB0, 123, 0)]
assert files() == [SETTINGS_FILE]  # the temporary file was renamed over it
rig.press(0, 2)
assert rig.take() == [note_on(48, 127, channel=3)]
rig.release(0)
rig.take()

print("set debounce 20000 us (a value wider than 14 bits' worth of 7-bit bytes)")
assert set_one(rig, 3, 20000)[0] == [b"\xf0\x7d\x4b\x51\x03\x01\x1c\x20\xf7"]
print("set pitch-bend range 12: told to the synth as RPN 0, then the null RPN")
replies, others = set_one(rig, 11, 12)
print("   other packets:", hexes(others))
assert others == [(0x0B, 0xB3, 101, 0), (0x0B, 0xB3, 100, 0), (0x0B, 0xB3, 6, 12), (0x0B, 0xB3, 38, 0),
                  (0x0B, 0xB3, 101, 127), (0x0B, 0xB3, 100, 127)]
print("the same range again: nothing to tell")
assert set_one(rig, 11, 12)[1] == []
print("set chord mode seventh, velocity curve fixed at 90")
set_one(rig, 4, 3)
set_one(rig, 1, 2)
set_one(rig, 2, 90)

print("refused: unknown id, out of range (both ends), wrong length; nothing changes")
before = get_all(rig)
assert set_one(rig, N_SETTINGS, 0)[0] == nak(3)
assert set_one(rig, 0, 16)[0] == nak(4)
assert set_one(rig, 2, 0)[0] == nak(4)
assert set_one(rig, 8, 91)[0] == nak(4)
assert ask(rig, b"\xf0\x7d\x4b\x11\x00\x01\xf7")[0] == [b"\xf0\x7d\x4b\x7e\x11\x02\xf7"]
assert get_all(rig) == before

print("power cycle: the settings are back, and in force")
stored = get_all(rig)
rig = Rig()
assert rig.board.faults == []
assert get_all(rig) == stored
assert rig.keyboard.debouncer.debounce_us == 20000
rig.button(pins.BUTTON_CHORD, True, 30)  # held and let go for longer than the 20 ms debounce
rig.button(pins.BUTTON_CHORD, False, 30)
rig.take()
rig.press(0, 20)
played = rig.take()
print("   chord on channel 4 at the fixed velocity:", hexes(played))
assert played == [note_on(48, 90, 3), note_on(52, 90, 3), note_on(55, 90, 3), note_on(58, 90, 3)]
rig.release(0, 40)
rig.take()

print("a failed write: NAK not saved, the value holds until the power goes")
os.mkdir("settings.tmp")  # the temporary file cannot be created
assert set_one(rig, 5, 7)[0] == nak(5)
assert get_all(rig)[5] == 7
os.rmdir("settings.tmp")
assert Rig().keyboard.settings.chord_key == 0

print("reset to defaults: saved too")
assert ask(rig, b"\xf0\x7d\x4b\x12\xf7")[0] == [b"\xf0\x7d\x4b\x52\xf7"]
assert get_all(rig) == DEFAULTS
assert get_all(Rig()) == DEFAULTS
set_one(rig, 0, 5)


def boot_with(data, label):
    with open(SETTINGS_FILE, "wb") as stream:
        stream.write(data)
    rig = Rig()
    print("%s: faults %s" % (label, rig.board.faults))
    packets = rig.take()
    assert sysex_from_packets(packets) == [b"\xf0\x7d\x4b\x7f" + rig.board.faults[0][:48].encode() + b"\xf7"]
    assert get_all(rig) == DEFAULTS
    rig.press(1, 2)  # and it plays
    assert rig.take() == [note_on(49, 127)]
    return rig


with open(SETTINGS_FILE, "rb") as stream:
    good = bytearray(stream.read())
print("the file as stored:", " ".join("%02x" % b for b in good))
assert good[:5] == b"KCS\x01" + bytes((N_SETTINGS,)) and good[8] == 5

flipped = bytearray(good)
flipped[8] = 6
boot_with(flipped, "one byte changed")
boot_with(good[:-3], "cut short")
boot_with(b"", "empty")
boot_with(b"\x00" * 55, "zeros")
other = bytearray(good)
other[3] = 2
end = len(other) - 2
crc = crc16(other, end)
other[end] = crc >> 8
other[end + 1] = crc & 0xFF
boot_with(other, "format version 2")
unknown = bytearray(good)
unknown[5 + 4 * 11] = 99  # the last record's id
crc = crc16(unknown, end)
unknown[end] = crc >> 8
unknown[end + 1] = crc & 0xFF
boot_with(unknown, "unknown id")
wide = bytearray(good)
wide[5 + 4 * 0 + 3] = 16  # channel 16
crc = crc16(wide, end)
wide[end] = crc >> 8
wide[end + 1] = crc & 0xFF
boot_with(wide, "channel out of range")

print("a file from an older firmware (fewer records): those are loaded, the rest stay defaults")
older = bytearray(good[: 5 + 4 * 2])
older[4] = 2
crc = crc16(older, len(older))
older.append(crc >> 8)
older.append(crc & 0xFF)
with open(SETTINGS_FILE, "wb") as stream:
    stream.write(older)
rig = Rig()
assert rig.board.faults == []
assert get_all(rig) == [5] + DEFAULTS[1:]

print("crc16 check value:", "%04X" % crc16(b"123456789", 9))
for name in files():
    os.remove(name)
os.chdir("/")
os.rmdir(FLASH)
print("ok")
