# SysEx: Identity Request/Reply, the private commands, and reassembly of requests split across packets.
from core.counters import COUNTER_NAMES
from core.dsn import dsn_from_unique_id
from core.version import FIRMWARE_VERSION
from fakeboard import UNIQUE_ID, Rig, counts, flat, hexes, sysex_from_packets, sysex_packets

rig = Rig()
board = rig.board
DSN = dsn_from_unique_id(UNIQUE_ID)
print("dsn", DSN)


def ask(message, packets_per_tick=16):
    """Send a SysEx message from the host, a few packets each 2 ms (MIDI in is read every other tick);
    return the SysEx replies."""
    packets = sysex_packets(list(message))
    for i in range(0, len(packets), packets_per_tick):
        board.host_sends(flat(packets[i : i + packets_per_tick]))
        rig.run_ms(2)  # MIDI in is read every other tick
    rig.run_ms(2)  # MIDI in is read every other tick
    replies = sysex_from_packets(rig.take())
    for reply in replies:
        print("  ", " ".join("%02x" % b for b in reply))
    return replies


def counters():
    reply = ask(b"\xf0\x7d\x4b\x02\xf7")[0]
    n = reply[4]
    values = {}
    for i in range(n):
        at = 5 + 3 * i
        values[COUNTER_NAMES[i]] = reply[at] << 14 | reply[at + 1] << 7 | reply[at + 2]
    return values


version = bytes(FIRMWARE_VERSION) + b"\x00"
# MIDI 1.0 Identity Reply: 15 bytes, the device id the request asked for; the DSN is DEVICE_INFO's.
identity = b"\xf0\x7e\x7f\x06\x02\x7d\x01\x00\x01\x00" + version + b"\xf7"
assert len(identity) == 15
print("identity request, all call")
assert ask(b"\xf0\x7e\x7f\x06\x01\xf7") == [identity]
print("identity request, our device id (channel 1 = 0)")
assert ask(b"\xf0\x7e\x00\x06\x01\xf7") == [b"\xf0\x7e\x00" + identity[3:]]
print("identity request, another device id: no reply")
assert ask(b"\xf0\x7e\x05\x06\x01\xf7") == []

print("DEVICE_INFO")
info = bytes(b"\xf0\x7d\x4b\x41") + bytes(FIRMWARE_VERSION) + DSN.encode() + b"\xf7"
assert ask(b"\xf0\x7d\x4b\x01\xf7") == [info]
print("DEVICE_INFO one packet per tick")
assert ask(b"\xf0\x7d\x4b\x01\xf7", packets_per_tick=1) == [info]

print("DEVICE_INFO with a real-time byte (clock) between its packets")
board.host_sends(bytes((0x04, 0xF0, 0x7D, 0x4B, 0x0F, 0xF8, 0, 0, 0x06, 0x01, 0xF7, 0)))
rig.run_ms(2)
assert sysex_from_packets(rig.take()) == [info]

print("unknown command 0x1F (kept for settings): NAK unknown")
assert ask(b"\xf0\x7d\x4b\x1f\x01\x02\xf7") == [b"\xf0\x7d\x4b\x7e\x1f\x01\xf7"]
print("DEVICE_INFO with a payload: NAK bad length")
assert ask(b"\xf0\x7d\x4b\x01\x00\xf7") == [b"\xf0\x7d\x4b\x7e\x01\x02\xf7"]
print("another manufacturer's and another 7D product's SysEx: ignored")
assert ask(b"\xf0\x43\x10\x4c\x00\x00\x7e\x00\xf7") == []
assert ask(b"\xf0\x7d\x01\x01\xf7") == []

values = counters()
print("counters", counts(values))
assert values["sysex_rejected"] == 2 and values["faults"] == 0

print("GET_LAST_FAULT with no fault")
assert ask(b"\xf0\x7d\x4b\x03\xf7") == [b"\xf0\x7d\x4b\x43\x00\x00\x00\x00\xf7"]
print("CLEAR_COUNTERS")
assert ask(b"\xf0\x7d\x4b\x04\xf7") == [b"\xf0\x7d\x4b\x44\xf7"]
assert counters()["sysex_rejected"] == 0

print("PANIC with a note held")
rig.press(3, 2)
rig.take()
board.host_sends(flat(sysex_packets(list(b"\xf0\x7d\x4b\x05\xf7"))))
rig.run_ms(2)  # MIDI in is read every other tick
packets = rig.take()
print("  ", hexes(packets))
assert packets[:2] == [(0x08, 0x80, 51, 0x40), (0x0B, 0xB0, 123, 0)]
assert sysex_from_packets(packets) == [b"\xf0\x7d\x4b\x45\xf7"]
rig.release(3)

# A request longer than the 128-byte reassembly buffer is dropped and counted; the next one works.
print("oversized SysEx")
assert ask(b"\xf0\x7d\x4b\x01" + b"\x00" * 200 + b"\xf7") == []
assert counters()["sysex_overflow"] == 1
assert ask(b"\xf0\x7d\x4b\x01\xf7") == [info]
print("exactly 128 bytes fits (and is refused for its length, not dropped)")
assert ask(b"\xf0\x7d\x4b\x01" + b"\x00" * 123 + b"\xf7") == [b"\xf0\x7d\x4b\x7e\x01\x02\xf7"]
print("129 bytes does not")
assert ask(b"\xf0\x7d\x4b\x01" + b"\x00" * 124 + b"\xf7") == []
assert counters()["sysex_overflow"] == 2
rig.finish()
print("ok")
