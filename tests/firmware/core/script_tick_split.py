# A tick that plays or ends a note leaves the lane (the wheels, or the pedal and MIDI in) to the next
# tick: a note's work and the lane's together do not fit the RP2040's 1 ms tick (tools/bench/
# scan_tick.py). At most 4 ticks running leave it. MIDI in reads for every ms since it last read, so it
# keeps up with the host when its turns come late.
import pins
from fakeboard import FakeBoard, Rig, note_off, note_on

rig = Rig()
kb = rig.keyboard
lanes = [f for f in kb.features if f.NAME in ("controls", "pedal")]
lane_ticks = []
note_ticks = []


def wrap(feature):
    real = feature.before_scan

    def recorded(keyboard, now_us):
        lane_ticks.append((now_us // 1000, feature.NAME))
        real(keyboard, now_us)

    feature.before_scan = recorded


for feature in lanes:
    wrap(feature)

for key in range(4):
    rig.contact(key, 1, True)
    rig.run_ms(3)
    rig.contact(key, 2, True)
    rig.run_ms(1)
    sent = rig.take()
    if len(sent) == 1 and sent[0][:3] == note_on(48 + key, 1)[:3]:
        note_ticks.append(rig.now_us // 1000)
    rig.contact(key, 2, False)
    rig.contact(key, 1, False)
    rig.run_ms(8)
    sent = rig.take()
    assert sent == [note_off(48 + key)], sent
print("note ticks:", note_ticks)
print("lane ticks:", lane_ticks)
assert len(note_ticks) == 4
assert not [t for t, _ in lane_ticks if t in note_ticks]
# every tick but the notes' (and their note-offs') runs a lane, in turn
names = [name for _, name in lane_ticks]
assert names == ["controls", "pedal"] * (len(names) // 2) + ["controls"] * (len(names) % 2)
assert len(lane_ticks) == rig.now_us // 1000 - 8

# A burst: ten keys struck together, then let go together. Lanes wait at most 4 ticks running.
lane_ticks.clear()
for key in range(10):
    rig.contact(key, 1, True)
    rig.contact(key, 2, True)
rig.run_ms(30)
for key in range(10):
    rig.contact(key, 2, False)
    rig.contact(key, 1, False)
rig.run_ms(30)
ticks = [t for t, _ in lane_ticks]
gaps = [b - a for a, b in zip(ticks, ticks[1:])]
print("burst: longest wait between lane turns %d ms" % max(gaps))
assert max(gaps) == 5
rig.take()

# MIDI in while notes are played and let go every ms: its turns come late, and it reads for the ms it
# waited: 256 bytes a ms, as the host's side of the emulator counts (firmware/EMULATOR.md).
rig.board.host_sends(bytes(4096))  # padding packets: read and ignored
start_us = rig.now_us
for key in range(10):
    rig.contact(key, 1, True)
    rig.contact(key, 2, True)
rig.run_ms(12)
read = rig.board._incoming_at
print("read in 12 ms of notes: %d bytes" % read)
assert read >= 8 * 256  # (8 chunks a turn, as before, read about half of it)
rig.take()
for key in range(10):
    rig.contact(key, 2, False)
    rig.contact(key, 1, False)
rig.run_ms(30)

# A key's second contact opening is handed to nobody (the first contact's opening ends the note): a
# release, both contacts opening in one scan, is one event in its tick.
keys = [f for f in kb.features if f.NAME == "keys"][0]
seen = []
real_on_switch = keys.on_switch


def recorded_on_switch(keyboard, kind, key, closed, now_us):
    seen.append((kind, closed))
    real_on_switch(keyboard, kind, key, closed, now_us)


keys.on_switch = recorded_on_switch
rig.press(3, 2)
rig.release(3)
print("key events seen:", seen)
assert seen == [(pins.SWITCH_KEY_FIRST, True), (pins.SWITCH_KEY_SECOND, True), (pins.SWITCH_KEY_FIRST, False)]
del keys.on_switch
rig.take()
rig.finish()

# On a board whose sending needs a tick of its own (the pico's USB library, firmware/README.md), a tick
# that plays or ends a note does not offer it to the board; the tick after it sends it, and handles no
# switch event. A lane left 4 ticks running waits for the next tick that sends (a send and a lane fit a
# tick; a note and a lane do not). Nor does the tick of a scan that saw more contacts move than a tick
# handles play a note or run a lane.
class PicoLikeBoard(FakeBoard):
    sending_needs_its_own_tick = True


rig = Rig(PicoLikeBoard())
kb = rig.keyboard
lane_ticks = []
for feature in [f for f in kb.features if f.NAME in ("controls", "pedal")]:
    wrap(feature)
for key in range(6):
    rig.contact(key, 1, True)
rig.run_ms(3)
for key in range(6):
    rig.contact(key, 2, True)
rig.run_ms(1)
struck_at = rig.now_us // 1000
note_ticks = []
notes_per_tick = []
waiting_per_tick = []
while True:
    sent = rig.take()
    notes_per_tick.append(len(sent))
    waiting_per_tick.append(kb.events_waiting)
    if sent:
        note_ticks.append(rig.now_us // 1000)
    if not kb.events_waiting and not sent and not kb.tx.pending_packets():
        break
    rig.run_ms(1)
print("six keys struck at once, note-ons sent per tick:", notes_per_tick)
print("events waiting after each tick:", waiting_per_tick)
# The scan that saw six contacts close handles none of them and runs no lane; the next one handles the
# last two first contacts still waiting; then each note's tick sends nothing, and the next one sends it,
# handles no event, and runs the lane when it is due.
assert notes_per_tick[:15] == [0, 0, 0] + [1, 0] * 6
assert waiting_per_tick[:15] == [8, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0, 0]
assert struck_at not in [t for t, _ in lane_ticks]
gaps = [b - a for a, b in zip(note_ticks, note_ticks[1:])]
assert gaps == [2] * 5
# (from the first note's tick, the one before its packet went out, to the last note's sending tick)
burst_lanes = [t for t, _ in lane_ticks if note_ticks[0] - 1 <= t <= note_ticks[-1]]
print("lane turns during the notes (due after 4 ticks, on the next sending one):", burst_lanes)
assert burst_lanes and [b - a for a, b in zip(burst_lanes, burst_lanes[1:])] == [6] * (len(burst_lanes) - 1)
assert all(t in note_ticks for t in burst_lanes)  # each on a tick that sends, none on a note's
for key in range(6):
    rig.contact(key, 2, False)
    rig.contact(key, 1, False)
rig.run_ms(30)
rig.take()
# A key pressed while the last note goes out: its first contact (sending nothing) waits for the next tick.
rig.contact(10, 1, True)
rig.contact(10, 2, True)
rig.run_ms(1)  # the first contact's tick (the second contact's event plays the note: alone, next tick)
rig.run_ms(1)  # the note's tick
rig.contact(11, 1, True)
rig.run_ms(1)  # the tick that sends it
print("sent, events waiting:", len(rig.take()), kb.events_waiting)
assert kb.events_waiting == 1
rig.run_ms(1)
assert kb.events_waiting == 0
for key in (10, 11):
    rig.contact(key, 2, False)
    rig.contact(key, 1, False)
rig.run_ms(30)
rig.take()
# Whatever a tick queues goes out on the next one there, a controller as much as a note: the modulation
# wheel moves, and the tick whose lane queues its CC sends nothing; the one after sends it.
rig.board.adc[pins.ADC_MOD] = 40000
ticks = []
for _ in range(8):
    rig.run_ms(1)
    ticks.append((len(rig.take()), kb.tx.pending_packets()))
print("wheel moved, (sent, left queued) per tick:", ticks)
queued_at = [i for i, (_, left) in enumerate(ticks) if left]
assert len(queued_at) == 1 and ticks[queued_at[0]][0] == 0 and ticks[queued_at[0] + 1] == (1, 0)
rig.finish()
print("ok")
