"""Each part's rests (its bar level, and with `--threshold` its rest threshold too) set on the validation melodies
AND the training ones, checked by two folds over the training quartets first.

    .venv/bin/python -m tools.gan.bar_levels --style quartet                    # rule 12: bar levels, two folds
    .venv/bin/python -m tools.gan.bar_levels --style quartet --threshold \\
        --judge 8 --judge-from 65                                                # rule 13: both, folds and judge
    .venv/bin/python -m tools.gan.bar_levels --style quartet --threshold --note-cost \
        --judge 8 --judge-from 73                                                # rule 14: note cost first
    .venv/bin/python -m tools.gan.bar_levels --style quartet --threshold --note-cost --rhythm --pace \
        --judge 8 --judge-from 81                                                # rule 15: rhythm and pace too
    .venv/bin/python -m tools.gan.bar_levels --style quartet --opening --judge 8 --judge-from 97   # rule 17
    .venv/bin/python -m tools.gan.bar_levels --style quartet --models CARD_COPY --threshold --note-cost \\
        --rhythm --pace --write              # rule 18: rule 15's, opening in place (judged by like_for_like)
    ... --write                                                                  # then set on all, into the card

`tools.gan.calibrate` sets the rests on the validation melodies alone: for the quartets that is one quartet
(Mozart K80), whose melodies leave the parts fewer faint bars than other melodies do, so levels that rest the
parts there as often as the training quartets rest made them rest far more on every other melody (rule 12 in
tools/gan/README.md). Only the bar level (and the threshold) moves here; every other number stays as the card
has it, so run this after `calibrate`.

A fold X -> Y sets the rests on the validation melodies (read as `calibrate` reads them) plus the training
quartets of half X (one generation each), and measures each part's figures on half Y against the training
targets, with seeds no setting read. The halves are the training quartets sorted by name, taken alternately, all
movements of a quartet together. Each number is found by bisection: more of the part's level needed before a bar
sounds, more bars sit out; more needed before a step sounds, fewer steps sound. With both, the bar level is set
to the empty bar rate, then the threshold to the sounding share, in rounds (the second moves the first a
little); with `--note-cost` each round first sets the cost of a note to the notes per bar (a dearer note, fewer
notes); `--rhythm` sets the rhythm's weight to the share of one-16th notes before it (the style's note lengths
weigh more, fewer one-16th notes) and `--pace` after it how the part follows the melody's pace (more pace,
busier where the melody is busy). `--opening` sets only the cost of a note in a melody's opening bars
(`keycomposer.models.voicing.opening_fade`) to the notes per bar of the pieces' first OPENING_READ bars, and reads
nothing else: every figure, target, fold and judge is then of the pieces' first OPENING_READ bars (read as
melodies of their own, as a melody someone brings is). The test pieces are never read.
"""

import argparse
import copy
import dataclasses
import json
import multiprocessing
import os
import sys
from pathlib import Path

import numpy as np

from tools.gan import data
from tools.gan.data import HALVES, halves
from tools.gan.calibrate import (NEXT_JUDGE_SET, SEEDS, decoded_figures, figure_misses, judge, readings,
                                 style_figures, style_motion)

FOLDS = {f"{x}->{y}": (x, y) for x, y in (HALVES, HALVES[::-1])}  # a fold's name: set on x, held out y
HELD_OUT_SEEDS = 50_000  # a held-out half is read with seeds from here on, apart from every setting's
BISECTIONS = 9  # halvings of [0, HIGHEST]: a number to 0.003 of the part's level
HIGHEST = 1.5  # no part sits out a bar (or a step) heard at one and a half times its level
# What each number is set to, whether that figure grows with it, the range searched first and, in later rounds,
# how near to where it was (NEAR_BISECTIONS halvings of twice that: the bar level and threshold to 0.003 again).
SETS = {"rhythm_weight": ("one_step_notes", False, 3.0, 0.25), "change_penalty": ("notes_per_bar", False, 6.0, 0.25),
        "pace": ("follows_melody", True, 3.0, 0.25), "bar_rest": ("empty_bar_rate", True, HIGHEST, 0.05),
        "threshold": ("sounding", False, HIGHEST, 0.05), "opening": ("notes_per_bar", False, 6.0, 0.25)}
