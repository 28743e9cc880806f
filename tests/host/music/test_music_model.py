"""The object model: validated on construction, immutable, kept sorted."""

import dataclasses

import pytest

from keycomposer.music import Composition, Note, Tempo, TimeSignature, Track


def test_notes_are_validated_with_messages_that_name_the_field():
    with pytest.raises(ValueError, match="note pitch must be in range 0..127, got 128"):
        Note(0, 128, 10)
    with pytest.raises(ValueError, match="note duration must be in range 1"):
        Note(0, 60, 0)
    with pytest.raises(ValueError, match="note velocity"):
        Note(0, 60, 10, velocity=0)
    with pytest.raises(TypeError, match="note start must be an integer"):
        Note(0.5, 60, 10)


def test_tracks_sort_their_notes_and_know_drums_by_channel_10():
    track = Track((Note(480, 62, 10), Note(0, 60, 10)), channel=9)
    assert [note.start for note in track.notes] == [0, 480]
    assert track.is_drum and not Track(channel=0).is_drum
    with pytest.raises(ValueError, match="channel must be in range 0..15"):
        Track(channel=16)


def test_compositions_are_immutable():
    composition = Composition((Track((Note(0, 60, 480),)),))
    with pytest.raises(dataclasses.FrozenInstanceError):
        composition.resolution = 96  # type: ignore[misc]


def test_a_composition_always_has_a_tempo_and_meter_from_tick_zero():
    composition = Composition(tempos=(Tempo(960, 400_000),), time_signatures=(TimeSignature(480, 3, 4),))
    assert composition.tempos[0] == Tempo(0, 400_000)
    assert composition.time_signatures[0] == TimeSignature(0, 3, 4)
    assert Composition().bpm == 120


def test_seconds_follow_tempo_changes():
    composition = Composition(resolution=100, tempos=(Tempo(0, 1_000_000), Tempo(200, 500_000)))
    assert composition.seconds(100) == pytest.approx(1.0)
    assert composition.seconds(400) == pytest.approx(2.0 + 1.0)


def test_each_time_signature_starts_a_bar_and_its_bars_follow_until_the_next():
    changing = Composition(resolution=4, time_signatures=(TimeSignature(0, 4, 4), TimeSignature(32, 3, 4)))
    assert changing.bar_lines(60) == (0, 16, 32, 44, 56, 68)  # the last line closes the bar holding tick 59
    assert changing.bar_lines(32) == (0, 16, 32) and changing.bar_lines(0) == (0,)
    cut_short = Composition(resolution=4, time_signatures=(TimeSignature(0, 4, 4), TimeSignature(24, 3, 4)))
    assert cut_short.bar_lines(40) == (0, 16, 24, 36, 48)  # a signature inside a bar ends that bar there
    same_again = Composition(resolution=4, time_signatures=(TimeSignature(0, 3, 4), TimeSignature(24, 3, 4)))
    assert same_again.bar_lines(40) == (0, 12, 24, 36, 48)
    assert Composition((Track((Note(0, 60, 20),)),), resolution=4).bar_lines() == (0, 16, 32)  # to the end


def test_bar_length_follows_the_time_signature():
    assert Composition(resolution=480, time_signatures=(TimeSignature(0, 6, 8),)).ticks_per_bar == 1440
    assert Composition(resolution=480, time_signatures=(TimeSignature(0, 3, 4),)).ticks_per_bar == 1440
    with pytest.raises(ValueError, match="power of two"):
        TimeSignature(0, 4, 3)
