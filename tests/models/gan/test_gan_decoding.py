"""A part's decoding as the card describes it: silent bars, drawn voices, and clear errors for a bad entry."""

import itertools
import json

import numpy as np
import pytest

from keycomposer.models import runtime
from keycomposer.models.bars import Bars, meter_steps, parse_meter
from keycomposer.models.voicing import (BAR_STEPS, CALMEST_PACE, OPENING_BARS, PACE_WINDOW, REST, WIDEST,
                                      PartDecoding, bar_presence, melody_pace, opening_fade, part_level,
                                      register_bias, voice_notes, voice_path, voice_sample)
from keycomposer.music.metrics import line_runs, straight_moves


def melodic_part(bars=4, pitches=8, seed=0, floor=0.01):
    """(steps, pitches) probabilities of a part that wanders over neighbouring pitches, unsure between them."""
    rng = np.random.default_rng(seed)
    centre = 4 + np.round(np.cumsum(rng.normal(0, 0.4, bars * BAR_STEPS))).astype(int) % 3
    probability = np.full((bars * BAR_STEPS, pitches), floor)
    probability[np.arange(len(centre)), centre] = 0.35
    probability[np.arange(len(centre)), centre - 1] = 0.25
    probability[np.arange(len(centre)), centre + 1] = 0.25
    return probability


def test_bar_presence_is_the_mean_top_probability_of_each_bar_the_last_partial_bar_over_its_own_steps():
    probability = np.zeros((BAR_STEPS + 4, 3))
    probability[:BAR_STEPS, 1] = 0.5
    probability[BAR_STEPS:, 2] = 0.2
    assert bar_presence(probability) == pytest.approx([0.5, 0.2])
    assert bar_presence(np.zeros((0, 3))).tolist() == []


def test_a_bar_the_generator_barely_hears_is_left_silent_and_the_others_are_not():
    probability = melodic_part(bars=3)
    probability[BAR_STEPS:2 * BAR_STEPS] *= 0.3  # the middle bar, heard faintly
    decoding = PartDecoding(threshold=0.05, change_penalty=0.5, bar_rest=0.2)
    voice = decoding.voice(probability)
    assert (voice[BAR_STEPS:2 * BAR_STEPS] == REST).all()
    assert (voice[:BAR_STEPS] != REST).all() and (voice[2 * BAR_STEPS:] != REST).all()
    assert (PartDecoding(threshold=0.05, change_penalty=0.5).voice(probability) != REST).all()


def test_in_three_four_the_bar_the_generator_barely_hears_is_a_bar_of_twelve_16ths():
    probability = melodic_part(bars=3)[:36]
    probability[12:24] *= 0.3  # the second 3/4 bar, heard faintly
    decoding = PartDecoding(threshold=0.05, change_penalty=0.5, bar_rest=0.2)
    waltz = Bars.regular((3, 4))
    assert bar_presence(probability, waltz)[1] < 0.2 < bar_presence(probability, waltz)[[0, 2]].min()
    voice = decoding.voice(probability, bars=waltz)
    assert (voice[12:24] == REST).all() and (np.delete(voice, np.r_[12:24]) != REST).all()


def test_after_a_change_of_meter_the_bar_the_generator_barely_hears_is_a_bar_of_the_new_meter():
    probability = melodic_part(bars=4)[:56]  # two bars of 4/4, then two of 3/4
    probability[44:56] *= 0.3  # the second 3/4 bar, heard faintly
    decoding = PartDecoding(threshold=0.05, change_penalty=0.5, bar_rest=0.2)
    voice = decoding.voice(probability, bars=Bars.of_signatures([(0, (4, 4)), (32, (3, 4))]))
    assert (voice[44:56] == REST).all() and (voice[:44] != REST).all()
    # read in 4/4 alone, the faint stretch straddles two bars and neither is left silent
    assert (decoding.voice(probability)[44:56] != REST).any()


