"""Train the accompaniment GAN for one style: one command, one seed, a budget in epochs and/or minutes.

    nice -n 10 .venv-train/bin/python -m tools.gan.train --style bach --out out/gan/bach_run --minutes 30 --threads 2

The loss, the loop and its checkpoints live in keycomposer.trainers.gan (fitting: conditional WGAN-GP as in
DeepComposer's GAN notebook, described there; windows: the examples), which `keycomposer train gan` runs too;
this is the command line the shipped models were trained with. An evaluation on 256 fixed validation windows
runs every --log-every generator updates and prints a line; a checkpoint (generator, critic, both Adams) is kept
at most every --save-minutes. Writes into --out, at each checkpoint and at the end: generator.keras (the last
update's), generator_best.keras (the generator at its lowest validation cross-entropy: the one tools.gan.convert
ships by default), training.json (settings, data, the evaluations) and curves.png (the curves, and the parts
the generator writes for one validation melody); beside them the trainer's own checkpoint-STEP/ and state.json.
"""

import argparse
import json
import os
import shutil
import sys

from keycomposer.trainers.gan import fitting, networks as gan_model, pieces as data
from keycomposer.trainers.gan.windows import (  # noqa: F401  (the bench, convert and tests import them from here)
    PITCHES, SHIFTS, STEPS, WINDOW_START_GRID, WindowSampler, voice_of,
)

GRADIENT_PENALTY = fitting.GRADIENT_PENALTY
VALID_WINDOWS = 256
BEST = "generator_best.keras"  # the generator at its lowest validation cross-entropy so far


def write_outputs(args, splits, train_pieces, state, final: bool) -> dict:
    """generator.keras, generator_best.keras and training.json from the trainer's current checkpoint."""
    for name, kept in ((fitting.GENERATOR, "generator.keras"), (fitting.BEST, BEST)):
        partial = os.path.join(args.out, "partial_" + kept)
        shutil.copyfile(fitting.checkpoint_file(args.out, state, name), partial)
        os.replace(partial, os.path.join(args.out, kept))  # renamed: a cut-off save breaks nothing
    best = state["best"]
    record = {
        "style": args.style, "settings": vars(args), "lowest_pitch": gan_model.LOWEST_PITCH[args.style],
        "steps": STEPS, "pitches": PITCHES, "noise_channels": gan_model.NOISE_CHANNELS,
        "train_pieces": len(train_pieces), "train_windows": state["train_windows"],
        "valid_pieces": len(splits["valid"]), "test_pieces": len(splits["test"]),
        "generator_updates": state["step"], "epochs_done": state["epochs_done"],
        "minutes": round(state["seconds"] / 60, 2), "finished": final,
        "generator_parameters": state["architecture"]["generator_parameters"],
        "best_valid": {"valid_cross_entropy": best["valid_cross_entropy"], "iteration": best["step"]},
        "history": state["history"],
    }
    with open(os.path.join(args.out, "partial_training.json"), "w") as f:
        json.dump(record, f)
    os.replace(os.path.join(args.out, "partial_training.json"), os.path.join(args.out, "training.json"))
    return record


def train(args) -> dict:
    splits = data.load(args.style, args.data, barred=True)
    train_pieces = splits["train"][:args.limit_pieces] if args.limit_pieces else splits["train"]
    splits = dict(splits, train=train_pieces)
    state = fitting.fit(
        args.out, splits, lowest=gan_model.LOWEST_PITCH[args.style], seed=args.seed, batch=args.batch, lr=args.lr,
        update_ratio=args.update_ratio, auxiliary=args.auxiliary, width=args.width, epochs=args.epochs or None,
        minutes=args.minutes or None, eval_every=args.log_every, save_minutes=args.save_minutes,
        valid_windows=VALID_WINDOWS, threads=args.threads, data=args.data, title=f"GAN {args.style}",
        report=lambda line: print(f"{args.style}: {line}", flush=True),
        on_checkpoint=lambda state: write_outputs(args, splits, train_pieces, state, final=False))
    record = write_outputs(args, splits, train_pieces, state, final=True)
    print(f"done: {record['generator_updates']} generator updates in {record['minutes']} min; wrote {args.out}",
          flush=True)
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", choices=sorted(data.STYLES), required=True)
    parser.add_argument("--out", required=True, help="run folder for generator.keras, training.json, curves.png")
    parser.add_argument("--epochs", type=float, default=0, help="stop after this many epochs (0: no limit)")
    parser.add_argument("--minutes", type=float, default=0, help="stop after this many minutes (0: no limit)")
    parser.add_argument("--lr", type=float, default=2e-4, help="Adam learning rate, both nets (default %(default)s)")
    parser.add_argument("--update-ratio", type=int, default=2,
                        help="critic updates per generator update (DeepComposer: 5; default %(default)s)")
    parser.add_argument("--auxiliary", type=float, default=1.0,
                        help="weight of the cross-entropy to the real parts in the generator's loss (0: pure "
                             "WGAN-GP as DeepComposer; default %(default)s)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--width", type=int, default=gan_model.DEFAULT_WIDTH, help="generator channels")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow intra- and inter-op threads (default 1)")
    parser.add_argument("--log-every", type=int, default=50, help="generator updates between evaluations")
    parser.add_argument("--save-minutes", type=float, default=2.0, help="minutes between checkpoints")
    parser.add_argument("--limit-pieces", type=int, default=0, help="train on only the first N pieces (smoke runs)")
    parser.add_argument("--data", default=os.path.join("out", "gan"), help="cache folder from tools.gan.data")
    args = parser.parse_args(argv)
    if not args.epochs and not args.minutes:
        parser.error("give --epochs or --minutes (or both): training needs a budget")
    if args.update_ratio < 1 or args.batch < 1 or args.lr <= 0 or args.auxiliary < 0 or args.width < 1:
        parser.error("--update-ratio, --batch and --width must be at least 1, --lr positive, --auxiliary not negative")
    train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
