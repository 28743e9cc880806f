# A channel change (what SET_SETTING channel does) while the sustain pedal is down and the pitch wheel bent:
# the old channel gets its notes ended, the pedal up and the bend centred; the new channel gets the pedal
# down and the bend, so the pedal-up and bend-centre that follow end them where they were restated.
import pins
from fakeboard import Rig, bend, cc, note_off, note_on, show

rig = Rig()
board = rig.board
board.pedal_level = not board.pedal_level  # pedal down
rig.press(0, 2)
board.adc[pins.ADC_PITCH] = 65535  # wheel fully up
rig.run_ms(5)
before = rig.take()
show("before", before)
assert before == [cc(64, 127), note_on(48, 127), bend(16383)]

rig.keyboard.set_channel(5)
rig.run_ms(1)
change = rig.take()
show("channel change", change)
assert change == [note_off(48), cc(123, 0), bend(8192), bend(16383, channel=5), cc(64, 0), cc(64, 127, channel=5)]

# Key 0 is still down but its note has ended; the pedal comes up and the wheel back to centre: on the new
# channel, where they were restated.
rig.release(0)
board.pedal_level = not board.pedal_level
board.adc[pins.ADC_PITCH] = 32768
rig.run_ms(10)
after = rig.take()
show("after", after)
assert sorted(after) == sorted([cc(64, 0, channel=5), bend(8192, channel=5)])

# At rest, a channel change restates nothing.
rig.keyboard.set_channel(2)
rig.run_ms(1)
assert rig.take() == [cc(123, 0, channel=5)]
rig.finish()
print("ok")
