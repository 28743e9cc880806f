"""Each part's bar level (the share of its level under which it sits out a bar) set on the validation melodies
AND the training ones, checked by two folds over the training quartets first.

    .venv/bin/python -m tools.gan.bar_levels --style quartet            # the two folds, printed; nothing written
    .venv/bin/python -m tools.gan.bar_levels --style quartet --write    # then the levels on all of them, into the card

`tools.gan.calibrate` sets the bar levels on the validation melodies alone: for the quartets that is one
quartet (Mozart K80), whose melodies leave the parts fewer faint bars than other melodies do, so levels that
rest the parts there as often as the training quartets rest made them rest far more on every other melody
(rule 12 in tools/gan/README.md). Only the bar level moves here; every other number stays as the card has it,
so run this after `calibrate`.

A fold X -> Y sets the levels on the validation melodies (read as `calibrate` reads them) plus the training
quartets of half X (one generation each), and measures each part's empty bar rate on half Y against Y's own
parts, with seeds no setting read. The halves are the training quartets sorted by name, taken alternately, all
movements of a quartet together. The level is found by bisection: more of the part's level needed, more bars
sit out. The test pieces are never read.
"""

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

from tools.gan import data

HALVES = ("A", "B")
HELD_OUT_SEEDS = 50_000  # a held-out half is read with seeds from here on, apart from every setting's
BISECTIONS = 9  # halvings of [0, HIGHEST]: a level to 0.003 of the part's level
HIGHEST = 1.5  # no part sits out a bar heard at one and a half times its level


def halves(pieces) -> dict:
    """The pieces in two halves by piece name (a quartet's movements share one), names sorted, taken alternately."""
    names = sorted({piece.name for piece in pieces})
    return {half: [piece for piece in pieces if piece.name in names[index::2]] for index, half in enumerate(HALVES)}


def empty_bar_rate(accompanist, read, part: int, decoding) -> float:
    """The part's empty bar rate over these readings decoded (per reading, averaged, as the targets are)."""
    from tools.gan.calibrate import decoded_figures

    return decoded_figures(accompanist, read, part, decoding)["empty_bar_rate"]


def bar_level_for(accompanist, read, part: int, decoding, rate: float) -> float:
    """The bar level at which ``decoding`` of the part leaves ``rate`` of its bars empty over these readings."""
    low, high = 0.0, HIGHEST
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        if empty_bar_rate(accompanist, read, part, dataclasses.replace(decoding, bar_rest=middle)) < rate:
            low = middle
        else:
            high = middle
    return round((low + high) / 2, 6)


def bar_levels(accompanist, read, targets) -> list:
    """Every part's bar level on these readings, to its target's empty bar rate."""
    return [bar_level_for(accompanist, read, part, decoding, targets[part]["empty_bar_rate"])
            for part, decoding in enumerate(accompanist.decoding)]


def folds(accompanist, splits: dict, targets, valid_read, log=print) -> dict:
    """Per fold X -> Y: the levels set on the validation readings plus half X, and per part the empty bar rate
    on half Y of the real parts, of those levels and of the card's own."""
    from tools.gan.calibrate import readings, style_figures

    pieces = halves(splits["train"])
    setting = {half: readings(accompanist, pieces[half], seeds=1) for half in HALVES}
    held_out = {half: readings(accompanist, pieces[half], seeds=1, first_seed=HELD_OUT_SEEDS) for half in HALVES}
    out = {}
    for x, y in (HALVES, HALVES[::-1]):
        levels = bar_levels(accompanist, valid_read + setting[x], targets)
        real = [figures["empty_bar_rate"] for figures in style_figures(pieces[y], len(levels))]
        fold = [empty_bar_rate(accompanist, held_out[y], part, dataclasses.replace(decoding, bar_rest=level))
                for part, (decoding, level) in enumerate(zip(accompanist.decoding, levels))]
        card = [empty_bar_rate(accompanist, held_out[y], part, decoding)
                for part, decoding in enumerate(accompanist.decoding)]
        checked = out[f"{x}->{y}"] = {"levels": levels, "real": real, "fold": fold, "card": card,
                                      "miss_fold": float(np.abs(np.subtract(fold, real)).sum()),
                                      "miss_card": float(np.abs(np.subtract(card, real)).sum())}
        log(f"fold {x} -> {y} ({len(pieces[x])} movements set, "
            f"{len(pieces[y])} held out): levels {', '.join(f'{v:.4f}' for v in levels)} (card's "
            f"{', '.join(f'{d.bar_rest:.4f}' for d in accompanist.decoding)}); empty bars on {y}: real "
            + ", ".join(f"{v:.3f}" for v in real) + "; these levels " + ", ".join(f"{v:.3f}" for v in fold)
            + "; card's " + ", ".join(f"{v:.3f}" for v in card)
            + f"; summed miss {checked['miss_fold']:.4f} against the card's {checked['miss_card']:.4f}")
    return out


def write_bar_levels(card_path: Path, levels: list, note: dict) -> None:
    """Store the levels in the card's decoding and how they were set in its decoding_calibration."""
    card = json.loads(card_path.read_text())
    for decoding, level in zip(card["decoding"], levels):
        decoding["bar_rest"] = level
    card.setdefault("decoding_calibration", {})["bar_levels"] = note
    card_path.write_text(json.dumps(card, indent=2) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_model_arguments(parser)
    parser.add_argument("--write", action="store_true",
                        help="after the folds, set the levels on the validation and all training melodies and "
                             "write them into the card")
    args = parser.parse_args(argv)

    from keycomposer.models.gan import Accompanist, model_name
    from keycomposer.models.runtime import models_dir
    from tools.gan.calibrate import SEEDS, readings, style_figures

    accompanist = Accompanist(args.style, folder=args.models)
    splits = data.load(args.style, args.data, barred=True)
    if len({piece.name for piece in splits["train"]}) < 2:
        parser.error("the folds need at least two training pieces")
    targets = style_figures(splits["train"], len(accompanist.tracks))
    valid_read = readings(accompanist, splits["valid"], seeds=SEEDS)
    checked = folds(accompanist, splits, targets, valid_read)
    if not args.write:
        return 0
    levels = bar_levels(accompanist, valid_read + readings(accompanist, splits["train"], seeds=1), targets)
    print("levels on the validation and all training melodies: "
          + ", ".join(f"{name} {level:.4f}" for (name, _), level in zip(accompanist.tracks, levels)))
    path = Path(args.models or models_dir()) / f"{model_name(args.style)}.json"
    write_bar_levels(path, levels, {
        "command": f"python -m tools.gan.bar_levels --style {args.style} --write",
        "rule": "each part's bar level alone, by bisection, so that its voices of the validation melodies "
                f"({SEEDS} generations each) and of the training melodies (1 each) leave the training pieces' "
                "empty bar rate of their bars empty; the test pieces are not read",
        "was": [decoding.bar_rest for decoding in accompanist.decoding],
        "folds": {name: {key: [round(v, 4) for v in value] if isinstance(value, list) else round(value, 4)
                         for key, value in fold.items()} for name, fold in checked.items()},
    })
    print(f"wrote the bar levels into {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
