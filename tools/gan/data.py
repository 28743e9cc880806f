"""The GAN's corpus pieces, parsed once, cached, split by piece: keycomposer.trainers.gan.pieces (its doc says how).

    .venv-train/bin/python -m tools.gan.data --style bach       # writes out/gan/bach.npz (about a minute)
    .venv-train/bin/python -m tools.gan.data --style quartet    # writes out/gan/quartet.npz (slow: big scores)

The tools' cache lives in out/gan/ (CACHE_FOLDER); `keycomposer train gan` keeps its own in the data folder.
"""

import argparse
import os
import sys

from keycomposer.trainers.gan.pieces import (  # noqa: F401  (the tools, the bench and tests import them from here)
    MIDI_PITCHES, PARTS, QUARTET_PIECES, SPLIT_SHARES, STEPS_PER_QUARTER, STYLES, Piece, composition_piece,
    corpus_files, load, parse_cached, part_roll, prepare, quartet_split_of, score_bars, score_to_parts, split_of,
    split_of_piece,
)

CACHE_FOLDER = os.path.join("out", "gan")


def add_model_arguments(parser) -> None:
    """The options every tool that reads a style's model and this cache shares: --style, --models, --data."""
    parser.add_argument("--style", choices=sorted(STYLES), required=True)
    parser.add_argument("--models", default=None, help="folder of the model and its card (default: models_tflite)")
    parser.add_argument("--data", default=CACHE_FOLDER, help="cache folder from tools.gan.data")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", choices=sorted(STYLES), required=True)
    parser.add_argument("--folder", default=CACHE_FOLDER, help="cache folder (default %(default)s)")
    args = parser.parse_args(argv)
    prepare(args.style, args.folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
