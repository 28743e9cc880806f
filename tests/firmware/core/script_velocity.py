# Velocity: the time from first to second contact, on the log, linear and fixed curves.
from core.velocity import CURVE_FIXED, CURVE_LINEAR, CURVE_LOG
from fakeboard import Rig, note_off, note_on, show

rig = Rig()


def strike(travel_ms):
    rig.press(0, travel_ms)
    rig.settle()  # both contacts in one scan (0 ms): the second, which plays the note, goes a tick later
    sent = rig.take()
    rig.release(0)
    released = rig.take()
    return sent, released


# The log curve (default): about 2 ms is the hardest strike, 80 ms or slower the softest.
for travel in (0, 1, 2, 3, 5, 10, 20, 40, 79, 80, 200):
    sent, released = strike(travel)
    show("log %d ms" % travel, sent + released)
    assert released == [note_off(48)]
assert strike(2)[0] == [note_on(48, 127)]
assert strike(80)[0] == [note_on(48, 1)]
assert strike(200)[0] == [note_on(48, 1)]
# Softer is slower: velocities never rise as the travel time grows.
last = 128
for travel in range(0, 90, 3):
    velocity = strike(travel)[0][0][3]
    assert velocity <= last, (travel, velocity)
    last = velocity

rig.keyboard.settings.velocity_curve = CURVE_LINEAR
for travel in (2, 10, 41, 80):
    show("linear %d ms" % travel, strike(travel)[0])
assert strike(2)[0] == [note_on(48, 127)]
assert strike(41)[0] == [note_on(48, 64)]
assert strike(80)[0] == [note_on(48, 1)]

rig.keyboard.settings.velocity_curve = CURVE_FIXED
rig.keyboard.settings.fixed_velocity = 90
assert strike(2)[0] == [note_on(48, 90)]
assert strike(70)[0] == [note_on(48, 90)]
rig.keyboard.settings.velocity_curve = CURVE_LOG

# A press that never reaches the second contact sends nothing, on press nor on release.
rig.contact(5, 1, True)
rig.run_ms(200)
rig.contact(5, 1, False)
rig.run_ms(20)
assert rig.take() == []
print("half press: nothing")

# The second contact alone (a glitch with the first open) sends nothing either.
rig.contact(6, 2, True)
rig.run_ms(20)
rig.contact(6, 2, False)
rig.run_ms(20)
assert rig.take() == []
print("second contact alone: nothing")

# Releasing only the second contact keeps the note; opening the first ends it.
rig.press(7, 4)
rig.contact(7, 2, False)
rig.run_ms(20)
held = rig.take()
rig.contact(7, 1, False)
rig.run_ms(20)
show("partial release", held + rig.take())
assert held == [note_on(55, 103)]
rig.finish()
print("ok")
