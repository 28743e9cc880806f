# Pitch wheel (14-bit bend, dead zone, calibration), mod wheel CC1 and volume slider CC7, with hysteresis:
# a control at rest sends nothing, ADC noise included. Each control is read every READ_EVERY_TICKS ticks,
# so every new reading here is held that long.
import pins
from core.controls import READ_EVERY_TICKS
from fakeboard import FakeBoard, Rig, bend, cc, show

board = FakeBoard(adc=(32768, 10000, 40000))
rig = Rig(board)
rig.run_ms(5)
assert rig.take() == []
print("at rest after boot: nothing")


def noisy(channel, centre, ticks):
    # +-40 raw units (about +-2.5 LSB of the RP2040's 12-bit ADC), a fixed pattern.
    pattern = (0, 17, -23, 40, -40, 8, -31, 29, 3, -12)
    for i in range(ticks):
        board.adc[channel] = centre + pattern[i % len(pattern)]
        rig.run_ms(READ_EVERY_TICKS)


noisy(pins.ADC_MOD, 10000, 50)
noisy(pins.ADC_VOLUME, 40000, 50)
noisy(pins.ADC_PITCH, 32768, 50)
assert rig.take() == []
print("noise at rest: nothing")

# The mod wheel moves: one CC per step actually crossed.
for raw in (10000, 11000, 12000, 13000):
    board.adc[pins.ADC_MOD] = raw
    rig.run_ms(READ_EVERY_TICKS)
packets = rig.take()
show("mod wheel up", packets)
assert packets == [cc(1, 21), cc(1, 23), cc(1, 25)]
noisy(pins.ADC_MOD, 13000, 40)  # resting at a new place: still nothing
assert rig.take() == []

# Ends are reachable: 0 and 127.
board.adc[pins.ADC_VOLUME] = 65535
rig.run_ms(READ_EVERY_TICKS)
board.adc[pins.ADC_VOLUME] = 0
rig.run_ms(READ_EVERY_TICKS)
packets = rig.take()
show("volume to the ends", packets)
assert packets == [cc(7, 127), cc(7, 0)]

# A value sitting right on a step boundary, with noise across it, sends once and then nothing.
noisy(pins.ADC_VOLUME, 64 * 512, 60)
packets = rig.take()
show("volume on a boundary", packets)
assert len(packets) == 1

# Pitch bend: dead zone around the centre, full range at the calibrated ends, back to exactly 8192.
for raw in (32768 + 900, 32768 + 2000, 48000, 64511, 65535, 32768, 1024, 0, 32768 - 500):
    board.adc[pins.ADC_PITCH] = raw
    rig.run_ms(READ_EVERY_TICKS)
packets = rig.take()
show("pitch wheel", packets)
assert packets[0][0] == 0x0E and packets[0][2] | packets[0][3] << 7 > 8192
assert packets[2] == bend(16383)
assert packets[3] == bend(8192)
assert packets[4] == bend(0)
assert packets[5] == bend(8192)
noisy(pins.ADC_PITCH, 50000, 60)  # held bent, with noise: one bend, then nothing
packets = rig.take()
show("held bent", packets)
assert len(packets) == 1

# Calibration: a wheel whose centre rests at 30000 sends nothing there, and bends from there.
settings = rig.keyboard.settings
settings.pitch_centre = 30000
board.adc[pins.ADC_PITCH] = 30000
rig.run_ms(READ_EVERY_TICKS)
assert rig.take() == [bend(8192)]
noisy(pins.ADC_PITCH, 30000, 30)
assert rig.take() == []
print("calibrated centre: quiet")
settings.pitch_centre = 32768
board.adc[pins.ADC_PITCH] = 32768
rig.run_ms(READ_EVERY_TICKS)
assert rig.take() == []  # still 8192: inside the dead zone of the old calibration's centre too

# The channel setting applies to the controls too.
rig.keyboard.set_channel(3)  # the panic before it is sent with the next tick
board.adc[pins.ADC_MOD] = 0
rig.run_ms(READ_EVERY_TICKS)
packets = rig.take()
show("channel 4", packets)
assert packets == [cc(123, 0), cc(1, 0, channel=3)]
rig.finish()
print("ok")
