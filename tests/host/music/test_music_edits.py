"""Edits return new compositions and leave the original as it was."""

import pytest

from keycomposer.music import (
    Composition,
    Note,
    Tempo,
    Track,
    change_tempo,
    program_name,
    program_number,
    quantize,
    sample_composition,
    set_instrument,
    transpose,
)

LOOSE = Composition((Track((Note(10, 60, 100), Note(130, 62, 230), Note(470, 64, 3))),
                     Track((Note(5, 36, 50),), channel=9)), resolution=480)


def test_full_strength_quantize_snaps_starts_and_ends_to_the_sixteenth_grid():
    snapped = quantize(LOOSE, steps_per_beat=4, strength=1.0)
    assert [(note.start, note.end) for note in snapped.tracks[0].notes] == [(0, 120), (120, 360), (480, 600)]
    assert LOOSE.tracks[0].notes[0] == Note(10, 60, 100)  # the original is untouched


def test_half_strength_quantize_moves_half_way():
    half = quantize(LOOSE, steps_per_beat=4, strength=0.5)
    assert [(note.start, note.end) for note in half.tracks[0].notes][:2] == [(5, 115), (125, 360)]


def test_zero_strength_quantize_changes_nothing():
    assert quantize(LOOSE, strength=0.0) == LOOSE


def test_quantize_only_the_chosen_tracks():
    assert quantize(LOOSE, tracks=[1]).tracks[0] == LOOSE.tracks[0]
    with pytest.raises(ValueError, match="track 5 does not exist"):
        quantize(LOOSE, tracks=[5])
    with pytest.raises(ValueError, match="strength must be in range 0..1"):
        quantize(LOOSE, strength=1.5)


def test_transpose_moves_pitches_but_not_drums():
    up = transpose(LOOSE, 5)
    assert [note.pitch for note in up.tracks[0].notes] == [65, 67, 69]
    assert up.tracks[1] == LOOSE.tracks[1]
    assert [note.pitch for note in LOOSE.tracks[0].notes] == [60, 62, 64]


def test_transpose_out_of_range_names_the_note():
    with pytest.raises(ValueError, match="moves pitch 64 of track 0 to 128"):
        transpose(LOOSE, 64)


def test_set_instrument_by_name_or_number_leaves_drums_alone():
    strings = set_instrument(LOOSE, "string ensemble 1")
    assert strings.tracks[0].program == 48 and strings.tracks[1].program == 0
    assert set_instrument(LOOSE, 73, tracks=[0]).tracks[0].program == 73
    assert LOOSE.tracks[0].program == 0


def test_gm_names_and_numbers_are_inverse():
    for program in range(128):
        assert program_number(program_name(program)) == program
    assert program_number("flute") == 73 and program_number("Acoustic Grand") == 0
    with pytest.raises(ValueError, match="ambiguous"):
        program_number("electric")
    with pytest.raises(ValueError, match="no General MIDI instrument"):
        program_number("theremin")


def test_change_tempo_scales_every_tempo_and_keeps_ticks():
    composition = Composition(LOOSE.tracks, tempos=(Tempo(0, 500_000), Tempo(960, 250_000)))
    faster = change_tempo(composition, 240)
    assert [tempo.microseconds_per_beat for tempo in faster.tempos] == [250_000, 125_000]
    assert faster.tracks == composition.tracks and composition.bpm == 120
    with pytest.raises(ValueError, match="tempo must be in range"):
        change_tempo(composition, 0)


def test_edits_compose_on_samples():
    twinkle = sample_composition("twinkle")
    edited = change_tempo(set_instrument(transpose(twinkle, 2), "violin"), 90)
    assert edited.tracks[0].notes[0].pitch == 62 and edited.tracks[0].program == 40
    assert edited.bpm == pytest.approx(90, abs=1e-3)
    assert twinkle == sample_composition("twinkle")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

loose_notes = st.lists(st.builds(Note, start=st.integers(0, 4000), pitch=st.integers(24, 100),
                                 duration=st.integers(1, 1000)), min_size=1, max_size=15)


@settings(max_examples=60, deadline=None)
@given(notes=loose_notes, steps_per_beat=st.sampled_from([1, 2, 3, 4, 6, 8]))
def test_full_quantize_lands_on_the_grid_and_is_idempotent(notes, steps_per_beat):
    composition = Composition((Track(tuple(notes)),), resolution=480)
    snapped = quantize(composition, steps_per_beat, 1.0)
    cell = 480 // steps_per_beat
    assert all(note.start % cell == 0 and note.end % cell == 0 for note in snapped.tracks[0].notes)
    assert quantize(snapped, steps_per_beat, 1.0) == snapped


@settings(max_examples=60, deadline=None)
@given(notes=loose_notes, semitones=st.integers(-24, 27))
def test_transposing_back_restores_the_original(notes, semitones):
    composition = Composition((Track(tuple(notes)),))
    assert transpose(transpose(composition, semitones), -semitones) == composition
