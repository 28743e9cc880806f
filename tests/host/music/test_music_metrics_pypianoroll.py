"""Our metrics against pypianoroll 1.0.4's, on sample melodies and random rolls.

Where pypianoroll is right, the numbers are equal. Where its implementation has a defect, each test
says which, undoes it, and then shows equality, so the formula itself is still checked:
- empty_beat_rate returns the share of beats that are NOT empty;
- its chroma (used by n_pitch_classes_used, in_scale_rate and tonal_distance) sums ten neighbouring
  pitches (0-9, 10-19, ...) instead of pitch classes, and writes into the roll it is given: we lay
  pitch p out at column 10 * (p mod 12) + p // 12, so its groups become true pitch classes;
- qualified_note_rate pairs onsets with offsets over the flattened roll, which is right for one
  pitch column only: we lay the pitch columns end to end, with a silent step between them; it also
  turns a bool roll into uint8, whose differences wrap (0 - 1 = 255), so we hand it signed ints;
- drum_in_pattern_rate works only for a roll exactly one beat long: we compare beat by beat;
- in_scale_rate's ``root`` counts from A (root 3 is C);
- tonal_distance multiplies its tonal matrix along the wrong axis (it raises unless there are 12
  steps per beat, and then mixes steps with pitch classes), so only its tonal matrix is compared;
  our distances are checked by hand in test_music_metrics.py.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keycomposer.music import metrics, sample_composition, sample_names, to_pianoroll

pypianoroll = pytest.importorskip("pypianoroll")
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # its NaN results

SAMPLE_ROLLS = {name: to_pianoroll(sample_composition(name), 4)[0] for name in sample_names()}


def random_roll(seed, steps, density, highest=128):
    rng = np.random.default_rng(seed)
    roll = rng.random((steps, 128)) < density
    roll[:, highest:] = False
    return roll


def random_rolls(highest=128, steps=st.integers(1, 64)):
    return st.builds(random_roll, st.integers(0, 2**32 - 1), steps, st.sampled_from([0.0, 0.01, 0.05, 0.2, 0.6]),
                     st.just(highest))


def by_pitch_class(roll):
    """Pitch p (below 120) moved to column 10 * (p % 12) + p // 12: pypianoroll's chroma groups then hold pitch classes."""
    laid = np.zeros((len(roll), 128), dtype=np.uint8)
    for pitch in range(120):
        laid[:, 10 * (pitch % 12) + pitch // 12] = roll[:, pitch]
    return laid


def pitch_columns_end_to_end(roll):
    gap = np.zeros((1, 1), dtype=np.uint8)
    columns = [np.concatenate([roll[:, pitch].astype(np.uint8)[None], gap], axis=1) for pitch in range(128)]
    return np.concatenate(columns, axis=1).reshape(-1, 1).astype(np.int64)


def same(ours, theirs):
    return (math.isnan(ours) and math.isnan(theirs)) or ours == pytest.approx(theirs, abs=1e-9)


def check_pitch_metrics(roll):
    assert metrics.n_pitches_used(roll) == pypianoroll.n_pitches_used(roll)
    assert same(metrics.polyphonic_rate(roll), pypianoroll.polyphonic_rate(roll))
    assert same(metrics.qualified_note_rate(roll), pypianoroll.qualified_note_rate(pitch_columns_end_to_end(roll), 3))
    assert metrics.n_pitch_classes_used(roll) == pypianoroll.n_pitch_classes_used(by_pitch_class(roll))
    for tonic, mode in [(0, "major"), (9, "minor"), (7, "major"), (2, "minor")]:
        theirs = pypianoroll.in_scale_rate(by_pitch_class(roll), root=(tonic + 3) % 12, mode=mode)
        assert same(metrics.in_scale_rate(roll, tonic, mode), theirs)


def check_empty_beats(roll, steps_per_beat):
    whole = roll[: len(roll) // steps_per_beat * steps_per_beat]
    if len(whole):
        assert metrics.empty_beat_rate(whole, steps_per_beat) == pytest.approx(
            1 - pypianoroll.empty_beat_rate(whole, steps_per_beat))


@pytest.mark.parametrize("name", sample_names())
def test_agreement_on_sample_melodies(name):
    roll = SAMPLE_ROLLS[name]
    check_pitch_metrics(roll)
    check_empty_beats(roll, 4)


@settings(max_examples=60, deadline=None)
@given(roll=random_rolls(highest=120))
def test_agreement_on_random_rolls(roll):
    check_pitch_metrics(roll)
    check_empty_beats(roll, 4)


@settings(max_examples=40, deadline=None)
@given(roll=random_rolls(steps=st.sampled_from([4, 8, 16, 48])), steps_per_beat=st.sampled_from([4, 8, 16]))
def test_drum_in_pattern_agrees_beat_by_beat(roll, steps_per_beat):
    beats = len(roll) // steps_per_beat
    if beats == 0:
        return
    roll = roll[: beats * steps_per_beat]
    weighted, total = 0.0, 0
    for beat in np.split(roll, beats):
        hits = np.count_nonzero(beat)
        if hits:
            weighted += pypianoroll.drum_in_pattern_rate(beat, steps_per_beat) * hits
            total += hits
    expected = weighted / total if total else math.nan
    assert same(metrics.drum_in_pattern_rate(roll, steps_per_beat), expected)


def test_tonal_matrix_is_harte_s_as_pypianoroll_has_it():
    theirs = pypianoroll.metrics._get_tonal_matrix(1.0, 1.0, 0.5)
    assert np.allclose(metrics.tonal_matrix(), theirs)


def test_the_defects_we_work_around_are_real():
    """If pypianoroll ever fixes these, the workarounds above must go: this test will say so."""
    c_and_c_sharp = np.zeros((4, 128), dtype=np.uint8)
    c_and_c_sharp[0, 60] = c_and_c_sharp[1, 61] = 1
    assert pypianoroll.n_pitch_classes_used(c_and_c_sharp.copy()) == 1  # 60 and 61 share its group 6
    assert metrics.n_pitch_classes_used(c_and_c_sharp) == 2
    assert pypianoroll.empty_beat_rate(c_and_c_sharp, 2) == 0.5 and metrics.empty_beat_rate(c_and_c_sharp, 2) == 0.5
    one_sound_beat = np.zeros((4, 128), dtype=np.uint8)
    one_sound_beat[0, 60] = 1
    assert pypianoroll.empty_beat_rate(one_sound_beat, 1) == 0.25  # it counts the one beat with sound
    assert metrics.empty_beat_rate(one_sound_beat, 1) == 0.75
    with pytest.raises(ValueError, match="matmul"):
        pypianoroll.tonal_distance(one_sound_beat, one_sound_beat, 4)
