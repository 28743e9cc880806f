# MIDI clock: FA / F8 x 24 per quarter / FC as USB-MIDI CIN F packets, exactly spaced in virtual time,
# shared by the arpeggiator and playback (each with its own user bit), following tempo changes from the
# next pulse on, and allocation-free while it runs and the keys and tap tempo are played.
from core.compat import ticks_add, ticks_diff
from core.midi_clock import USER_ARP, USER_PLAYBACK
from fakeboard import Rig, show
import pins

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

rig = Rig(start_us=(1 << 30) - 300000)  # the microsecond clock wraps 0.3 s in: nothing may notice
kb = rig.keyboard
clock = kb.clock


def run_logging(ms, origin=None):
    """Tick ms times; returns (us since `origin`, by default the time before the first tick, packet) for
    every packet sent."""
    if origin is None:
        origin = rig.now_us
    log = []
    for _ in range(ms):
        rig.run_ms(1)
        for packet in rig.take():
            log.append((ticks_diff(rig.now_us, origin), packet))
    return log


# Playback starts the clock alone (as core/recorder.py does): FA and the first F8 in the same tick.
rig.run_ms(1)
clock.start(kb, rig.now_us)
rig.run_ms(0)
first = rig.take()  # nothing flushed yet: the tick sends
log = run_logging(2000)
packets = [p for _, p in log]
assert first == [] and packets[0] == START and packets[1] == CLOCK, packets[:2]
times = [t for t, p in log if p == CLOCK]
# Pulse n is due floor(n * 60e6 / (120 * 24)) = floor(n * 20833.33) us after the start (log time 0) and
# goes out on the first tick at or after that; FA and pulse 0, queued at the start (between two ticks, as
# a test may), go out with the next tick.
expected = [(n * 60000000 // 2880 + 999) // 1000 * 1000 for n in range(len(times))]
expected[0] = 1000
show("first pulses", [p for _, p in log[:6]])
assert times == expected, (times[:8], expected[:8])
assert len(times) == 96 + 1  # 2 s at 120 BPM, both ends

# The arp starts too: nothing new on the wire (the clock already runs); playback stops: still running.
clock.start(kb, rig.now_us, USER_ARP)
clock.stop(kb, rig.now_us, USER_PLAYBACK)
log = run_logging(500)
assert START not in [p for _, p in log] and STOP not in [p for _, p in log]
assert clock.users == USER_ARP
clock.stop(kb, rig.now_us, USER_ARP)
clock.stop(kb, rig.now_us, USER_ARP)  # stopping twice sends one FC
rig.run_ms(1)
assert rig.take() == [STOP]
assert run_logging(300) == []  # stopped: silence
print("shared by playback and the arp: one FA, one FC")

# A tempo change applies from the next pulse: the pulse already due keeps its time.
kb.tempo.set_bpm(100)
clock.start(kb, rig.now_us)
rig.run_ms(0)
origin = rig.now_us
log = run_logging(1000, origin)
kb.tempo.set_bpm(200)
log += run_logging(1000, origin)
times = [t for t, p in log if p == CLOCK]
gaps = [b - a for a, b in zip(times, times[1:])]
print("gaps around the change (us):", gaps[36:46])
assert set(gaps[1:40]) == {25000}  # 100 BPM: 25 ms exactly (pulse 0 went out with the next tick)
assert set(gaps[41:]) == {12000, 13000}  # 200 BPM from the pulse after the change: 12.5 ms, on whole ticks
clock.stop(kb, rig.now_us)
rig.run_ms(1)
rig.take()

try:
    kb.tempo.set_bpm(241)
except ValueError as error:
    print("set_bpm(241):", error)
else:
    raise AssertionError("241 BPM accepted")

# Allocation-free: the arp and its clock running while keys come and go and the tempo is tapped.
kb.tempo.set_bpm(120)
kb.settings.arp_rate = 6  # 1/16T
rig.tap(pins.BUTTON_ARP)
rig.press(0, 2)
rig.take()
positions = (pins.KEY_FIRST_POS, pins.KEY_SECOND_POS)
tap = pins.BUTTON_POS[pins.BUTTON_TAP_TEMPO]


def play_and_tap(now):
    """12 rounds: a key and the tap tempo button down 20 ms, then up 380 ms. Locals only: a new global
    name would allocate (a dict entry) under the lock."""
    board = rig.board
    for round in range(12):
        key = 4 + round % 5
        board.set_switch(positions[0][key], True)
        board.set_switch(positions[1][key], True)
        board.set_switch(tap, True)
        for _ in range(20):
            now = ticks_add(now, 1000)
            kb.tick(now)
        board.set_switch(positions[1][key], False)
        board.set_switch(positions[0][key], False)
        board.set_switch(tap, False)
        for _ in range(380):
            now = ticks_add(now, 1000)
            kb.tick(now)
    return now


now = rig.now_us
heap_lock()
try:
    now = play_and_tap(now)
finally:
    heap_unlock()
rig.now_us = now
played = rig.take()
print("arp, clock, keys and taps: 4800 ticks, %d packets, no allocation" % len(played))
assert kb.tempo.bpm == 150  # taps every 400 ms
assert played.count(CLOCK) > 200 and len([p for p in played if p[0] == 0x09]) > 50
rig.release(0)
rig.tap(pins.BUTTON_ARP)
rig.run_ms(20)
assert kb.notes.sounding_count() == 0
rig.finish()
print("ok")
