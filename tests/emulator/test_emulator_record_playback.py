"""Record and playback on the emulated keyboard, decoded by mido: the take comes back with its timing to
the millisecond of virtual time (relative to the playback button, as it was to the record button), with
MIDI clock running while it plays; a full buffer ends the take with note-offs for what was held; a new
take replaces the old one only once it is finished."""

import pytest

from keycomposer.emulator import Emulator, LedEvent, MidiEvent

CHANNEL_TYPES = {"note_on", "note_off", "control_change", "pitchwheel"}


def split(events):
    """(record LED changes, channel messages, real-time messages), each as (time_us, ...)."""
    leds = [(e.time_us, e.on) for e in events if isinstance(e, LedEvent) and e.led == "record"]
    channel = [(e.time_us, e.message) for e in events if isinstance(e, MidiEvent) and e.message.type in CHANNEL_TYPES]
    clock = [(e.time_us, e.message.type) for e in events if isinstance(e, MidiEvent) and e.message.type in ("start", "stop", "clock")]
    return leds, channel, clock


def relative(messages, origin_us):
    return [(time_us - origin_us, str(message)) for time_us, message in messages]


def check_balanced(messages):
    sounding = set()
    for _, message in messages:
        if message.type == "note_on":
            assert message.note not in sounding, message
            sounding.add(message.note)
        elif message.type == "note_off":
            assert message.note in sounding, message
            sounding.discard(message.note)
    assert not sounding


@pytest.mark.timeout(120)
def test_a_take_plays_back_with_the_same_timing(interpreter):
    with Emulator(interpreter=interpreter) as keyboard:
        keyboard.wait(3)
        keyboard.tap("record")
        keyboard.wait(27)
        keyboard.press(0, velocity=120)
        keyboard.wait(95)
        keyboard.press(7, velocity=60)
        keyboard.set_control("pitch", 0.6)
        keyboard.wait(40)
        keyboard.set_control("pitch", 0.0)
        keyboard.release(0)
        keyboard.set_control("mod", 0.5)
        keyboard.wait(333)
        keyboard.release(7)
        keyboard.pedal(True)
        keyboard.press(12, velocity=90)
        keyboard.wait(71)
        keyboard.release(12)
        keyboard.pedal(False)
        keyboard.wait(50)
        keyboard.tap("record")
        keyboard.wait(100)
        keyboard.sync()
        leds, recorded, _ = split(keyboard.events())
        (record_start, on), (record_end, off) = leds
        assert on and not off
        take = [(t, m) for t, m in recorded if t < record_end]
        assert len(take) >= 10

        keyboard.tap("playback")
        keyboard.wait((record_end - record_start) // 1000 + 100)
        keyboard.sync()
        _, played, clock = split(keyboard.events())

    playback_start = clock[0][0]
    assert clock[0][1] == "start" and clock[-1][1] == "stop"
    assert relative(played, playback_start) == relative(take, record_start)
    # The clock runs while it plays: 24 pulses a quarter note at 120 BPM, one every 20.833 ms.
    pulses = [t for t, kind in clock if kind == "clock"]
    assert len(pulses) == pytest.approx((clock[-1][0] - playback_start) / 20833, abs=1.5)
    check_balanced(played)


@pytest.mark.timeout(180)
def test_a_full_buffer_ends_the_take_with_the_held_notes_ended():
    with Emulator(interpreter="micropython") as keyboard:
        keyboard.tap("chord")  # three notes a key: the buffer fills within the 8 bars
        keyboard.tap("record")
        keyboard.press(31, velocity=100)  # held through the end of the take
        for i in range(400):
            keyboard.press(i % 24, velocity=100)
            keyboard.release(i % 24)
        keyboard.wait(20)
        keyboard.sync()
        leds, live, _ = split(keyboard.events())
        record_start, record_end = leds[0][0], leds[1][0]
        assert leds[1] == (record_end, False)
        keyboard.release(31)
        keyboard.wait(20)
        keyboard.sync()
        keyboard.events()

        keyboard.tap("playback")
        keyboard.wait((record_end - record_start) // 1000 + 100)
        keyboard.sync()
        _, played, clock = split(keyboard.events())

    assert (record_end - record_start) / 1e6 < 16  # the buffer ended it, not the 8 bars (16 s at 120 BPM)
    assert len(played) == 2048 - 2  # room for a pedal release and a bend back to centre is always kept
    ending = relative(played, clock[0][0])[-3:]
    held = {79, 83, 86}  # key31 (G5) as a major chord
    assert {m for _, m in ending} == {f"note_off channel=0 note={n} velocity=64 time=0" for n in held}
    assert {t for t, _ in ending} == {record_end - record_start}  # when the LED went off
    check_balanced(played)


@pytest.mark.timeout(120)
def test_a_new_take_replaces_the_old_one_only_when_finished():
    def notes(messages):
        return [m.note for _, m in messages if m.type == "note_on"]

    with Emulator(interpreter="micropython") as keyboard:
        keyboard.tap("record")
        keyboard.press(0)
        keyboard.release(0)
        keyboard.tap("record")
        keyboard.tap("record")  # a second take begins
        keyboard.press(4)
        keyboard.release(4)
        keyboard.wait(20)
        keyboard.sync()
        keyboard.events()
        keyboard.tap("playback")  # while it records: the first take plays
        keyboard.wait(200)
        keyboard.sync()
        _, played, _ = split(keyboard.events())
        assert notes(played) == [48]
        keyboard.tap("record")  # finished: now it is the take
        keyboard.tap("playback")
        keyboard.wait(200)
        keyboard.sync()
        _, played, _ = split(keyboard.events())
        assert notes(played) == [52]