# What each rule's numbers are stored under in the card's decoding_calibration.
CALIBRATION_KEYS = {("bar_rest",): "bar_levels", ("bar_rest", "threshold"): "rests",
                    ("change_penalty", "bar_rest", "threshold"): "note_cost_and_rests",
                    ("rhythm_weight", "change_penalty", "pace", "bar_rest", "threshold"):
                        "rhythm_pace_note_cost_and_rests", ("opening",): "opening"}
ROUNDS = 3  # the numbers one after the other, this many times
NEAR_BISECTIONS = 5
OPENING_READ = 16  # bars: `--opening` reads every piece's first bars only, as the benchmark's first view does


def empty_bar_rate(accompanist, read, part: int, decoding) -> float:
    """The part's empty bar rate over these readings decoded (per reading, averaged, as the targets are)."""
    return decoded_figures(accompanist, read, part, decoding)["empty_bar_rate"]


def setting_for(accompanist, read, part: int, decoding, field: str, goal: float, low: float = 0.0,
                high: float = None, halvings: int = BISECTIONS) -> float:
    """The value of ``field`` (of SETS) in [low, high] (high: the field's own) at which ``decoding`` of the part
    brings the figure that field sets to ``goal`` over these readings."""
    figure, rises, highest, _ = SETS[field]
    high = highest if high is None else high
    for _ in range(halvings):
        middle = (low + high) / 2
        value = decoded_figures(accompanist, read, part, dataclasses.replace(decoding, **{field: middle}))[figure]
        if (value < goal) if rises else (value > goal):
            low = middle
        else:
            high = middle
    return round((low + high) / 2, 6)


def bar_level_for(accompanist, read, part: int, decoding, rate: float) -> float:
    """The bar level at which ``decoding`` of the part leaves ``rate`` of its bars empty over these readings."""
    return setting_for(accompanist, read, part, decoding, "bar_rest", rate)


def rests_for(accompanist, read, part: int, decoding, target: dict, fields=("bar_rest",)):
    """``decoding`` with ``fields`` set, one after the other, to the target's figures over these readings: one
    round for one number alone (the bar level: rule 12; the opening: 17), ROUNDS with more (the threshold: rule
    13; the note cost first: 14; the rhythm's weight before it and the pace after it: 15)."""
    for round_ in range(1 if len(fields) == 1 else ROUNDS):
        for field in fields:
            goal = target[SETS[field][0]]
            if round_ == 0:
                value = setting_for(accompanist, read, part, decoding, field, goal)
            else:
                now, (_, _, highest, near) = getattr(decoding, field), SETS[field]
                value = setting_for(accompanist, read, part, decoding, field, goal, max(0.0, now - near),
                                    min(highest, now + near), NEAR_BISECTIONS)
            decoding = dataclasses.replace(decoding, **{field: value})
    return decoding


_SHARED = {}  # the readings every setting reads, handed to worker processes by fork rather than by pickling


def _set(task):
    name, part = task
    shared = _SHARED
    return rests_for(shared["accompanist"], shared["read"][name], part, shared["accompanist"].decoding[part],
                     shared["targets"][part], shared["fields"])


def set_rests(accompanist, reads: dict, targets, fields, jobs: int = 1) -> dict:
    """Per named set of readings, every part's decoding with ``fields`` set on them (on ``jobs`` processes)."""
    _SHARED.update(accompanist=accompanist, read=reads, targets=targets, fields=tuple(fields))
    tasks = [(name, part) for name in reads for part in range(len(accompanist.decoding))]
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            found = pool.map(_set, tasks, chunksize=1)
    else:
        found = [_set(task) for task in tasks]
    out = {name: [] for name in reads}
    for (name, _), decoding in zip(tasks, found):
        out[name].append(decoding)
    return out


