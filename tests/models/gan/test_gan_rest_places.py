"""tools/gan/rest_places.py: how well a predictor tells the bars where a part sits out."""

import math

import numpy as np
import pytest

from keycomposer.models.bars import Bars
from keycomposer.models.voicing import BAR_STEPS
from tools.gan import rest_places
from tools.gan.data import Piece


def test_the_area_under_the_curve_is_the_chance_an_empty_bar_scores_above_another_ties_counting_half():
    assert rest_places.area_under_curve([3, 2, 1, 0], [True, True, False, False]) == 1.0
    assert rest_places.area_under_curve([0, 1, 2, 3], [True, True, False, False]) == 0.0
    assert rest_places.area_under_curve([1, 1, 1, 1], [True, False, True, False]) == 0.5
    assert rest_places.area_under_curve([2, 1, 1, 0], [True, True, False, False]) == pytest.approx(0.875)
    assert math.isnan(rest_places.area_under_curve([1, 2], [False, False]))


def test_a_bar_is_empty_where_its_part_sounds_nowhere_and_the_sounding_share_counts_its_steps():
    part = np.zeros((3 * BAR_STEPS, 128), bool)
    part[:4, 60] = True
    part[2 * BAR_STEPS:, 62] = True
    share = rest_places.sounding_share(part, Bars())
    assert list(share == 0) == [False, True, False]
    assert list(share) == [0.25, 0.0, 1.0]


class Generator:
    """Hears the second violin exactly where the piece's own second violin plays (a generator that knows)."""

    tracks = (("Violin 2", 40),)
    lowest = 36

    def __init__(self, piece):
        self.sounding = piece.parts[1].any(axis=1)

    def probability(self, melody, seed=0):
        probability = np.full((len(melody.pitches), 12, 1), 0.01)
        probability[self.sounding, 5, 0] = 0.9
        return probability, 0


def test_a_generator_that_hears_where_the_part_plays_tells_every_empty_bar_and_the_melody_may_not():
    parts = np.zeros((4, 4 * BAR_STEPS, 128), bool)
    parts[0, :, 72] = True  # the melody plays throughout: it cannot tell one bar from another
    parts[1, :BAR_STEPS, 60] = parts[1, 2 * BAR_STEPS:3 * BAR_STEPS, 62] = True  # bars 2 and 4 empty
    piece = Piece("a/q1", parts)
    found, = rest_places.rest_predictors(Generator(piece), [piece])
    assert found == {"generator": 1.0, "melody": 0.5, "empty_bar_rate": 0.5}
