"""Parallel fifths and octaves, and crossings, as the benches count them and the GAN's decoder avoids them."""

import numpy as np

from keycomposer.music.voice_leading import crossings, is_crossing, is_parallel, parallels


def test_a_fifth_to_a_fifth_in_the_same_direction_is_parallel_and_contrary_motion_is_not():
    assert is_parallel(67, 60, 69, 62)  # G/C -> A/D
    assert is_parallel(79, 60, 81, 62)  # a compound fifth, too
    assert is_parallel(72, 60, 74, 62)  # octaves
    assert not is_parallel(67, 60, 65, 58 + 12)  # G/C -> F/Bb above: a fourth, not a fifth
    assert not is_parallel(72, 60, 74, 50)  # octave -> double octave in contrary motion
    assert not is_parallel(64, 60, 65, 62)  # a third to a third
    assert list(is_parallel(np.array([67, 67]), 60, np.array([69, 65]), 62)) == [True, False]


def test_moves_count_only_where_both_voices_change_pitch():
    upper = [(0, 4, 67), (4, 8, 69), (8, 12, 71)]
    lower = [(0, 4, 60), (4, 8, 62), (8, 12, 62)]  # G/C -> A/D parallel; A/D -> B/D the lower stays
    assert parallels([upper, lower], 12) == (1, 1)


def test_a_part_above_the_one_written_over_it_is_a_crossing():
    assert is_crossing(60, 62) and not is_crossing(62, 60) and not is_crossing(-1, 62)
    assert crossings([[(0, 4, 60)], [(0, 2, 62), (2, 4, 55)]], 4) == (2, 4)
