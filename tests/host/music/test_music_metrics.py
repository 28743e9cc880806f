"""Metrics on small rolls whose answers can be counted by hand."""

import math

import numpy as np
import pytest

from keycomposer.music import Composition, Note, Track, composition_metrics, sample_composition
from keycomposer.music import metrics


def roll_with(cells, steps=8):
    roll = np.zeros((steps, 128), dtype=bool)
    for step, pitch in cells:
        roll[step, pitch] = True
    return roll


def test_empty_bar_and_beat_rates_count_silent_spans():
    roll = roll_with([(0, 60), (9, 62)], steps=16)  # sound in bar 0 (steps 0-7) and bar 1 (8-15)
    assert metrics.empty_bar_rate(roll, 8) == 0.0
    assert metrics.empty_beat_rate(roll, 4) == 0.5  # beats 0 and 2 sound, 1 and 3 are silent
    assert metrics.empty_bar_rate(roll_with([], steps=12), 8) == 1.0  # the partial bar counts too
    assert math.isnan(metrics.empty_bar_rate(np.zeros((0, 128)), 8))


def test_bars_given_by_their_starts_may_differ_in_length():
    roll = roll_with([(0, 60), (13, 62)], steps=16)  # bars of 8, 4 and 4 steps: the middle one silent
    assert metrics.empty_bar_rate(roll, [0, 8, 12]) == pytest.approx(1 / 3)
    assert metrics.pitch_classes_per_bar(roll_with([(0, 60), (9, 62), (10, 64)], steps=16), [0, 8, 12]) == 1.5
    with pytest.raises(ValueError, match="must rise from step 0"):
        metrics.empty_bar_rate(roll, [0, 8, 8])


def test_a_piece_whose_meter_changes_is_counted_in_the_bars_its_signatures_draw():
    from keycomposer.music import TimeSignature

    # two bars of 4/4, then 3/4 from tick 3840: notes in the first 4/4 bar and the second 3/4 bar
    notes = (Note(0, 60, 480), Note(5280, 62, 480))
    changing = Composition((Track(notes),), time_signatures=(TimeSignature(0, 4, 4), TimeSignature(3840, 3, 4)))
    result = composition_metrics(changing)
    assert result["bars"] == 4 and result["overall"]["empty_bar_rate"] == 0.5
    assert result["time_signature"] == "4/4, 3/4"
    in_first_meter = composition_metrics(Composition((Track(notes),)))  # 4/4 throughout: 3 bars, one silent
    assert in_first_meter["bars"] == 3 and in_first_meter["overall"]["empty_bar_rate"] == pytest.approx(1 / 3)


def test_pitches_and_pitch_classes_used():
    roll = roll_with([(0, 60), (1, 72), (2, 61), (3, 60)])
    assert metrics.n_pitches_used(roll) == 3
    assert metrics.n_pitch_classes_used(roll) == 2  # C (60, 72) and C# (61)
    assert metrics.n_pitch_classes_used(roll_with([(0, 127)])) == 1  # G9 is pitch class 7
    assert metrics.chroma(roll_with([(0, 127)]))[0, 7] == 1


def test_pitch_classes_per_bar_is_musegans_upc_averaged_over_sounding_bars():
    # bar 0: C, E, C an octave up = 2 classes; bar 1 silent; bar 2: D, C#, D an octave up = 2; bar 3 (partial): G
    roll = roll_with([(0, 60), (1, 64), (2, 72), (9, 62), (10, 61), (11, 74), (12, 67)], steps=13)
    assert metrics.pitch_classes_per_bar(roll, 4) == (2 + 2 + 1) / 3  # the silent bar 1 is not averaged
    assert metrics.n_pitch_classes_used(roll) == 5  # the whole roll: C, C#, D, E, G
    assert math.isnan(metrics.pitch_classes_per_bar(roll_with([], steps=8), 4))
    with pytest.raises(ValueError):
        metrics.pitch_classes_per_bar(roll, 0)


def test_polyphonic_rate_counts_steps_with_more_than_two_pitches():
    roll = roll_with([(0, 60), (0, 64), (0, 67), (1, 60), (1, 64)], steps=4)
    assert metrics.polyphonic_rate(roll) == 0.25
    assert metrics.polyphonic_rate(roll, threshold=1) == 0.5


def test_qualified_note_rate_counts_notes_of_at_least_three_steps():
    roll = roll_with([(0, 60), (1, 60), (2, 60), (4, 60), (5, 62), (6, 62)])
    assert sorted(metrics.note_lengths(roll).tolist()) == [1, 2, 3]
    assert metrics.qualified_note_rate(roll) == pytest.approx(1 / 3)
    assert math.isnan(metrics.qualified_note_rate(roll_with([])))


