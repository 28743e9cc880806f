"""The AR-CNN sampling loop, driven by fake networks whose preferences are known (no TFLite needed)."""

import numpy as np
import pytest

from keycomposer.models.arcnn import OVERLAP_STEPS, SamplingSettings, edit_roll, window_starts

LOW, PITCHES, STEPS = 28, 64, 128


def roll_with(length, cells):
    roll = np.zeros((length, 128), dtype=bool)
    for step, pitch in cells:
        roll[step, pitch] = True
    return roll


def chorale_like(length=128, seed=0):
    """A random four-note-per-beat texture inside the model's range."""
    rng = np.random.default_rng(seed)
    roll = np.zeros((length, 128), dtype=bool)
    for beat in range(0, length, 4):
        roll[beat:beat + 4, rng.choice(np.arange(48, 76), 4, replace=False)] = True
    return roll


class FlatNet:
    """Every cell equally likely: the budgets alone decide what can happen. Counts its calls."""

    def __init__(self):
        self.calls = 0
        self.windows = []

    def __call__(self, window):
        assert window.shape == (STEPS, PITCHES) and window.dtype == bool
        self.calls += 1
        self.windows.append(window.copy())
        return np.zeros((STEPS, PITCHES))


class Wants:
    """Strongly prefers to flip the given (step, band pitch) cells, in the order given."""

    def __init__(self, cells):
        self.logits = np.full((STEPS, PITCHES), -50.0)
        for rank, (step, pitch) in enumerate(cells):
            self.logits[step, pitch] = 50.0 - rank

    def __call__(self, window):
        return self.logits


def edit(roll, net, **settings):
    return edit_roll(roll, net, SamplingSettings(**settings), LOW, PITCHES, STEPS)


def added_and_removed(before, after):
    return int(np.count_nonzero(after & ~before)), int(np.count_nonzero(before & ~after))


def test_zero_budgets_return_the_input_unchanged():
    roll = chorale_like()
    out = edit(roll, FlatNet(), max_notes_to_add=0, max_remove_percent=0, seed=1)
    assert np.array_equal(out, roll)


def test_the_input_array_is_not_modified():
    roll = chorale_like()
    before = roll.copy()
    edit(roll, FlatNet(), seed=1)
    assert np.array_equal(roll, before)


def test_same_seed_same_result_and_another_seed_differs():
    roll = chorale_like()
    first = edit(roll, FlatNet(), seed=7)
    again = edit(roll, FlatNet(), seed=7)
    other = edit(roll, FlatNet(), seed=8)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_each_iteration_flips_one_cell_with_one_network_call():
    roll = chorale_like()
    net = FlatNet()
    out = edit(roll, net, iterations=30, flips_per_pass=1, seed=3)
    assert net.calls == 30
    assert 0 < np.count_nonzero(out ^ roll) <= 30


def test_several_flips_per_pass_need_fewer_network_calls():
    net = FlatNet()
    out = edit(chorale_like(), net, iterations=30, flips_per_pass=4, seed=3)
    assert net.calls == 8  # ceil(30 / 4)
    assert np.count_nonzero(out ^ chorale_like()) == 30  # no cell is drawn twice in one pass


def test_notes_added_stay_within_the_budget():
    empty = np.zeros((STEPS, 128), dtype=bool)
    out = edit(empty, FlatNet(), max_notes_to_add=12, iterations=200, seed=0)
    added, _ = added_and_removed(empty, out)
    assert 0 < added <= 12


def test_notes_removed_stay_within_the_share_of_the_input():
    roll = chorale_like()
    quarter = np.count_nonzero(roll) // 4

    def wants_to_remove(window):
        return np.where(window, 50.0, -50.0)

    exact = edit(roll, wants_to_remove, max_notes_to_add=0, max_remove_percent=25, iterations=quarter, seed=0)
    assert added_and_removed(roll, exact) == (0, quarter)
    longer = edit(roll, wants_to_remove, max_notes_to_add=0, max_remove_percent=25, iterations=3 * quarter, seed=0)
    added, removed = added_and_removed(roll, longer)
    assert added == 0 and quarter - 1 <= removed <= quarter  # at the limit it can only put notes back


def test_undoing_an_addition_gives_the_budget_back():
    # wants: add cell A, then remove it again, then add B: with a budget of one note both additions happen
    empty = np.zeros((STEPS, 128), dtype=bool)

    class AddRemoveAdd:
        def __init__(self):
            self.plan = iter([(0, 10), (0, 10), (5, 20)])

        def __call__(self, window):
            logits = np.full((STEPS, PITCHES), -50.0)
            logits[next(self.plan)] = 50.0
            return logits

    out = edit(empty, AddRemoveAdd(), max_notes_to_add=1, iterations=3, flips_per_pass=1, seed=0)
    assert np.array_equal(np.argwhere(out), [[5, LOW + 20]])


