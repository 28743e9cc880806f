"""Train the AR-CNN on the Bach chorales: one command, one seed, a fixed number of steps.

    .venv-train/bin/python -m tools.arcnn.train --out out/arcnn/run      # about 25 minutes on 2 CPU cores

Each example is an 8-bar window of a training chorale, transposed to a random key that fits the roll, with a
random share (0..100 %) of its notes removed and 1..1.5 % of its empty cells switched on; the target is the
set of cells to flip back. The loss is a softmax over each example's cells (`--loss example`), not over the
whole batch at once as DeepComposer's `K.flatten` did (`--loss batch`, kept to measure the difference).
Writes model.keras, training.json (settings and curves) and curves.png into --out.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from tools.arcnn import data, model as arcnn_model

STEPS = arcnn_model.STEPS
LOWEST = arcnn_model.LOWEST_PITCH
PITCHES = arcnn_model.PITCHES
WINDOW_START_GRID = 4  # windows start on a beat, so the net can learn where beats fall
REMOVE_SHARE = (0.0, 1.0)
ADD_SHARE = (0.01, 0.015)


class ExampleSampler:
    """Draws (corrupted roll, cells to flip) pairs, both (STEPS, PITCHES) bool, from chorales' rolls."""

    def __init__(self, chorales, rng, lowest=LOWEST, pitches=PITCHES):
        self.rng = rng
        self.lowest, self.pitches = lowest, pitches
        self.rolls = []
        self.shifts = []
        for _, roll in chorales:
            used = np.nonzero(roll.any(axis=0))[0]
            low, high = lowest - used.min(), lowest + pitches - 1 - used.max()
            if low > high:
                continue  # wider than the roll: cannot be placed whole in any key
            keys = np.arange(max(low, -6), min(high, 5) + 1)  # the 12 keys around the original when they fit
            if len(keys) == 0:
                keys = np.array([low if low > 0 else high])
            padded = roll if len(roll) >= STEPS else np.pad(roll, ((0, STEPS - len(roll)), (0, 0)))
            self.rolls.append(padded)
            self.shifts.append(keys)
        starts = [(len(r) - STEPS) // WINDOW_START_GRID + 1 for r in self.rolls]
        self.weights = np.array(starts, dtype=float) / sum(starts)

    def window(self) -> np.ndarray:
        k = self.rng.choice(len(self.rolls), p=self.weights)
        roll = self.rolls[k]
        start = WINDOW_START_GRID * self.rng.integers(0, (len(roll) - STEPS) // WINDOW_START_GRID + 1)
        shift = self.rng.choice(self.shifts[k])
        shifted = np.roll(roll[start:start + STEPS], shift, axis=1)  # the shift keeps every note inside the band
        return shifted[:, self.lowest:self.lowest + self.pitches]

    def example(self):
        clean = self.window()
        corrupted = remove_notes(clean, self.rng.uniform(*REMOVE_SHARE), self.rng)
        corrupted = add_cells(corrupted, self.rng.uniform(*ADD_SHARE), self.rng)
        return corrupted, corrupted ^ clean

    def batch(self, size):
        pairs = [self.example() for _ in range(size)]
        return np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs])


def remove_notes(roll: np.ndarray, share: float, rng) -> np.ndarray:
    """Removes each note (a run of on cells in one pitch) with probability `share`."""
    starts = roll.copy()
    starts[1:] &= ~roll[:-1]
    run_of_cell = np.cumsum(starts.T.ravel()).reshape(roll.shape[::-1]).T  # runs never cross pitches
    removed = rng.random(run_of_cell.max() + 1) < share
    return roll & ~removed[run_of_cell]


def add_cells(roll: np.ndarray, share: float, rng) -> np.ndarray:
    """Switches on each empty cell with probability `share`."""
    return roll | (~roll & (rng.random(roll.shape) < share))


def flip_loss(per: str):
    """Cross-entropy between the cells to flip (as a uniform distribution) and the softmax of the logits,
    taken per example (`example`) or over the flattened batch (`batch`, DeepComposer's K.flatten)."""
    import tensorflow as tf

    def per_example(target, logits):
        n = tf.shape(logits)[0]
        target = tf.reshape(target, (n, -1))
        logits = tf.reshape(logits, (n, -1))
        share = target / tf.maximum(tf.reduce_sum(target, axis=1, keepdims=True), 1.0)
        return tf.reduce_mean(-tf.reduce_sum(share * tf.nn.log_softmax(logits, axis=1), axis=1))

    def whole_batch(target, logits):
        target = tf.reshape(target, (-1,))
        share = target / tf.maximum(tf.reduce_sum(target), 1.0)
        return -tf.reduce_sum(share * tf.nn.log_softmax(tf.reshape(logits, (-1,))))

    return {"example": per_example, "batch": whole_batch}[per]


