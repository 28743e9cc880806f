# Sustain jack: CC64 127/0; the level read at boot is 'pedal up', whichever polarity the pedal has.
from fakeboard import FakeBoard, Rig, cc, note_off, note_on, show

for rest_level in (True, False):
    board = FakeBoard(pedal_level=rest_level)
    rig = Rig(board)
    rig.run_ms(10)
    assert rig.take() == []
    board.pedal_level = not rest_level
    rig.run_ms(1)
    board.pedal_level = rest_level  # bounce
    rig.run_ms(1)
    board.pedal_level = not rest_level
    rig.run_ms(10)
    rig.press(0, 2)
    rig.release(0)  # the core sends note-off at once; the host's synth sustains it
    board.pedal_level = rest_level
    rig.run_ms(4)
    pending = rig.take()
    rig.run_ms(10)
    packets = pending + rig.take()
    show("rest level %s" % rest_level, packets)
    assert packets == [cc(64, 127), note_on(48, 127), note_off(48), cc(64, 0)]
    assert pending == [cc(64, 127), note_on(48, 127), note_off(48)]  # release is deferred
    rig.finish()
print("ok")
