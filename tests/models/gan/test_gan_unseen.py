"""tools/gan/unseen.py: fold generators read on their own half and on the other one."""

import numpy as np
import pytest

from keycomposer.models.voicing import BAR_STEPS, PartDecoding
from tools.gan import unseen
from tools.gan.data import Piece


def test_each_half_needs_its_fold_generator_once():
    assert unseen.fold_folders(["B=out/b", "A=out/a"]) == {"A": "out/a", "B": "out/b"}
    with pytest.raises(ValueError, match="for each half"):
        unseen.fold_folders(["A=out/a"])
    with pytest.raises(ValueError, match="given twice"):
        unseen.fold_folders(["A=out/a", "A=out/a2", "B=out/b"])
    with pytest.raises(ValueError, match="HALF=FOLDER"):
        unseen.fold_folders(["C=out/c", "A=out/a", "B=out/b"])
    with pytest.raises(ValueError, match="HALF=FOLDER"):
        unseen.fold_folders(["A", "B=out/b"])


def test_a_half_is_read_by_the_shipped_generator_its_own_fold_s_and_the_other_fold_s_which_never_heard_it():
    shipped, fold_a, fold_b = object(), object(), object()
    readers = unseen.readers(shipped, {"A": fold_a, "B": fold_b})
    assert readers["A"] == {"shipped (seen)": shipped, "fold A (seen)": fold_a, "fold B (unseen)": fold_b}
    assert readers["B"] == {"shipped (seen)": shipped, "fold B (seen)": fold_b, "fold A (unseen)": fold_a}


class Generator:
    """Stands in for an accompanist: every part sounds pitch 5 of its band at ``level`` on every step."""

    def __init__(self, level):
        self.level, self.lowest, self.tracks = level, 48, (("Violin 2", 40),)
        self.decoding = [PartDecoding(threshold=0.5)]

    def probability(self, melody, seed=0):
        probability = np.zeros((len(melody.pitches), 12, 1))
        probability[:, 5, 0] = self.level
        return probability, 0


def test_the_card_s_decoding_is_read_on_each_half_as_each_generator_hears_it_beside_the_real_parts():
    parts = np.zeros((4, 2 * BAR_STEPS, 128), bool)
    parts[0, :, 72] = parts[1, :BAR_STEPS, 60] = True  # the second violin sits out bar 2
    splits = {"train": [Piece(name, parts) for name in ("a/q1", "b/q2")]}
    loud, silent = Generator(0.9), Generator(0.1)
    rows = unseen.compare(loud, {"A": loud, "B": silent}, splits)
    assert rows["A"]["real"]["figures"][0]["empty_bar_rate"] == 0.5
    assert rows["A"]["real"]["miss"] is None
    assert rows["A"]["fold A (seen)"]["figures"][0]["empty_bar_rate"] == 0.0
    assert rows["A"]["fold B (unseen)"]["figures"][0]["empty_bar_rate"] == 1.0
    assert rows["B"]["fold A (unseen)"]["miss"] == rows["A"]["fold A (seen)"]["miss"]  # both halves alike
    assert rows["B"]["fold B (seen)"]["miss"] > rows["B"]["fold A (unseen)"]["miss"]  # silence misses more
