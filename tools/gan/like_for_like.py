"""Two decodings set by `tools.gan.bar_levels` compared like for like: each rule's numbers as set on the same
fold, on the half that fold held out, with seeds neither setting read.

    .venv/bin/python -m tools.gan.like_for_like --style quartet --models RULE14_CARD --candidate RULE15_CARD \\
        --candidate-key rhythm_pace_note_cost_and_rests --baseline-key note_cost_and_rests \\
        --judge 8 --judge-from 89                                                   # rule 16
    .venv/bin/python -m tools.gan.like_for_like --style quartet --models RULE17_CARD --candidate RULE18_CARD \\
        --candidate-key rhythm_pace_note_cost_and_rests_with_opening \\
        --baseline-key rhythm_pace_note_cost_and_rests --first-seed 70000 --judge 8 --judge-from 105   # rule 18

(RULE14_CARD: a folder with the model and the card as rule 14 shipped it, `git show
f8d130d:models_tflite/gan_quartet.json`; RULE15_CARD: the card rule 15's `bar_levels --write` wrote, which
models_tflite/ now holds with rule 16's figures added. Rule 18: both sides carry the card's opening (rule 17), the
baseline with the numbers rule 15 set on each fold without it, the candidate with those set again with it.)

`bar_levels` checks a candidate's fold decodings (set on K80 and one half of the training quartets) against the
card, but once a card's numbers were set on all training quartets (rules 13 and 14), the card is in-sample on
every held-out half and the folds are not: rule 14's own fold A -> B missed 19.090 on half B where the card,
set with B, missed 15.188. Here both sides are fold decodings: the baseline card's decoding with the numbers its
rule set on the fold (its card's `decoding_calibration[BASELINE_KEY].folds`), and the candidate card's with its
own. Each is read on the held-out half with seeds from FRESH_SEEDS; with `--judge`, the two cards' own
decodings are judged on K80 and weighed with the folds by movements (`bar_levels.weighed`). Nothing is set or
written; the test pieces are not read.
"""

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from tools.gan import data
from tools.gan.bar_levels import FOLDS, judged, measured, weighed
from tools.gan.calibrate import NEXT_JUDGE_SET, readings, style_figures
from tools.gan.data import halves

FRESH_SEEDS = 60_000  # held-out halves read from here: apart from bar_levels' settings (0 on) and checks (50,000 on)
# (rule 16 read from 60,000, rule 18 from 70,000 with --first-seed: a next rule reads from another 10,000)


def fold_decodings(decodings, folds: dict) -> dict:
    """Per fold (its name in a card's `folds`), ``decodings`` with the numbers that fold set."""
    return {name: [dataclasses.replace(decoding, **{field: values[part] for field, values in fold["set"].items()})
                   for part, decoding in enumerate(decodings)]
            for name, fold in folds.items()}


def started_elsewhere(was: dict, baseline_decodings) -> list:
    """The numbers (of a candidate entry's ``was``: field -> per part) in which the decoding the candidate's rule
    started from differs from the baseline card's: a baseline fold is the baseline card with its fold's numbers,
    so it is the baseline rule's fold only while the rest of that card is still what both rules started from."""
    return [field for field, values in was.items()
            if any(abs(getattr(decoding, field) - value) > 1e-6 for decoding, value in zip(baseline_decodings, values))]


def compared(accompanist, splits, baseline: dict, candidate: dict, first_seed: int = FRESH_SEEDS) -> dict:
    """Per fold "X->Y": the movements of Y and the 8-figure misses on Y of the baseline's and the candidate's
    decodings of that fold (``baseline``, ``candidate``: fold name -> decodings)."""
    pieces = halves(splits["train"])
    targets = style_figures(splits["train"], len(accompanist.tracks))
    out = {}
    for name in baseline:
        held_out = FOLDS[name][1]
        read = readings(accompanist, pieces[held_out], seeds=1, first_seed=first_seed)
        out[name] = {"movements": len(pieces[held_out]),
                     "figures_miss_card": measured(accompanist, read, baseline[name], targets)["miss"],
                     "figures_miss_fold": measured(accompanist, read, candidate[name], targets)["miss"]}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data.add_model_arguments(parser)
    parser.add_argument("--candidate", required=True, help="folder of the candidate card (the same model file)")
    parser.add_argument("--candidate-key", required=True, help="its decoding_calibration entry with the folds")
    parser.add_argument("--baseline-key", required=True, help="the baseline card's (--models) entry with the folds")
    parser.add_argument("--first-seed", type=int, default=FRESH_SEEDS, help="held-out halves' seeds from here")
    parser.add_argument("--judge", type=int, metavar="SETS", default=0,
                        help="also judge both cards on SETS seed sets of the validation melodies and weigh them "
                             "with the folds by movements")
    parser.add_argument("--judge-from", type=int, metavar="SET", default=NEXT_JUDGE_SET,
                        help="the first seed set the judge reads (default %(default)s: the sets before it are spent)")
    args = parser.parse_args(argv)

    from keycomposer.models.gan import Accompanist, model_name
    from keycomposer.models.runtime import models_dir

    sides = {"baseline": (args.models, args.baseline_key), "candidate": (args.candidate, args.candidate_key)}
    entries = {}  # every card checked before any model is read
    for side, (folder, key) in sides.items():
        card = json.loads((Path(folder or models_dir()) / f"{model_name(args.style)}.json").read_text())
        entries[side] = card.get("decoding_calibration", {}).get(key, {})
        if sorted(entries[side].get("folds") or ()) != sorted(FOLDS):
            parser.error(f"the {side} card has no folds {' and '.join(FOLDS)} under decoding_calibration.{key}")
    folds = {side: entry["folds"] for side, entry in entries.items()}
    baseline, candidate = (Accompanist(args.style, folder=sides[side][0]) for side in ("baseline", "candidate"))
    moved = started_elsewhere(entries["candidate"].get("was", {}), baseline.decoding)
    if moved:
        parser.error(f"the candidate's rule started from another {', '.join(moved)} than the baseline card has: "
                     "give --models the card it started from (the baseline rule's own card)")
    baseline_folds = fold_decodings(baseline.decoding, folds["baseline"])
    candidate_folds = fold_decodings(candidate.decoding, folds["candidate"])
    splits = data.load(args.style, args.data, barred=True)
    checked = compared(candidate, splits, baseline_folds, candidate_folds, args.first_seed)
    for name, fold in checked.items():
        print(f"fold {name}, {fold['movements']} movements held out, seeds from {args.first_seed}: 8-figure miss "
              f"{fold['figures_miss_fold']:.3f} ({args.candidate_key}) against {fold['figures_miss_card']:.3f} "
              f"({args.baseline_key})")
    if args.judge:
        judge_candidate = judged(candidate, splits, args.judge, args.judge_from)
        judge_baseline = judged(baseline, splits, args.judge, args.judge_from)
        combined = weighed(checked, len(splits["valid"]), judge_candidate, judge_baseline)
        print(f"validation melodies, judged on sets {args.judge_from}..{args.judge_from + args.judge - 1}: candidate "
              f"{judge_candidate:.3f}, baseline {judge_baseline:.3f}; weighed with the folds by movements: candidate "
              f"{combined['fold']:.3f}, baseline {combined['card']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
