"""Train the Transformer-XL on the cached corpus melodies, from one command, with a seed and a budget.

    nice -n 5 .venv-train/bin/python -m tools.txl.train --minutes 60 --seed 0 --out out/txl/run

The windows (keycomposer.trainers.txl.windows) and the loop with its checkpoints (keycomposer.trainers.txl.fitting)
are the ones `keycomposer train txl` runs; this is the command line the shipped model was trained with. Progress
goes to stdout (a line at each evaluation); the run folder gets fitting's checkpoint.npz, best.npz, state.json
and curves.png, and the files tools/txl/convert.py reads: weights.npz (the best validation loss so far),
history.json and loss.png. `--resume` goes on from the folder's checkpoint.
"""

import argparse
import json
import os
import shutil
import sys

from keycomposer.trainers.txl import fitting
from keycomposer.trainers.txl.network import Shape
from keycomposer.trainers.txl.windows import (  # noqa: F401  (the bench and tests import them from here)
    STYLE_IDS, TRANSPOSE, Batches, fixed_windows, transposed, window,
)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join("out", "txl", "melodies.npz"))
    parser.add_argument("--out", default=os.path.join("out", "txl", "run"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=25.0, help="wall-clock budget (the run stops here)")
    parser.add_argument("--steps", type=int, default=100_000, help="step budget (the run stops here)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--segments", type=int, default=2, help="segments per example, fed with memory carried")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--eval-every", type=int, default=50)
    parser.add_argument("--eval-windows", type=int, default=128)
    parser.add_argument("--classical-share", type=float, default=0.5, help="share of classical rows per batch")
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--inner", type=int, default=512)
    parser.add_argument("--memory", type=int, default=256)
    parser.add_argument("--segment", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow intra- and inter-op threads")
    parser.add_argument("--max-pieces", type=int, default=0, help="train on the first N pieces only (smoke tests)")
    parser.add_argument("--init", metavar="RUN", help="start from RUN/weights.npz (a run of the same shape) instead "
                        "of random weights; the schedule starts again, so give it a lower --lr and --warmup 1")
    parser.add_argument("--resume", action="store_true", help="go on from the checkpoint in --out")
    args = parser.parse_args(argv)

    from tools.txl import data

    shape = Shape(args.layers, args.width, args.heads, args.inner, args.memory, args.segment)
    splits = data.load(args.data)
    splits["train"] = splits["train"][: args.max_pieces or None]
    state = fitting.fit(args.out, splits, shape=shape, seed=args.seed, batch=args.batch, lr=args.lr,
                        max_steps=args.steps, minutes=args.minutes, warmup=args.warmup, segments=args.segments,
                        classical_share=args.classical_share, eval_every=args.eval_every,
                        eval_windows=args.eval_windows, threads=args.threads, resume=args.resume, data=args.data,
                        init=args.init and os.path.join(args.init, "weights.npz"),
                        report=lambda line: print(line, flush=True))
    shutil.copyfile(os.path.join(args.out, fitting.BEST), os.path.join(args.out, "weights.npz"))
    shutil.copyfile(os.path.join(args.out, fitting.PICTURE), os.path.join(args.out, "loss.png"))
    best = state["best"]["valid_loss"]
    settings = dict(vars(args), shape=state["shape"], steps_done=state["step"],
                    tokens_per_step=state["settings"]["tokens_per_step"], best_valid_loss=best,
                    best_step=state["best"]["step"], seconds=state["seconds"], train_pieces=len(splits["train"]),
                    valid_windows=args.eval_windows)
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump({"settings": settings, "history": state["history"]}, f)
    print(f"done: {state['step']} steps, best validation loss {best:.3f} at step {state['best']['step']}",
          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
