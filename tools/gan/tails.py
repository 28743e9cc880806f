"""Why a melody is read as holding its last note: the accompaniment of short melodies and of a last, partial bar,
with the melody read held past its last note (as inference reads it) and read silent there, on the validation
pieces (the test pieces are not read).

    .venv/bin/python -m tools.gan.tails --style bach [--piece mozart/k80] [--beats 1,2,3,4]

A snippet is the melody's first BEATS quarter notes from a bar where it sounds on the downbeat (every fourth bar
of each piece, in the piece's own bars: its meter, its pickup's missing beats put back), cut after its last note,
and read in that meter. Both readings are decoded with the card's decoding, and per length it
prints the miss (tools/gan/calibrate.py's figures and tolerances: 6 figures until mean pitch joined them on
2026-12-02) of the decoded parts against the real parts of the same bars, summed over the parts, and the
parts' notes per bar.
"""

import argparse
import sys

import numpy as np

from tools.gan import data

BEATS = (1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 13, 14, 15)
EVERY_BARS = 4
READINGS = {"silent": False, "held": True}


def snippets(pieces, beats: int, every_bars: int = EVERY_BARS) -> list:
    """(melody pitches, a Piece of the same whole bars and meter) for each snippet of ``beats`` quarter notes of
    these pieces (barred: each one's bars start at step 0), from every ``every_bars``-th bar; a snippet whose
    bars are not whole bars of one meter (where the meter changes, a pickup, a bar split at a repeat sign) is
    left out."""
    from keycomposer.models.bars import STEPS_PER_QUARTER, meter_steps
    from tools.gan.calibrate import top_voice

    out = []
    for piece in pieces:
        parts, bars = piece.parts, piece.bars.bars(piece.parts.shape[1])
        melody = top_voice(parts[0])
        for first in range(0, len(bars), every_bars):
            start, meter = bars[first].start, bars[first].meter
            bar_steps = meter_steps(meter)
            span = max(every_bars * bar_steps, beats * STEPS_PER_QUARTER)  # a snippet needs this much of the piece
            if start + span > len(melody) or any(
                    bar.meter != meter or bar.skipped or bar.end - bar.start != bar_steps
                    for bar in bars[first:] if bar.start < start + span):
                continue
            pitches = melody[start:start + beats * STEPS_PER_QUARTER]
            if pitches[0] < 0:
                continue
            pitches = pitches[:np.nonzero(pitches >= 0)[0][-1] + 1]
            whole = -(-len(pitches) // bar_steps) * bar_steps
            out.append((pitches, data.Piece(piece.name, parts[:, start:start + whole], meter)))
    return out


def tail_figures(accompanist, cut: list, hold_last: bool) -> list:
    """Per accompaniment part, the calibrated figures of its decoded voices over these snippets."""
    from keycomposer.models.bars import Bars
    from keycomposer.models.gan import Melody
    from tools.gan.calibrate import decoded_figures

    read = [(*accompanist.probability(Melody(pitches, Bars.regular(snippet.meter)), seed=index, hold_last=hold_last),
             pitches, snippet.meter) for index, (pitches, snippet) in enumerate(cut)]
    return [decoded_figures(accompanist, read, part, decoding) for part, decoding in enumerate(accompanist.decoding)]


def notes_per_bar(figures: list) -> str:
    return " ".join(f"{part['notes_per_bar']:.1f}" for part in figures)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_model_arguments(parser)
    parser.add_argument("--piece", action="append", help="read only this validation piece (may repeat)")
    parser.add_argument("--beats", default=",".join(map(str, BEATS)), help="snippet lengths in beats")
    args = parser.parse_args(argv)

    from keycomposer.models.gan import Accompanist
    from tools.gan.calibrate import miss, style_figures

    accompanist = Accompanist(args.style, folder=args.models)
    pieces = [piece for piece in data.load(args.style, args.data, barred=True)["valid"] if not args.piece or piece.name in args.piece]
    if not pieces:
        parser.error(f"no validation piece is named {', '.join(args.piece)}")
    totals = dict.fromkeys(READINGS, 0.0)
    for beats in (int(b) for b in args.beats.split(",")):
        cut = snippets(pieces, beats)
        real = style_figures([snippet for _, snippet in cut], len(accompanist.tracks))  # the real parts of the snippets' bars
        line = f"{beats:2} beats, {len(cut)} snippets; real notes per bar {notes_per_bar(real)}"
        for name, hold_last in READINGS.items():
            decoded = tail_figures(accompanist, cut, hold_last)
            total = sum(miss(figures, target) for figures, target in zip(decoded, real))
            totals[name] += total
            line += f" | {name}: miss {total:6.2f}, notes per bar {notes_per_bar(decoded)}"
        print(line, flush=True)
    print("summed miss: " + ", ".join(f"{name} {total:.2f}" for name, total in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
