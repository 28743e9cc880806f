"""Melodies from the music21 corpus for the Transformer-XL (the code lives in keycomposer.trainers.txl.melodies,
which `keycomposer train txl` uses too; this keeps `python -m tools.txl.data` and the imports of the bench).

    .venv-train/bin/python -m tools.txl.data            # writes out/txl/melodies.npz (15 to 30 min, 3 processes)

`load` here leaves out of every split the pieces that share an opening with a melody of our own
(tools/bench/own_melodies.py), so the benchmark judges on melodies no training saw.
"""

import sys

import numpy as np

from keycomposer.trainers.txl import melodies
from keycomposer.trainers.txl.melodies import (  # noqa: F401  (the bench, convert and tests import them from here)
    DEFAULT_CACHE, KEY_NOTES, MIN_NOTES, PARSED, QUARTET_COMPOSERS, SLOW_TO_PARSE, SPLIT_SHARES, STYLES, main,
    part_melody, prepare, read_file, shares_an_opening, sources, split_of, tune_key,
)


def own_openings(count: int = 8) -> list:
    """The first `count` intervals of each of our own melodies, as `shares_an_opening` looks for them."""
    from tools.bench.own_melodies import own_melodies

    out = []
    for _, melody in own_melodies():
        out.append(",".join(map(str, np.diff(melody.notes[:count + 1, 2]))) + ",")
    return out


def load(path: str = DEFAULT_CACHE, style: str | None = None) -> dict:
    """melodies.load without the pieces that share an opening with one of our own melodies."""
    return melodies.load(path, style, leave_out=own_openings())


if __name__ == "__main__":
    sys.exit(main())