def test_a_pass_that_could_only_undo_its_own_flip_scores_the_roll_again():
    empty = np.zeros((STEPS, 128), dtype=bool)
    calls = []

    def wants_one_cell(window):
        calls.append(window.copy())
        logits = np.full((STEPS, PITCHES), -50.0)
        logits[0, 10] = 50.0
        return logits

    out = edit(empty, wants_one_cell, max_notes_to_add=1, iterations=3, flips_per_pass=4, seed=0)
    assert len(calls) == 2 and calls[1][0, 10]  # the second call saw the first pass's note
    assert np.count_nonzero(out) == 1 and not out[0, LOW + 10]  # taken back, the budget spent on another cell


def test_low_creative_risk_follows_the_network_high_risk_wanders():
    empty = np.zeros((STEPS, 128), dtype=bool)
    favourite = Wants([(0, 10)])
    favourite.logits[:] = 0.0
    favourite.logits[0, 10] = 5.0  # e^5 ~ 148 times any other cell, out of 8192
    calm = [edit(empty, favourite, iterations=1, temperature=0.1, seed=s)[0, LOW + 10] for s in range(20)]
    risky = [edit(empty, favourite, iterations=1, temperature=10.0, seed=s)[0, LOW + 10] for s in range(20)]
    assert all(calm)
    assert sum(risky) <= 2


def test_notes_outside_the_model_range_pass_through():
    roll = roll_with(STEPS, [(0, 20), (3, 100), (9, 127)])
    out = edit(roll, FlatNet(), max_remove_percent=100, iterations=300, seed=2)
    assert np.array_equal(out[:, :LOW], roll[:, :LOW])
    assert np.array_equal(out[:, LOW + PITCHES:], roll[:, LOW + PITCHES:])
    assert out[:, LOW:LOW + PITCHES].any()  # while the band itself was edited


def test_a_short_piece_comes_back_at_its_length_and_pads_nothing():
    roll = chorale_like(40)
    net = FlatNet()
    out = edit(roll, net, iterations=50, seed=4)
    assert out.shape == (40, 128)
    assert not net.windows[0][40:].any()  # the padding is never edited


def test_window_starts_overlap_and_end_flush():
    assert window_starts(100) == [0]
    assert window_starts(128) == [0]
    assert window_starts(300) == [0, 96, 172]
    assert window_starts(301) == [0, 96, 176]  # on a beat, overhanging the end by three steps
    for length in (129, 333, 1000, 1001):
        starts = window_starts(length)
        assert all(s % 4 == 0 for s in starts)
        assert 0 <= starts[-1] + STEPS - length < 4
        assert all(b - a <= STEPS - OVERLAP_STEPS for a, b in zip(starts, starts[1:]))


def test_an_overhanging_last_window_edits_up_to_the_end_only():
    net = FlatNet()
    out = edit(chorale_like(301), net, iterations=100, seed=6)
    assert out.shape == (301, 128)
    assert not net.windows[-1][125:].any()  # steps 301.. of the last window are padding, never edited


def test_a_long_piece_is_edited_over_its_whole_length_keeping_its_context():
    roll = chorale_like(300)
    net = FlatNet()
    out = edit(roll, net, max_remove_percent=0, iterations=100, flips_per_pass=1, seed=5)
    assert out.shape == roll.shape
    assert (out | ~roll).all()  # nothing removed, so every input note is still there
    added_at = np.nonzero((out & ~roll).any(axis=1))[0]
    assert added_at.min() < 96 and added_at.max() >= 224  # the first and the last window both added notes
    # windows 2 and 3 saw the edits of the window before them in their overlap
    assert np.array_equal(net.windows[100][:OVERLAP_STEPS], out[96:128, LOW:LOW + PITCHES])
    # iterations pro rata: 100 for the first 128 steps, then 100*(224-128)/128 and 100*(300-224)/128
    assert net.calls == 100 + 75 + 59


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(max_notes_to_add=-1), "max_notes_to_add"),
        (dict(max_remove_percent=101), "max_remove_percent"),
        (dict(iterations=2.5), "iterations"),
        (dict(temperature=0), "temperature"),
        (dict(temperature=float("nan")), "temperature"),
        (dict(flips_per_pass=0), "flips_per_pass"),
    ],
)
def test_bad_settings_are_named(settings, message):
    with pytest.raises(ValueError, match=message):
        SamplingSettings(**settings)


def test_a_roll_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="128 pitches"):
        edit(np.zeros((16, 64), dtype=bool), FlatNet())
    with pytest.raises(ValueError, match="0/1"):
        edit(np.full((16, 128), 2), FlatNet())