def test_notes_start_where_the_style_starts_them_in_each_bar_s_own_meter():
    waltz = tuple(8.0 if step == 0 else 0.001 for step in range(12))  # only on a 3/4 downbeat
    common = tuple(8.0 if step == 0 else 0.001 for step in range(16))  # only on a 4/4 downbeat
    decoding = PartDecoding(0.01, decoder="notes", note_lengths=(0.25,) * 16, rest_lengths=(1.0,),
                            onsets=common, meter_onsets=(("3/4", waltz),), rhythm_weight=1.0)
    bars = Bars.of_signatures([(0, (4, 4)), (32, (3, 4))])  # bar lines at 0, 16, 32, 44, 56, 68
    starts = np.concatenate([note_lengths_of(decoding.voice(melodic_part(bars=5)[:80], seed=seed, bars=bars))[1]
                             for seed in range(4)])
    assert np.isin(starts, [0, 16, 32, 44, 56, 68]).mean() > 0.9


def test_a_bar_is_as_many_16ths_as_its_meter_says_and_a_meter_of_no_whole_16ths_is_named():
    assert [meter_steps(m) for m in ((4, 4), (3, 4), (6, 8), (2, 2), (3, 8), (5, 4))] == [16, 12, 12, 16, 6, 20]
    assert parse_meter("6/8") == (6, 8)
    with pytest.raises(ValueError, match="3/32 is not a whole number of 16th notes"):
        meter_steps((3, 32))
    with pytest.raises(ValueError, match="'three' is not a meter"):
        parse_meter("three")


def test_notes_start_where_the_style_starts_them_in_the_bars_of_the_melody_s_meter():
    waltz = tuple(8.0 if step == 0 else 0.001 for step in range(12))  # only on a 3/4 downbeat
    decoding = PartDecoding(0.01, decoder="notes", note_lengths=(0.25,) * 12, rest_lengths=(1.0,),
                            onsets=FLAT_ONSETS, meter_onsets=(("3/4", waltz),), rhythm_weight=1.0)
    starts = np.concatenate([note_lengths_of(decoding.voice(melodic_part(bars=6)[:72], seed=seed,
                                                                     bars=Bars.regular((3, 4))))[1]
                             for seed in range(4)])
    assert np.mean(starts % 12 == 0) > 0.9
    assert decoding.onsets_for((3, 4)) == waltz and decoding.onsets_for((4, 4)) == FLAT_ONSETS


def test_a_meter_the_style_never_has_weighs_each_16th_by_its_place_in_the_beat_as_the_4_4_bars_do():
    onsets = tuple(float(w) for w in [9, 1, 2, 1, 5, 1, 2, 1, 7, 1, 2, 1, 5, 1, 2, 1])
    decoding = PartDecoding(0.1, decoder="notes", note_lengths=(1.0,), rest_lengths=(1.0,), onsets=onsets)
    assert decoding.onsets_for((5, 8)) == (9.0, 1.0, 2.0, 1.0, 6.5, 1.0, 2.0, 1.0, 6.5, 1.0)


def test_a_part_s_level_is_the_median_over_the_melody_of_its_most_likely_pitch_s_probability():
    probability = np.zeros((5, 3))
    probability[:, 1] = [0.1, 0.4, 0.2, 0.3, 0.05]
    assert part_level(probability) == pytest.approx(0.2)
    assert part_level(np.zeros((4, 3))) > 0  # a threshold scaled by it stays above 0
    assert part_level(np.zeros((0, 3))) == 1.0


@pytest.mark.parametrize("decoder", ["path", "notes"])
def test_a_relative_decoding_rests_where_the_part_is_quiet_for_this_melody_whatever_the_generator_s_overall_level(
        decoder):
    probability = melodic_part(bars=3)
    probability[BAR_STEPS:2 * BAR_STEPS] *= 0.3  # the middle bar, heard faintly
    probability[4:8] *= 0.1  # four quiet steps
    notes = {"note_lengths": (0.3, 0.4, 0.1, 0.2), "rest_lengths": (0.5, 0.5), "onsets": FLAT_ONSETS, "sharpness": 6}
    relative = PartDecoding(threshold=0.35, change_penalty=0.5, bar_rest=0.5, decoder=decoder, relative=True,
                            **(notes if decoder == "notes" else {}))
    fixed = PartDecoding(**{**relative.__dict__, "relative": False, "threshold": 0.12, "bar_rest": 0.17})
    for decoding in (relative, fixed):  # at the level the fixed numbers were set for, both rest in the same places
        voice = decoding.voice(probability, seed=3)
        assert (voice[BAR_STEPS:2 * BAR_STEPS] == REST).all() and (voice[4:8] == REST).all()
        assert (np.delete(voice, np.r_[4:8, BAR_STEPS:2 * BAR_STEPS]) != REST).all()
    # The generator less sure of the whole melody: the fixed numbers silence it, the relative ones hear it as before.
    quieter = probability * 0.4
    assert (relative.voice(quieter, seed=3) == relative.voice(probability, seed=3)).all()
    assert (fixed.voice(quieter, seed=3) == REST).all()


