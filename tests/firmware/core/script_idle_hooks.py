# A feature whose every-tick hook has nothing to do says so (core/feature.py `ticking`) and the keyboard
# does not call it: the recorder while it neither records nor plays, the arpeggiator while it is off, the
# MIDI clock while its grid stands. A call each tick is a fair part of the RP2040's 1 ms tick (tools/
# bench/scan_tick.py). Each is called again, every tick, as soon as it has work.
import pins
from fakeboard import Rig

rig = Rig()
kb = rig.keyboard
calls = {}


def count(feature, hook):
    real = getattr(feature, hook)

    def counted(keyboard, now_us):
        calls[feature.NAME] = calls.get(feature.NAME, 0) + 1
        real(keyboard, now_us)

    setattr(feature, hook, counted)


count(kb.recorder, "before_scan")
count(kb.arp, "after_scan")
count(kb.clock, "after_scan")


def run(ms):
    for _ in range(ms):
        rig.run_ms(1)
        recorder = kb.recorder
        assert recorder.ticking == (recorder.recording or recorder.playing)
        assert kb.arp.ticking == kb.arp.on


def calls_in(ms):
    calls.clear()
    run(ms)
    return sorted(calls.items())


print("idle, 100 ms:", calls_in(100))
assert calls_in(100) == []
rig.tap(pins.BUTTON_ARP)
rig.press(7, 3)
print("arpeggiator on, a key held, 100 ms:", calls_in(100))
assert calls_in(100) == [("arp", 100), ("clock", 100)]
rig.tap(pins.BUTTON_ARP)
rig.release(7)
run(50)
print("arpeggiator off again, 100 ms:", calls_in(100))
assert calls_in(100) == []
rig.tap(pins.BUTTON_RECORD)
print("recording, 100 ms:", calls_in(100))
assert ("recorder", 100) in calls_in(100)
rig.press(9, 3)
rig.release(9)
rig.tap(pins.BUTTON_RECORD)
run(50)
print("take finished, 100 ms:", calls_in(100))
assert calls_in(100) == []
rig.tap(pins.BUTTON_PLAYBACK)
print("playing it back, 20 ms:", calls_in(20))
assert ("recorder", 20) in calls_in(20)
run(3000)
print("played, 100 ms:", calls_in(100))
assert calls_in(100) == []
rig.take()
rig.finish()
print("ok")
