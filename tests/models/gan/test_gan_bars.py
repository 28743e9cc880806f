"""A melody's bar lines from its time signatures: meter changes, pickups, and where each step falls in its bar."""

import numpy as np
import pytest

from keycomposer.models.bars import COMMON_TIME, Bar, Bars


def test_one_meter_draws_bars_of_its_length_from_step_0():
    assert Bars().starts(40).tolist() == [0, 16, 32]
    assert Bars.regular((3, 4)).starts(36).tolist() == [0, 12, 24]
    assert Bars.regular((3, 4)).end(25) == 36  # a melody ending one 16th into a bar fills that bar
    assert Bars.regular((6, 8)).end(24) == 24


def test_each_time_signature_starts_a_bar_and_its_meter_holds_until_the_next():
    bars = Bars.of_signatures([(0, (4, 4)), (32, (3, 4)), (56, (2, 4))])
    assert bars.starts(80).tolist() == [0, 16, 32, 44, 56, 64, 72]
    assert [bar.meter for bar in bars.bars(80)] == [(4, 4)] * 2 + [(3, 4)] * 2 + [(2, 4)] * 3


def test_a_signature_inside_a_bar_cuts_that_bar_short():
    bars = Bars.of_signatures([(0, (4, 4)), (24, (3, 4))])
    assert bars.bars(40)[:3] == [Bar(0, 16, (4, 4)), Bar(16, 24, (4, 4)), Bar(24, 36, (3, 4))]


def test_no_signature_at_the_start_is_4_4_until_the_first_one():
    assert Bars.of_signatures([(32, (3, 4))]).starts(50).tolist() == [0, 16, 32, 44]
    assert Bars.of_signatures([]) == Bars.regular(COMMON_TIME)


def test_the_same_meter_written_again_on_its_own_bar_line_changes_nothing():
    assert Bars.of_signatures([(0, (3, 4)), (24, (3, 4))]) == Bars.regular((3, 4))


def test_a_one_bar_pickup_is_the_end_of_a_whole_bar_of_the_meter_after_it():
    bars = Bars.of_signatures([(0, (1, 4)), (4, (3, 4))])
    assert bars.bars(20) == [Bar(0, 4, (3, 4), skipped=8), Bar(4, 16, (3, 4)), Bar(16, 28, (3, 4))]
    assert bars.place(2) == (1, 10, (3, 4))  # the pickup's second 16th is the bar's eleventh
    # two bars of 2/4 before a 4/4 are two bars, not a pickup
    assert Bars.of_signatures([(0, (2, 4)), (16, (4, 4))]).starts(20).tolist() == [0, 8, 16]


def test_every_step_is_numbered_with_the_bar_that_holds_it_as_its_place_says():
    bars = Bars.of_signatures([(0, (1, 4)), (4, (3, 4)), (28, (2, 4))])  # a pickup, two bars of 3/4, then 2/4
    assert bars.index(40).tolist() == [0] * 4 + [1] * 12 + [2] * 12 + [3] * 8 + [4] * 4
    assert bars.index(40).tolist() == [bars.place(step)[0] - 1 for step in range(40)]


def test_each_step_weighs_what_its_place_in_its_own_meter_s_bar_weighs():
    weights = {(4, 4): np.arange(16) + 100.0, (3, 4): np.arange(12) + 300.0}
    bars = Bars.of_signatures([(0, (2, 4)), (8, (4, 4)), (24, (3, 4))])  # a 2/4 pickup into 4/4, then 3/4
    by_place = bars.by_place(lambda meter: weights[meter], 40)
    assert by_place[:8].tolist() == list(range(108, 116))  # the second half of a 4/4 bar
    assert by_place[8:24].tolist() == list(range(100, 116))
    assert by_place[24:36].tolist() == list(range(300, 312)) and by_place[36:].tolist() == [300, 301, 302, 303]


@pytest.mark.parametrize("changes, problem", [
    (((4, (4, 4), 0),), "must start at step 0"),
    (((0, (4, 4), 0), (0, (3, 4), 0)), "must start at step 0 and rise"),
    (((0, (3, 4), 12),), "cannot lack 12"),
])
def test_bar_changes_that_cannot_be_are_refused_by_name(changes, problem):
    with pytest.raises(ValueError, match=problem):
        Bars(changes)


def test_a_meter_of_no_whole_16ths_is_named_with_where_it_stands():
    with pytest.raises(ValueError, match="at 16th 16: a bar of 3/32 is not a whole number of 16th notes"):
        Bars.of_signatures([(0, (4, 4)), (16, (3, 32))])


def test_bars_written_as_time_signatures_read_back_as_the_same_bar_lines():
    bars = Bars(((0, (3, 4), 8), (28, (3, 8), 0), (46, (2, 2), 12), (54, (2, 2), 0)))
    written = bars.signatures()
    assert written[:3] == [(0, (4, 16)), (4, (3, 4)), (28, (3, 8))]  # the pickup as a bar of four 16ths
    assert Bars.of_signatures(written).starts(120).tolist() == bars.starts(120).tolist()
