"""How a style's splits differ, read on their real pieces alone: the figures the benchmark still misses, and what
the training pieces say a faithful decoding would write there.

    .venv/bin/python -m tools.gan.split_gap --style quartet --bars 16     # the benchmark's first 16 bars
    .venv/bin/python -m tools.gan.split_gap --style quartet --bars 0      # whole files
    .venv/bin/python -m tools.gan.split_gap --style quartet --by-bar 32   # how busy each part is, bar by bar

Every decoding number is set on the training and validation pieces; the benchmark (tools/bench/gan_bench.py)
then compares the generated parts with the test pieces'. Where the test pieces play what the training pieces
almost never do, a decoding that follows the training pieces cannot follow the test's, and one that did would
have been fitted to the test. Per accompaniment part and split, each piece counting once as in the benchmark:
MuseGAN's polyphonic rate (steps with more than 2 pitches, over all steps), its empty bar rate and the share of
its notes one 16th long; over the split's steps pooled, the part's polyphonic rate where the melody is silent
and where the melody itself plays a chord (2 pitches or more), which tell whether the melody gives the generator
anything to hear a chord from; and how often the melody plays a chord at all. `--by-bar N` prints instead how
many notes each part's top line plays per 16 steps in each group of 4 of the pieces' first N bars, per split
(`keycomposer.models.voicing.OPENING_BARS` was read off the training pieces' table). No model is read.
"""

import argparse
import sys

import numpy as np

from keycomposer.models.voicing import BAR_STEPS
from keycomposer.music.metrics import line_runs, top_line
from tools.gan import data
from tools.gan.calibrate import part_figures

CHORD = 2  # MuseGAN's polyphonic rate counts steps with more pitches than this


def melody_chords(pieces, bars: int = 0) -> float:
    """The share of the melody's steps where it plays 2 pitches or more, per piece (as `part_gaps` reads them),
    averaged."""
    shares = [(roll[0].sum(axis=1) >= 2).mean() for roll in (piece.first_bars(bars) for piece in pieces)
              if roll[0].any()]
    return float(np.mean(shares)) if shares else float("nan")


def notes_by_bar(pieces, part: int, bars: int, group: int = 4) -> np.ndarray:
    """Per group of ``group`` bars among the pieces' first ``bars``, the notes of the part's top line (0: the
    melody) starting in them per 16 steps, averaged over the pieces that reach that far."""
    total, pieces_in = np.zeros(bars), np.zeros(bars)
    for piece in pieces:
        steps = piece.parts.shape[1]
        starts = piece.bars.starts(steps)
        line_starts, _, pitches = line_runs(top_line(piece.parts[part]))
        bar_of_note = piece.bars.index(steps)[line_starts[pitches >= 0]]
        whole = min(bars, len(starts) - 1)  # the last bar may be partial: left out
        lengths = np.diff(starts[:whole + 1])
        total[:whole] += np.bincount(bar_of_note, minlength=len(starts))[:whole] * BAR_STEPS / lengths
        pieces_in[:whole] += 1
    per_bar = np.divide(total, pieces_in, out=np.full(bars, np.nan), where=pieces_in > 0)
    return np.array([per_bar[start:start + group].mean() for start in range(0, bars, group)])


def part_gaps(pieces, part: int, bars: int = 0) -> dict:
    """The figures of one accompaniment part (1, 2, ...) over these pieces (barred, as `data.load(...,
    barred=True)` gives them): per-piece means of `polyphonic_rate`, `empty_bar_rate` and `one_step_notes`, and,
    pooled, `chords_melody_silent` and `chords_melody_chord` (its steps with more than CHORD pitches over its
    sounding steps where the melody is silent, and where the melody sounds 2 pitches or more; NaN where the part
    never sounds there)."""
    per_piece = {"polyphonic_rate": [], "empty_bar_rate": [], "one_step_notes": []}
    pooled = {"chords_melody_silent": [0, 0], "chords_melody_chord": [0, 0]}
    for piece in pieces:
        roll = piece.first_bars(bars)
        if not roll[0].any():  # the benchmark skips a piece whose melody never sounds
            continue
        melody, accompaniment = roll[0].sum(axis=1), roll[part].sum(axis=1)
        figures = part_figures(roll[part], piece.bars.starts(roll.shape[1]))
        per_piece["polyphonic_rate"].append((accompaniment > CHORD).mean())
        per_piece["empty_bar_rate"].append(figures["empty_bar_rate"])
        per_piece["one_step_notes"].append(figures["one_step_notes"])
        for name, where in (("chords_melody_silent", melody == 0), ("chords_melody_chord", melody >= 2)):
            pooled[name][0] += np.count_nonzero(where & (accompaniment > CHORD))
            pooled[name][1] += np.count_nonzero(where & (accompaniment > 0))
    out = {name: float(np.nanmean(values)) if values else float("nan") for name, values in per_piece.items()}
    out.update({name: chords / sounding if sounding else float("nan") for name, (chords, sounding) in pooled.items()})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="quartet", choices=sorted(data.STYLES))
    parser.add_argument("--bars", type=int, default=16, help="bars read from the start of each piece (0: whole)")
    parser.add_argument("--by-bar", type=int, metavar="BARS", default=0,
                        help="print each part's notes per bar in groups of 4 of the first BARS bars instead")
    parser.add_argument("--data", default=data.CACHE_FOLDER)
    args = parser.parse_args(argv)
    splits = data.load(args.style, args.data, barred=True)
    names = [name for name, _ in data.SPLIT_SHARES]
    if args.by_bar:
        parts = ("melody",) + data.STYLES[args.style]["accompaniment"]
        print(f"{args.style}: notes of each part's top line per 16 steps, by groups of 4 bars")
        for name in names:
            print(f"{name:6} {'bars':10}" + "".join(f"{f'{g + 1}-{g + 4}':>7}" for g in range(0, args.by_bar, 4)))
            for part, part_name in enumerate(parts):
                by_bar = notes_by_bar(splits[name], part, args.by_bar)
                print(f"{'':6} {part_name:10}" + "".join(f"{v:7.2f}" for v in by_bar))
        return 0
    read = f"first {args.bars} bars" if args.bars > 0 else "whole files"
    print(f"{args.style}, {read}: " + ", ".join(f"{len(splits[name])} {name}" for name in names) + " files")
    print(f"{'part':10} {'figure':22}" + "".join(f"{name:>9}" for name in names))
    print(f"{'melody':10} {'chords':22}" + "".join(f"{melody_chords(splits[name], args.bars):9.4f}" for name in names))
    for part, part_name in enumerate(data.STYLES[args.style]["accompaniment"], start=1):
        gaps = {name: part_gaps(splits[name], part, args.bars) for name in names}
        for figure in gaps[names[0]]:
            print(f"{part_name:10} {figure:22}" + "".join(f"{gaps[name][figure]:9.4f}" for name in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