def test_a_drawn_voice_rests_exactly_where_the_most_likely_pitch_is_under_the_threshold():
    probability = melodic_part()
    probability[5:9] = 0.02
    voice = voice_sample(probability, threshold=0.1, change_penalty=1.0, rng=np.random.default_rng(0))
    assert ((voice == REST) == (probability.max(axis=1) < 0.1)).all()


def test_a_drawn_voice_takes_only_pitches_the_generator_gives_weight_to():
    probability = melodic_part(floor=1e-6)
    voice = voice_sample(probability, threshold=0.1, change_penalty=1.0, rng=np.random.default_rng(3))
    assert (probability[np.arange(len(voice)), voice] >= 0.25).all()


def test_the_same_seed_draws_the_same_voice_and_another_seed_another():
    decoding = PartDecoding(threshold=0.1, change_penalty=1.0, decoder="sample")
    probability = melodic_part()
    assert (decoding.voice(probability, seed=(4, 1)) == decoding.voice(probability, seed=(4, 1))).all()
    assert (decoding.voice(probability, seed=(4, 1)) != decoding.voice(probability, seed=(5, 1))).any()


def changes(voice):
    return int((voice[1:] != voice[:-1]).sum())


def test_where_the_generator_is_unsure_a_drawn_voice_moves_and_the_most_likely_path_holds():
    probability = melodic_part(bars=8)
    held = voice_path(probability, threshold=0.1, change_penalty=1.0)
    drawn = voice_sample(probability, threshold=0.1, change_penalty=1.0, rng=np.random.default_rng(0))
    assert changes(drawn) > 2 * changes(held)


def test_a_higher_change_penalty_draws_a_calmer_voice():
    probability = melodic_part(bars=8)
    moves = [np.mean([changes(voice_sample(probability, 0.1, penalty, np.random.default_rng(seed))) for seed in range(5)])
             for penalty in (0.0, 1.0, 3.0)]
    assert moves[0] > moves[1] > moves[2]


def test_a_sharper_voice_keeps_to_the_most_likely_pitch_more_often():
    probability = melodic_part(bars=8)
    on_top = [np.mean([(voice_sample(probability, 0.1, 0.5, np.random.default_rng(seed), sharpness)
                        == probability.argmax(axis=1)).mean() for seed in range(5)]) for sharpness in (1.0, 4.0)]
    assert on_top[1] > on_top[0] + 0.2


def test_a_voice_drawn_on_a_grain_of_two_changes_only_on_8ths():
    probability = melodic_part(bars=8)
    voice = PartDecoding(threshold=0.1, change_penalty=0.0, decoder="sample", grain=2).voice(probability, seed=2)
    changes_at = np.nonzero(voice[1:] != voice[:-1])[0] + 1
    assert len(changes_at) > 10 and (changes_at % 2 == 0).all()
    odd = melodic_part(bars=1)[:7]  # a last, partial position keeps its step
    assert len(PartDecoding(threshold=0.1, decoder="sample", grain=2).voice(odd)) == 7


FLAT_ONSETS = (1.0,) * BAR_STEPS


