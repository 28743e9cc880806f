"""tools/gan/split_gap.py: a part's chords told apart by what the melody does meanwhile, in the bars read."""

import math

import numpy as np

from keycomposer.models.voicing import BAR_STEPS
from tools.gan import split_gap
from tools.gan.data import Piece


def quartet_piece(bars=4):
    """Melody on C5 in bars 1-2, silent in bars 3-4; violin 2 holds G4 throughout and adds a triple stop (G4 B4
    D5) on the first beat of bar 3, while the melody is silent; viola and cello hold C4 and C3."""
    parts = np.zeros((4, bars * BAR_STEPS, 128), dtype=bool)
    parts[0, :2 * BAR_STEPS, 72] = True
    parts[1, :, 67] = True
    parts[1, 2 * BAR_STEPS:2 * BAR_STEPS + 4, [71, 74]] = True
    parts[2, :, 60] = True
    parts[3, :, 48] = True
    return Piece("q", parts)


def test_a_triple_stop_under_a_silent_melody_is_counted_as_such():
    gaps = split_gap.part_gaps([quartet_piece()], part=1)
    assert gaps["polyphonic_rate"] == 4 / (4 * BAR_STEPS)
    assert gaps["chords_melody_silent"] == 4 / (2 * BAR_STEPS)
    assert math.isnan(gaps["chords_melody_chord"])  # the melody never plays a chord
    assert gaps["empty_bar_rate"] == 0.0


def test_the_first_bars_leave_out_a_chord_after_them():
    gaps = split_gap.part_gaps([quartet_piece()], part=1, bars=2)
    assert gaps["polyphonic_rate"] == 0.0
    assert math.isnan(gaps["chords_melody_silent"])  # the melody sounds throughout the first two bars


def test_a_part_that_never_chords_has_none_anywhere():
    gaps = split_gap.part_gaps([quartet_piece()], part=3)
    assert gaps["polyphonic_rate"] == 0.0 and gaps["chords_melody_silent"] == 0.0


def test_a_piece_whose_melody_never_sounds_is_skipped_as_the_benchmark_skips_it():
    silent = quartet_piece()
    silent.parts[0] = False
    both, one = split_gap.part_gaps([silent, quartet_piece()], part=1), split_gap.part_gaps([quartet_piece()], part=1)
    assert both["polyphonic_rate"] == one["polyphonic_rate"]
    assert both["chords_melody_silent"] == one["chords_melody_silent"]


def test_a_melody_s_chords_are_its_steps_with_two_pitches_or_more():
    piece = quartet_piece()
    piece.parts[0, :BAR_STEPS // 2, 76] = True  # a third above for half of bar 1
    assert split_gap.melody_chords([piece]) == (BAR_STEPS // 2) / (4 * BAR_STEPS)
    assert split_gap.melody_chords([piece], bars=1) == 0.5


def test_notes_by_bar_count_each_group_s_notes_per_16_steps_over_the_pieces_that_reach_it():
    parts = np.zeros((4, 9 * BAR_STEPS, 128), dtype=bool)
    for step in range(0, 4 * BAR_STEPS, 8):  # bars 1-4: two half notes a bar
        parts[1, step:step + 8, 60 + (step // 8) % 2] = True
    for step in range(4 * BAR_STEPS, 9 * BAR_STEPS, 4):  # then quarter notes
        parts[1, step:step + 4, 60 + (step // 4) % 2] = True
    long, short = Piece("long", parts), Piece("short", parts[:, :4 * BAR_STEPS + 4])
    assert split_gap.notes_by_bar([long], part=1, bars=8).tolist() == [2.0, 4.0]
    # the short piece reaches only bars 1-4 as whole bars: it counts there, not after
    assert split_gap.notes_by_bar([long, short], part=1, bars=8).tolist() == [2.0, 4.0]
    assert np.isnan(split_gap.notes_by_bar([short], part=1, bars=8)[1])
