"""Train the AR-CNN on the Bach chorales the Coconet way: hide some voice cells, learn to fill them in.

    nice -n 5 .venv-train/bin/python -m tools.arcnn.train --out out/arcnn/run --seed 0 --minutes 22

Each example is an 8-bar window of a training chorale (four voices, one class per voice per 16th step:
keycomposer.models.voice_grid), transposed to a random key that fits the range. A share r ~ U(0, 1) of the
alto, tenor and bass cells is masked (Coconet's masks), in 40 % of examples by whole beats (4 steps, the
blocks the sampler rewrites at once), else cell by cell; in 30 % of examples the soprano's cells are masked at
the same rate too (what the sampler does where removal is allowed), and in 20 % the three lower voices are
masked whole (where a harmonization starts). The loss is the cross-entropy of the masked cells, averaged per
example over its masked cells. Writes model.keras, training.json (settings and curves) and curves.png.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from keycomposer.models import voice_grid
from tools.arcnn import data, model as arcnn_model

STEPS = arcnn_model.STEPS
WINDOW_START_GRID = 4  # windows start on a beat
SOPRANO_MASKED_SHARE = 0.3
WHOLE_VOICES_MASKED_SHARE = 0.2
BEAT_MASKED_SHARE = 0.4  # of all examples: lower voices hidden by whole beats, else by single cells
STEPS_PER_BEAT = 4
LOWEST = voice_grid.LOWEST_PITCH
HIGHEST = voice_grid.LOWEST_PITCH + voice_grid.PITCHES - 1


def key_shifts(chorale) -> np.ndarray:
    """The transpositions -6..+5 that keep the chorale inside the network's pitch range."""
    low, high = chorale.pitch_range()
    return np.arange(max(-6, LOWEST - low), min(5, HIGHEST - high) + 1)


def corruption_mask(rng, steps_sounding: int, steps: int = STEPS) -> np.ndarray:
    """(4, steps) bool: the cells to hide, as the module docstring describes; never past the piece's end."""
    masked = np.zeros((4, steps), dtype=bool)
    draw = rng.random()
    if draw < WHOLE_VOICES_MASKED_SHARE:
        masked[1:] = True
    else:
        rate = rng.random()
        if draw < WHOLE_VOICES_MASKED_SHARE + BEAT_MASKED_SHARE:
            masked[1:] = beat_mask(rng, (3, steps), rate)
        else:
            masked[1:] = rng.random((3, steps)) < rate
        if rng.random() < SOPRANO_MASKED_SHARE:
            masked[0] = rng.random(steps) < rate
    masked[:, steps_sounding:] = False
    if not masked.any():
        masked[1 + rng.integers(3), rng.integers(max(steps_sounding, 1))] = True
    return masked


