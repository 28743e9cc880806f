"""Sample melodies: every bar adds up to its time signature, and the tunes are the tunes."""

from fractions import Fraction

import pytest

from keycomposer.music import SAMPLES, from_midi_bytes, sample_composition, sample_names, to_midi_bytes
from keycomposer.music.notation import NotationError, bar_lengths, melody_notes, parse_melody

KEYBOARD_RANGE = range(48, 80)  # C3..G5, the keyboard's default range


def test_there_are_at_least_eight_samples():
    assert len(SAMPLES) >= 8
    assert {"twinkle", "ode_to_joy", "new_world", "jingle_bells", "frere_jacques", "amazing_grace",
            "greensleeves", "happy_birthday"} <= set(SAMPLES)


@pytest.mark.parametrize("name", sample_names())
def test_every_bar_fills_the_time_signature(name):
    tune = SAMPLES[name]
    bars = bar_lengths(tune.melody)
    full = tune.beats_per_bar
    if tune.pickup_beats:
        assert bars[0] == tune.pickup_beats, f"{name}: the pickup bar"
        assert bars[-1] in (full, full - tune.pickup_beats), f"{name}: the last bar completes the pickup"
        middle = bars[1:-1]
    else:
        middle = bars
    for number, length in enumerate(middle, start=1 if tune.pickup_beats else 0):
        assert length == full, f"{name}: bar {number + 1} lasts {length} beats, not {full}"


@pytest.mark.parametrize("name", sample_names())
def test_samples_fit_the_keyboard_and_survive_a_midi_round_trip(name):
    composition = sample_composition(name)
    assert all(note.pitch in KEYBOARD_RANGE for note in composition.tracks[0].notes)
    assert from_midi_bytes(to_midi_bytes(composition)).tracks[0].notes == composition.tracks[0].notes


@pytest.mark.parametrize("name", [name for name in sample_names() if SAMPLES[name].pickup_beats])
def test_a_pickup_ends_exactly_on_the_first_downbeat(name):
    composition = sample_composition(name)
    first_full_bar = [note for note in composition.tracks[0].notes if note.start >= composition.ticks_per_bar]
    pickup = [note for note in composition.tracks[0].notes if note.start < composition.ticks_per_bar]
    assert pickup[-1].end == composition.ticks_per_bar == first_full_bar[0].start


def _degrees(name, count):
    """The first ``count`` pitches relative to the first one."""
    notes = sample_composition(name).tracks[0].notes
    return [note.pitch - notes[0].pitch for note in notes[:count]]


def test_the_tunes_open_with_their_well_known_intervals():
    assert _degrees("twinkle", 7) == [0, 0, 7, 7, 9, 9, 7]
    assert _degrees("ode_to_joy", 8) == [0, 0, 1, 3, 3, 1, 0, -2]
    assert _degrees("frere_jacques", 4) == [0, 2, 4, 0]
    assert _degrees("jingle_bells", 11) == [0, 0, 0, 0, 0, 0, 0, 3, -4, -2, 0]
    assert _degrees("happy_birthday", 6) == [0, 0, 2, 0, 5, 4]
    assert _degrees("amazing_grace", 6) == [0, 5, 9, 5, 9, 7]
    assert _degrees("greensleeves", 6) == [0, 3, 5, 7, 8, 7]
    assert _degrees("new_world", 6) == [0, 3, 3, 0, -2, -4]


def test_ties_hold_a_note_across_the_bar_line():
    notes = sample_composition("amazing_grace", resolution=4).tracks[0].notes
    high_d = [note for note in notes if note.pitch == 74]
    assert high_d[0].duration == 4 * 5  # "me": a dotted half tied to a half


def test_notation_reads_pitches_durations_and_rests():
    (bar,) = parse_melody("C4:q. F#3:s Bb4 r:h")
    assert [(event.pitch, event.beats) for event in bar] == [
        (60, Fraction(3, 2)), (54, Fraction(1, 4)), (70, Fraction(1, 4)), (None, Fraction(2))]
    assert [note.start for note in melody_notes("C4:q r D4", 480)] == [0, 960]


@pytest.mark.parametrize("text, message", [
    ("H4:q", "cannot read note 'H4:q'"),
    ("C4:x", "cannot read note"),
    ("C4~ D4", "tie joins notes of one pitch"),
    ("C4:q~", "ends inside a tie"),
    ("G#9", "outside the MIDI range"),
])
def test_bad_notation_is_reported_with_the_token(text, message):
    with pytest.raises(NotationError, match=message):
        melody_notes(text, 480)
