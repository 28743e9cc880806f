"""Measures of a melodic line: its key, how long and how dense it is, and which motifs it shares."""

import numpy as np

from keycomposer.music import line_metrics as lm


def line(*rows):
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


C_MAJOR_SCALE = line(*[(4 * i, 4, p) for i, p in enumerate((60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60))])


def test_the_key_of_a_c_major_tune_is_c_major():
    assert lm.krumhansl_key(C_MAJOR_SCALE) == (0, "major")


def test_a_minor_key_counts_its_raised_sixth_and_seventh_in():
    a_minor = (9, "minor")
    assert lm.in_key_share(line((0, 4, 68), (4, 4, 69)), a_minor) == 1.0  # G# leading note
    assert lm.in_key_share(line((0, 4, 61), (4, 4, 69)), a_minor) == 0.5  # C# is not in A minor


def test_notes_at_once_and_longest_note():
    chord_then_line = line((0, 8, 60), (0, 8, 64), (0, 4, 67), (8, 4, 62))
    assert lm.most_at_once(chord_then_line) == 3
    assert lm.most_at_once(line((0, 4, 60), (4, 4, 62))) == 1  # one ends where the next begins
    assert lm.longest_note(chord_then_line) == 8


def test_notes_per_bar():
    assert lm.notes_per_bar(C_MAJOR_SCALE, 16) == 11 / (44 / 16)


def test_shared_motifs_find_a_transposed_motif_and_not_a_different_rhythm():
    motif = line((0, 2, 60), (2, 2, 62), (4, 2, 64), (6, 2, 60))
    transposed = motif + np.array([0, 0, 5])
    other_rhythm = line((0, 4, 60), (4, 4, 62), (8, 4, 64), (12, 4, 60))
    assert lm.shared_motifs(transposed, motif) == 1.0
    assert lm.shared_motifs(other_rhythm, motif) == 0.0
