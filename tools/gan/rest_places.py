"""Where the parts sit out: does the generator hear which bars a part rests, or only how many?

    .venv/bin/python -m tools.gan.rest_places --style quartet

The decoding leaves a bar silent where the generator hears the part faintly (`voicing.bar_presence` under the
part's bar level), and its bar level is set so that as many bars are empty as in the training pieces: the count is
matched, the places are the generator's. Per split (the training pieces, which it learned from, and the validation
ones; never the test), for each part, the area under the ROC curve of two predictors of the real part's empty
bars: the generator's presence in the bar, relative to the part's level in the melody (lower: more likely
empty), and the melody's own sounding share of the bar (the same way round). 0.5: the predictor does not tell
an empty bar from another; under 0.5: it points the wrong way (the parts rest where it says they play).
"""

import argparse
import sys

import numpy as np

from tools.gan import data
from tools.gan.calibrate import readings

FIRST_SEED = 90_000  # seeds no setting or check read before


def area_under_curve(scores, labels) -> float:
    """The probability that a labelled item scores above an unlabelled one (ties count half): the area under the
    ROC curve; NaN without both kinds."""
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    positive, negative = scores[labels], scores[~labels]
    if len(positive) == 0 or len(negative) == 0:
        return float("nan")
    negative = np.sort(negative)
    below = np.searchsorted(negative, positive, side="left")
    tied = np.searchsorted(negative, positive, side="right") - below
    return float((below + tied / 2).sum() / (len(positive) * len(negative)))


def sounding_share(part, bars) -> np.ndarray:
    """Per bar of a (steps, 128) bool part, the share of its steps that sound (0: the bar is empty): the
    decoding's `bar_presence` of a part that sounds for certain where it sounds at all."""
    from keycomposer.models.voicing import bar_presence

    return bar_presence(part.astype(float), bars)


def rest_predictors(accompanist, pieces, first_seed: int = FIRST_SEED) -> list:
    """Per accompaniment part, {predictor: area under the curve} for the real part's empty bars over these
    (barred) pieces: "generator" (its bar presence over the part's level, low first) and "melody" (the melody's
    sounding share, low first)."""
    from keycomposer.models.voicing import bar_presence, part_level

    heard = [piece for piece in pieces if piece.parts[0].any()]
    read = readings(accompanist, heard, seeds=1, first_seed=first_seed)
    parts = len(accompanist.tracks)
    rows = [{"generator": [], "melody": [], "empty": []} for _ in range(parts)]
    for piece, (probability, _, _, bars) in zip(heard, read):
        steps = piece.parts.shape[1]
        melody = sounding_share(piece.parts[0], bars)
        for part, row in enumerate(rows):
            presence = probability[:steps, :, part]
            heard_bars = -bar_presence(presence, bars) / part_level(presence)
            shown = min(len(heard_bars), len(melody))  # a melody that stops early is read to the end of its bars
            row["generator"].extend(heard_bars[:shown])
            row["melody"].extend(-melody[:shown])
            row["empty"].extend(sounding_share(piece.parts[1 + part], bars)[:shown] == 0)
    return [{name: area_under_curve(row[name], row["empty"]) for name in ("generator", "melody")}
            | {"empty_bar_rate": float(np.mean(row["empty"]))} for row in rows]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_model_arguments(parser)
    parser.add_argument("--first-seed", type=int, default=FIRST_SEED, help="the generator's seeds from here")
    args = parser.parse_args(argv)

    from keycomposer.models.gan import Accompanist

    accompanist = Accompanist(args.style, folder=args.models)
    splits = data.load(args.style, args.data, barred=True)
    print(f"{args.style}: area under the ROC curve of each predictor of a real part's empty bars "
          "(0.5: no better than chance)")
    print(f"{'split':8} {'part':10} {'empty bars':>10} {'generator':>10} {'melody':>10}")
    for split in ("train", "valid"):
        for (name, _), found in zip(accompanist.tracks, rest_predictors(accompanist, splits[split],
                                                                        args.first_seed)):
            print(f"{split:8} {name:10} {found['empty_bar_rate']:10.3f} {found['generator']:10.3f} "
                  f"{found['melody']:10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