def beat_mask(rng, shape, rate: float) -> np.ndarray:
    """Whole beats of each voice hidden with probability `rate`, the beats' grid shifted by a random 0..3
    steps: the blocks the sampler rewrites at once (keycomposer.models.arcnn), so it learns to fill them."""
    voices, steps = shape
    offset = int(rng.integers(STEPS_PER_BEAT))
    blocks = rng.random((voices, steps // STEPS_PER_BEAT + 2)) < rate
    return np.repeat(blocks, STEPS_PER_BEAT, axis=1)[:, offset:offset + steps]


class ExampleSampler:
    """Draws (network input, target classes, masked cells) from chorales: (STEPS, inputs), (4, STEPS), (4, STEPS)."""

    def __init__(self, chorales, rng, transpose: bool = True):
        self.rng = rng
        self.chorales = [c for c in chorales if len(key_shifts(c))]
        self.transpose = transpose
        starts = np.array([max(c.steps - STEPS // 2, 0) // WINDOW_START_GRID + 1 for c in self.chorales], float)
        self.weights = starts / starts.sum()

    def example(self):
        chorale = self.chorales[self.rng.choice(len(self.chorales), p=self.weights)]
        start = WINDOW_START_GRID * self.rng.integers(0, max(chorale.steps - STEPS // 2, 0) // WINDOW_START_GRID + 1)
        shift = int(self.rng.choice(key_shifts(chorale))) if self.transpose else 0
        classes = chorale.classes(start, STEPS, shift)
        masked = corruption_mask(self.rng, min(chorale.steps - start, STEPS))
        return voice_grid.network_input(classes, masked), classes, masked

    def batch(self, size):
        examples = [self.example() for _ in range(size)]
        return tuple(np.stack([e[k] for e in examples]) for k in range(3))


def fixed_examples(chorales, count, seed, transpose=False):
    return ExampleSampler(chorales, np.random.default_rng(seed), transpose).batch(count)


def masked_cross_entropy(tf, classes, masked, logits):
    """Per example: mean over its masked cells of -log p(true class). (batch,) tensor."""
    per_cell = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=classes, logits=logits)  # (B, T, 4)
    weight = tf.cast(masked, per_cell.dtype)
    return tf.reduce_sum(per_cell * weight, axis=[1, 2]) / tf.reduce_sum(weight, axis=[1, 2])


def cosine(peak: float, progress: float, floor: float = 0.05) -> float:
    """The learning rate at `progress` (0..1) of the run: cosine decay from `peak` to `floor` x peak."""
    progress = min(max(progress, 0.0), 1.0)
    return peak * (floor + (1 - floor) * 0.5 * (1 + np.cos(np.pi * progress)))


def model_card(training: dict) -> dict:
    """The card's fixed parts; convert.py adds file, sha256 and tensors, the benchmark adds figures."""
    settings = training["settings"]
    return {
        "name": "arcnn_bach",
        "technique": ("AR-CNN (DeepComposer's parameters) sampled as Coconet: a convolutional network scores every "
                      "voice's class at every 16th step; blocked Gibbs sampling with an annealed mask fills in the "
                      "alto, tenor and bass under the person's melody"),
        "trained_by": "keycomposer: tools/arcnn/train.py, then tools/arcnn/convert.py",
        "quantization": "full int8 (weights and activations), float32 input and output",
        "grid": {
            "steps": STEPS,
            "steps_per_quarter": data.STEPS_PER_QUARTER,
            "voices": list(voice_grid.VOICES),
            "lowest_pitch": voice_grid.LOWEST_PITCH,
            "pitches": voice_grid.PITCHES,
            "classes": ("per voice per step: 0 rest, 1 + i pitch lowest_pitch + i struck, 1 + pitches + i the same "
                        "pitch held (keycomposer.models.voice_grid)"),
            "input": "(1, steps, 4 * classes + 4): each voice's one-hot class (zeros where masked), then 4 mask flags",
            "output": "(1, steps, 4, classes) logits: a softmax per voice per step",
            "why_this_range": ("The chorales use MIDI 36..88; E1 (28) to G6 (91) lets training transpose almost each "
                               "of them to all 12 keys (shifts -6..+5 that keep it inside) and covers the keyboard's "
                               "C3..G5 with an octave shift either way."),
        },
        "data": training["data"],
        "training": settings,
        "architecture": training["architecture"],
        "sampling": ("keycomposer.models.arcnn: blocked Gibbs with Coconet's annealed mask (share of the written "
                     "voices resampled falls linearly from 100 % to 5 % over 3/4 of the iterations), after the first "
                     "step by whole beats of a voice (blocks of 4 steps on a grid shifted at random, drawn in time "
                     "order), soprano clamped to the person's melody; the part-writing rule: after each draw, a note "
                     "written on either side of a parallel fifth or octave gets another pitch from its first cell's "
                     "softmax, keeping its length. Iterations = Gibbs steps, creative risk = temperature, max notes "
                     "to add = cap on the added voices' notes (the most probable kept), max % removed = share of the "
                     "melody's notes the sampler may rewrite (the least probable under the harmony; 0 by default, the "
                     "melody kept as played). Default creative risk 0.3 and blocks of 4, chosen on the validation "
                     "sopranos: figures.selection_on_valid."),
        "curves": "arcnn_bach_curves.png beside this card",
    }


def plot_curves(history: list, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [h["step"] for h in history]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, [h["train_loss"] for h in history], label="train (running mean)")
    ax.plot(steps, [h["valid_loss"] for h in history], label="validation")
    ax.set_xlabel("step")
    ax.set_ylabel("nats per masked voice cell")
    ax.set_title("AR-CNN Bach (Coconet-style voices)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


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
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop after this much wall time; the learning rate then decays over it, not over --steps")
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import keras

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(args.seed)

    splits = data.load(args.cache)
    sampler = ExampleSampler(splits["train"], np.random.default_rng(args.seed))
    valid = fixed_examples(splits["valid"], args.valid_examples, 1000 + args.seed)
    dilations = tuple(int(d) for d in args.dilations.split(","))
    net = arcnn_model.build(args.width, dilations)
    optimizer = keras.optimizers.Adam(args.lr)

    @tf.function(reduce_retracing=True)
    def train_step(x, classes, masked):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(masked_cross_entropy(tf, classes, masked, net(x, training=True)))
        grads = tape.gradient(loss, net.trainable_variables)
        optimizer.apply_gradients(zip(grads, net.trainable_variables))
        return loss

    @tf.function(reduce_retracing=True)
    def eval_step(x, classes, masked):
        return masked_cross_entropy(tf, classes, masked, net(x, training=False))

    def validation() -> float:
        x, classes, masked = valid
        losses = [eval_step(x[i:i + 32], classes[i:i + 32].transpose(0, 2, 1), masked[i:i + 32].transpose(0, 2, 1))
                  for i in range(0, len(x), 32)]
        return float(np.mean(np.concatenate([np.asarray(l) for l in losses])))

    os.makedirs(args.out, exist_ok=True)
    history, recent = [], []
    started = time.monotonic()
    step = 0
    for step in range(1, args.steps + 1):
        optimizer.learning_rate.assign(cosine(args.lr, step / args.steps if not args.minutes
                                    else (time.monotonic() - started) / (args.minutes * 60)))
        x, classes, masked = sampler.batch(args.batch)
        recent.append(float(train_step(x, classes.transpose(0, 2, 1), masked.transpose(0, 2, 1))))
        if step % args.eval_every == 0 or step == args.steps:
            elapsed = time.monotonic() - started
            history.append({"step": step, "seconds": round(elapsed, 1),
                            "train_loss": round(float(np.mean(recent)), 4), "valid_loss": round(validation(), 4)})
            recent = []
            print(f"step {step}/{args.steps}  train {history[-1]['train_loss']:.3f}  "
                  f"valid {history[-1]['valid_loss']:.3f}  {elapsed / 60:.1f} min, "
                  f"{step * args.batch / elapsed:.1f} examples/s", flush=True)
            net.save(os.path.join(args.out, "model.keras"))  # a stopped run keeps its last evaluated weights
            plot_curves(history, os.path.join(args.out, "curves.png"))
            if args.minutes and elapsed > args.minutes * 60:
                print(f"stopping: the {args.minutes} minute budget is spent", flush=True)
                break
    net.save(os.path.join(args.out, "model.keras"))
    training = {
        "settings": {
            "seed": args.seed,
            "steps": step,
            "steps_planned": args.steps,
            "batch": args.batch,
            "optimizer": (f"Adam, peak learning rate {args.lr}, cosine decay to 5 % over "
                          + (f"the {args.minutes} minutes (wall time)" if args.minutes else "the planned steps")),
            "threads": args.threads,
            "wall_seconds": round(time.monotonic() - started),
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
            "parameters": int(net.count_params()),
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
    plot_curves(history, os.path.join(args.out, "curves.png"))
    print(f"saved {args.out}/model.keras, training.json and curves.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
