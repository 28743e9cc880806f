# Octave buttons shift the keys by 12 within MIDI 0..127; a held note's note-off is the note it sent.
import pins
from fakeboard import Rig, note_off, note_on, show

rig = Rig()
kb = rig.keyboard
board = rig.board

# Hold key 0 (C3 = 48), shift up an octave, press key 0's neighbour, release both.
rig.press(0, 2)
rig.tap(pins.BUTTON_OCTAVE_UP)
assert kb.octave == 1
rig.press(1, 2)
rig.release(0)
rig.release(1)
packets = rig.take()
show("held across a shift", packets)
assert packets == [note_on(48, 127), note_on(61, 127), note_off(48), note_off(61)]
assert board.leds[pins.LED_OCTAVE_UP] and not board.leds[pins.LED_OCTAVE_DOWN]

# The same key held while shifting, pressed again after: two different notes, each ended correctly.
rig.press(5, 2)
rig.tap(pins.BUTTON_OCTAVE_DOWN)
rig.release(5)
rig.press(5, 2)
rig.release(5)
packets = rig.take()
show("same key, two octaves", packets)
assert packets == [note_on(65, 127), note_off(65), note_on(53, 127), note_off(53)]

# Up to +4 octaves (key 31 = 127) and down to -4 (key 0 = 0); one more is refused.
for _ in range(6):
    rig.tap(pins.BUTTON_OCTAVE_UP)
print("octave after 6 ups:", kb.octave)
assert kb.octave == 4
rig.press(31, 2)
rig.release(31)
assert rig.take() == [note_on(127, 127), note_off(127)]
for _ in range(10):
    rig.tap(pins.BUTTON_OCTAVE_DOWN)
print("octave after 10 downs:", kb.octave)
assert kb.octave == -4
rig.press(0, 2)
rig.release(0)
assert rig.take() == [note_on(0, 127), note_off(0)]
assert board.leds[pins.LED_OCTAVE_DOWN] and not board.leds[pins.LED_OCTAVE_UP]
for _ in range(4):
    rig.tap(pins.BUTTON_OCTAVE_UP)
assert kb.octave == 0
assert not board.leds[pins.LED_OCTAVE_DOWN] and not board.leds[pins.LED_OCTAVE_UP]

# Two keys whose notes meet after a shift: key 12 (60) held, shift down, key 24 plays 60 too.
rig.press(12, 2)
rig.tap(pins.BUTTON_OCTAVE_DOWN)
rig.press(24, 2)
rig.release(12)
still = rig.take()
rig.release(24)
packets = still + rig.take()
show("shared note across a shift", packets)
assert still == [note_on(60, 127)]  # the second key shares the sounding note: no retrigger, no early off
assert packets == [note_on(60, 127), note_off(60)]
rig.tap(pins.BUTTON_OCTAVE_UP)
rig.finish()
print("ok")
