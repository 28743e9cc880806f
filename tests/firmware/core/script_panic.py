# Panic: note-off for everything the core believes sounding, then CC 123. On octave down + octave up
# pressed together, on the PANIC SysEx command, and before a channel change.
import pins
from fakeboard import Rig, cc, note_off, note_on, show

rig = Rig()
kb = rig.keyboard
rig.tap(pins.BUTTON_CHORD)
rig.press(0, 2)
rig.press(4, 2)
rig.take()
rig.button(pins.BUTTON_OCTAVE_DOWN, True)
rig.button(pins.BUTTON_OCTAVE_UP, True)
packets = rig.take()
show("panic combination", packets)
assert packets == [note_off(48), note_off(52), note_off(55), note_off(56), note_off(59), cc(123, 0)]
rig.button(pins.BUTTON_OCTAVE_DOWN, False)
rig.button(pins.BUTTON_OCTAVE_UP, False)
assert kb.octave == 0  # the combination shifts nothing
# Keys still held after a panic end silently: their notes are already off.
rig.release(0)
rig.release(4)
assert rig.take() == []
print("after panic, releases send nothing")

# A held key during a channel change: its note ends on the old channel, before the change.
rig.tap(pins.BUTTON_CHORD)
rig.press(10, 2)
kb.set_channel(9)
rig.run_ms(1)
rig.press(11, 2)
rig.release(10)
rig.release(11)
packets = rig.take()
show("channel change", packets)
assert packets == [note_on(58, 127), note_off(58), cc(123, 0), note_on(59, 127, channel=9), note_off(59, channel=9)]
try:
    kb.set_channel(16)
    raise AssertionError("channel 16 accepted")
except ValueError as error:
    print("set_channel(16):", error)
rig.finish()
print("ok")
