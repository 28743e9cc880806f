# Garbled or unknown packets from the host are dropped and counted, never fatal; counters over SysEx.
from core.counters import COUNTER_NAMES
from fakeboard import Rig, counts, flat, note_off, note_on, sysex_from_packets, sysex_packets

rig = Rig()
board = rig.board
counters = rig.keyboard.counters


def send(packets):
    board.host_sends(bytes(packets))
    rig.run_ms(2)  # MIDI in is read every other tick


def changed(before):
    after = counters.as_dict()
    return {name: after[name] - before[name] for name in COUNTER_NAMES if after[name] != before[name]}


CASES = (
    ("reserved CIN 0", (0x00, 0x90, 0x30, 0x40)),
    ("reserved CIN 1", (0x01, 0x11, 0x22, 0x33)),
    ("cable 1", (0x19, 0x90, 0x30, 0x40)),
    ("note-on data byte with the high bit", (0x09, 0x90, 0xB0, 0x40)),
    ("CIN 9 carrying a note-off status", (0x09, 0x80, 0x30, 0x40)),
    ("CIN 9 carrying a data byte as status", (0x09, 0x10, 0x30, 0x40)),
    ("SysEx continuation with no start", (0x04, 0x01, 0x02, 0x03)),
    ("SysEx end with no start", (0x06, 0x01, 0xF7, 0x00)),
    ("CIN 4 holding an F7", (0x04, 0xF0, 0x01, 0xF7)),
    ("SysEx end packet not ending in F7", (0x04, 0xF0, 0x7D, 0x4B, 0x07, 0x01, 0x02, 0x03)),
    ("status byte inside SysEx", (0x04, 0xF0, 0x7D, 0x4B, 0x04, 0x90, 0x00, 0x00)),
    ("CIN F with a data byte", (0x0F, 0x30, 0x00, 0x00)),
    ("CIN F with a status that needs data", (0x0F, 0x90, 0x00, 0x00)),
    ("CIN 2 with a 3-byte status", (0x02, 0xF2, 0x00, 0x00)),
    ("CIN 3 with a data byte with the high bit", (0x03, 0xF2, 0x80, 0x00)),
    ("all-zero padding packets", (0, 0, 0, 0, 0, 0, 0, 0)),
    ("well-formed channel messages (ignored)", (
        0x09, 0x90, 0x3C, 0x64, 0x08, 0x80, 0x3C, 0x40, 0x0B, 0xB3, 0x07, 0x64,
        0x0C, 0xC0, 0x05, 0x00, 0x0E, 0xE0, 0x00, 0x40, 0x0D, 0xD0, 0x10, 0x00,
    )),
    ("well-formed system messages (ignored)", (
        0x0F, 0xF8, 0, 0, 0x0F, 0xFA, 0, 0, 0x0F, 0xFC, 0, 0, 0x05, 0xF6, 0, 0,
        0x02, 0xF3, 0x01, 0x00, 0x03, 0xF2, 0x10, 0x20,
    )),
    ("a trailing partial packet", (0x09, 0x90, 0x3C, 0x64, 0x09, 0x90)),
)
for name, packets in CASES:
    before = counters.as_dict()
    send(packets)
    print("%s: %s" % (name, counts(changed(before))))
assert rig.take() == []

# A new start cuts an unfinished SysEx short; the new one is answered.
before = counters.as_dict()
send((0x04, 0xF0, 0x7D, 0x4B, 0x04, 0xF0, 0x7E, 0x7F, 0x07, 0x06, 0x01, 0xF7))
rig.run_ms(2)  # MIDI in is read every other tick
print("restarted SysEx: %s" % counts(changed(before)))
replies = sysex_from_packets(rig.take())
assert len(replies) == 1 and replies[0][:5] == b"\xf0\x7e\x7f\x06\x02"

# Random garbage (a fixed pseudo-random stream): never fatal.
seed = 12345
garbage = bytearray(4000)
for i in range(len(garbage)):
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    garbage[i] = seed >> 16 & 0xFF
    if i % 4 == 0 and i % 64:
        garbage[i] &= 0x0F  # mostly cable 0, so the packets reach the checks past the cable number
for i in range(0, len(garbage), 64):
    board.host_sends(garbage[i : i + 64])
    rig.run_ms(2)  # MIDI in is read every other tick
print("after 4000 random bytes:", counts(counters.as_dict()))
rig.take()  # whatever the garbage happened to ask for

# The keyboard still plays and still answers.
rig.press(0, 2)
rig.release(0)
assert rig.take() == [note_on(48, 127), note_off(48)]
board.host_sends(flat(sysex_packets(list(b"\xf0\x7d\x4b\x02\xf7"))))
rig.run_ms(2)
reply = sysex_from_packets(rig.take())[0]
print("GET_COUNTERS reply:", " ".join("%02x" % b for b in reply))
wire = [reply[5 + 3 * i] << 14 | reply[6 + 3 * i] << 7 | reply[7 + 3 * i] for i in range(reply[4])]
assert wire == list(counters.values)
assert counters.values[0] > 0 and counters.values[1] > 0
rig.finish()
print("ok")
