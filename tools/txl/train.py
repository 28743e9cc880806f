"""Train the Transformer-XL on the cached corpus notes, from one command, with a seed and a budget.

    nice -n 10 .venv-train/bin/python -m tools.txl.train --minutes 25 --seed 0 --out out/txl/run

Each example is a random window of one training piece, transposed by -3..+3 semitones and stretched in time
by 0.95..1.05 (DeepComposer's augmentation), cut into `--segments` segments of `segment` tokens that are
fed in order with the memory carried (gradients stop at the memory, as in the paper). Progress goes to
stdout; the run folder gets weights.npz (the best validation loss so far), history.json and loss.png.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from keycomposer.models.performance_events import HIGHEST_PITCH, LOWEST_PITCH, PAD, encode_notes

TRANSPOSE = (-3, 3)
STRETCH = (0.95, 1.05)


def augmented_tokens(notes: np.ndarray, rng: np.random.Generator) -> list:
    """One random transposition and stretch of a piece, encoded with a start token. Notes pushed off the
    88 keys by the transposition are dropped."""
    shifted = notes.copy()
    shifted[:, 2] += rng.integers(TRANSPOSE[0], TRANSPOSE[1] + 1)
    shifted[:, :2] *= rng.uniform(*STRETCH)
    keep = (shifted[:, 2] >= LOWEST_PITCH) & (shifted[:, 2] <= HIGHEST_PITCH)
    return encode_notes(shifted[keep], start_token=True)


def window(tokens, length: int, rng: np.random.Generator) -> np.ndarray:
    """A random run of `length` tokens (padded with PAD where the piece is shorter)."""
    out = np.full(length, PAD, dtype=np.int32)
    start = int(rng.integers(0, max(1, len(tokens) - length + 1)))
    part = tokens[start:start + length]
    out[: len(part)] = part
    return out


class Batches:
    """Random windows of augmented training pieces; a piece is drawn in proportion to its note count."""

    def __init__(self, pieces, batch: int, length: int, seed: int):
        self.notes = [notes for _, notes in pieces]
        weights = np.array([len(n) for n in self.notes], dtype=np.float64)
        self.weights = weights / weights.sum()
        self.batch, self.length = batch, length
        self.rng = np.random.default_rng(seed)

    def __next__(self) -> np.ndarray:
        rows = []
        for _ in range(self.batch):
            piece = self.notes[self.rng.choice(len(self.notes), p=self.weights)]
            rows.append(window(augmented_tokens(piece, self.rng), self.length, self.rng))
        return np.stack(rows)


def fixed_windows(pieces, length: int, limit: int) -> np.ndarray:
    """Validation windows: each piece, unaugmented, cut into consecutive windows; the first `limit`."""
    rows = []
    for _, notes in pieces:
        tokens = encode_notes(notes, start_token=True)
        for start in range(0, max(1, len(tokens) - 1), length - 1):
            part = tokens[start:start + length]
            if len(part) < min(32, length):  # a short tail says too little to score
                break
            row = np.full(length, PAD, dtype=np.int32)
            row[: len(part)] = part
            rows.append(row)
    rows = np.stack(rows)
    return rows[np.random.default_rng(0).permutation(len(rows))[:limit]]


def save_curves(history: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    axis.plot(history["step"], history["train_loss"], label="train (running mean, decay 0.98: lags about 50 steps)", lw=1)
    axis.plot(history["eval_step"], history["valid_loss"], "o-", label="validation")
    axis.set_xlabel("step")
    axis.set_ylabel("cross-entropy per token (nats)")
    axis.set_title("Transformer-XL classical")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join("out", "txl", "notes.npz"))
    parser.add_argument("--out", default=os.path.join("out", "txl", "run"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=25.0, help="wall-clock budget (the run stops here)")
    parser.add_argument("--steps", type=int, default=100_000, help="step budget (the run stops here)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--segments", type=int, default=2, help="segments per example, fed with memory carried")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--eval-every", type=int, default=50)
    parser.add_argument("--eval-windows", type=int, default=32)
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--inner", type=int, default=512)
    parser.add_argument("--memory", type=int, default=256)
    parser.add_argument("--segment", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow intra- and inter-op threads")
    parser.add_argument("--max-pieces", type=int, default=0, help="train on the first N pieces only (smoke tests)")
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
    batches = Batches(train_pieces, args.batch, length, args.seed)
    valid = fixed_windows(splits["valid"], length, args.eval_windows)
    model = TransformerXL(shape, seed=args.seed)
    optimizer = tf.keras.optimizers.Adam(args.lr, beta_2=0.98, clipnorm=1.0)
    learning_rate = optimizer.learning_rate  # a variable: the schedule below assigns it before each step
    print(f"{len(train_pieces)} training pieces, {len(valid)} validation windows, "
          f"{sum(int(np.prod(v.shape)) for v in model.trainable_variables)} parameters, shape {shape}", flush=True)

    def loss_of(tokens):
        memories, memory_valid = model.empty_memories(tf.shape(tokens)[0])
        total, count = 0.0, 0.0
        for k in range(args.segments):
            part = tokens[:, k * shape.segment: (k + 1) * shape.segment + 1]
            inputs, targets = part[:, :-1], part[:, 1:]
            logits, memories = model.segment(inputs, memories, memory_valid)
            memory_valid = tf.concat([memory_valid, tf.not_equal(inputs, PAD)], axis=1)[:, -shape.memory:]
            weight = tf.cast(tf.not_equal(targets, PAD), tf.float32)
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(targets, logits)
            total += tf.reduce_sum(losses * weight)
            count += tf.reduce_sum(weight)
        return total / tf.maximum(count, 1.0), count

    @tf.function(input_signature=[tf.TensorSpec([None, length], tf.int32)])
    def train_step(tokens):
        with tf.GradientTape() as tape:
            loss, _ = loss_of(tokens)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    @tf.function(input_signature=[tf.TensorSpec([None, length], tf.int32)])
    def eval_step(tokens):
        return loss_of(tokens)

    def validation_loss():
        total = count = 0.0
        for start in range(0, len(valid), args.batch):
            loss, n = eval_step(valid[start:start + args.batch])
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
        loss = float(train_step(next(batches)))
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