def measured(accompanist, read, decodings, targets) -> dict:
    """Each part's figures over these readings, and their misses summed over all figures."""
    figures = [decoded_figures(accompanist, read, part, decoding) for part, decoding in enumerate(decodings)]
    misses = [figure_misses(found, target) for found, target in zip(figures, targets)]
    return {"figures": figures, "miss": float(sum(sum(m.values()) for m in misses))}


def folds(accompanist, splits: dict, targets, valid_read, fields=("bar_rest",), jobs: int = 1, log=print) -> dict:
    """Per fold X -> Y: the decodings with ``fields`` set on the validation readings plus half X, and on half Y
    the real parts' empty bar rate, and the figures and misses of those decodings and of the card's own."""
    pieces = halves(splits["train"])
    setting = {half: readings(accompanist, pieces[half], seeds=1) for half in HALVES}
    held_out = {half: readings(accompanist, pieces[half], seeds=1, first_seed=HELD_OUT_SEEDS) for half in HALVES}
    found = set_rests(accompanist, {name: valid_read + setting[x] for name, (x, _) in FOLDS.items()}, targets,
                      fields, jobs)
    out = {}
    for name, (x, y) in FOLDS.items():
        decodings = found[name]
        real = [figures["empty_bar_rate"] for figures in style_figures(pieces[y], len(decodings))]
        fold = measured(accompanist, held_out[y], decodings, targets)
        card = measured(accompanist, held_out[y], accompanist.decoding, targets)
        checked = out[name] = {
            "movements": len(pieces[y]), "real": real,
            "set": {field: [getattr(d, field) for d in decodings] for field in fields},
            "fold": [f["empty_bar_rate"] for f in fold["figures"]],
            "card": [f["empty_bar_rate"] for f in card["figures"]],
            "figures_miss_fold": fold["miss"], "figures_miss_card": card["miss"]}
        for key in ("fold", "card"):
            checked[f"miss_{key}"] = float(np.abs(np.subtract(checked[key], real)).sum())
        log(f"fold {x} -> {y} ({len(pieces[x])} movements set, {len(pieces[y])} held out): "
            + "; ".join(f"{field} {', '.join(f'{v:.4f}' for v in values)} (card's "
                        f"{', '.join(f'{getattr(d, field):.4f}' for d in accompanist.decoding)})"
                        for field, values in checked["set"].items())
            + f"; empty bars on {y}: real " + ", ".join(f"{v:.3f}" for v in real) + "; these "
            + ", ".join(f"{v:.3f}" for v in checked["fold"])
            + "; card's " + ", ".join(f"{v:.3f}" for v in checked["card"])
            + f"; summed miss {checked['miss_fold']:.4f} against the card's {checked['miss_card']:.4f}"
            + f"; all figures' miss on {y} {fold['miss']:.3f} against the card's {card['miss']:.3f}")
    return out


def with_decoding(accompanist, decodings):
    """The accompanist reading as before, decoding as ``decodings`` say."""
    changed = copy.copy(accompanist)
    changed.decoding = list(decodings)
    return changed


def judged(accompanist, splits, seed_sets: int, first_set: int) -> float:
    """`calibrate.judge`'s summed miss over the validation melodies, mean over the seed sets."""
    return float(np.mean([sum(sum(part.values()) for part in row)
                          for row in judge(accompanist, splits, seed_sets, first_set=first_set)]))


def weighed(checked: dict, valid_movements: int, judge_fold: float, judge_card: float) -> dict:
    """Rule 13's (2): the miss per movement the decoding had not been set on, K80's judge and the held-out
    halves weighed by their movements, for the fold decodings (with the candidate's judge) and for the card."""
    total = valid_movements + sum(fold["movements"] for fold in checked.values())
    return {key: (valid_movements * judge + sum(fold["movements"] * fold[f"figures_miss_{key}"]
                                                 for fold in checked.values())) / total
            for key, judge in (("fold", judge_fold), ("card", judge_card))}


