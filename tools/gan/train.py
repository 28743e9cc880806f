"""Train the accompaniment GAN for one style: one command, one seed, a budget in epochs and/or minutes.

    nice -n 10 .venv-train/bin/python -m tools.gan.train --style bach --out out/gan/bach_run --minutes 30 --threads 2

Conditional WGAN-GP as in DeepComposer's GAN notebook: for every generator update the critic is updated
--update-ratio times, each time on fresh real windows, with gradient penalty weight 10. The generator writes
per part per 16th the logits of keycomposer.models.voice_grid's classes (tools/gan/model.py); the critic reads
the real parts as one-hots and the generated ones as straight-through Gumbel samples (one-hot forward, the
softmax's gradient backward: Jang et al. 2017), so it cannot tell them apart by softness alone. The generator's
loss adds --auxiliary times the cross-entropy (nats per cell) between its classes and the composer's own,
which carries a short training (on two CPU cores the critic alone teaches too slowly); --auxiliary 0 is
DeepComposer's pure WGAN-GP. An example is a 4-bar window (64 sixteenths) of a training piece, starting on a
beat, transposed by -5..+6 semitones where the melody fits its band and the parts the voice grid; the melody
part is the condition, the other three parts the real accompaniment. An epoch is as many generator updates as
there are training windows / batch size.

TensorFlow runs on --threads intra- and inter-op threads. Writes into --out: generator.keras (also every
--save-minutes, so a cut-off run still leaves a model), generator_best.keras (at each new lowest validation
cross-entropy: the one tools.gan.convert ships by default), training.json (settings, data, loss curves) and
curves.png.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from keycomposer.models import voice_grid
from keycomposer.models.gan import melody_features
from tools.gan import data, model as gan_model

STEPS = gan_model.STEPS
PITCHES = gan_model.PITCHES
WINDOW_START_GRID = 4  # windows start on a beat
SHIFTS = (-5, 6)  # transposition range, semitones, inclusive
GRADIENT_PENALTY = 10.0
VALID_WINDOWS = 256
BEST = "generator_best.keras"  # the generator at its lowest validation cross-entropy so far


def voice_of(sounding: np.ndarray, struck: np.ndarray, lowest: bool) -> tuple:
    """One part's (steps, 128) sounding and struck rolls as one voice: ((steps,) pitch, -1 at rests; (steps,)
    True where a note starts). Where the part sounds two notes (a divided part, a double stop) the highest is
    kept, or the lowest for the bass (``lowest``)."""
    steps = len(sounding)
    any_sounding = sounding.any(axis=1)
    if lowest:
        pitch = np.where(any_sounding, np.argmax(sounding, axis=1), -1)
    else:
        pitch = np.where(any_sounding, 127 - np.argmax(sounding[:, ::-1], axis=1), -1)
    before = np.concatenate([[-1], pitch[:-1]])
    starts = (pitch >= 0) & ((pitch != before) | struck[np.arange(steps), np.maximum(pitch, 0)])
    return pitch, starts


class WindowSampler:
    """Draws windows of training pieces as (melody features (n, STEPS, PITCHES + 1), part classes (n, STEPS,
    TRACKS)); windows whose melody is silent are left out (there is nothing to accompany), as are windows that
    fit the band in no transposition."""

    def __init__(self, pieces, lowest, rng):
        self.rng, self.lowest = rng, lowest
        self.lines = []  # per piece: (4, steps) pitches and (4, steps) onsets, melody first
        windows = []  # (piece index, start, lowest shift, highest shift)
        grid_low, grid_high = voice_grid.LOWEST_PITCH, voice_grid.LOWEST_PITCH + voice_grid.PITCHES - 1
        for index, piece in enumerate(pieces):
            struck = piece.struck if piece.struck is not None else piece.parts
            voices = [voice_of(piece.parts[part], struck[part], lowest=part == 3) for part in range(4)]
            pitches, onsets = np.stack([v[0] for v in voices]), np.stack([v[1] for v in voices])
            self.lines.append((pitches, onsets))
            for start in range(0, pitches.shape[1] - STEPS + 1, WINDOW_START_GRID):
                window = pitches[:, start:start + STEPS]
                melody, parts = window[0][window[0] >= 0], window[1:][window[1:] >= 0]
                if len(melody) == 0:
                    continue
                low, high = max(SHIFTS[0], lowest - melody.min()), min(SHIFTS[1], lowest + PITCHES - 1 - melody.max())
                if len(parts):
                    low, high = max(low, grid_low - parts.min()), min(high, grid_high - parts.max())
                if low <= high:
                    windows.append((index, start, low, high))
        if not windows:
            raise ValueError("no window of these pieces fits the pitch band")
        self.windows = np.array(windows, dtype=np.int64)

    def __len__(self):
        return len(self.windows)

    def take(self, rows, shifts):
        melodies = np.zeros((len(rows), STEPS, PITCHES + 1), dtype=np.float32)
        classes = np.zeros((len(rows), STEPS, gan_model.TRACKS), dtype=np.int32)
        for out, ((index, start, _, _), shift) in enumerate(zip(rows, shifts)):
            pitches, onsets = (lines[:, start:start + STEPS] for lines in self.lines[index])
            melody = np.where(pitches[0] >= 0, pitches[0] + shift, -1)
            melodies[out] = melody_features(melody, onsets[0], self.lowest, PITCHES)
            parts = np.where(pitches[1:] >= 0, pitches[1:] + shift, -1)
            held = (parts >= 0) & ~onsets[1:]
            classes[out] = np.where(parts >= 0, parts - voice_grid.LOWEST_PITCH + 1 + held * voice_grid.PITCHES,
                                    voice_grid.REST).T
        return melodies, classes

    def batch(self, size):
        rows = self.windows[self.rng.integers(0, len(self.windows), size)]
        shifts = [self.rng.integers(low, high + 1) for _, _, low, high in rows]
        return self.take(rows, shifts)

    def fixed(self, size):
        """The same `size` windows every call, untransposed where that fits: for validation curves."""
        picks = np.random.default_rng(0).choice(len(self.windows), min(size, len(self.windows)), replace=False)
        rows = self.windows[np.sort(picks)]
        shifts = [min(max(0, low), high) for _, _, low, high in rows]
        return self.take(rows, shifts)


def plot_curves(history: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 4, figsize=(20, 4))
    it = history["iteration"]
    axes[0].plot(it, history["wasserstein"], label="critic: E[real] - E[fake] (train)")
    axes[0].plot(history["valid_iteration"], history["valid_wasserstein"], "o-", label="same, validation windows")
    axes[0].set_title("Wasserstein estimate")
    axes[1].plot(it, history["gradient_penalty"])
    axes[1].set_title("gradient penalty (before x10)")
    axes[2].plot(it, history["generator_loss"], label="generator: -E[critic(fake)]")
    axes[2].set_title("generator loss (adversarial part)")
    axes[3].plot(it, history["cross_entropy"], label="train")
    axes[3].plot(history["valid_iteration"], history["valid_cross_entropy"], "o-", label="validation windows")
    axes[3].legend(fontsize=8)
    axes[3].set_title("cross-entropy to the real parts (nats per cell)")
    for axis in axes:
        axis.set_xlabel("generator update")
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def train(args) -> dict:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras

    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    lowest = gan_model.LOWEST_PITCH[args.style]
    splits = data.load(args.style, args.data, barred=True)
    train_pieces = splits["train"][:args.limit_pieces] if args.limit_pieces else splits["train"]
    sampler = WindowSampler(train_pieces, lowest, rng)
    valid = WindowSampler(splits["valid"], lowest, rng).fixed(VALID_WINDOWS)
    noise_of = lambda n, source: source.standard_normal((n, STEPS, gan_model.NOISE_CHANNELS)).astype(np.float32)
    valid_noise = noise_of(len(valid[0]), np.random.default_rng(1))

    generator = gan_model.build_generator(width=args.width, name=f"gan_{args.style}")
    critic = gan_model.build_critic()
    g_opt = keras.optimizers.Adam(args.lr, beta_1=0.5, beta_2=0.9)
    c_opt = keras.optimizers.Adam(args.lr, beta_1=0.5, beta_2=0.9)
    classes = voice_grid.CLASSES

    def critic_input(melody, parts_one_hot):
        flat = tf.reshape(parts_one_hot, [tf.shape(melody)[0], STEPS, gan_model.TRACKS * classes])
        return tf.concat([melody, flat], axis=-1)

    def drawn(logits):
        """Straight-through Gumbel-softmax: a one-hot draw forward, the softmax's gradient backward."""
        gumbel = -tf.math.log(-tf.math.log(tf.random.uniform(tf.shape(logits), 1e-9, 1.0)))
        soft = tf.nn.softmax(logits + gumbel)
        hard = tf.one_hot(tf.argmax(soft, axis=-1), classes)
        return hard + soft - tf.stop_gradient(soft)

    def cross_entropy(parts, logits):
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=parts, logits=logits))

    @tf.function
    def critic_step(melody, parts, noise):
        with tf.GradientTape() as tape:
            fake_in = critic_input(melody, drawn(generator([melody, noise], training=True)))
            real_in = critic_input(melody, tf.one_hot(parts, classes))
            mix_share = tf.random.uniform([tf.shape(melody)[0], 1, 1])
            mixed = mix_share * real_in + (1 - mix_share) * fake_in
            with tf.GradientTape() as penalty_tape:
                penalty_tape.watch(mixed)
                mixed_score = critic(mixed, training=True)
            slopes = tf.sqrt(tf.reduce_sum(tf.square(penalty_tape.gradient(mixed_score, mixed)), axis=[1, 2]) + 1e-12)
            penalty = tf.reduce_mean(tf.square(slopes - 1.0))
            wasserstein = tf.reduce_mean(critic(real_in, training=True)) - tf.reduce_mean(critic(fake_in, training=True))
            loss = -wasserstein + GRADIENT_PENALTY * penalty
        c_opt.apply_gradients(zip(tape.gradient(loss, critic.trainable_variables), critic.trainable_variables))
        return wasserstein, penalty

    @tf.function
    def generator_step(melody, parts, noise):
        with tf.GradientTape() as tape:
            logits = generator([melody, noise], training=True)
            adversarial = -tf.reduce_mean(critic(critic_input(melody, drawn(logits)), training=True))
            auxiliary = cross_entropy(parts, logits)
            loss = adversarial + args.auxiliary * auxiliary
        g_opt.apply_gradients(zip(tape.gradient(loss, generator.trainable_variables), generator.trainable_variables))
        return adversarial, auxiliary

    @tf.function
    def validation(melody, parts, noise):
        logits = generator([melody, noise], training=False)
        real_score = critic(critic_input(melody, tf.one_hot(parts, classes)), training=False)
        fake_score = critic(critic_input(melody, tf.one_hot(tf.argmax(logits, axis=-1), classes)), training=False)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), parts), tf.float32))
        return tf.reduce_mean(real_score) - tf.reduce_mean(fake_score), cross_entropy(parts, logits), accuracy

    per_epoch = max(1, len(sampler) // args.batch)  # generator updates per epoch
    total = max(1, round(per_epoch * args.epochs)) if args.epochs else None
    history = {key: [] for key in ("iteration", "wasserstein", "gradient_penalty", "generator_loss", "cross_entropy",
                                   "valid_iteration", "valid_wasserstein", "valid_cross_entropy", "valid_accuracy")}
    os.makedirs(args.out, exist_ok=True)
    settings = {key: value for key, value in vars(args).items()}
    started = time.monotonic()
    last_save = started
    iteration = 0
    best = {"valid_cross_entropy": float("inf"), "iteration": 0}

    def save(final):
        generator.save(os.path.join(args.out, "generator.keras"))
        record = {
            "style": args.style, "settings": settings, "lowest_pitch": lowest, "steps": STEPS, "pitches": PITCHES,
            "noise_channels": gan_model.NOISE_CHANNELS, "train_pieces": len(train_pieces),
            "train_windows": len(sampler), "valid_pieces": len(splits["valid"]), "test_pieces": len(splits["test"]),
            "generator_updates": iteration, "epochs_done": round(iteration / per_epoch, 3),
            "minutes": round((time.monotonic() - started) / 60, 2), "finished": final,
            "generator_parameters": int(generator.count_params()), "best_valid": best, "history": history,
        }
        with open(os.path.join(args.out, "training.json"), "w") as f:
            json.dump(record, f)
        plot_curves(history, os.path.join(args.out, "curves.png"))
        return record

    print(f"{args.style}: {len(train_pieces)} training pieces, {len(sampler)} windows, {per_epoch} generator "
          f"updates per epoch; generator {generator.count_params()} parameters", flush=True)
    while True:
        elapsed = time.monotonic() - started
        if (total is not None and iteration >= total) or (args.minutes and elapsed >= args.minutes * 60):
            break
        for _ in range(args.update_ratio):
            melody, parts = sampler.batch(args.batch)
            wasserstein, penalty = critic_step(melody, parts, noise_of(args.batch, rng))
        g_loss, auxiliary = generator_step(melody, parts, noise_of(args.batch, rng))
        iteration += 1
        history["iteration"].append(iteration)
        history["wasserstein"].append(float(wasserstein))
        history["gradient_penalty"].append(float(penalty))
        history["generator_loss"].append(float(g_loss))
        history["cross_entropy"].append(float(auxiliary))
        if iteration % args.log_every == 0 or iteration == 1:
            valid_w, valid_ce, accuracy = (float(v) for v in validation(valid[0], valid[1], valid_noise))
            history["valid_iteration"].append(iteration)
            history["valid_wasserstein"].append(valid_w)
            history["valid_cross_entropy"].append(valid_ce)
            history["valid_accuracy"].append(accuracy)
            if valid_ce < best["valid_cross_entropy"]:
                best.update(valid_cross_entropy=valid_ce, iteration=iteration)
                generator.save(os.path.join(args.out, "partial_best.keras"))  # renamed: a cut-off save breaks nothing
                os.replace(os.path.join(args.out, "partial_best.keras"), os.path.join(args.out, BEST))
            budget = f"/{total}" if total else ""
            print(f"update {iteration}{budget} (epoch {iteration / per_epoch:.2f}) {elapsed / 60:.1f} min: "
                  f"W {float(wasserstein):.3f} GP {float(penalty):.3f} G {float(g_loss):.3f} CE {float(auxiliary):.3f}"
                  f" | valid W {valid_w:.3f} CE {valid_ce:.3f} accuracy {accuracy:.3f}", flush=True)
        if time.monotonic() - last_save >= args.save_minutes * 60:
            save(False)
            last_save = time.monotonic()
    record = save(True)
    print(f"done: {iteration} generator updates in {record['minutes']} min; wrote {args.out}", flush=True)
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
    parser.add_argument("--log-every", type=int, default=50, help="generator updates between progress lines")
    parser.add_argument("--save-minutes", type=float, default=2.0, help="minutes between saves of the generator")
    parser.add_argument("--limit-pieces", type=int, default=0, help="train on only the first N pieces (smoke runs)")
    parser.add_argument("--data", default=data.CACHE_FOLDER, help="cache folder from tools.gan.data")
    args = parser.parse_args(argv)
    if not args.epochs and not args.minutes:
        parser.error("give --epochs or --minutes (or both): training needs a budget")
    if args.update_ratio < 1 or args.batch < 1 or args.lr <= 0 or args.auxiliary < 0 or args.width < 1:
        parser.error("--update-ratio, --batch and --width must be at least 1, --lr positive, --auxiliary not negative")
    train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
