"""The GAN's decoder: each cell drawn as the network says, three voices chosen together under the rules of
keycomposer.music.voice_leading. (Pure numpy: no model needed.)"""

import numpy as np
import pytest

from keycomposer.models import voice_grid
from keycomposer.models.gan_decoding import Decoding, decode
from keycomposer.music.voice_leading import parallels

STEPS = 8


def certain(lines, steps=STEPS, other=None):
    """(steps, parts, CLASSES) log-probabilities: each part's line (a pitch per step, struck at each change)
    likely, and where ``other`` gives a second line for a part, that one a little less likely."""
    probability = np.full((steps, len(lines), voice_grid.CLASSES), 1e-4)
    for weight, chosen in ((1.0, lines), (0.6, other or {})):
        for part, line in (enumerate(chosen) if weight == 1.0 else chosen.items()):
            for step, pitch in enumerate(line):
                held = step > 0 and line[step - 1] == pitch
                probability[step, part, voice_grid.onset_class(pitch) + held * voice_grid.PITCHES] += weight
    return np.log(probability / probability.sum(axis=2, keepdims=True))


def notes(classes):
    return [voice_grid.class_notes(part) for part in classes]


MELODY = np.array([72] * 4 + [74] * 4)
# The bass likes to go up a step with the melody, in parallel octaves; a third below it is nearly as likely.
ALTO, TENOR = [67] * 8, [64] * 8
BASS_OCTAVES, BASS_THIRD = [60] * 4 + [62] * 4, [60] * 4 + [59] * 4


def test_the_most_likely_voices_are_taken_where_no_rule_is_broken():
    plain = Decoding(temperature=0)
    classes = decode(certain([ALTO, TENOR, [60] * 8]), MELODY, decoding=plain)
    assert notes(classes) == [[(0, 8, 67)], [(0, 8, 64)], [(0, 8, 60)]]


def test_a_parallel_octave_with_the_melody_costs_what_the_rule_says():
    log_probability = certain([ALTO, TENOR, BASS_OCTAVES], other={2: BASS_THIRD})
    free = decode(log_probability, MELODY, decoding=Decoding(temperature=0, parallel_cost=0.0))
    ruled = decode(log_probability, MELODY, decoding=Decoding(temperature=0))
    melody_notes = [(0, 4, 72), (4, 8, 74)]
    assert parallels([melody_notes] + notes(free), STEPS) == (1, 1)
    assert parallels([melody_notes] + notes(ruled), STEPS)[0] == 0
    assert notes(ruled)[2] == [(0, 4, 60), (4, 8, 59)]


def test_a_part_above_the_melody_costs_what_the_rule_says():
    above = [76] * 8
    log_probability = certain([above, TENOR, [60] * 8], other={0: ALTO})
    assert notes(decode(log_probability, MELODY, decoding=Decoding(temperature=0, crossing_cost=0.0)))[0] == [(0, 8, 76)]
    assert notes(decode(log_probability, MELODY, decoding=Decoding(temperature=0)))[0] == [(0, 8, 67)]


def test_a_hold_only_continues_the_pitch_sounding():
    """A held class of a pitch that is not sounding cannot be chosen: a voice's notes start where they start."""
    probability = np.full((STEPS, 3, voice_grid.CLASSES), 1e-4)
    probability[:, :, voice_grid.onset_class(60) + voice_grid.PITCHES] = 1.0  # held C everywhere, never struck
    probability[:, :, voice_grid.REST] = 0.1
    classes = decode(np.log(probability), MELODY, decoding=Decoding(temperature=0))
    assert all(voice_grid.repaired(part).tolist() == part.tolist() for part in classes)


def test_the_same_seed_draws_the_same_voices_and_another_seed_others():
    log_probability = np.log(np.random.default_rng(0).dirichlet(np.ones(voice_grid.CLASSES), size=(32, 3)))
    melody = np.full(32, 72)
    first = decode(log_probability, melody, seed=3)
    assert np.array_equal(first, decode(log_probability, melody, seed=3))
    assert not np.array_equal(first, decode(log_probability, melody, seed=4))


@pytest.mark.parametrize("entry, message", [({"temperature": -1}, "temperature >= 0"), ({"beam": 0}, "beam >= 1"),
                                             ({"loudness": 1}, "unknown settings loudness")])
def test_a_card_s_bad_decoding_is_named(entry, message):
    with pytest.raises(ValueError, match=message):
        Decoding.from_card(entry)


def test_the_card_s_decoding_reads_back_as_written():
    decoding = Decoding(temperature=0.5, beam=6)
    assert Decoding.from_card(decoding.to_card()) == decoding
