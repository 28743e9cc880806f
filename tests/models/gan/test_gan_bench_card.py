"""tools/bench/gan_bench.py: how it reads a piece beside the baseline, its ratios, and --write-card (each view of the
test pieces keeps its own place in the model card)."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from tools.bench import gan_bench
from tools.gan.data import Piece


def test_whole_files_figures_are_written_beside_the_first_bars_and_keep_them(tmp_path, capsys):
    card = tmp_path / "gan_quartet.json"
    card.write_text(json.dumps({"name": "gan_quartet", "metrics": {"bars_per_file": 16}}))
    quartet = SimpleNamespace(style="quartet")
    gan_bench.write_card_metrics(quartet, {"bars_per_file": 0}, tmp_path, gan_bench.card_key(0))
    written = json.loads(card.read_text())
    assert written["metrics"] == {"bars_per_file": 16}
    assert written["metrics_whole_files"] == {"bars_per_file": 0}
    gan_bench.write_card_metrics(quartet, {"bars_per_file": 8}, tmp_path, gan_bench.card_key(8))
    assert json.loads(card.read_text())["metrics"] == {"bars_per_file": 8}
    assert "(metrics)" in capsys.readouterr().out.splitlines()[-1]


def _piece(melody_pitches, part_pitches, bars=2):
    """A 4/4 piece of ``bars`` bars: the melody holds each of its pitches a bar, each accompaniment part the same
    with its own pitches (None: a bar of rest)."""
    parts = np.zeros((4, bars * 16, 128), dtype=bool)
    for part, pitches in enumerate([melody_pitches] + [part_pitches] * 3):
        for bar, pitch in enumerate(pitches):
            if pitch is not None:
                parts[part, bar * 16:(bar + 1) * 16, pitch] = True
    return Piece("test/piece", parts)


def test_a_piece_is_read_with_its_own_parts_and_the_melody_an_octave_down_as_the_baseline():
    piece = _piece([72, 74], [60, None])
    reading = gan_bench.real_reading(piece, bars=0)
    baseline, baseline_lines = gan_bench.baseline_reading(reading, piece.bars)
    second_violin = 0
    assert reading.figures[second_violin]["empty_bar_rate"] == 0.5
    assert baseline[second_violin]["empty_bar_rate"] == 0.0
    assert baseline[second_violin]["mean_pitch"] == 61.0  # 72 and 74 an octave down
    assert list(baseline_lines[1][0][::16]) == [60, 62]
    assert list(reading.lines[1][0][::16]) == [60, -1]


def test_a_piece_whose_melody_never_sounds_in_the_bars_read_is_left_out():
    assert gan_bench.real_reading(_piece([None, 72], [60, 60]), bars=1) is None
    assert gan_bench.real_reading(_piece([None, 72], [60, 60]), bars=0) is not None


def test_the_ratio_says_how_much_farther_from_the_real_pieces_a_figure_is_than_the_baseline():
    assert gan_bench.ratio(0.0646, real=0.057, baseline=0.0494) == pytest.approx(1.0, abs=0.01)
    assert gan_bench.ratio(0.060, real=0.057, baseline=0.0494) < 1
    assert gan_bench.ratio(0.3, real=0.2, baseline=0.2) is None  # the baseline matches: no ratio