def fixed_examples(chorales, count, seed, lowest=LOWEST, pitches=PITCHES):
    """The same corrupted windows every run: for validation curves and the benchmark."""
    return ExampleSampler(chorales, np.random.default_rng(seed), lowest, pitches).batch(count)


def reference_architecture():
    """DeepComposer's U-Net from ../shared/reference (128 pitches), to train on the same data and budget."""
    import importlib.util

    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "reference", "deepcomposer_arcnn.py")
    spec = importlib.util.spec_from_file_location("deepcomposer_arcnn", os.path.abspath(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(steps=STEPS, pitches=data.MIDI_PITCHES)


def model_card(training: dict) -> dict:
    """The card's fixed parts; convert.py adds file, sha256 and tensors, the benchmark adds figures."""
    settings = training["settings"]
    return {
        "name": "arcnn_bach",
        "technique": "AR-CNN (DeepComposer): a U-Net that finds notes to add or remove in a binary piano roll",
        "trained_by": "keycomposer: tools/arcnn/train.py, then tools/arcnn/convert.py",
        "quantization": "full int8 (weights and activations), float32 input and output",
        "roll": {
            "steps": STEPS,
            "steps_per_quarter": data.STEPS_PER_QUARTER,
            "lowest_pitch": LOWEST,
            "pitches": PITCHES,
            "value": "1.0 where a note sounds in that 16th-note step, else 0.0; input and output are (1, steps, pitches, 1)",
            "output": "one logit per cell: the model's preference to flip that cell (softmax over all cells)",
            "why_this_range": (
                "The 371 chorales use MIDI 36..88 (one chorale spans 50 semitones, the median 36). "
                "64 pitches from E1 (28) to G6 (91) hold every chorale and let training transpose almost each of "
                "them to all 12 keys (shifts -6..+5 that keep it inside), and they cover the keyboard's C3..G5 "
                "with an octave shift either way; 64 divides by 8 for the U-Net's three poolings. "
                "DeepComposer used 128 pitches: half of them never hold a chorale note, and they double the cost."
            ),
        },
        "data": dict(
            training["data"],
            overlap_checks=(
                "The iterator lists 371 chorales under 350 distinct names (21 files appear twice); a name's copies "
                "share its split. Rolls identical up to transposition under different names: one pair crosses "
                "splits (bach/bwv18.5-w in train, bach/bwv18.5-l in validation), none reaches the test split."
            ),
        ),
        "training": dict(
            settings,
            wall_time_note=(
                "2 threads on a 2-core machine shared with other jobs, so the speed moved with their load: "
                f"{speed_range(training['history'], settings['batch'])} examples/s between evaluations"
            ),
        ),
        "architecture": training["architecture"],
        "sampling": (
            "keycomposer.models.arcnn: DeepComposer's loop (logits / creative risk, budgets masked, softmax, flip) "
            "with 2 cells drawn per network call by default (flips_per_pass): figures.generation shows the same "
            "quality as 1 at half the time. Pieces longer than 8 bars: windows overlapping by 2 bars."
        ),
        "loss_per_example_vs_per_batch": (
            "Same seed, data and schedule, only the loss changed (train.py --loss batch, stopped after 12 minutes): "
            "validation loss per example within 0.02 nats of each other at steps 250..750, and 0.06 lower for "
            "DeepComposer's batch softmax at step 1000 (figures.validation_curves; one run each). So no gain was "
            "measured from the per-example softmax in this budget; it is kept because sampling takes the softmax "
            "over one example's cells, so training optimises what is used."
        ),
        "curves": "curves.png in the --out folder of each training command (not shipped)",
    }


def speed_range(history: list, batch: int) -> str:
    rates, last_step, last_seconds = [], 0, 0.0
    for h in history:
        if h["seconds"] > last_seconds:
            rates.append((h["step"] - last_step) * batch / (h["seconds"] - last_seconds))
        last_step, last_seconds = h["step"], h["seconds"]
    return f"{min(rates):.0f}..{max(rates):.0f}" if rates else "?"


def plot_curves(history: list, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [h["step"] for h in history]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, [h["train_loss"] for h in history], label="train (running mean)")
    ax.plot(steps, [h["valid_loss"] for h in history], label="validation")
    ax.set_xlabel("step")
    ax.set_ylabel("loss per example (nats)")
    ax.set_title("AR-CNN Bach")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("out", "arcnn", "run"))
    parser.add_argument("--cache", default=data.DEFAULT_CACHE)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--steps", type=int, default=6000, help="optimizer steps (default %(default)s)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate, cosine-decayed to 5 %%")
    parser.add_argument("--filters", default=",".join(map(str, arcnn_model.DEFAULT_FILTERS)))
    parser.add_argument("--loss", choices=("example", "batch"), default="example")
    parser.add_argument(
        "--arch", choices=("arcnn", "reference"), default="arcnn",
        help="ours, or DeepComposer's 17 M-parameter U-Net over 128 pitches (a baseline for the benchmark)",
    )
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--valid-examples", type=int, default=512)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--minutes", type=float, default=None, help="stop early after this much wall time")
    parser.add_argument("--init", metavar="RUN", help="start from the weights of an earlier run's folder (same arch)")
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    import keras

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(args.seed)

    splits = data.load(args.cache)
    band = (LOWEST, PITCHES) if args.arch == "arcnn" else (0, data.MIDI_PITCHES)
    sampler = ExampleSampler(splits["train"], np.random.default_rng(args.seed), *band)
    valid_x, valid_y = fixed_examples(splits["valid"], args.valid_examples, 1000 + args.seed, *band)
    filters = tuple(int(f) for f in args.filters.split(","))
    net = arcnn_model.build(filters) if args.arch == "arcnn" else reference_architecture()
    earlier = None
    if args.init:
        net.set_weights(keras.saving.load_model(os.path.join(args.init, "model.keras"), compile=False).get_weights())
        with open(os.path.join(args.init, "training.json")) as f:
            earlier = json.load(f)["settings"]
    schedule = keras.optimizers.schedules.CosineDecay(args.lr, args.steps, alpha=0.05)
    optimizer = keras.optimizers.Adam(schedule)
    train_loss = flip_loss(args.loss)
    eval_loss = flip_loss("example")

    @tf.function(reduce_retracing=True)
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = train_loss(y, net(x, training=True))
        grads = tape.gradient(loss, net.trainable_variables)
        optimizer.apply_gradients(zip(grads, net.trainable_variables))
        return loss

    @tf.function(reduce_retracing=True)
    def eval_step(x, y):
        return eval_loss(y, net(x, training=False))

    def validation() -> float:
        losses = [
            float(eval_step(valid_x[i:i + 64, ..., None].astype("float32"), valid_y[i:i + 64, ..., None].astype("float32")))
            * len(valid_x[i:i + 64])
            for i in range(0, len(valid_x), 64)
        ]
        return sum(losses) / len(valid_x)

    os.makedirs(args.out, exist_ok=True)
    history, recent = [], []
    started = time.monotonic()
    step = 0
    for step in range(1, args.steps + 1):
        x, y = sampler.batch(args.batch)
        recent.append(float(train_step(x[..., None].astype("float32"), y[..., None].astype("float32"))))
        if step % args.eval_every == 0 or step == args.steps:
            elapsed = time.monotonic() - started
            history.append({
                "step": step,
                "seconds": round(elapsed, 1),
                "train_loss": round(float(np.mean(recent)), 4),
                "valid_loss": round(validation(), 4),
            })
            recent = []
            print(
                f"step {step}/{args.steps}  train {history[-1]['train_loss']:.3f}  valid {history[-1]['valid_loss']:.3f}"
                f"  {elapsed / 60:.1f} min, {step * args.batch / elapsed:.0f} examples/s",
                flush=True,
            )
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
            "optimizer": f"Adam, peak learning rate {args.lr}, cosine decay to 5 %",
            "loss": {"example": "softmax over each example's cells", "batch": "one softmax over the flattened batch (DeepComposer)"}[args.loss],
            "threads": args.threads,
            "wall_seconds": round(time.monotonic() - started),
            "cache": args.cache,
            "command": "python -m tools.arcnn.train " + " ".join(argv if argv is not None else sys.argv[1:]),
            "started_from": earlier,
            "examples": (
                f"8-bar windows starting on a beat, transposed to a random key that fits (up to -6..+5), each note "
                f"removed with probability u ~ U{REMOVE_SHARE}, each empty cell switched on with probability "
                f"a ~ U{ADD_SHARE}; target: the cells that differ from the chorale"
            ),
        },
        "architecture": {
            "kind": "U-Net, two 3x3 ReLU convs per level, 2x2 max-pool, UpSampling2D + concat skip + two 3x3 convs, 1x1 logits"
            if args.arch == "arcnn" else "DeepComposer's U-Net (../shared/reference/deepcomposer_arcnn.py), 128 pitches",
            "filters": list(filters) if args.arch == "arcnn" else "32..512, bottleneck 1024",
            "parameters": int(net.count_params()),
        },
        "data": {
            "source": "music21 corpus.chorales.Iterator(): 371 Bach chorales, all parts merged into one roll",
            "split": "by chorale: sha256(corpus name) first 4 bytes mod 100: <60 train, <80 validation, else test",
            "chorales": {name: len(items) for name, items in splits.items()},
            "test_ids": [cid for cid, _ in splits["test"]],
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