def fields_for(threshold: bool, note_cost: bool, rhythm: bool, pace: bool, opening: bool = False) -> tuple:
    """The numbers set, in the order each round sets them."""
    if opening:
        return ("opening",)
    if not threshold:
        return ("bar_rest",)
    return (("rhythm_weight",) * rhythm + ("change_penalty",) * note_cost + ("pace",) * pace
            + ("bar_rest", "threshold"))


def openings(splits: dict, bars: int = OPENING_READ) -> dict:
    """Every split's pieces cut to their first ``bars`` bars."""
    return {name: [data.Piece(piece.name, piece.first_bars(bars), piece.meter, piece.changes) for piece in pieces]
            for name, pieces in splits.items()}


def with_melody_pace(decodings, melody_notes_per_bar: float) -> list:
    """The decodings, each part that counts no melody pace yet given the style's melodies' notes per bar (what
    its pace counts a melody's calm against), so that its pace can be set."""
    return [decoding if decoding.melody_notes_per_bar > 0
            else dataclasses.replace(decoding, melody_notes_per_bar=melody_notes_per_bar) for decoding in decodings]


def calibration_key(fields, opened: bool) -> str:
    """Where a rule's numbers go in the card's decoding_calibration: set again on a card whose parts already open
    calmly (rule 18), they are kept apart from the same numbers set before the opening was (rule 16's)."""
    key = CALIBRATION_KEYS.get(tuple(fields), "_and_".join(fields))
    return f"{key}_with_opening" if opened and "opening" not in fields else key


