# A tick handles at most MAX_EVENTS_PER_TICK switch events that send nothing, or one that plays or ends a
# note (the RP2040's 1 ms tick budget); the rest wait their turn, in order, with the time the scan saw
# them: ten keys struck at once come out one a tick, in the keys' order, each with the velocity of its
# own strike.
from core.keyboard import MAX_EVENTS_PER_TICK
from fakeboard import Rig, note_off, note_on

alone = Rig()
alone.press(0, 3)
velocity = alone.take()[0][3]
print("one key, 3 ms between its contacts: velocity", velocity)

rig = Rig()
for key in range(10):
    rig.contact(key, 1, True)
rig.run_ms(3)  # the ten first contacts, seen in one scan, are handled a few a tick
for key in range(10):
    rig.contact(key, 2, True)
notes_per_tick = []
played = []
while True:
    rig.run_ms(1)
    sent = rig.take()
    notes_per_tick.append(len(sent))
    played.extend(sent)
    if not rig.keyboard.events_waiting:
        break
print("at most %d events a tick; note-ons per tick after the second contacts: %s" % (MAX_EVENTS_PER_TICK, notes_per_tick))
assert played == [note_on(48 + key, velocity) for key in range(10)]
assert max(notes_per_tick) == 1

# Released together: the note-offs, in order, a few a tick.
for key in range(10):
    rig.contact(key, 2, False)
    rig.contact(key, 1, False)
rig.run_ms(6)
notes_per_tick = [len(rig.take())]  # (the first ones came during those 6 ms)
while rig.keyboard.events_waiting:
    rig.run_ms(1)
    notes_per_tick.append(len(rig.take()))
rig.run_ms(1)
print("note-offs per tick after the releases:", notes_per_tick)
assert max(notes_per_tick) == 1 and sum(notes_per_tick) + len(rig.take()) == 10
rig.finish()
print("ok")