def exact_voices(probability, threshold, sharpness, note_lengths, rest_lengths, onsets, intervals=None,
                 note_cost=0.0):
    """Every voice of a tiny part with its exact probability under voice_notes' chain, summed over every way of
    cutting it into segments (a rest may be cut into several, a note follows only another pitch or a rest)."""
    steps, pitches = probability.shape
    weights = {}
    for cuts in itertools.product((False, True), repeat=steps - 1):
        bounds = [0] + [step + 1 for step, cut in enumerate(cuts) if cut] + [steps]
        for states in itertools.product(range(pitches + 1), repeat=len(bounds) - 1):
            if any(a == b < pitches for a, b in zip(states, states[1:])):
                continue
            costs = np.broadcast_to(np.asarray(note_cost, dtype=float), (steps,))  # a note costs its first step's
            weight = np.exp(-sum(costs[start] for start, state in zip(bounds[1:], states[1:]) if state < pitches))
            if intervals is not None:
                for before, after in zip(states, states[1:]):
                    if before < pitches and after < pitches:
                        weight *= intervals[after - before + WIDEST]
            for (start, end), state in zip(zip(bounds, bounds[1:]), states):
                length = end - start
                if state == pitches:
                    weight *= threshold ** (sharpness * length) * (rest_lengths[length - 1] if length <= len(
                        rest_lengths) else 0.0)
                else:
                    weight *= np.prod(probability[start:end, state] ** sharpness) * onsets[start % BAR_STEPS] * (
                        note_lengths[length - 1] if length <= len(note_lengths) else 0.0)
            voice = tuple(s for (start, end), s in zip(zip(bounds, bounds[1:]), states) for _ in range(end - start))
            weights[voice] = weights.get(voice, 0.0) + weight
    total = sum(weights.values())
    return {tuple(REST if s == pitches else s for s in voice): w / total for voice, w in weights.items()}


STEPS_UP = np.full(2 * WIDEST + 1, 0.1)
STEPS_UP[WIDEST - 2:WIDEST + 3] = (1.5, 0.3, 1.0, 3.0, 0.5)  # moves by -2, -1, (0), +1, +2 semitones


@pytest.mark.parametrize("intervals, note_cost", [(None, 0.0), (STEPS_UP, 0.0), (STEPS_UP, 0.7),
                                                  (STEPS_UP, np.array([0.0, 2.0, 0.1, 1.0]))],
                         ids=["every move alike", "moves weighed", "moves weighed, notes cost",
                              "a note costs what its first step says"])
def test_a_voice_drawn_note_by_note_is_drawn_with_exactly_the_chains_probabilities(intervals, note_cost):
    probability = np.array([[0.6, 0.3, 0.2], [0.2, 0.7, 0.4], [0.5, 0.4, 0.4], [0.05, 0.1, 0.3]])
    chain = dict(threshold=0.2, sharpness=1.5, note_lengths=(0.3, 0.5, 0.2), rest_lengths=(0.6, 0.4),
                 onsets=(2.0, 0.5, 1.0, 0.5) * 4, intervals=intervals, note_cost=note_cost)
    exact = exact_voices(probability, **chain)
    rng = np.random.default_rng(0)
    draws = 6000
    counts = {}
    for _ in range(draws):
        voice = tuple(voice_notes(probability, rng=rng, **chain).tolist())
        counts[voice] = counts.get(voice, 0) + 1
    assert set(counts) <= set(exact)
    for voice, share in exact.items():
        assert abs(counts.get(voice, 0) / draws - share) < 4 * np.sqrt(share * (1 - share) / draws) + 1e-3, voice


def note_lengths_of(voice):
    starts, lengths, pitches = line_runs(voice)
    return lengths[pitches != REST], starts[pitches != REST]


def test_drawn_note_by_note_a_voice_keeps_to_the_styles_note_lengths_where_step_by_step_it_flickers():
    probability = melodic_part(bars=8)
    quarters = (0.02, 0.05, 0.02, 0.9) + (0.01,) * 12  # the style's notes last a quarter
    by_note = [note_lengths_of(voice_notes(probability, 0.1, np.random.default_rng(seed), 1.0, quarters,
                                           (1.0,), FLAT_ONSETS))[0] for seed in range(5)]
    by_step = [note_lengths_of(voice_sample(probability, 0.1, 0.5, np.random.default_rng(seed)))[0]
               for seed in range(5)]
    assert np.mean(np.concatenate(by_note) == 4) > 0.6
    assert np.mean(np.concatenate(by_step) == 1) > 3 * np.mean(np.concatenate(by_note) == 1)


def moves_of(voice):
    return straight_moves(line_runs(voice)[2])


