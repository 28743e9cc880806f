# The arpeggiator, tap tempo and MIDI clock through the real tick: exact tempo from taps, no allocation
# while the arp and the clock run, and nothing left sounding whatever is switched mid-pattern.
import pins
from core.arp_pattern import MODE_AS_PLAYED, MODE_DOWN, MODE_EXCLUSIVE, MODE_INCLUSIVE, MODE_RANDOM, MODE_UP, Pattern
from core.compat import ticks_add, ticks_diff
from core.tempo import bpm_from_span
from core.time_grid import TimeGrid
from core.xorshift import Xorshift16
from fakeboard import Rig, show

try:
    import micropython

    heap_lock = micropython.heap_lock
    heap_unlock = micropython.heap_unlock
except ImportError:  # CPython, the oracle: same ticks, no lock

    def heap_lock():
        pass

    def heap_unlock():
        pass


CLOCK = (0x0F, 0xF8, 0, 0)
START = (0x0F, 0xFA, 0, 0)
STOP = (0x0F, 0xFC, 0, 0)

# Patterns, straight from the builder: C E G played as G C E, each mode, 1 and 2 octaves.
played = bytearray((55, 48, 52))
velocity_of = bytearray(128)
velocity_of[48], velocity_of[52], velocity_of[55] = 10, 20, 30
pattern = Pattern()


def cycle(mode, notes, octaves):
    pattern.build(mode, notes, velocity_of, len(notes), octaves)
    return [pattern.note(i) for i in range(pattern.length)]


for mode, octaves, expected in (
    (MODE_UP, 1, [48, 52, 55]),
    (MODE_DOWN, 1, [55, 52, 48]),
    (MODE_INCLUSIVE, 1, [48, 52, 55, 55, 52, 48]),
    (MODE_EXCLUSIVE, 1, [48, 52, 55, 52]),
    (MODE_AS_PLAYED, 1, [55, 48, 52]),
    (MODE_RANDOM, 1, [48, 52, 55]),  # what random steps draw from
    (MODE_UP, 2, [48, 52, 55, 60, 64, 67]),
    (MODE_DOWN, 2, [67, 64, 60, 55, 52, 48]),
    (MODE_INCLUSIVE, 2, [48, 52, 55, 60, 64, 67, 67, 64, 60, 55, 52, 48]),
    (MODE_EXCLUSIVE, 2, [48, 52, 55, 60, 64, 67, 64, 60, 55, 52]),
    (MODE_AS_PLAYED, 2, [55, 48, 52, 67, 60, 64]),
    (MODE_UP, 4, [48, 52, 55, 60, 64, 67, 72, 76, 79, 84, 88, 91]),
):
    assert cycle(mode, played, octaves) == expected, (mode, octaves, cycle(mode, played, octaves))
# Octave copies play with their note's velocity.
pattern.build(MODE_DOWN, played, velocity_of, 3, 2)
assert [pattern.velocity(i) for i in range(pattern.length)] == [30, 20, 10, 30, 20, 10]
assert cycle(MODE_EXCLUSIVE, bytearray((60,)), 1) == [60]  # one note: just it
assert cycle(MODE_EXCLUSIVE, bytearray((60, 64)), 1) == [60, 64]
velocity_of[100], velocity_of[120] = 1, 1
# The octave range shrinks until the top copy fits MIDI 0..127: 120 has no octave above it.
assert cycle(MODE_UP, bytearray((120, 100)), 4) == [100, 120]
assert cycle(MODE_UP, bytearray((100,)), 4) == [100, 112, 124]
print("patterns ok")

# The grid: exact floor(k * N / D), no drift, over many periods (1/16 triplets at 120 BPM, 83333.3 us).
grid = TimeGrid()
grid.start(1000, 60000000, 120 * 6)
for k in range(3000):
    assert grid.due == 1000 + k * 60000000 // 720, k
    grid.advance()
print("grid exact for 3000 steps, last due", grid.due)

# The generator: the same numbers on both interpreters (printed and compared), all in 1..65535.
rng = Xorshift16()
values = [rng.next() for _ in range(8)]
print("xorshift16:", values)
assert len(set(values)) == 8 and min(values) >= 1 and max(values) <= 65535

