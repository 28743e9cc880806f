# Auto-chord: triads on the played root; overlapping chords and shared notes never leave a stuck note.
import pins
from core.chord import CHORD_DIATONIC, CHORD_MINOR, CHORD_SEVENTH
from fakeboard import Rig, note_off, note_on, show

rig = Rig()
kb = rig.keyboard
board = rig.board

rig.tap(pins.BUTTON_CHORD)
assert kb.chord_on and board.leds[pins.LED_CHORD]
rig.press(0, 2)
rig.release(0)
packets = rig.take()
show("C major", packets)
assert packets == [note_on(48, 127), note_on(52, 127), note_on(55, 127), note_off(48), note_off(52), note_off(55)]

# C and E chords overlap on E (52): E sounds once and ends only when its last holder lets go.
rig.press(0, 2)  # C E G
rig.press(4, 2)  # E G# B
rig.release(0)
middle = rig.take()
rig.release(4)
end = rig.take()
show("overlap, C released first", middle)
show("then E released", end)
assert middle == [
    note_on(48, 127), note_on(52, 127), note_on(55, 127),
    note_on(56, 127), note_on(59, 127),
    note_off(48), note_off(55),
]
assert end == [note_off(52), note_off(56), note_off(59)]

kb.settings.chord_mode = CHORD_MINOR
rig.press(9, 2)
rig.release(9)
show("A minor", rig.take())

kb.settings.chord_mode = CHORD_SEVENTH
rig.press(7, 2)
rig.release(7)
packets = rig.take()
show("G7", packets)
assert [p[2] for p in packets[:4]] == [55, 59, 62, 65]

# Diatonic in C major: D minor, B diminished; in G major (key 7): F# is vii (diminished), F is outside.
kb.settings.chord_mode = CHORD_DIATONIC
for key in (2, 11, 6):
    rig.press(key, 2)
    show("diatonic C, key %d" % key, rig.take())
    rig.release(key)
    rig.take()
kb.settings.chord_key = 7
for key in (6, 5):
    rig.press(key, 2)
    packets = rig.take()
    show("diatonic G, key %d" % key, packets)
    rig.release(key)
    rig.take()
kb.settings.chord_key = 0
rig.press(2, 2)
assert [p[2] for p in rig.take()] == [50, 53, 57]
rig.release(2)
rig.take()

# Toggling chord mode while keys are held: each key still ends exactly the notes it started.
kb.settings.chord_mode = 0
rig.press(0, 2)  # chord on: C E G
rig.tap(pins.BUTTON_CHORD)  # off
assert not kb.chord_on and not board.leds[pins.LED_CHORD]
rig.press(4, 2)  # single E: already sounding, nothing new
rig.release(0)  # C and G end, E is still held by key 4
rig.release(4)
packets = rig.take()
show("toggle while held", packets)
assert packets == [
    note_on(48, 127), note_on(52, 127), note_on(55, 127),
    note_off(48), note_off(55), note_off(52),
]

# Chord notes above 127 are left out; the rest of the chord plays.
rig.tap(pins.BUTTON_CHORD)
for _ in range(4):
    rig.tap(pins.BUTTON_OCTAVE_UP)
rig.press(30, 2)  # 126: 130 and 133 do not exist
rig.release(30)
packets = rig.take()
show("chord at the top", packets)
assert packets == [note_on(126, 127), note_off(126)]
rig.finish()
print("ok")
