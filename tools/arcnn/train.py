"""Train the AR-CNN on the Bach chorales the Coconet way: hide some voice cells, learn to fill them in.

    nice -n 5 .venv-train/bin/python -m tools.arcnn.train --out out/arcnn/run --seed 0 --minutes 55

The examples, their masks, the loss and the loop live in keycomposer.trainers.arcnn (examples, fitting; the
masks are described there), which `keycomposer train arcnn` runs too; this is the command line the shipped
model was trained with. Writes model.keras, training.json (settings and curves) and curves.png.
"""

import argparse
import json
import os
import shutil
import sys

from keycomposer.trainers.arcnn import chorales as data, fitting, network as arcnn_model
from keycomposer.trainers.arcnn.examples import (  # noqa: F401  (the bench and tests import them from here)
    BEAT_MASKED_SHARE, SOPRANO_MASKED_SHARE, STEPS, WHOLE_VOICES_MASKED_SHARE, ExampleSampler, beat_mask, cosine,
    corruption_mask, fixed_examples, key_shifts, masked_cross_entropy, model_card, plot_curves,
)


def deepcomposer_build():
    from tools.arcnn import deepcomposer_network
    return deepcomposer_network.build


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "arcnn", "run"))
    parser.add_argument("--cache", default=data.DEFAULT_CACHE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=100_000, help="most optimizer steps (default %(default)s)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate, cosine-decayed to 5 %%")
    parser.add_argument("--width", type=int, default=arcnn_model.DEFAULT_WIDTH)
    parser.add_argument("--dilations", default=",".join(map(str, arcnn_model.DEFAULT_DILATIONS)))
    parser.add_argument("--eval-every", type=int, default=200)
    parser.add_argument("--valid-examples", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--network", choices=("ours", "deepcomposer"), default="ours",
                        help="deepcomposer: the anchor's U-Net on the same task, for the bench's baseline row")
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop after this much wall time; the learning rate then decays over it, not over --steps")
    args = parser.parse_args(argv)

    splits = data.load(args.cache)
    dilations = tuple(int(d) for d in args.dilations.split(","))
    state = fitting.fit(args.out, splits, seed=args.seed, batch=args.batch, lr=args.lr, max_steps=args.steps,
                        minutes=args.minutes, width=args.width, dilations=dilations, eval_every=args.eval_every,
                        valid_examples=args.valid_examples, threads=args.threads,
                        data=args.cache, build=deepcomposer_build() if args.network == "deepcomposer" else None)
    shutil.copyfile(os.path.join(args.out, fitting.CHECKPOINT), os.path.join(args.out, "model.keras"))
    history, step = state["history"], state["step"]
    training = {
        "settings": {
            "seed": args.seed,
            "steps": step,
            "steps_planned": args.steps,
            "batch": args.batch,
            "optimizer": (f"Adam, peak learning rate {args.lr}, cosine decay to 5 % over "
                          + (f"the {args.minutes} minutes (wall time)" if args.minutes else "the planned steps")),
            "threads": args.threads,
            "wall_seconds": round(state["seconds"]),
            "cache": args.cache,
            "command": "python -m tools.arcnn.train " + " ".join(argv if argv is not None else sys.argv[1:]),
            "examples": ("8-bar windows starting on a beat, transposed to a random key that fits (-6..+5); masks: "
                         f"{WHOLE_VOICES_MASKED_SHARE:.0%} alto+tenor+bass whole, {BEAT_MASKED_SHARE:.0%} each "
                         "lower voice's beats (4 steps, grid shifted 0..3) with probability r ~ U(0,1), the rest "
                         f"each lower-voice cell with probability r, and in {SOPRANO_MASKED_SHARE:.0%} of those the soprano's too"),
        },
        "architecture": {
            "kind": "1x1 conv in, residual blocks (ReLU, 3-tap dilated Conv1D, ReLU, 1x1 Conv1D), 1x1 conv out",
            "width": args.width,
            "dilations": list(dilations),
            "parameters": state["architecture"]["parameters"],
        } if args.network == "ours" else {
            "kind": "DeepComposer's U-Net on the voice task (tools/arcnn/deepcomposer_network.py)",
            "parameters": state["architecture"]["parameters"],
        },
        "data": {
            "source": "music21 corpus.chorales.Iterator(): the Bach chorales with exactly four parts, notes per voice",
            "split": "by chorale: sha256(corpus name) first 4 bytes mod 100: <60 train, <80 validation, else test",
            "chorales": {name: len(items) for name, items in splits.items()},
            "test_ids": [c.id for c in splits["test"]],
        },
        "history": history,
    }
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(training, f, indent=2)
    print(f"saved {args.out}/model.keras, training.json and curves.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
