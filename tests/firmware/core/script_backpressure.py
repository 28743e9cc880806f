# Backpressure: when the board's transmit buffer is full (midi_send returns False) packets wait in the
# preallocated queue, in order, and go out when the board accepts again; a full queue drops and counts.
import pins
from core.usbmidi import TX_CHUNK_PACKETS, TX_QUEUE_PACKETS
from fakeboard import Rig, note_off, note_on, show

rig = Rig()
board = rig.board
board.accepting = False
for key in range(10):
    rig.press(key, 2)
for key in range(10):
    rig.release(key)
assert rig.take() == []
print("host not reading: %d packets waiting, %d refused sends" % (rig.keyboard.tx.pending_packets(), board.sends_refused))
board.accepting = True
rig.run_ms(1)
packets = rig.take()
show("delivered", packets)
assert packets == [note_on(48 + k, 127) for k in range(10)] + [note_off(48 + k) for k in range(10)]
assert rig.keyboard.counters.as_dict()["tx_dropped"] == 0
rig.finish()

# A host that stops reading for long: the queue (plus the chunk on offer when it stopped) fills, the rest
# is dropped. 32 major chords cover notes 48..86: 39 note-ons and 39 note-offs.
rig = Rig()
board = rig.board
board.accepting = False
rig.tap(pins.BUTTON_CHORD)
for key in range(32):
    rig.press(key, 2)
for key in range(32):
    rig.release(key)
dropped = rig.keyboard.counters.as_dict()["tx_dropped"]
print("queue of %d packets, chunks of %d; dropped %d" % (TX_QUEUE_PACKETS, TX_CHUNK_PACKETS, dropped))
board.accepting = True
rig.run_ms(1)
delivered = rig.take()
print("delivered after the stall: %d" % len(delivered))
assert len(delivered) + dropped == 78
assert TX_QUEUE_PACKETS <= len(delivered) <= TX_QUEUE_PACKETS + TX_CHUNK_PACKETS
# The oldest go out first: all note-ons, then the note-offs that fitted.
assert [p[0] for p in delivered[:39]] == [0x09] * 39 and sorted(p[2] for p in delivered[:39]) == list(range(48, 87))
print("ok")
