"""Four voices on a 16th-note grid: a repeated note stays two notes, and notes go in and come back out."""

import numpy as np
import pytest

from keycomposer.models import voice_grid
from keycomposer.models.voice_grid import PITCHES, REST, class_notes, onset_class, voice_classes


def test_a_repeated_note_stays_two_notes():
    notes = [(0, 4, 60), (4, 8, 60), (8, 16, 62)]
    classes = voice_classes(notes, 16)
    assert classes[0] == classes[4] == onset_class(60)  # struck twice
    assert classes[1] == onset_class(60) + PITCHES  # held between
    assert class_notes(classes) == notes


def test_notes_rests_and_the_window_end_round_trip():
    notes = [(2, 3, 40), (3, 9, 91), (12, 20, 28)]
    classes = voice_classes(notes, 16)
    assert classes[0] == classes[1] == REST
    assert class_notes(classes) == [(2, 3, 40), (3, 9, 91), (12, 16, 28)]  # cut at the end


def test_a_note_out_of_range_is_named():
    with pytest.raises(ValueError, match="MIDI pitch 100"):
        voice_classes([(0, 4, 100)], 8)


def test_a_hold_after_another_pitch_is_read_and_repaired_as_a_new_note():
    classes = voice_classes([(0, 2, 60)], 4)
    classes[2] = onset_class(62) + PITCHES  # held 62 after a 60: a note starts there
    classes[3] = onset_class(62) + PITCHES
    assert class_notes(classes) == [(0, 2, 60), (2, 4, 62)]
    repaired = voice_grid.repaired(classes)
    assert list(repaired) == [onset_class(60), onset_class(60) + PITCHES, onset_class(62), onset_class(62) + PITCHES]
    held_after_rest = np.array([REST, onset_class(50) + PITCHES])
    assert class_notes(held_after_rest) == [(1, 2, 50)]


def test_the_network_input_hides_masked_cells_and_flags_them():
    classes = np.stack([voice_classes([(0, 4, 60 - 5 * v)], 4) for v in range(4)])
    masked = np.zeros((4, 4), dtype=bool)
    masked[2, 1] = True
    x = voice_grid.network_input(classes, masked)
    C = voice_grid.CLASSES
    assert x.shape == (4, 4 * C + 4) and x.dtype == np.float32
    assert x[1, 2 * C:3 * C].sum() == 0 and x[1, 4 * C + 2] == 1.0
    assert x[0, 2 * C + classes[2, 0]] == 1.0 and x[:, :4 * C].sum() == 15
