"""How one accompaniment part's probabilities become one voice: the most likely path with a cost per change."""

import numpy as np

from keycomposer.models.voicing import REST, voice_path


def part(*columns, pitches=4, floor=0.01):
    """(steps, pitches) probabilities: each column names the pitch that is likely at that step and how much."""
    probability = np.full((len(columns), pitches), floor)
    for step, (pitch, value) in enumerate(columns):
        if pitch is not None:
            probability[step, pitch] = value
    return probability


def test_without_a_penalty_each_step_takes_its_own_most_likely_pitch_above_the_threshold():
    probability = part((1, 0.6), (2, 0.5), (None, 0), (3, 0.2))
    assert voice_path(probability, threshold=0.3).tolist() == [1, 2, REST, REST]
    assert voice_path(probability, threshold=0.1).tolist() == [1, 2, REST, 3]


def test_a_penalty_holds_the_note_through_a_one_step_wobble():
    wobble = part((1, 0.5), (1, 0.5), (2, 0.3), (1, 0.5), pitches=4)
    wobble[2, 1] = 0.25  # pitch 1 is still nearly as likely at the wobble
    assert voice_path(wobble, threshold=0.1).tolist() == [1, 1, 2, 1]
    assert voice_path(wobble, threshold=0.1, change_penalty=1.0).tolist() == [1, 1, 1, 1]


def test_a_clear_change_of_note_survives_the_penalty():
    step_up = part((1, 0.6), (1, 0.6), (3, 0.6), (3, 0.6))
    assert voice_path(step_up, threshold=0.1, change_penalty=1.0).tolist() == [1, 1, 3, 3]


def test_a_penalty_also_bridges_a_short_dip_below_the_threshold():
    dip = part((2, 0.5), (2, 0.08), (2, 0.5), pitches=3)
    assert voice_path(dip, threshold=0.1).tolist() == [2, REST, 2]
    assert voice_path(dip, threshold=0.1, change_penalty=1.0).tolist() == [2, 2, 2]


def test_an_empty_part_gives_an_empty_path():
    assert voice_path(np.zeros((0, 4)), threshold=0.5).tolist() == []
