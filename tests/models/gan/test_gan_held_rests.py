"""How the generator reads a melody's long rests (keycomposer.models.gan.held_through_rests)."""

import numpy as np

from keycomposer.models.gan import HELD_REST_STEPS, held_through_rests

REST = -1


def test_a_rest_a_4_4_bar_long_holds_the_note_before_it():
    melody = np.array([60] * 4 + [REST] * 16 + [62] * 4)
    assert held_through_rests(melody, 16).tolist() == [60] * 20 + [62] * 4


def test_a_shorter_rest_stays_a_rest():
    melody = np.array([60] * 4 + [REST] * 15 + [62] * 4)
    assert held_through_rests(melody, 16).tolist() == melody.tolist()


def test_rests_before_the_first_note_and_after_the_last_are_not_inner_rests():
    melody = np.array([REST] * 20 + [60] * 4 + [REST] * 20)
    assert held_through_rests(melody, 16).tolist() == melody.tolist()


def test_nothing_is_held_when_the_length_is_0_and_the_melody_itself_is_left_as_it_was():
    melody = np.array([60] + [REST] * 40 + [62])
    assert held_through_rests(melody, 0).tolist() == melody.tolist()
    held_through_rests(melody, 16)
    assert melody[1] == REST


def test_inference_holds_rests_of_one_4_4_bar_or_more():
    assert HELD_REST_STEPS == 16


def test_an_empty_or_silent_melody_has_nothing_to_hold():
    assert held_through_rests(np.array([], dtype=np.int64), HELD_REST_STEPS).tolist() == []
    assert held_through_rests(np.array([REST] * 40), HELD_REST_STEPS).tolist() == [REST] * 40
