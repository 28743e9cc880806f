"""The view: the keyboard's state as the screen shows it, from the keyboard's own events."""

import mido

from keycomposer.console_keyboard.view import HIGHEST_OCTAVE, LOWEST_OCTAVE, KeyboardView, describe
from keycomposer.emulator import FaultEvent, LedEvent, MidiEvent


def test_leds_follow_the_keyboards_led_events():
    view = KeyboardView()
    view.feed(LedEvent(0, "power", True))
    view.feed(LedEvent(10, "chord", True))
    view.feed(LedEvent(20, "chord", False))
    assert view.leds["power"] and not view.leds["chord"]


def test_sounding_notes_and_the_last_velocity_come_from_the_midi_sent():
    view = KeyboardView()
    view.feed(MidiEvent(1_000_000, mido.Message("note_on", note=60, velocity=96)))
    view.feed(MidiEvent(1_001_000, mido.Message("note_on", note=64, velocity=113)))
    view.feed(MidiEvent(1_300_000, mido.Message("note_off", note=60, velocity=64)))
    assert view.sounding == {64: 113}
    assert view.last_velocity == 113
    assert view.messages[-1] == "    1.300 s  note_off C4   velocity 64  channel 1"


def test_only_the_last_messages_are_kept_and_clock_ticks_are_left_out():
    view = KeyboardView()
    for i in range(10):
        view.feed(MidiEvent(i, mido.Message("note_on", note=40 + i, velocity=1)))
        view.feed(MidiEvent(i, mido.Message("clock")))
    assert len(view.messages) == 6
    assert "C#3" in view.messages[-1] and "G#2" in view.messages[0]  # notes 49 and 44


def test_octave_counts_presses_within_the_keyboards_range():
    view = KeyboardView()
    view.octave_pressed("octave_up")
    view.octave_pressed("octave_up")
    assert view.octave == 2 and view.lowest_note == 72
    for _ in range(20):
        view.octave_pressed("octave_up")
    assert view.octave == HIGHEST_OCTAVE
    for _ in range(40):
        view.octave_pressed("octave_down")
    assert view.octave == LOWEST_OCTAVE and view.lowest_note >= 0


def test_octave_leds_correct_a_count_that_went_wrong():
    view = KeyboardView()
    view.octave = 2
    view.feed(LedEvent(0, "octave_up", False))  # both off: the keyboard is not shifted
    assert view.octave == 0
    view.feed(LedEvent(0, "octave_down", True))
    assert view.octave == -1


def test_a_fault_is_shown():
    view = KeyboardView()
    view.feed(FaultEvent(5, "keys.on_switch: ValueError: boom"))
    assert "boom" in view.status


def test_messages_in_words():
    note = mido.Message("note_on", note=48, velocity=100, channel=2)
    assert describe(note) == "note_on  C3   velocity 100  channel 3"
    assert describe(mido.Message("control_change", control=64, value=127)) == "control  64 = 127  channel 1"
    assert describe(mido.Message("pitchwheel", pitch=-100)) == "pitch bend -100  channel 1"


def test_the_tempo_is_read_from_the_keyboards_midi_clock():
    view = KeyboardView()
    assert view.clock_bpm is None and not view.clock_running
    view.feed(MidiEvent(0, mido.Message("start")))
    assert view.clock_running and view.clock_bpm is None
    pulse_us = 60_000_000 // (90 * 24)  # 90 BPM
    for i in range(30):
        view.feed(MidiEvent(i * pulse_us, mido.Message("clock")))
    assert round(view.clock_bpm) == 90
    assert not any("clock" in line for line in view.messages)
    view.feed(MidiEvent(31 * pulse_us, mido.Message("stop")))
    assert view.clock_bpm is None and not view.clock_running
    assert view.messages[-1].endswith("stop")
