"""How the decoded parts read on melodies the generator never learned from: fold generators against the shipped one.

    .venv-train/bin/python -m tools.gan.train --style quartet --half A --out out/gan/fold_A --epochs 19.515 \\
        --seed 0 --update-ratio 2 --lr 5e-4 --reconstruction 2000      # and --half B --epochs 20.263: the shipped
                                                                       # recipe's 9,613 updates on one half each
    .venv-train/bin/python -m tools.gan.convert out/gan/fold_A --out out/gan/fold_A/models \\
        --keep-decoding models_tflite/gan_quartet.json                 # the same for B
    .venv/bin/python -m tools.gan.unseen --style quartet --fold A=out/gan/fold_A/models --fold B=out/gan/fold_B/models

Every number of the card's decoding was set on readings of the shipped generator, most of them of the training
melodies, which it learned from (bar_levels: K80's 4 movements and the 32 training ones), and K80 alone is not
enough to tell whether the parts read differently on a melody the generator has never heard. A fold generator
learns from one half of the training quartets (`train --half`, tools.gan.data.halves); read on the other half,
it shows the card's decoding on unseen melodies, 14 or 18 movements at a time, and read on its own half, the same
generator on melodies it learned from. Per half, with the card's decoding everywhere: the half's real parts, the
shipped generator (seen), the fold generator of that half (seen) and the other fold's (unseen), each part's
figures and the summed miss against the training pieces' figures (calibrate's tolerances, as bar_levels counts
it). The test pieces are never read.
"""

import argparse
import sys

from tools.gan import data
from tools.gan.bar_levels import measured
from tools.gan.calibrate import readings, style_figures

FIRST_SEED = 80_000  # seeds no setting or check read before
SHOWN = ("empty_bar_rate", "sounding", "notes_per_bar", "one_step_notes")


def fold_folders(pairs) -> dict:
    """{half: models folder} from HALF=FOLDER arguments, every half once."""
    folders = {}
    for pair in pairs:
        half, _, folder = pair.partition("=")
        if half not in data.HALVES or not folder:
            raise ValueError(f"a fold is HALF=FOLDER with HALF one of {', '.join(data.HALVES)}, got {pair!r}")
        if half in folders:
            raise ValueError(f"half {half} is given twice")
        folders[half] = folder
    if set(folders) != set(data.HALVES):
        raise ValueError(f"give a fold generator for each half ({', '.join(data.HALVES)}), got {', '.join(folders)}")
    return folders


def readers(shipped, folds: dict) -> dict:
    """Per half, who reads its melodies: the shipped generator and both fold generators, named by whether the
    melodies were in what each learned from."""
    other = dict(zip(data.HALVES, data.HALVES[::-1]))
    return {half: {"shipped (seen)": shipped, f"fold {half} (seen)": folds[half],
                   f"fold {other[half]} (unseen)": folds[other[half]]} for half in data.HALVES}


def compare(shipped, folds: dict, splits: dict, first_seed: int = FIRST_SEED) -> dict:
    """Per half and reader (`readers`), the card's decoding's figures per part and the summed miss; and the
    half's real parts' figures, under "real"."""
    targets = style_figures(splits["train"], len(shipped.tracks))
    pieces = data.halves(splits["train"])
    out = {}
    for half, by_reader in readers(shipped, folds).items():
        rows = out[half] = {"real": {"figures": style_figures(pieces[half], len(shipped.tracks)), "miss": None}}
        for name, accompanist in by_reader.items():
            read = readings(accompanist, pieces[half], seeds=1, first_seed=first_seed)
            rows[name] = measured(accompanist, read, shipped.decoding, targets)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_model_arguments(parser)
    parser.add_argument("--fold", action="append", default=[], metavar="HALF=FOLDER",
                        help="a fold generator's models folder (from `convert --keep-decoding` of a `train --half` "
                             "run), once for each half")
    parser.add_argument("--first-seed", type=int, default=FIRST_SEED, help="the generators' seeds from here")
    args = parser.parse_args(argv)
    try:
        folders = fold_folders(args.fold)
    except ValueError as error:
        parser.error(str(error))

    from keycomposer.models.gan import Accompanist

    shipped = Accompanist(args.style, folder=args.models)
    folds = {half: Accompanist(args.style, folder=folder) for half, folder in folders.items()}
    splits = data.load(args.style, args.data, barred=True)
    names = [name for name, _ in shipped.tracks]
    print(f"{args.style}: the card's decoding on each half of the training pieces; seeds from {args.first_seed}")
    print(f"{'half':5} {'read by':20}" + "".join(f" {f'{n}: ' + figure:>26}" for n in names for figure in SHOWN[:1])
          + f" {'sounding, notes per bar, one-16th notes (per part)':>60} {'miss':>7}")
    for half, rows in compare(shipped, folds, splits, args.first_seed).items():
        for name, row in rows.items():
            figures = row["figures"]
            empty = "".join(f" {f['empty_bar_rate']:26.3f}" for f in figures)
            rest = " / ".join(", ".join(f"{f[figure]:.3f}" for figure in SHOWN[1:]) for f in figures)
            miss = "" if row["miss"] is None else f"{row['miss']:7.3f}"
            print(f"{half:5} {name:20}{empty} {rest:>60} {miss:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
