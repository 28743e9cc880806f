# Backpressure: when the board takes nothing (midi_send returns 0) packets wait in the preallocated queue,
# in order, and go out when the board takes them again; a slow board gets them a few at a time. A packet
# that finds the queue full is shed: note-offs and controller values are kept for later, note-ons dropped
# and counted. Every 'log:' line is checked with mido on the pytest side: no note is left sounding.
import pins
from core.usbmidi import STALE_US, TX_QUEUE_PACKETS
from core.compat import ticks_add
from fakeboard import Rig, bend, cc, note_off, note_on, show

# A short stall (well under STALE_US): everything goes out late, in order.
rig = Rig()
board = rig.board
board.accepting = False
for key in range(5):
    rig.press(key, 2)
for key in range(5):
    rig.release(key, 5)
assert rig.take() == []
print("host not reading: %d packets waiting, %d refused sends" % (rig.keyboard.tx.pending_packets(), board.sends_refused))
board.accepting = True
rig.run_ms(1)
packets = rig.take()
show("delivered", packets)
assert packets == [note_on(48 + k, 127) for k in range(5)] + [note_off(48 + k) for k in range(5)]
assert rig.keyboard.counters.as_dict()["tx_dropped"] == 0
rig.finish()

# A slow host that takes one packet a call: same packets, same order, none lost.
rig = Rig()
board = rig.board
board.accept_bytes = 4
rig.tap(pins.BUTTON_CHORD)
for key in range(6):
    rig.press(key, 2)
for key in range(6):
    rig.release(key, 2)
rig.run_ms(40)
slow = rig.take()
print("slow host: %d packets, dropped %d" % (len(slow), rig.keyboard.counters.as_dict()["tx_dropped"]))
assert rig.keyboard.counters.as_dict()["tx_dropped"] == 0
assert [p[0] for p in slow].count(0x09) == [p[0] for p in slow].count(0x08) == 13  # notes 48..60
rig.finish()

# A full queue in a stall shorter than STALE_US: 32 seventh chords held at once are 42 note-ons, let go
# 42 note-offs, and the same again. What does not fit is shed: the note-offs of notes that went out are
# kept and sent when the host reads again; the note-ons that did not fit are dropped, their note-offs too.
rig = Rig()
board = rig.board
# The burst whole, in the tick it is played: a tick's cap on switch events (core/keyboard.py) would
# spread these 256 events over 128 ms, past STALE_US; this is about the queue, not the tick's budget.
rig.keyboard.max_events_per_tick = 128
rig.keyboard.heavy_alone = False
rig.keyboard.settings.chord_mode = 3
rig.tap(pins.BUTTON_CHORD)
board.accepting = False
for round in range(2):
    for key in range(32):
        rig.press(key, 0)
    for key in range(32):
        rig.contact(key, 2, False)
        rig.contact(key, 1, False)
    rig.run_ms(12)
counters = rig.keyboard.counters.as_dict()
print("queue of %d packets; dropped %d, owed %d" % (TX_QUEUE_PACKETS, counters["tx_dropped"], rig.keyboard.tx.owed_packets()))
board.accepting = True
rig.run_ms(3)
delivered = rig.take()
ons = [p for p in delivered if p[0] == 0x09]
offs = [p for p in delivered if p[0] == 0x08]
print("delivered after the stall: %d note-ons, %d note-offs" % (len(ons), len(offs)))
assert len(ons) == len(offs) == 42 and sorted(p[2] for p in ons) == sorted(p[2] for p in offs)
assert counters["tx_dropped"] == 84
assert rig.keyboard.tx.pending_packets() == 0
rig.finish()

# The host stops listening while a note sounds, the pedal is down and the wheel bent; meanwhile all of
# them are let go, and more is played. After STALE_US the waiting packets are shed: when the host reads
# again it gets the note-off it is owed, the pedal up and the bend centred, and no stale note.
rig = Rig()
board = rig.board
board.pedal_level = not board.pedal_level
rig.press(0, 2)
board.adc[pins.ADC_PITCH] = 65535
rig.run_ms(5)
before = rig.take()
show("before", before)
assert before == [cc(64, 127), note_on(48, 127), bend(16383)]
board.accepting = False
rig.press(12, 2)
rig.release(12)
rig.release(0)
board.pedal_level = not board.pedal_level
board.adc[pins.ADC_PITCH] = 32768
rig.run_ms(STALE_US // 1000 + 50)
rig.press(7, 2)
rig.release(7)
board.accepting = True
rig.run_ms(2)
after = rig.take()
show("after", after)
assert sorted(after) == sorted([note_off(48), cc(64, 0), bend(8192)])
rig.finish()

# A cable left out for longer than the tick clock's half period (2**29 us, about 9 minutes): what is
# played then is still shed, not kept to be played stale when the cable is back.
rig = Rig()
board = rig.board
rig.press(0, 2)
rig.take()
board.accepting = False
rig.release(0)
rig.run_ms(STALE_US // 1000 + 10)
rig.now_us = ticks_add(rig.now_us, (1 << 29) - 20000)  # the time jumps on: ticks_diff has wrapped
rig.press(9, 2)
rig.release(9)
board.accepting = True
rig.run_ms(2)
late = rig.take()
show("after 9 minutes out", late)
assert late == [note_off(48)]
rig.finish()
print("ok")
