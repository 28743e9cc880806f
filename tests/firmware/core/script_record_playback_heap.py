# Record and playback allocate nothing once running: recording a take (keys, wheels), finishing it,
# playing it back while keys are played, stopping it midway, and a take that fills its buffer. Under
# MicroPython every tick here runs inside micropython.heap_lock(), where any allocation raises.
import pins
from core.compat import ticks_add
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
recorder = keyboard.recorder
first, second = pins.KEY_FIRST_POS, pins.KEY_SECOND_POS
record_switch = pins.BUTTON_POS[pins.BUTTON_RECORD]
playback_switch = pins.BUTTON_POS[pins.BUTTON_PLAYBACK]
N = 400
sweep = [0] * N
for i in range(N):
    phase = i % 200
    sweep[i] = (phase if phase < 100 else 200 - phase) * 655
state = [rig.now_us]


def ticks(n, wheel_from=-1):
    now = state[0]
    for i in range(n):
        if wheel_from >= 0:
            board.adc[pins.ADC_PITCH] = sweep[(wheel_from + i) % N]
        now = ticks_add(now, 1000)
        keyboard.tick(now)
    state[0] = now


def tap(switch):
    board.set_switch(switch, True)
    ticks(10)
    board.set_switch(switch, False)
    ticks(10)


def play_keys(base, rounds, wheel_from=-1):
    for round in range(rounds):
        key = base + round % 8
        board.set_switch(first[key], True)
        ticks(3, wheel_from)
        board.set_switch(second[key], True)
        ticks(10, wheel_from)
        board.set_switch(second[key], False)
        board.set_switch(first[key], False)
        ticks(10, wheel_from)


rig.run_ms(5)
state[0] = rig.now_us
heap_lock()
try:
    tap(record_switch)
    play_keys(0, 12, 0)
    tap(record_switch)
    recorded = recorder.take_events
    tap(playback_switch)
    play_keys(16, 6)
    tap(playback_switch)  # stop midway: note-offs
    stopped_midway = not recorder.playing
    tap(playback_switch)
    ticks(400)
    played_to_end = not recorder.playing
    tap(record_switch)  # a take that fills its buffer
    board.set_switch(first[30], True)
    ticks(3)
    board.set_switch(second[30], True)
    ticks(14000, 0)  # the wheel sends a bend every 6 ticks: the take fills (12.3 s) before 8 bars end (16 s)
    full = not recorder.recording
finally:
    heap_unlock()
board.set_switch(second[30], False)
board.set_switch(first[30], False)
board.adc[pins.ADC_PITCH] = 32768
rig.now_us = state[0]
rig.run_ms(20)
print("take of %d events recorded, played, stopped midway %s, played to its end %s" % (recorded, stopped_midway, played_to_end))
print("a full take of %d events ended the recording: %s; no allocation" % (recorder.take_events, full))
assert recorded > 24 and stopped_midway and played_to_end and full
print("ok")
