# Debounce per switch, eager on press and deferred on release (asym_eager_defer_pk), 5 ms by default.
import pins
from fakeboard import Rig, note_off, note_on, show

rig = Rig()
first = pins.KEY_FIRST_POS[0]
second = pins.KEY_SECOND_POS[0]
board = rig.board

# Press: the first scan that sees a contact closed reports it (velocity timing is exact), and the
# chatter that follows within 5 ms is ignored: one note-on.
board.set_switch(first, True)
rig.run_ms(1)
board.set_switch(first, False)  # bounce
rig.run_ms(1)
board.set_switch(first, True)
rig.run_ms(1)
board.set_switch(second, True)
rig.run_ms(1)
board.set_switch(second, False)  # bounce
rig.run_ms(1)
board.set_switch(second, True)
rig.run_ms(1)
pressed = rig.take()
show("bouncy press", pressed)
assert pressed == [note_on(48, 113)]  # first scans of each contact: 3 ms apart

# Release: reported only once the contact has been seen open for 5 ms (first open scan + 5 ms).
board.set_switch(second, False)
board.set_switch(first, False)
rig.run_ms(5)
assert rig.take() == []
print("open for 4 ms: nothing")
rig.run_ms(1)
released = rig.take()
show("open for 5 ms", released)
assert released == [note_off(48)]

# An open contact that closes again within the debounce time was a bounce: no release at all.
rig.press(1, 5)
rig.take()
board.set_switch(pins.KEY_FIRST_POS[1], False)
rig.run_ms(3)
board.set_switch(pins.KEY_FIRST_POS[1], True)
rig.run_ms(20)
assert rig.take() == []
print("release bounce cancelled: note still held")
rig.release(1)
assert rig.take() == [note_off(49)]

# n-key rollover: all 32 keys at once, each with its own timing.
for key in range(32):
    rig.contact(key, 1, True)
rig.run_ms(2)
for key in range(32):
    rig.contact(key, 2, True)
rig.run_ms(1)
# A tick handles at most MAX_EVENTS_PER_TICK switch events; the rest wait their turn with the time they
# were seen, so the velocities are those of the strike and the order is the keys'.
print("32 keys at once: events handled over %d more ms" % rig.settle())
chord = rig.take()
assert chord == [note_on(48 + key, 127) for key in range(32)]
for key in range(32):
    rig.contact(key, 2, False)
    rig.contact(key, 1, False)
rig.run_ms(10)
print("released: events handled over %d more ms" % rig.settle())
assert rig.take() == [note_off(48 + key) for key in range(32)]
print("32 keys at once: 32 note-ons, 32 note-offs")

# The debounce time is a setting: at 0 a release is reported on the first open scan.
rig.keyboard.set_debounce_us(0)
rig.press(2, 2)
rig.take()
board.set_switch(pins.KEY_SECOND_POS[2], False)
board.set_switch(pins.KEY_FIRST_POS[2], False)
rig.run_ms(1)
show("debounce 0 release", rig.take())
rig.finish()
print("ok")
