"""The Transformer-XL's validation windows (keycomposer.trainers.txl.windows): a short tail is left out, a short
melody counts where asked (a folder's pieces may all be short), and no window at all is an error that says so.
numpy only: runs in the runtime environment."""

import numpy as np
import pytest

from keycomposer.models.melody_tokens import PAD, Melody, encode
from keycomposer.trainers.txl.windows import fixed_windows


def walk(count: int) -> Melody:
    """`count` quarter notes in 4/4 bars."""
    notes = np.array([(4 * k, 4, 60 + k % 5) for k in range(count)])
    return Melody(notes, np.array([(16 * b, 16) for b in range((count + 3) // 4)]))


def test_a_short_melody_counts_only_where_asked():
    short, long = walk(8), walk(40)  # 27 and 131 tokens
    assert len(encode(short)) < 32 < len(encode(long))
    pieces = [("short", "classical", short), ("long", "folk", long)]
    rows, styles = fixed_windows(pieces, 65, limit=100)
    assert len(rows) == 2 and styles.tolist() == [1, 1]  # the long one's 64-token windows; its 3-token tail left out
    rows, styles = fixed_windows(pieces, 65, limit=100, short_melodies=True)
    assert styles.tolist() == [0, 1, 1]
    assert rows[0].tolist() == encode(short) + [PAD] * (65 - len(encode(short)))


def test_no_window_to_score_is_an_error_that_says_so():
    with pytest.raises(ValueError, match="no validation melody has 32 tokens to score"):
        fixed_windows([("short", "classical", walk(8))], 65, limit=10)
