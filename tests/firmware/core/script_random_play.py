# A long random session (a fixed pseudo-random stream, the same on both interpreters): keys with random
# travel times, chords and chord modes, octave shifts, pedal, wheels, panics. CPython and MicroPython must
# send the very same bytes; the pytest side checks the full log with mido for stuck or unmatched notes.
import pins
from fakeboard import Rig

seed = 31337


def rand(n):
    global seed
    seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
    return (seed >> 8) % n


rig = Rig()
board = rig.board
kb = rig.keyboard
rest_level = board.pedal_level
held = [False] * 32
for step in range(1500):
    choice = rand(100)
    key = rand(13) if rand(2) else rand(32)
    if choice < 40:
        rig.contact(key, 1, True)
        rig.run_ms(rand(90))
        rig.contact(key, 2, True)
        held[key] = True
    elif choice < 75:
        rig.contact(key, 2, False)
        rig.contact(key, 1, False)
        held[key] = False
    elif choice < 80:
        rig.tap(pins.BUTTON_CHORD)
    elif choice < 83:
        kb.settings.chord_mode = rand(4)
        kb.settings.chord_key = rand(12)
    elif choice < 87:
        rig.tap(pins.BUTTON_OCTAVE_UP if rand(2) else pins.BUTTON_OCTAVE_DOWN)
    elif choice < 90:
        board.pedal_level = not board.pedal_level
    elif choice < 97:
        board.adc[rand(3)] = rand(65536)
    elif choice < 98:
        rig.button(pins.BUTTON_OCTAVE_DOWN, True, 1)
        rig.button(pins.BUTTON_OCTAVE_UP, True, 1)
        rig.button(pins.BUTTON_OCTAVE_DOWN, False, 1)
        rig.button(pins.BUTTON_OCTAVE_UP, False, 1)
    else:
        kb.settings.velocity_curve = rand(3)
    rig.run_ms(1 + rand(8))
for key in range(32):
    rig.contact(key, 2, False)
    rig.contact(key, 1, False)
board.pedal_level = rest_level
rig.run_ms(20)
packets = board.all_packets()
notes_on = len([p for p in packets if p[0] == 0x09])
print("1500 random steps: %d packets, %d note-ons, sounding at the end: %d" % (
    len(packets), notes_on, kb.notes.sounding_count()))
assert kb.notes.sounding_count() == 0
assert kb.counters.as_dict()["faults"] == 0 and kb.counters.as_dict()["tx_dropped"] == 0
rig.finish()
print("ok")