# Tempo from taps: the span of the last up to 4 intervals, rounded, clamped to 30..240.
assert bpm_from_span(2000000, 4) == 120
assert bpm_from_span(1400000, 4) == 171
assert bpm_from_span(400000, 4) == 240
assert bpm_from_span(3000000, 1) == 30

rig = Rig()
kb = rig.keyboard
board = rig.board


def tap_at_intervals(interval_ms, n):
    """Tap the tap tempo button n times, interval_ms apart (press edges), exactly."""
    for _ in range(n):
        board.set_switch(pins.BUTTON_POS[pins.BUTTON_TAP_TEMPO], True)
        rig.run_ms(10)
        board.set_switch(pins.BUTTON_POS[pins.BUTTON_TAP_TEMPO], False)
        rig.run_ms(interval_ms - 10)


kb.tempo.set_bpm(90)
tap_at_intervals(500, 4)
assert kb.tempo.bpm == 120, kb.tempo.bpm
tap_at_intervals(2100, 3)  # every pause is over 2 s: each tap starts afresh, the tempo stays
assert kb.tempo.bpm == 120
tap_at_intervals(50, 5)
assert kb.tempo.bpm == 240  # clamped
rig.run_ms(2500)
tap_at_intervals(1900, 3)
assert kb.tempo.bpm == 32  # 60e6 / 1.9e6 = 31.6, rounded
rig.run_ms(2500)
tap_at_intervals(500, 2)  # after a pause, two taps are enough, and only they count
assert kb.tempo.bpm == 120
print("tap tempo ok")
rig.take()


def chord(keys):
    """All keys' first contacts in one scan, their second 2 ms later: one chord in one tick."""
    for key in keys:
        rig.contact(key, 1, True)
    rig.run_ms(2)
    for key in keys:
        rig.contact(key, 2, True)
    rig.run_ms(1)


def let_go(keys):
    for key in keys:
        rig.contact(key, 2, False)
        rig.contact(key, 1, False)
    rig.run_ms(10)


# Arp on; C E G: up at 1/8, 120 BPM: a step every 250 ms; clock FA, then 24 pulses a beat.
rig.tap(pins.BUTTON_ARP)
assert kb.arp.on and kb.key_target is kb.arp
rig.take()
chord((0, 4, 7))
rig.run_ms(996)
packets = rig.take()
notes_on = [p[2] for p in packets if p[0] == 0x09]
assert notes_on == [48, 52, 55, 48], notes_on
assert packets[0] == START and packets[1] == CLOCK
assert packets.count(CLOCK) == 48, packets.count(CLOCK)  # 2 beats, 1 s at 120 BPM (pulse 48 is due at 1 s)
print("up at 1/8: C E G C, 48 pulses in the first second")

# Steady state with the arp and the clock running, keys held: no allocation (MicroPython heap_lock).
kb.settings.arp_rate = 3  # 1/32: a note on and off every 62.5 ms
kb.settings.arp_octaves = 2
kb.settings.arp_swing = 66
now = rig.now_us
heap_lock()
try:
    for _ in range(2000):
        now = ticks_add(now, 1000)
        kb.tick(now)
finally:
    heap_unlock()
rig.now_us = now
running = rig.take()
print("arp and clock running: 2000 ticks, %d packets, no allocation" % len(running))
assert running.count(CLOCK) == 96
assert len([p for p in running if p[0] == 0x09]) == 32
assert [p[3] for p in running if p[0] == 0x09] == [127] * 32  # octave copies play as hard as their notes

# Random mode, changed mid-pattern: also allocation-free.
kb.settings.arp_mode = 4
heap_lock()
try:
    for _ in range(1000):
        now = ticks_add(now, 1000)
        kb.tick(now)
finally:
    heap_unlock()
rig.now_us = now
randoms = [p[2] for p in rig.take() if p[0] == 0x09]
show("random notes", [(0, 0, n, 0) for n in randoms])
assert set(randoms) <= {48, 52, 55, 60, 64, 67} and len(set(randoms)) >= 4

# Turning the arp off mid-note: the note ends at once, then the clock stops.
kb.settings.arp_mode = 0
kb.settings.arp_gate = 90
rig.run_ms(30)
rig.take()
rig.tap(pins.BUTTON_ARP)
off = rig.take()
show("arp off", off)
assert STOP in off and not kb.arp.on and kb.key_target is kb.notes
assert kb.notes.sounding_count() == 0
let_go((0, 4, 7))
assert rig.take() == []  # the keys went to the arp: their release sends nothing now

