# No heap allocation per tick in steady state (keys held, wheels moving), nor while playing notes:
# under MicroPython the ticks run inside micropython.heap_lock(), where any allocation raises MemoryError.
import pins
from core.compat import ticks_add
from core.controls import READ_EVERY_TICKS
from fakeboard import Rig

try:
    import micropython

    heap_lock = micropython.heap_lock
    heap_unlock = micropython.heap_unlock
except ImportError:  # CPython, the oracle: same ticks, no lock

    def heap_lock():
        pass

    def heap_unlock():
        pass


rig = Rig()
board = rig.board
keyboard = rig.keyboard
board.pedal_level = not board.pedal_level  # sustain down
rig.tap(pins.BUTTON_CHORD)
for key in (0, 4, 7, 12):
    rig.press(key, 3)
rig.tap(pins.BUTTON_CHORD)
for key in (20, 21, 22):
    rig.press(key, 6)
rig.take()

# Wheels and slider sweep through their whole range and back, one new reading every tick.
N = 600
sweep = [0] * N
for i in range(N):
    phase = i % 200
    sweep[i] = (phase if phase < 100 else 200 - phase) * 655
positions = (pins.KEY_FIRST_POS, pins.KEY_SECOND_POS)
now = rig.now_us
heap_lock()
try:
    for i in range(N):
        board.adc[pins.ADC_PITCH] = sweep[i]
        board.adc[pins.ADC_MOD] = sweep[(i + 50) % N]
        board.adc[pins.ADC_VOLUME] = sweep[(i + 100) % N]
        now = ticks_add(now, 1000)
        keyboard.tick(now)
finally:
    heap_unlock()
# The controls are read in turn: a few more ticks let the last readings of the sweep go out.
rig.now_us = now
rig.run_ms(READ_EVERY_TICKS)
now = rig.now_us
steady = rig.take()
print("steady state: %d ticks, %d packets, no allocation" % (N, len(steady)))
assert len(steady) > 100

# Playing: keys pressed and released (velocity, chords, notes out) also allocate nothing.
heap_lock()
try:
    for round in range(20):
        key = 24 + round % 8
        board.set_switch(positions[0][key], True)
        for _ in range(3):
            now = ticks_add(now, 1000)
            keyboard.tick(now)
        board.set_switch(positions[1][key], True)
        for _ in range(10):
            now = ticks_add(now, 1000)
            keyboard.tick(now)
        board.set_switch(positions[1][key], False)
        board.set_switch(positions[0][key], False)
        for _ in range(10):
            now = ticks_add(now, 1000)
            keyboard.tick(now)
finally:
    heap_unlock()
played = rig.take()
print("playing: 20 notes, %d packets, no allocation" % len(played))
assert len(played) == 40
# Eight keys struck in one scan, both contacts: more events than a tick handles, so most wait their turn
# (core/keyboard.py MAX_EVENTS_PER_TICK); waiting allocates nothing either.
step = closed = 0  # (new globals made under the lock would grow the module's dict)
heap_lock()
try:
    for step in range(2):  # (range: iterating a tuple would allocate its iterator)
        closed = step == 0
        for key in range(8):
            board.set_switch(positions[0][key], closed)
            board.set_switch(positions[1][key], closed)
        for _ in range(20):
            now = ticks_add(now, 1000)
            keyboard.tick(now)
finally:
    heap_unlock()
slammed = rig.take()
print("eight keys at once: %d packets, no allocation" % len(slammed))
assert len(slammed) == 16 and not keyboard.events_waiting
# A host that stops reading while notes are played and let go, the wheel moving (the queue fills, then
# what waits is shed after STALE_US), then reads again: shedding and paying back allocate nothing either.
board.accepting = False
heap_lock()
try:
    for round in range(40):
        key = 24 + round % 8
        board.adc[pins.ADC_PITCH] = sweep[round * 7 % N]
        board.set_switch(positions[0][key], True)
        board.set_switch(positions[1][key], True)
        for _ in range(4):
            now = ticks_add(now, 1000)
            keyboard.tick(now)
        board.set_switch(positions[1][key], False)
        board.set_switch(positions[0][key], False)
        for _ in range(6):
            now = ticks_add(now, 1000)
            keyboard.tick(now)
    board.accepting = True
    for _ in range(10):
        now = ticks_add(now, 1000)
        keyboard.tick(now)
finally:
    heap_unlock()
stalled = rig.take()
print("a stall of 400 ms: %d packets after it, %d dropped, no allocation" % (len(stalled), keyboard.counters.as_dict()["tx_dropped"]))
assert keyboard.counters.as_dict()["tx_dropped"] > 0 and keyboard.tx.pending_packets() == 0
rig.now_us = now
board.adc[pins.ADC_PITCH] = 32768
for key in (0, 4, 7, 12, 20, 21, 22):
    rig.release(key)
board.pedal_level = not board.pedal_level
rig.run_ms(10)
rig.finish()
print("ok")
