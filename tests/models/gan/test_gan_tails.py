"""tools/gan/tails.py: the snippets a short melody's accompaniment is judged on."""

import numpy as np

from tools.gan import tails
from tools.gan.data import Piece


def piece(bars=8, rest_at=()):
    """Four parts of ``bars`` bars; the melody plays quarter notes, rests where a bar is in ``rest_at``."""
    parts = np.zeros((4, bars * 16, 128), dtype=bool)
    for step in range(0, bars * 16, 4):
        parts[0, step:step + 3, 72 + step // 4 % 5] = True  # a 16th rest after each note
        parts[1:, step:step + 4, 60] = True
    for bar in rest_at:
        parts[0, bar * 16:(bar + 1) * 16] = False
    return parts


def test_a_snippet_starts_on_a_sounding_downbeat_every_fourth_bar_and_ends_with_its_last_note():
    cut = tails.snippets([Piece("p", piece(bars=12))], beats=2)
    assert len(cut) == 3  # bars 1, 5 and 9 (a snippet needs 4 bars of the piece after its start)
    pitches, snippet = cut[0]
    assert list(pitches) == [72] * 3 + [-1] + [73] * 3  # the 16th rest after the last note is cut off
    assert snippet.parts.shape == (4, 16, 128)


def test_a_snippet_longer_than_a_bar_brings_the_real_parts_of_all_its_bars():
    (pitches, snippet), *_ = tails.snippets([Piece("p", piece())], beats=5)
    assert len(pitches) == 19 and snippet.parts.shape == (4, 32, 128)


def test_no_snippet_starts_where_the_melody_rests():
    cut = tails.snippets([Piece("p", piece(bars=12, rest_at=(4,)))], beats=2)
    assert len(cut) == 2


def test_a_waltz_is_cut_on_its_own_bar_lines_and_its_snippets_keep_its_meter():
    waltz = piece(bars=9)[:, :9 * 12]  # 9 bars of 3/4
    cut = tails.snippets([Piece("w", waltz, (3, 4))], beats=4)
    assert len(cut) == 2  # bars 1 and 5 of 3/4 (steps 0 and 48), not steps 0 and 64
    (pitches, snippet), (later, _) = cut
    assert snippet.meter == (3, 4) and snippet.parts.shape == (4, 24, 128)  # 4 quarters span two 3/4 bars
    assert later[0] == waltz[0, 48].argmax()


def test_no_snippet_runs_across_a_change_of_meter():
    changing = Piece("c", piece(bars=12)[:, :48 + 9 * 12], (4, 4), ((48, (3, 4), 0),))  # 3 bars of 4/4, 9 of 3/4
    cut = tails.snippets([changing], beats=2)
    assert [snippet.meter for _, snippet in cut] == [(3, 4), (3, 4)]  # bars 5 and 9; bar 1's four bars change meter