# Panic while the arp plays: everything stops, the clock too; released keys send nothing.
rig.tap(pins.BUTTON_ARP)
chord((2, 5, 9))
rig.run_ms(300)
rig.button(pins.BUTTON_OCTAVE_DOWN, True, 1)
rig.button(pins.BUTTON_OCTAVE_UP, True, 10)
rig.button(pins.BUTTON_OCTAVE_DOWN, False, 1)
rig.button(pins.BUTTON_OCTAVE_UP, False, 10)
rig.run_ms(600)
after_panic = rig.take()
stop_at = after_panic.index(STOP)
assert not [p for p in after_panic[stop_at:] if p[0] == 0x09]
let_go((2, 5, 9))
assert not [p for p in rig.take() if p[0] == 0x09]
print("panic stops the arp")

# Latch: the pattern runs on after release; a new chord replaces it; latch off with no key down stops it.
kb.settings.arp_rate = 1
kb.settings.arp_octaves = 1
kb.arp.set_latch(kb, True)
chord((0,))
let_go((0,))
rig.run_ms(600)
latched = [p[2] for p in rig.take() if p[0] == 0x09]
assert latched == [48, 48, 48], latched
chord((7,))
rig.run_ms(400)
replaced = [p[2] for p in rig.take() if p[0] == 0x09]
assert replaced == [55, 55], replaced
let_go((7,))
kb.arp.set_latch(kb, False)
rig.run_ms(300)
tail = rig.take()
assert STOP in tail and not [p for p in tail if p[0] == 0x09]
assert kb.notes.sounding_count() == 0
print("latch ok")

# Picking with the arp button held: a key sets a setting and plays nothing; the arp stays on.
rig.button(pins.BUTTON_ARP, True)
rig.press(14, 2)  # rate 1/16
rig.release(14)
rig.press(3, 2)  # exclusive
rig.release(3)
rig.button(pins.BUTTON_ARP, False)
assert rig.take() == [] and kb.arp.on
assert kb.settings.arp_rate == 2 and kb.settings.arp_mode == 3

# A seventh chord on the top key at the top octave reaches past 127: those notes are left out.
rig.tap(pins.BUTTON_CHORD)
kb.settings.chord_mode = 3
kb.settings.arp_mode = 0
for _ in range(4):
    rig.tap(pins.BUTTON_OCTAVE_UP)
assert kb.octave == 4
chord((31,))  # G9 7th: 127, then 131 134 137, which MIDI has not
rig.run_ms(600)
let_go((31,))
top = [p[2] for p in rig.take() if p[0] == 0x09]
assert top == [127] * 5, top
assert not kb.counters.as_dict()["faults"]

# A stall (a scan 150 ms late, as a long flash write might cause): the missed steps and pulses are
# skipped, not burst out; afterwards the steps are back on their grid: every 62.5 ms from the start.
rig.tap(pins.BUTTON_OCTAVE_DOWN)
rig.tap(pins.BUTTON_CHORD)
kb.settings.arp_rate = 3  # 1/32 at 120 BPM: 62.5 ms
kb.settings.arp_swing = 50
rig.take()
chord((0,))
start = rig.now_us
rig.run_ms(100)
rig.take()
rig.now_us = ticks_add(rig.now_us, 150000)
kb.tick(rig.now_us)
stalled = rig.take()
show("the late scan", stalled)
assert len([p for p in stalled if p[0] == 0x09]) <= 1 and stalled.count(CLOCK) <= 4
ons_after = []
for _ in range(400):
    rig.run_ms(1)
    for p in rig.take():
        if p[0] == 0x09:
            ons_after.append(ticks_diff(rig.now_us, start))
# Step k is due at k * 62.5 ms: on a whole ms for even k, and on the tick 0.5 ms after it for odd k.
assert len(ons_after) >= 6 and [t % 62500 for t in ons_after] == [t // 62500 % 2 * 500 for t in ons_after], ons_after
let_go((0,))
rig.tap(pins.BUTTON_ARP)
assert not kb.arp.on
rig.run_ms(20)
rig.finish()
print("ok")
