"""Takes: what the keyboard plays is cut into takes, and each one with notes in it is saved."""

import mido

from keycomposer.console_keyboard.takes import TakeKeeper
from keycomposer.emulator import LedEvent, MidiEvent


def note(time_ms, pitch, on=True, velocity=100):
    kind = "note_on" if on else "note_off"
    return MidiEvent(time_ms * 1000, mido.Message(kind, note=pitch, velocity=velocity if on else 64))


def keeper():
    saved = []

    def save(composition, number):
        saved.append((number, composition))
        return 100 + number

    return TakeKeeper(save), saved


def pitches(composition):
    return [n.pitch for n in composition.tracks[0].notes]


def test_a_take_ended_by_hand_is_saved_with_its_notes_in_order():
    takes, saved = keeper()
    for event in [note(1000, 48), note(1300, 48, on=False), note(1500, 52), note(1800, 52, on=False),
                  note(2000, 55), note(2300, 55, on=False)]:
        takes.feed(event)
    assert takes.notes_in_take == 3
    finished = takes.end_take()
    assert finished.saved == 101 and finished.notes == 3 and finished.number == 1
    assert pitches(saved[0][1]) == [48, 52, 55]
    first = saved[0][1].tracks[0].notes[0]
    assert first.start == 0  # a take starts at its first note
    assert first.duration == 480 * 300 // 500  # 300 ms at 120 BPM, 480 ticks a beat
    assert takes.notes_in_take == 0


def test_the_record_button_switched_off_ends_the_take():
    takes, saved = keeper()
    takes.feed(LedEvent(900_000, "record", True))
    takes.feed(note(1000, 60))
    takes.feed(note(1200, 60, on=False))
    finished = takes.feed(LedEvent(1_500_000, "record", False))
    assert finished is not None and finished.notes == 1
    assert [pitches(c) for _, c in saved] == [[60]]


def test_switching_record_on_keeps_what_came_before_as_a_take_of_its_own():
    takes, saved = keeper()
    takes.feed(note(100, 50))
    takes.feed(note(200, 50, on=False))
    takes.feed(LedEvent(300_000, "record", True))
    takes.feed(note(400, 62))
    takes.feed(note(500, 62, on=False))
    takes.feed(LedEvent(600_000, "record", False))
    assert [pitches(c) for _, c in saved] == [[50], [62]]
    assert [number for number, _ in saved] == [1, 2]


def test_an_empty_take_is_not_saved():
    takes, saved = keeper()
    takes.feed(LedEvent(0, "record", True))
    takes.feed(mido_clock := MidiEvent(10, mido.Message("clock")))
    assert takes.feed(LedEvent(50_000, "record", False)) is None
    assert takes.end_take() is None
    assert saved == [] and mido_clock.message.type == "clock"


def test_a_note_still_sounding_ends_with_the_take_and_its_late_note_off_starts_nothing():
    takes, saved = keeper()
    takes.feed(note(0, 48))
    takes.feed(note(250, 52))
    takes.end_take(end_us=500_000)
    takes.feed(note(600, 48, on=False))
    assert takes.notes_in_take == 0 and takes.end_take() is None
    notes = saved[0][1].tracks[0].notes
    assert [(n.pitch, n.duration) for n in notes] == [(48, 480), (52, 240)]


def test_controllers_alone_do_not_start_a_take():
    takes, saved = keeper()
    takes.feed(MidiEvent(0, mido.Message("control_change", control=1, value=64)))
    takes.feed(note(1000, 48))
    takes.feed(note(1100, 48, on=False))
    takes.end_take()
    assert saved[0][1].tracks[0].notes[0].start == 0


def test_a_take_not_saved_is_still_kept():
    takes = TakeKeeper(lambda composition, number: None)
    takes.feed(note(0, 70))
    finished = takes.end_take()
    assert finished.saved is None and pitches(finished.composition) == [70]
    assert takes.finished == [finished]
