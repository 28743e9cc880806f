# A feature that raises is caught: reported as a SysEx FAULT message and through board.fault, counted,
# and the scan goes on for every other feature. A feature that keeps raising is reported once a second.
import pins
from fakeboard import Rig, flat, note_off, note_on, sysex_from_packets, sysex_packets

rig = Rig()
board = rig.board
kb = rig.keyboard
controls = [f for f in kb.features if f.NAME == "controls"][0]


def broken_wheel(keyboard, now_us):
    raise ValueError("wheel broke")


controls.before_scan = broken_wheel
rig.run_ms(1)
first_at = rig.now_us
packets = rig.take()
faults = sysex_from_packets(packets)
print("first fault:", faults[0])
assert faults == [b"\xf0\x7d\x4b\x7f" + b"controls.before_scan: ValueError: wheel broke" + b"\xf7"]
assert board.faults == ["controls.before_scan: ValueError: wheel broke"]

# The keys still play while the controls raise every time they run (every other tick: core/feature.py
# lanes); the fault is not re-reported within 1 s.
rig.press(0, 2)
rig.release(0)
assert rig.take() == [note_on(48, 127), note_off(48)]
rig.run_ms((1000000 - (rig.now_us - first_at)) // 1000 - 1)
assert rig.take() == [] and len(board.faults) == 1
# 1 s after the first report, and 1 ms more: the note's two ticks (its press and its release) each left
# the lane to the next tick, so the controls' turns come one tick later than before.
rig.run_ms(2)
assert len(sysex_from_packets(rig.take())) == 1 and len(board.faults) == 2
print("reported again after 1 s; counted every time:", kb.counters.as_dict()["faults"])
assert kb.counters.as_dict()["faults"] == 500  # 1002 ticks, 1000 with a lane, the controls' every other one
del controls.before_scan  # repaired

# A fault inside one key's handling: that key is reported, the other keys play on.
class BrokenTracker:
    def hold_chord(self, key, root, intervals, velocity):
        raise KeyError(key)

    def release(self, key):
        pass


rig.keyboard.key_target = BrokenTracker()
rig.press(5, 2)
reported = sysex_from_packets(rig.take())
print("key fault:", reported[0])
rig.keyboard.key_target = rig.keyboard.notes
rig.press(6, 2)
rig.release(5)
rig.release(6)
assert rig.take() == [note_on(54, 127), note_off(54)]

# GET_LAST_FAULT tells the host what happened last, with the fault count (500 + 1 = 0x03 0x75). MIDI in
# is read every other tick: two ticks answer it.
board.host_sends(flat(sysex_packets(list(b"\xf0\x7d\x4b\x03\xf7"))))
rig.run_ms(2)
reply = sysex_from_packets(rig.take())[0]
print("GET_LAST_FAULT:", reply)
text = b"keys.on_switch: KeyError: 5"
assert reply == b"\xf0\x7d\x4b\x43\x00\x03\x75" + bytes((len(text),)) + text + b"\xf7"

# Fault texts are cut to 48 characters and to printable 7-bit ASCII.
def loud(keyboard, now_us):
    raise RuntimeError("\u00e9" * 80)


pedal = [f for f in kb.features if f.NAME == "pedal"][0]
pedal.before_scan = loud  # a feature that has not faulted yet: reported at once
rig.run_ms(2)  # (the pedal's lane runs every other tick)
reply = sysex_from_packets(rig.take())[0]
print("long fault:", reply)
assert len(reply) == 4 + 48 + 1 and max(reply[1:-1]) < 0x80
del pedal.before_scan
assert kb.tx.pending_packets() == 0
rig.finish()
print("ok")