def test_drawn_note_by_note_a_voice_moves_by_the_styles_intervals():
    rng = np.random.default_rng(0)
    probability = rng.dirichlet(np.ones(12), size=8 * BAR_STEPS)  # anything may come next
    quarters = (0.05, 0.1, 0.05, 0.8)
    steps_only = np.where(np.abs(np.arange(-WIDEST, WIDEST + 1)) <= 2, 1.0, 0.01)
    stepwise = np.concatenate([moves_of(voice_notes(probability, 0.01, np.random.default_rng(seed), 1.0, quarters,
                                                    (1.0,), FLAT_ONSETS, steps_only)) for seed in range(5)])
    anyhow = np.concatenate([moves_of(voice_notes(probability, 0.01, np.random.default_rng(seed), 1.0, quarters,
                                                  (1.0,), FLAT_ONSETS)) for seed in range(5)])
    assert np.mean(np.abs(stepwise) <= 2) > 0.9
    assert np.mean(np.abs(anyhow) <= 2) < 0.6


def test_drawn_note_by_note_notes_start_where_the_style_starts_them():
    probability = melodic_part(bars=8)
    on_beats = tuple(4.0 if step % 4 == 0 else 0.01 for step in range(BAR_STEPS))
    lengths = (0.25,) * 4
    starts = np.concatenate([note_lengths_of(voice_notes(probability, 0.1, np.random.default_rng(seed), 1.0, lengths,
                                                         (1.0,), on_beats))[1] for seed in range(5)])
    assert np.mean(starts % 4 == 0) > 0.9
    anywhere = np.concatenate([note_lengths_of(voice_notes(probability, 0.1, np.random.default_rng(seed), 1.0, lengths,
                                                           (1.0,), FLAT_ONSETS))[1] for seed in range(5)])
    assert np.mean(anywhere % 4 == 0) < 0.6


def test_drawn_note_by_note_a_voice_rests_where_the_generator_barely_hears_it():
    probability = melodic_part(bars=2)
    probability[8:24] = 0.001
    decoding = PartDecoding(threshold=0.1, decoder="notes", sharpness=2.0, note_lengths=(0.3, 0.4, 0.1, 0.2),
                            rest_lengths=(0.5, 0.5), onsets=FLAT_ONSETS)
    voice = decoding.voice(probability, seed=(1, 2))
    assert (voice[8:24] == REST).all() and (voice[:8] != REST).all() and (voice[24:] != REST).all()
    assert (voice == decoding.voice(probability, seed=(1, 2))).all()
    assert len(decoding.voice(probability[:0])) == 0


def octaves_apart(bars=4, seed=0):
    """A part unsure in which octave it sounds, as a cello's bass note: each beat one pitch class in two
    octaves, one of them a little likelier."""
    rng = np.random.default_rng(seed)
    probability = np.full((bars * BAR_STEPS, 24), 0.01)
    low = rng.integers(0, 12, bars * 4).repeat(4)
    lower_likelier = rng.random(bars * 4).repeat(4) < 0.5
    probability[np.arange(len(low)), low] = np.where(lower_likelier, 0.4, 0.3)
    probability[np.arange(len(low)), low + 12] = np.where(lower_likelier, 0.3, 0.4)
    return probability


def test_the_register_leans_the_voice_about_the_part_s_mean_pitch_by_octaves():
    probability = octaves_apart()
    bias = register_bias(probability, 1.5)
    mean = (probability.sum(axis=0) * np.arange(24)).sum() / probability.sum()
    assert np.diff(bias) == pytest.approx(np.full(23, 1.5 / 12))
    assert np.interp(mean, np.arange(24), bias) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("decoder", ["path", "sample", "notes"])
def test_a_positive_register_moves_a_voice_up_and_a_negative_one_down(decoder):
    probability = octaves_apart()
    rhythm = dict(note_lengths=(0.1, 0.1, 0.1, 0.7), rest_lengths=(1.0,), onsets=FLAT_ONSETS) if decoder == "notes" else {}

    def mean_pitch(register):
        decoding = PartDecoding(0.05, decoder=decoder, sharpness=2.0, register=register, **rhythm)
        voices = np.concatenate([decoding.voice(probability, seed=seed) for seed in range(4)])
        return voices[voices != REST].mean()

    assert mean_pitch(-2.0) < mean_pitch(0.0) - 2 and mean_pitch(2.0) > mean_pitch(0.0) + 2