def test_stepwise_motion_is_the_share_of_moves_straight_from_note_to_note_of_at_most_a_whole_tone():
    # C D E G on the top line (a low C under the E is not followed), a rest, then A: C-D, D-E, E-G are moves;
    # G to A comes after a rest, so it is no move
    roll = roll_with([(0, 60), (1, 62), (2, 64), (2, 48), (3, 67), (3, 67), (5, 69)])
    assert metrics.stepwise_motion(roll) == pytest.approx(2 / 3)
    assert metrics.top_line(roll)[:6].tolist() == [60, 62, 64, 67, -1, 69]
    assert math.isnan(metrics.stepwise_motion(roll_with([(0, 60), (1, 60)])))  # one held note: no move at all
    assert math.isnan(metrics.stepwise_motion(np.zeros((0, 128), bool)))


def test_in_scale_rate_weighs_each_sounding_step():
    roll = roll_with([(0, 60), (1, 60), (2, 61), (3, 62)])  # C, C, C#, D
    assert metrics.in_scale_rate(roll, tonic=0, mode="major") == 0.75
    assert metrics.in_scale_rate(roll, tonic=1, mode="major") == 0.75  # C# major has C (B#), C# and no D
    assert metrics.scale_mask(9, "minor").tolist() == metrics.scale_mask(0, "major").tolist()


def test_best_key_breaks_ties_between_relative_keys_by_what_sounds_most():
    a_minor = roll_with([(step, pitch) for step, pitch in enumerate([57, 60, 64, 57, 59, 57, 69, 57])])
    assert metrics.best_key(a_minor)[:2] == (9, "minor")
    c_major = roll_with([(step, pitch) for step, pitch in enumerate([60, 64, 67, 60, 62, 60, 72, 60])])
    assert metrics.best_key(c_major)[:2] == (0, "major")


def test_drum_pattern_rewards_hits_on_the_grid():
    on_grid = roll_with([(0, 36), (2, 38), (4, 36), (6, 38)])
    off_grid = roll_with([(1, 36), (3, 38)])
    assert metrics.drum_in_pattern_rate(on_grid, steps_per_beat=4) == 1.0
    assert metrics.drum_in_pattern_rate(off_grid, steps_per_beat=4) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="steps per beat"):
        metrics.drum_in_pattern_rate(on_grid, steps_per_beat=5)


def test_tonal_distance_is_zero_for_the_same_harmony_and_grows_with_distance():
    c_major = roll_with([(0, 60), (0, 64), (0, 67)], steps=4)
    c_major_inverted = roll_with([(1, 52), (2, 55), (3, 72)], steps=4)
    f_sharp_major = roll_with([(0, 66), (0, 70), (0, 73)], steps=4)
    g_major = roll_with([(0, 67), (0, 71), (0, 74)], steps=4)
    assert metrics.tonal_distance(c_major, c_major_inverted, 4) == pytest.approx(0.0, abs=1e-12)
    near = metrics.tonal_distance(c_major, g_major, 4)
    far = metrics.tonal_distance(c_major, f_sharp_major, 4)
    assert 0 < near < far
    assert math.isnan(metrics.tonal_distance(c_major, roll_with([], steps=4), 4))


def test_tonal_distance_of_c_and_g_follows_harte_s_three_circles():
    c, g = roll_with([(0, 60)], steps=1), roll_with([(0, 67)], steps=1)

    def centroid(pitch_class):
        angles = [pitch_class * 7 * math.pi / 6, pitch_class * 3 * math.pi / 2, pitch_class * 2 * math.pi / 3]
        radii = [1.0, 1.0, 0.5]
        return [f(angle) * radius for angle, radius in zip(angles, radii) for f in (math.sin, math.cos)]

    expected = math.dist(centroid(0), centroid(7))
    assert metrics.tonal_distance(c, g, 1) == pytest.approx(expected)
    assert expected == pytest.approx(1.7372, abs=1e-4)


def test_composition_metrics_cover_pitched_and_drum_tracks():
    melody = sample_composition("twinkle").tracks[0]
    drums = Track(tuple(Note(tick, 36, 60) for tick in range(0, 23040, 480)), channel=9, name="Kick")
    bass = Track(tuple(Note(note.start, note.pitch - 24, note.duration) for note in melody.notes), program=32)
    result = composition_metrics(Composition((melody, drums, bass)))
    assert result["bars"] == 12
    assert result["tracks"][1]["drum"] and result["tracks"][1]["drum_in_pattern_rate"] == 1.0
    assert result["overall"]["key"] == "C major" and result["overall"]["notes"] == 84
    assert result["tonal_distance"] == {"0-2": 0.0}  # the bass doubles the tune two octaves down
    assert result["overall"]["pitch_classes_used"] == 6


def test_composition_metrics_say_none_where_nothing_can_be_measured():
    result = composition_metrics(Composition((Track((Note(0, 36, 60),), channel=9),)))
    assert result["overall"]["qualified_note_rate"] is None and result["overall"]["key"] is None
