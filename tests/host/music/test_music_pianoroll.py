"""Piano rolls: shape, rounding, and from_pianoroll as the inverse of to_pianoroll."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from keycomposer.music import Composition, Note, Track, from_pianoroll, sample_composition, to_pianoroll


def test_a_note_fills_its_steps_and_nothing_else():
    composition = Composition((Track((Note(480, 60, 240),)),), resolution=480)
    roll = to_pianoroll(composition, steps_per_beat=4)
    assert roll.shape == (1, 6, 128) and roll.dtype == bool
    assert np.argwhere(roll[0]).tolist() == [[4, 60], [5, 60]]


def test_a_note_shorter_than_a_step_keeps_one_step():
    composition = Composition((Track((Note(10, 60, 5),)),), resolution=480)
    assert np.count_nonzero(to_pianoroll(composition, 4)) == 1


def test_a_fixed_length_cuts_or_pads():
    composition = sample_composition("twinkle")
    assert to_pianoroll(composition, 4, steps=8).shape == (1, 8, 128)
    assert to_pianoroll(composition, 4, steps=1000).shape == (1, 1000, 128)


def test_from_pianoroll_reads_runs_as_notes_and_repeats_merge():
    roll = np.zeros((8, 128), dtype=np.uint8)
    roll[0:2, 60] = 1
    roll[2:4, 60] = 1  # the same pitch again, with no gap: one note
    roll[5:6, 64] = 1
    (track,) = from_pianoroll(roll, steps_per_beat=4, resolution=480).tracks
    assert track.notes == (Note(0, 60, 480, 100), Note(600, 64, 120, 100))


@settings(max_examples=50, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 3), st.integers(0, 40), st.just(128))))
def test_to_pianoroll_inverts_from_pianoroll(roll):
    composition = from_pianoroll(roll, steps_per_beat=4, resolution=96)
    again = to_pianoroll(composition, steps_per_beat=4, steps=roll.shape[1])
    assert np.array_equal(again, roll)


def test_from_pianoroll_inverts_to_pianoroll_for_grid_music():
    composition = sample_composition("ode_to_joy", resolution=96)  # repeated notes merge: compare the rolls
    roll = to_pianoroll(composition, 4)
    assert np.array_equal(to_pianoroll(from_pianoroll(roll, 4, 96), 4), roll)


def test_default_channels_skip_the_drum_channel():
    composition = from_pianoroll(np.zeros((11, 4, 128), dtype=bool))
    assert 9 not in [track.channel for track in composition.tracks]


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match=r"shape \(tracks, steps, 128\)"):
        from_pianoroll(np.zeros((4, 100)))
    with pytest.raises(ValueError, match="multiple of steps per beat"):
        from_pianoroll(np.zeros((4, 128)), steps_per_beat=5, resolution=96)