def test_a_decoding_without_a_register_decodes_as_before_it_had_one():
    probability = octaves_apart()
    for decoder, rhythm in (("path", {}), ("notes", dict(note_lengths=(0.5, 0.5), rest_lengths=(1.0,),
                                                          onsets=FLAT_ONSETS))):
        decoding = PartDecoding(0.05, decoder=decoder, sharpness=2.0, **rhythm)
        assert decoding.register == 0.0 and "register" not in decoding.to_card()
        expected = (voice_path(probability, 0.05) if decoder == "path" else
                    voice_notes(probability, 0.05, np.random.default_rng(7), 2.0, (0.5, 0.5), (1.0,), FLAT_ONSETS))
        assert (decoding.voice(probability, seed=7) == expected).all()


def melody_of_notes(length, bars):
    """A melody (per step a pitch or REST) of notes ``length`` steps long, moving up and down a third."""
    return np.array([60 + 4 * ((step // length) % 2) for step in range(bars * BAR_STEPS)])


def test_the_melody_s_pace_is_its_notes_per_bar_over_the_two_bars_around_each_step():
    eighths, wholes = melody_of_notes(2, 4), melody_of_notes(16, 4)
    assert melody_pace(eighths)[PACE_WINDOW // 2:-PACE_WINDOW // 2] == pytest.approx(8.0)
    assert melody_pace(wholes)[PACE_WINDOW // 2:-PACE_WINDOW // 2] == pytest.approx(1.0)
    held = np.full(4 * BAR_STEPS, 62)
    held[:BAR_STEPS] = REST
    assert melody_pace(held).max() <= 1.0 and melody_pace(held).min() == CALMEST_PACE  # one note in 4 bars
    repeated = np.array([60, REST] * 16)  # a note struck again after a rest counts again
    assert melody_pace(repeated)[16] == pytest.approx(8.0)
    assert len(melody_pace(np.zeros(0, int))) == 0


def test_with_a_pace_a_part_writes_fewer_notes_under_a_calm_melody_than_under_a_busy_one():
    probability = melodic_part(bars=8)
    rhythm = dict(note_lengths=(1.0,) * BAR_STEPS, rest_lengths=(1.0,), onsets=FLAT_ONSETS)
    paced = PartDecoding(0.05, decoder="notes", sharpness=2.0, pace=1.5, melody_notes_per_bar=4.0, **rhythm)
    steady = PartDecoding(0.05, decoder="notes", sharpness=2.0, **rhythm)

    def notes(decoding, melody):
        return np.mean([len(note_lengths_of(decoding.voice(probability, seed=seed, melody=melody))[0])
                        for seed in range(6)])

    calm, busy = melody_of_notes(16, 8), melody_of_notes(2, 8)
    assert notes(paced, calm) < 0.7 * notes(steady, calm) and notes(paced, busy) > 1.2 * notes(steady, busy)
    assert notes(steady, calm) == notes(steady, busy)  # without a pace the melody is not read at all
    with pytest.raises(ValueError, match="needs the melody"):
        paced.voice(probability)


def test_the_opening_s_cost_fades_bar_by_bar_in_the_melody_s_own_bars():
    fade = opening_fade(Bars(), (OPENING_BARS + 2) * BAR_STEPS)
    assert fade[:BAR_STEPS].tolist() == [1.0] * BAR_STEPS
    assert fade[BAR_STEPS] == pytest.approx(1 - 1 / OPENING_BARS)
    assert fade[OPENING_BARS * BAR_STEPS:].tolist() == [0.0] * 2 * BAR_STEPS
    waltz = opening_fade(Bars.regular((3, 4)), 2 * 12)
    assert waltz[11] == 1.0 and waltz[12] == pytest.approx(1 - 1 / OPENING_BARS)  # the second bar is a 3/4 one


def test_with_an_opening_a_part_starts_calm_and_plays_on_as_before_once_it_has_faded():
    bars = OPENING_BARS + 8
    probability = melodic_part(bars=bars)
    rhythm = dict(note_lengths=(1.0,) * BAR_STEPS, rest_lengths=(1.0,), onsets=FLAT_ONSETS)
    opening = PartDecoding(0.05, decoder="notes", sharpness=2.0, opening=2.0, **rhythm)
    plain = PartDecoding(0.05, decoder="notes", sharpness=2.0, **rhythm)
    first, later = slice(0, 8 * BAR_STEPS), slice((OPENING_BARS + 2) * BAR_STEPS, None)

    def notes(decoding, steps):
        return np.mean([len(note_lengths_of(decoding.voice(probability, seed=seed)[steps])[0]) for seed in range(6)])

    assert notes(opening, first) < 0.6 * notes(plain, first)
    assert notes(opening, later) == pytest.approx(notes(plain, later), rel=0.15)


NOTES = PartDecoding(0.15, bar_rest=0.02, decoder="notes", sharpness=2.5, note_lengths=(0.2, 0.5, 0.3),
                     rest_lengths=(0.7, 0.3), onsets=tuple(range(1, BAR_STEPS + 1)), rhythm_weight=1.25,
                     intervals=tuple(range(1, 2 * WIDEST + 2)), interval_weight=0.5, change_penalty=1.5)


@pytest.mark.parametrize("decoding", [PartDecoding(0.1234567891, 0.4, 0.05),
                                      PartDecoding(0.2, 1.5, 0.0, "sample", 3.0, 2), NOTES,
                                      PartDecoding(0.3, 0.5, register=-1.5),
                                      PartDecoding(**{**NOTES.__dict__, "pace": 0.75, "melody_notes_per_bar": 4.25}),
                                      PartDecoding(**{**NOTES.__dict__, "opening": 1.25}),
                                      PartDecoding(1.5, 0.4, 0.6, relative=True),
                                      PartDecoding(**{**NOTES.__dict__, "meter_onsets": (
                                          ("3/4", tuple(range(1, 13))), ("6/8", tuple(range(12, 0, -1))))})])
def test_a_decoding_written_to_a_card_reads_back_the_same(decoding):
    entry = decoding.to_card()
    assert PartDecoding.from_card(json.loads(json.dumps(entry))) == PartDecoding(
        **{**decoding.__dict__, "threshold": round(decoding.threshold, 6)})
    assert ("grain" in entry) == (decoding.decoder == "sample")
    assert ("onsets" in entry) == (decoding.decoder == "notes")
    assert ("relative" in entry) == decoding.relative  # a card written before relative numbers reads back the same


@pytest.mark.parametrize("entry, problem", [
    ({"change_penalty": 0.1}, "needs a threshold"),
    ({"threshold": 0}, "threshold 0.0 is not in (0, 1]"),
    ({"threshold": 0.1, "bar_rest": 2}, "bar_rest 2.0 is not in [0, 1]"),
    ({"threshold": 1.5}, "threshold 1.5 is not in (0, 1]"),
    ({"threshold": 12, "relative": True}, "threshold 12.0 is not in (0, 10]"),
    ({"threshold": 0.8, "relative": "yes"}, "relative 'yes' is not true or false"),
    ({"threshold": 0.1, "decoder": "beam"}, "decoder 'beam' is not one of path, sample, notes"),
    ({"threshold": 0.1, "sharpness": 0}, "sharpness 0.0 is not above 0"),
    ({"threshold": "high"}, "decoding numbers must be numbers"),
    ({"threshold": 0.1, "temperature": 2}, "unknown decoding fields temperature"),
    ({"threshold": 0.1, "grain": 3}, "grain 3 is not 1, 2 or 4 steps"),
    ({"threshold": 0.1, "grain": 2.0}, "grain 2.0 is not 1, 2 or 4 steps"),
    ({**NOTES.to_card(), "onsets": [1.0] * 12}, "onsets needs 16 weights, has 12"),
    ({**NOTES.to_card(), "note_lengths": []}, "note_lengths needs 1 to 64 weights, has 0"),
    ({**NOTES.to_card(), "meter_onsets": {"3/4": [1.0] * 16}}, "meter_onsets 3/4 needs 12 weights, has 16"),
    ({**NOTES.to_card(), "meter_onsets": {"waltz": [1.0] * 12}}, "meter_onsets: 'waltz' is not a meter"),
    ({**NOTES.to_card(), "meter_onsets": {"6/8": [0.0] * 12}}, "meter_onsets 6/8 weights must all be above 0"),
    ({**NOTES.to_card(), "meter_onsets": [[1.0] * 12]}, "meter_onsets must map meters"),
    ({**NOTES.to_card(), "rest_lengths": [0.5, 0.0]}, "rest_lengths weights must all be above 0"),
    ({**NOTES.to_card(), "rest_lengths": "long"}, "rest_lengths must be a list of numbers"),
    ({**NOTES.to_card(), "rhythm_weight": -1}, "rhythm_weight -1.0 is below 0"),
    ({**NOTES.to_card(), "rhythm_weight": "strong"}, "rhythm_weight 'strong' is not a number"),
    ({**NOTES.to_card(), "intervals": [1.0] * 25}, "intervals needs 49 weights, has 25"),
    ({**NOTES.to_card(), "intervals": [-1.0] * 49}, "intervals weights must all be above 0"),
    ({**NOTES.to_card(), "interval_weight": -0.5}, "interval_weight -0.5 is below 0"),
    ({"threshold": 0.1, "register": "high"}, "register 'high' is not a number"),
    ({"threshold": 0.1, "register": float("nan")}, "register nan is not a finite number"),
    ({"threshold": 0.1, "pace": 1.0, "melody_notes_per_bar": 4.0}, "pace follows the melody in the notes decoder only"),
    ({**NOTES.to_card(), "pace": 1.0}, "pace needs the style's melody_notes_per_bar above 0, has 0.0"),
    ({**NOTES.to_card(), "pace": "calm", "melody_notes_per_bar": 4.0}, "pace 'calm' is not a number"),
    ({"threshold": 0.1, "opening": 1.0}, "opening costs notes in the notes decoder only"),
    ({**NOTES.to_card(), "opening": float("inf")}, "opening inf is not a finite number"),
])
def test_a_bad_decoding_entry_says_what_is_wrong(entry, problem):
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        PartDecoding.from_card(entry)


def any_runtime():
    try:
        runtime.interpreter_class()
        return True
    except runtime.RuntimeMissing:
        return False


needs_runtime = pytest.mark.skipif(not any_runtime(), reason="no TFLite runtime installed (pip install ai-edge-litert)")


def copied_card(tmp_path, style="bach"):
    for name in (f"gan_{style}.tflite", f"gan_{style}.json"):
        (tmp_path / name).write_bytes((runtime.models_dir() / name).read_bytes())
    return json.loads((tmp_path / f"gan_{style}.json").read_text())


@needs_runtime
def test_the_shipped_cards_decode_every_part_as_calibrated():
    from keycomposer.models.gan import STYLES, Accompanist

    for style in STYLES:
        card = runtime.read_card(f"gan_{style}", runtime.models_dir())
        accompanist = Accompanist(style)
        assert accompanist.decoding == [PartDecoding.from_card(entry) for entry in card["decoding"]]
        assert set(card["decoding_calibration"]["per_track"]) == {name for name, _ in accompanist.tracks}


@needs_runtime
def test_a_card_from_before_the_decoding_entries_still_decodes_with_its_threshold_and_penalty(tmp_path):
    from keycomposer.models.gan import Accompanist

    card = copied_card(tmp_path)
    del card["decoding"]
    card["threshold"], card["change_penalty"] = [0.1, 0.2, 0.3], 0.4
    (tmp_path / "gan_bach.json").write_text(json.dumps(card))
    assert Accompanist("bach", tmp_path).decoding == [PartDecoding(0.1, 0.4), PartDecoding(0.2, 0.4),
                                                      PartDecoding(0.3, 0.4)]


@needs_runtime
@pytest.mark.parametrize("decoding, problem", [
    ([{"threshold": 0.1}], "decoding must give one entry per track"),
    (None, "it gives neither decoding nor threshold"),
])
def test_a_card_with_the_wrong_decoding_is_a_clear_error(tmp_path, decoding, problem):
    from keycomposer.models.gan import Accompanist

    card = copied_card(tmp_path)
    card["decoding"] = decoding
    if decoding is None:
        del card["decoding"]
    (tmp_path / "gan_bach.json").write_text(json.dumps(card))
    with pytest.raises(runtime.ModelFileError, match=f"model card of gan_bach: {problem}"):
        Accompanist("bach", tmp_path)


@needs_runtime
def test_a_card_with_a_negative_change_penalty_is_a_clear_error(tmp_path):
    from keycomposer.models.gan import Accompanist

    card = copied_card(tmp_path)
    card["decoding"][1]["change_penalty"] = -1
    (tmp_path / "gan_bach.json").write_text(json.dumps(card))
    with pytest.raises(runtime.ModelFileError, match="model card of gan_bach: change_penalty -1.0 is below 0"):
        Accompanist("bach", tmp_path)
