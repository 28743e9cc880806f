"""Train the Transformer-XL on the cached corpus melodies, from one command, with a seed and a budget.

    nice -n 5 .venv-train/bin/python -m tools.txl.train --minutes 60 --seed 0 --out out/txl/run

Each example is a random window of one training melody, transposed by a random shift in -5..+6 semitones
(kept inside the pitch tokens), cut into `--segments` segments of `segment` tokens that are fed in order with
the memory carried (gradients stop at the memory, as in the paper). Half the examples are classical, half
folk (`--classical-share`), so the smaller classical set is not drowned. Progress goes to stdout; the run
folder gets weights.npz (the best validation loss so far), history.json and loss.png.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from keycomposer.models.melody_tokens import HIGHEST_PITCH, LOWEST_PITCH, PAD, Melody, encode

TRANSPOSE = (-5, 6)
STYLE_IDS = {"classical": 0, "folk": 1}


def transposed(melody: Melody, rng: np.random.Generator) -> Melody:
    """The melody moved by a random shift in TRANSPOSE, narrowed so every note stays on the pitch tokens."""
    low, high = int(melody.notes[:, 2].min()), int(melody.notes[:, 2].max())
    lowest, highest = max(TRANSPOSE[0], LOWEST_PITCH - low), min(TRANSPOSE[1], HIGHEST_PITCH - high)
    shift = int(rng.integers(lowest, highest + 1)) if lowest <= highest else 0
    notes = melody.notes.copy()
    notes[:, 2] += shift
    return Melody(notes, melody.bars)


def window(tokens, length: int, rng: np.random.Generator) -> np.ndarray:
    """A random run of `length` tokens (padded with PAD where the melody is shorter)."""
    out = np.full(length, PAD, dtype=np.int32)
    start = int(rng.integers(0, max(1, len(tokens) - length + 1)))
    part = tokens[start:start + length]
    out[: len(part)] = part
    return out


class Batches:
    """Random windows of transposed training melodies with their style ids; within a style a melody is drawn
    in proportion to its note count, and a row is classical with probability `classical_share`."""

    def __init__(self, pieces, batch: int, length: int, seed: int, classical_share: float = 0.5):
        self.by_style = {}
        for _, style, melody in pieces:
            self.by_style.setdefault(STYLE_IDS[style], []).append(melody)
        self.weights = {k: np.array([len(m.notes) for m in v], float) / sum(len(m.notes) for m in v)
                        for k, v in self.by_style.items()}
        self.share = classical_share if len(self.by_style) == 2 else None
        self.batch, self.length = batch, length
        self.rng = np.random.default_rng(seed)

    def __next__(self) -> tuple:
        rows, styles = [], []
        for _ in range(self.batch):
            if self.share is None:
                style = next(iter(self.by_style))
            else:
                style = STYLE_IDS["classical"] if self.rng.random() < self.share else STYLE_IDS["folk"]
            melodies = self.by_style[style]
            melody = melodies[self.rng.choice(len(melodies), p=self.weights[style])]
            rows.append(window(encode(transposed(melody, self.rng)), self.length, self.rng))
            styles.append(style)
        return np.stack(rows), np.array(styles, dtype=np.int32)


def fixed_windows(pieces, length: int, limit: int) -> tuple:
    """Validation windows: each melody, untransposed, cut into consecutive windows; `limit` of them drawn
    evenly from each style (seed 0), with their style ids."""
    rows, styles = [], []
    for _, style, melody in pieces:
        tokens = encode(melody)
        for start in range(0, max(1, len(tokens) - 1), length - 1):
            part = tokens[start:start + length]
            if len(part) < min(32, length):  # a short tail says too little to score
                break
            row = np.full(length, PAD, dtype=np.int32)
            row[: len(part)] = part
            rows.append(row)
            styles.append(STYLE_IDS[style])
    rows, styles = np.stack(rows), np.array(styles, dtype=np.int32)
    rng = np.random.default_rng(0)
    chosen = []
    present = sorted(set(styles.tolist()))
    for style in present:
        where = np.flatnonzero(styles == style)
        chosen += list(rng.permutation(where)[: limit // len(present)])
    chosen = np.array(sorted(chosen))
    return rows[chosen], styles[chosen]


def save_curves(history: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    axis.plot(history["step"], history["train_loss"], label="train (running mean, decay 0.98: lags about 50 steps)", lw=1)
    axis.plot(history["eval_step"], history["valid_loss"], "o-", label="validation")
    axis.set_xlabel("step")
    axis.set_ylabel("cross-entropy per token (nats)")
    axis.set_title("Transformer-XL melodies (classical and folk)")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


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
    args = parser.parse_args(argv)

    import tensorflow as tf

    from tools.txl import data
    from tools.txl.model import Shape, TransformerXL

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    tf.random.set_seed(args.seed)
    shape = Shape(args.layers, args.width, args.heads, args.inner, args.memory, args.segment)
    splits = data.load(args.data)
    train_pieces = splits["train"][: args.max_pieces or None]
    length = args.segments * shape.segment + 1
    batches = Batches(train_pieces, args.batch, length, args.seed, args.classical_share)
    valid, valid_styles = fixed_windows(splits["valid"], length, args.eval_windows)
    model = TransformerXL(shape, seed=args.seed)
    if args.init:
        model.load_weights(np.load(os.path.join(args.init, "weights.npz")))
    optimizer = tf.keras.optimizers.Adam(args.lr, beta_2=0.98, clipnorm=1.0)
    learning_rate = optimizer.learning_rate  # a variable: the schedule below assigns it before each step
    print(f"{len(train_pieces)} training pieces, {len(valid)} validation windows, "
          f"{sum(int(np.prod(v.shape)) for v in model.trainable_variables)} parameters, shape {shape}", flush=True)

    def loss_of(tokens, styles):
        memories, memory_valid = model.empty_memories(tf.shape(tokens)[0])
        total, count = 0.0, 0.0
        for k in range(args.segments):
            part = tokens[:, k * shape.segment: (k + 1) * shape.segment + 1]
            inputs, targets = part[:, :-1], part[:, 1:]
            logits, memories = model.segment(inputs, memories, memory_valid, styles)
            memory_valid = tf.concat([memory_valid, tf.not_equal(inputs, PAD)], axis=1)[:, -shape.memory:]
            weight = tf.cast(tf.not_equal(targets, PAD), tf.float32)
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(targets, logits)
            total += tf.reduce_sum(losses * weight)
            count += tf.reduce_sum(weight)
        return total / tf.maximum(count, 1.0), count

    signature = [tf.TensorSpec([None, length], tf.int32), tf.TensorSpec([None], tf.int32)]

    @tf.function(input_signature=signature)
    def train_step(tokens, styles):
        with tf.GradientTape() as tape:
            loss, _ = loss_of(tokens, styles)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    @tf.function(input_signature=signature)
    def eval_step(tokens, styles):
        return loss_of(tokens, styles)

    def validation_loss():
        total = count = 0.0
        for start in range(0, len(valid), args.batch):
            loss, n = eval_step(valid[start:start + args.batch], valid_styles[start:start + args.batch])
            total += float(loss) * float(n)
            count += float(n)
        return total / count

    os.makedirs(args.out, exist_ok=True)
    history = {"step": [], "train_loss": [], "eval_step": [], "valid_loss": [], "seconds": []}
    best = float("inf")
    started = time.monotonic()
    budget = args.minutes * 60
    running = None
    step = 0
    while True:
        elapsed = time.monotonic() - started
        progress = max(elapsed / budget, step / args.steps)
        if progress >= 1.0:
            break
        # linear warm-up, then a linear decay to a tenth over the budget (whichever of time or steps ends it)
        learning_rate.assign(args.lr * min(1.0, (step + 1) / args.warmup) * (1.0 - 0.9 * progress))
        loss = float(train_step(*next(batches)))
        step += 1
        running = loss if running is None else 0.98 * running + 0.02 * loss
        history["step"].append(step)
        history["train_loss"].append(running)
        if step % 10 == 0:
            print(f"step {step} loss {running:.3f} lr {float(learning_rate):.2e} {elapsed:.0f}/{budget:.0f} s", flush=True)
        if step % args.eval_every == 0:
            score = validation_loss()
            history["eval_step"].append(step)
            history["valid_loss"].append(score)
            history["seconds"].append(time.monotonic() - started)
            print(f"step {step} validation loss {score:.3f} (perplexity {np.exp(score):.2f})", flush=True)
            if score < best:
                best = score
                np.savez(os.path.join(args.out, "weights.npz"), **model.weights())
            save_curves(history, os.path.join(args.out, "loss.png"))
    score = validation_loss()
    history["eval_step"].append(step)
    history["valid_loss"].append(score)
    history["seconds"].append(time.monotonic() - started)
    if score < best:
        best = score
        np.savez(os.path.join(args.out, "weights.npz"), **model.weights())
    save_curves(history, os.path.join(args.out, "loss.png"))
    settings = dict(vars(args), shape=shape.as_dict(), steps_done=step, tokens_per_step=args.batch * (length - 1),
                    best_valid_loss=best, seconds=time.monotonic() - started,
                    train_pieces=len(train_pieces), valid_windows=int(len(valid)))
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump({"settings": settings, "history": history}, f)
    print(f"done: {step} steps, best validation loss {best:.3f} (perplexity {np.exp(best):.2f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
