"""tools/gan/bar_levels.py: a bar level found for an empty bar rate, and how the card keeps what was set."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from keycomposer.models.voicing import BAR_STEPS, PartDecoding
from tools.gan import bar_levels
from tools.gan.data import Piece


def faint_bars_readings(bars=10):
    """One part over ``bars`` bars, bar k heard at (k + 1) / bars of the loudest: each level leaves more bars out."""
    probability = np.full((bars * BAR_STEPS, 12), 0.001)
    for bar in range(bars):
        probability[bar * BAR_STEPS:(bar + 1) * BAR_STEPS, 5] = 0.5 * (bar + 1) / bars
    return [(probability[:, :, None], 0)]


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.6])
def test_the_bar_level_found_leaves_that_share_of_bars_empty(rate):
    accompanist = SimpleNamespace(lowest=48)
    read = faint_bars_readings()
    card = PartDecoding(threshold=1e-6, change_penalty=0.5, relative=True)
    level = bar_levels.bar_level_for(accompanist, read, 0, card, rate)
    found = PartDecoding(threshold=1e-6, change_penalty=0.5, relative=True, bar_rest=level)
    assert bar_levels.empty_bar_rate(accompanist, read, 0, found) == pytest.approx(rate)
    assert bar_levels.empty_bar_rate(accompanist, read, 0, card) == 0


def test_rests_set_together_reach_both_the_empty_bars_and_the_sounding_share():
    accompanist = SimpleNamespace(lowest=48)
    # bar k: its first half heard louder with k, its second half faint throughout
    probability = np.full((10 * BAR_STEPS, 12), 0.001)
    for bar in range(10):
        probability[bar * BAR_STEPS:bar * BAR_STEPS + BAR_STEPS // 2, 5] = 0.1 + 0.04 * (bar + 1)
        probability[bar * BAR_STEPS + BAR_STEPS // 2:(bar + 1) * BAR_STEPS, 5] = 0.02
    read = [(probability[:, :, None], 0)]
    card = PartDecoding(threshold=1e-6, change_penalty=0.5, relative=True)
    target = {"empty_bar_rate": 0.2, "sounding": 0.4}  # 8 bars sound, each its first half
    found = bar_levels.rests_for(accompanist, read, 0, card, target, fields=("bar_rest", "threshold"))
    from tools.gan.calibrate import decoded_figures

    figures = decoded_figures(accompanist, read, 0, found)
    # to a bar of the ten: the bisection ends between two
    assert figures["empty_bar_rate"] == pytest.approx(0.2, abs=0.1)
    assert figures["sounding"] == pytest.approx(0.4, abs=0.05)
    assert found.change_penalty == card.change_penalty  # nothing else moves


def test_the_weighed_miss_counts_every_movement_once():
    checked = {"A->B": {"movements": 6, "figures_miss_fold": 1.0, "figures_miss_card": 2.0},
               "B->A": {"movements": 2, "figures_miss_fold": 3.0, "figures_miss_card": 2.0}}
    combined = bar_levels.weighed(checked, 2, judge_fold=5.0, judge_card=4.0)
    assert combined["fold"] == pytest.approx((2 * 5 + 6 * 1 + 2 * 3) / 10)
    assert combined["card"] == pytest.approx((2 * 4 + 6 * 2 + 2 * 2) / 10)


def test_a_dearer_note_set_to_the_notes_per_bar_draws_that_many():
    # two pitches trading the lead every 4 steps, by a wider margin bar after bar: the dearer a note, the fewer
    # bars a voice follows the lead in
    probability = np.full((8 * BAR_STEPS, 12), 0.001)
    for bar in range(8):
        lead, second = 0.5, 0.5 * np.exp(-0.1 * (bar + 1))
        for quarter in range(4):
            steps = slice(bar * BAR_STEPS + 4 * quarter, bar * BAR_STEPS + 4 * quarter + 4)
            probability[steps, 5], probability[steps, 7] = (lead, second) if quarter % 2 else (second, lead)
    read = [(probability[:, :, None], 0)]
    accompanist = SimpleNamespace(lowest=48)
    card = PartDecoding(threshold=1e-6, relative=True)
    from tools.gan.calibrate import decoded_figures

    assert decoded_figures(accompanist, read, 0, card)["notes_per_bar"] == 4
    cost = bar_levels.setting_for(accompanist, read, 0, card, "change_penalty", 2.0)
    found = decoded_figures(accompanist, read, 0, PartDecoding(threshold=1e-6, relative=True, change_penalty=cost))
    assert found["notes_per_bar"] == pytest.approx(2.0, abs=0.5)


def test_each_rule_sets_its_numbers_in_its_order():
    assert bar_levels.fields_for(False, False, False, False) == ("bar_rest",)
    assert bar_levels.fields_for(True, False, False, False) == ("bar_rest", "threshold")
    assert bar_levels.fields_for(True, True, False, False) == ("change_penalty", "bar_rest", "threshold")
    # rule 15: the rhythm's weight before the note cost (both thin the notes), the pace after it
    assert bar_levels.fields_for(True, True, True, True) == (
        "rhythm_weight", "change_penalty", "pace", "bar_rest", "threshold")
    # rule 17: the opening's cost alone, whatever else is asked
    assert bar_levels.fields_for(False, False, False, False, opening=True) == ("opening",)
    for fields in [bar_levels.fields_for(True, True, True, True), ("opening",)]:
        assert fields in bar_levels.CALIBRATION_KEYS


def test_numbers_set_again_on_a_card_that_opens_calmly_are_kept_apart_from_those_set_before(tmp_path):
    fields = bar_levels.fields_for(True, True, True, True)
    assert bar_levels.calibration_key(fields, False) == "rhythm_pace_note_cost_and_rests"
    assert bar_levels.calibration_key(fields, True) == "rhythm_pace_note_cost_and_rests_with_opening"
    assert bar_levels.calibration_key(("opening",), True) == "opening"  # the opening set again is the opening
    card = tmp_path / "card.json"
    card.write_text('{"decoding": [{"bar_rest": 0.5}], "decoding_calibration": {"rests": {"rule": "13"}}}')
    bar_levels.write_rests(card, [PartDecoding(threshold=0.8, bar_rest=0.4)], ("bar_rest",), {"rule": "18"},
                           "rests_with_opening")
    written = json.loads(card.read_text())
    assert written["decoding"][0]["bar_rest"] == 0.4
    assert written["decoding_calibration"] == {"rests": {"rule": "13"}, "rests_with_opening": {"rule": "18"}}


def test_openings_are_every_split_s_pieces_cut_to_their_first_bars():
    waltz = Piece("w", np.ones((4, 12 * 20, 128), dtype=bool), (3, 4))
    cut = bar_levels.openings({"train": [waltz], "test": []}, bars=16)
    assert cut["train"][0].parts.shape == (4, 12 * 16, 128) and cut["train"][0].meter == (3, 4)
    assert cut["test"] == []


def test_an_opening_set_to_the_notes_per_bar_draws_that_many_in_a_melody_s_first_bars():
    # two pitches trading the lead every 2 steps, equally sure throughout: busy unless notes cost more
    steps = 16 * BAR_STEPS
    probability = np.full((steps, 12), 0.001)
    for start in range(0, steps, 4):
        probability[start:start + 2, 5], probability[start:start + 2, 7] = 0.5, 0.4
        probability[start + 2:start + 4, 5], probability[start + 2:start + 4, 7] = 0.4, 0.5
    read = [(probability[:, :, None], 0)]
    accompanist = SimpleNamespace(lowest=48)
    card = PartDecoding(threshold=1e-6, relative=True, decoder="notes", change_penalty=0.5,
                        note_lengths=(1.0,) * 8, rest_lengths=(1.0,) * 8, onsets=(1.0,) * BAR_STEPS)
    from tools.gan.calibrate import decoded_figures

    busy = decoded_figures(accompanist, read, 0, card)["notes_per_bar"]
    opening = bar_levels.setting_for(accompanist, read, 0, card, "opening", busy / 2)
    found = decoded_figures(accompanist, read, 0, PartDecoding(**{**card.__dict__, "opening": opening}))
    assert opening > 0
    assert found["notes_per_bar"] == pytest.approx(busy / 2, rel=0.15)


def test_a_part_without_pace_gets_the_style_s_melody_notes_per_bar_and_the_others_keep_theirs():
    paced = PartDecoding(threshold=0.5, decoder="notes", note_lengths=(1.0,), rest_lengths=(1.0,),
                         onsets=(1.0,) * BAR_STEPS, pace=0.5, melody_notes_per_bar=4.0)
    unpaced = PartDecoding(threshold=0.5)
    given = bar_levels.with_melody_pace([paced, unpaced], 4.35)
    assert given[0] is paced
    assert given[1].melody_notes_per_bar == 4.35 and given[1].pace == 0


def test_the_pace_set_to_a_slope_makes_the_part_follow_the_melody_that_much():
    # two pitches trading the lead every 2 steps, equally sure throughout; the melody busy (8 notes a bar) in
    # every other 8-bar stretch and calm (2 a bar) in the rest: only the pace can make the part busier with it
    stretches, bars = 6, 8
    steps = stretches * bars * BAR_STEPS
    probability = np.full((steps, 12), 0.001)
    for start in range(0, steps, 4):
        probability[start:start + 2, 5], probability[start:start + 2, 7] = 0.5, 0.4
        probability[start + 2:start + 4, 5], probability[start + 2:start + 4, 7] = 0.4, 0.5
    melody = np.full(steps, -1)
    for stretch in range(stretches):
        every = 2 if stretch % 2 else 8
        for start in range(stretch * bars * BAR_STEPS, (stretch + 1) * bars * BAR_STEPS, every):
            melody[start:start + every - 1] = 72 + (start // every) % 2
    read = [(probability[:, :, None], 0, melody)]
    accompanist = SimpleNamespace(lowest=48)
    card = PartDecoding(threshold=1e-6, relative=True, decoder="notes", change_penalty=1.0,
                        note_lengths=(1.0,) * 8, rest_lengths=(1.0,) * 8, onsets=(1.0,) * BAR_STEPS,
                        melody_notes_per_bar=4.0)
    from tools.gan.calibrate import decoded_figures

    calm = decoded_figures(accompanist, read, 0, card)["follows_melody"]
    pace = bar_levels.setting_for(accompanist, read, 0, card, "pace", 0.4)
    found = decoded_figures(accompanist, read, 0, PartDecoding(**{**card.__dict__, "pace": pace}))
    assert abs(calm) < 0.1 and pace > 0
    assert found["follows_melody"] == pytest.approx(0.4, abs=0.1)