def write_rests(card_path: Path, decodings, fields, note: dict, key: str = None) -> None:
    """Store the numbers set in the card's decoding and how they were set in its decoding_calibration (under
    ``key``, or the fields' own)."""
    card = json.loads(card_path.read_text())
    for entry, decoding in zip(card["decoding"], decodings):
        for field in fields:
            entry[field] = getattr(decoding, field)
        if "pace" in fields:
            entry["melody_notes_per_bar"] = round(decoding.melody_notes_per_bar, 6)
    key = key or calibration_key(fields, False)
    card.setdefault("decoding_calibration", {})[key] = note
    card_path.write_text(json.dumps(card, indent=2) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_model_arguments(parser)
    parser.add_argument("--threshold", action="store_true",
                        help="set each part's rest threshold (to the sounding share) with its bar level (rule 13)")
    parser.add_argument("--note-cost", action="store_true",
                        help="with --threshold: set each part's note cost (to the notes per bar) first (rule 14)")
    parser.add_argument("--rhythm", action="store_true",
                        help="with --note-cost: set each part's rhythm weight (to the share of one-16th notes) "
                             "before it (rule 15)")
    parser.add_argument("--pace", action="store_true",
                        help="with --note-cost: set each part's pace (to how it follows the melody's notes per "
                             "bar) after it (rule 15)")
    parser.add_argument("--opening", action="store_true",
                        help=f"set only each part's opening cost, on the pieces' first {OPENING_READ} bars alone, to "
                             "their notes per bar (rule 17)")
    parser.add_argument("--judge", type=int, metavar="SETS", default=0,
                        help="also judge the card and the rests set on all melodies on SETS seed sets of the "
                             "validation melodies (calibrate --judge), and weigh it with the folds by movements")
    parser.add_argument("--judge-from", type=int, metavar="SET", default=NEXT_JUDGE_SET,
                        help="the first seed set the judge reads (default %(default)s: the sets before it are spent)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="settings side by side")
    parser.add_argument("--write", action="store_true",
                        help="after the folds, write the numbers set on the validation and all training melodies "
                             "into the card")
    args = parser.parse_args(argv)

    from keycomposer.models.gan import Accompanist, model_name
    from keycomposer.models.runtime import models_dir

    if args.note_cost and not args.threshold:
        parser.error("--note-cost sets the rests again after it: give --threshold too")
    if (args.rhythm or args.pace) and not args.note_cost:
        parser.error("--rhythm and --pace move the notes per bar: give --note-cost (and --threshold) too")
    if args.opening and (args.threshold or args.note_cost):
        parser.error("--opening sets the opening cost alone: leave out --threshold and the rest")
    fields = fields_for(args.threshold, args.note_cost, args.rhythm, args.pace, args.opening)
    accompanist = Accompanist(args.style, folder=args.models)
    splits = data.load(args.style, args.data, barred=True)
    if args.opening:
        splits = openings(splits)
    if args.pace:
        accompanist = with_decoding(accompanist, with_melody_pace(
            accompanist.decoding, style_motion(splits["train"], 0)["melody_notes_per_bar"]))
    if len({piece.name for piece in splits["train"]}) < 2:
        parser.error("the folds need at least two training pieces")
    targets = style_figures(splits["train"], len(accompanist.tracks))
    valid_read = readings(accompanist, splits["valid"], seeds=SEEDS)
    checked = folds(accompanist, splits, targets, valid_read, fields, args.jobs)
    if not (args.write or args.judge):
        return 0
    everything = valid_read + readings(accompanist, splits["train"], seeds=1)
    decodings = set_rests(accompanist, {"all": everything}, targets, fields, args.jobs)["all"]
    print("set on the validation and all training melodies: " + "; ".join(
        f"{name} " + ", ".join(f"{field} {getattr(d, field):.4f}" for field in fields)
        for (name, _), d in zip(accompanist.tracks, decodings)))
    judgement = {}
    if args.judge:
        card = judged(accompanist, splits, args.judge, args.judge_from)
        candidate = judged(with_decoding(accompanist, decodings), splits, args.judge, args.judge_from)
        combined = weighed(checked, len(splits["valid"]), candidate, card)
        sets = f"{args.judge_from}..{args.judge_from + args.judge - 1}"
        print(f"validation melodies, judged on sets {sets}: these {candidate:.3f}, the card's {card:.3f}; weighed "
              f"with the folds by movements: these {combined['fold']:.3f}, the card's {combined['card']:.3f}")
        judgement = {"judged": {"seed_sets": sets, "validation_miss": round(candidate, 3),
                                "validation_miss_before": round(card, 3),
                                "weighed_by_movements": round(combined["fold"], 3),
                                "weighed_by_movements_before": round(combined["card"], 3)}}
    if not args.write:
        return 0
    path = Path(args.models or models_dir()) / f"{model_name(args.style)}.json"
    opened = any(decoding.opening for decoding in accompanist.decoding)
    write_rests(path, decodings, fields, {
        "command": f"python -m tools.gan.bar_levels --style {args.style}"
                   + (" --threshold" if args.threshold else "") + (" --note-cost" if args.note_cost else "")
                   + (" --rhythm" if args.rhythm else "") + (" --pace" if args.pace else "")
                   + (" --opening" if args.opening else "")
                   + (f" --judge {args.judge} --judge-from {args.judge_from}" if args.judge else "") + " --write",
        "rule": f"each part's {' and '.join(fields)}, by bisection, so that its voices of the validation melodies "
                f"({SEEDS} generations each) and of the training melodies (1 each) reach the training pieces' "
                + " and ".join(SETS[field][0].replace("_", " ") for field in fields)
                + (f", every piece read in its first {OPENING_READ} bars alone" if args.opening else "")
                + (", the parts' openings as the card has them" if opened and not args.opening else "")
                + "; the test pieces are not read",
        "was": {field: [getattr(d, field) for d in accompanist.decoding] for field in fields},
        "folds": {name: {key: [round(v, 4) for v in value] if isinstance(value, list)
                         else {k: [round(x, 4) for x in v] for k, v in value.items()} if isinstance(value, dict)
                         else round(value, 4) for key, value in fold.items()} for name, fold in checked.items()},
        **judgement,
    }, calibration_key(fields, opened))
    print(f"wrote the {' and '.join(fields)} into {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
