"""Train the accompaniment GAN for one style: one command, one seed, a budget in epochs and/or minutes.

    nice -n 10 .venv-train/bin/python -m tools.gan.train --style bach --out out/gan/bach_run --minutes 20

Conditional WGAN-GP as in DeepComposer's GAN notebook: for every generator update the critic is updated
--update-ratio times (default 5), each time on fresh real windows, with gradient penalty weight 10. The
generator's loss adds --reconstruction times the cross-entropy between its tracks and the composer's own (the
pix2pix recipe, Isola et al. 2017): on two CPU cores the critic alone teaches too slowly, and after 600 updates
the tracks were still out of key (in-scale 0.73 against the chorales' 0.93). --reconstruction 0 is
DeepComposer's pure WGAN-GP. An example
is a 2-bar window (32 sixteenths) of a training piece, starting on a beat, transposed by -5..+6 semitones
where every part still fits the 64-pitch band; the melody part is the condition, the other three parts the
real accompaniment. An epoch is as many critic batches as there are training windows / batch size.

TensorFlow runs on one intra-op and one inter-op thread (this machine's two cores are shared). Writes into
--out: generator.keras (also every --save-minutes, so a cut-off run still leaves a model), training.json
(settings, data, loss curves) and curves.png.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from tools.gan import data, model as gan_model

STEPS = gan_model.STEPS
PITCHES = gan_model.PITCHES
WINDOW_START_GRID = 4  # windows start on a beat
SHIFTS = (-5, 6)  # transposition range, semitones, inclusive
GRADIENT_PENALTY = 10.0
VALID_WINDOWS = 256


class WindowSampler:
    """Draws (melody, accompaniment) windows, (n, STEPS, PITCHES, 1) and (n, STEPS, PITCHES, 3) float32 in {0, 1},
    from pieces given as (4, steps, 128) bool rolls. Windows whose melody is silent are left out (there is
    nothing to accompany), as are windows too wide for the band in every transposition."""

    def __init__(self, pieces, lowest, rng):
        self.rng, self.lowest = rng, lowest
        self.pieces = [piece.parts for piece in pieces]
        windows = []  # (piece index, start, lowest shift, highest shift)
        for index, parts in enumerate(self.pieces):
            for start in range(0, parts.shape[1] - STEPS + 1, WINDOW_START_GRID):
                window = parts[:, start:start + STEPS]
                if not window[0].any():
                    continue
                used = np.nonzero(window.any(axis=(0, 1)))[0]
                low = max(SHIFTS[0], lowest - used.min())
                high = min(SHIFTS[1], lowest + PITCHES - 1 - used.max())
                if low <= high:
                    windows.append((index, start, low, high))
        if not windows:
            raise ValueError("no window of these pieces fits the pitch band")
        self.windows = np.array(windows, dtype=np.int64)

    def __len__(self):
        return len(self.windows)

    def take(self, rows, shifts):
        band = np.zeros((len(rows), 4, STEPS, PITCHES), dtype=np.float32)
        for out, ((index, start, _, _), shift) in enumerate(zip(rows, shifts)):
            first = self.lowest - shift  # a note at pitch p lands at p + shift
            band[out] = self.pieces[index][:, start:start + STEPS, first:first + PITCHES]
        rolls = band.transpose(0, 2, 3, 1)  # (n, steps, pitches, parts)
        return rolls[..., :1].copy(), rolls[..., 1:].copy()

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
    if history.get("reconstruction"):
        axes[3].plot(it, history["reconstruction"], label="train")
        axes[3].plot(history["valid_iteration"], history["valid_reconstruction"], "o-", label="validation windows")
        axes[3].legend(fontsize=8)
    axes[3].set_title("cross-entropy to the real tracks")
    for axis in axes:
        axis.set_xlabel("generator update")
        axis.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def training_pieces(pieces, half: str = None, limit: int = 0) -> list:
    """The training pieces a run learns from: all of them, or one half (tools.gan.data.halves: a fold's
    generator, the other half left unheard), and of those the first ``limit`` (0: all)."""
    chosen = data.halves(pieces)[half] if half else list(pieces)
    return chosen[:limit] if limit else chosen


def train(args) -> dict:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras

    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    lowest = gan_model.LOWEST_PITCH[args.style]
    splits = data.load(args.style, args.data)
    train_pieces = training_pieces(splits["train"], args.half, args.limit_pieces)
    sampler = WindowSampler(train_pieces, lowest, rng)
    valid = WindowSampler(splits["valid"], lowest, rng).fixed(VALID_WINDOWS)
    noise_shape = gan_model.noise_shape(args.filters)
    valid_noise = np.random.default_rng(1).standard_normal((len(valid[0]),) + noise_shape).astype(np.float32)

    generator = gan_model.build_generator(filters=args.filters, name=f"gan_{args.style}", logit_floor=args.logit_floor)
    critic = gan_model.build_critic()
    g_opt = keras.optimizers.Adam(args.lr, beta_1=0.5, beta_2=0.9)
    c_opt = keras.optimizers.Adam(args.lr, beta_1=0.5, beta_2=0.9)

    @tf.function
    def critic_step(melody, tracks, noise):
        with tf.GradientTape() as tape:
            fake = generator([melody, noise], training=True)
            real_in = tf.concat([tracks, melody], axis=-1)
            fake_in = tf.concat([fake, melody], axis=-1)
            mix_share = tf.random.uniform([tf.shape(melody)[0], 1, 1, 1])
            mixed = mix_share * real_in + (1 - mix_share) * fake_in
            with tf.GradientTape() as penalty_tape:
                penalty_tape.watch(mixed)
                mixed_score = critic(mixed, training=True)
            slopes = tf.sqrt(tf.reduce_sum(tf.square(penalty_tape.gradient(mixed_score, mixed)), axis=[1, 2, 3]) + 1e-12)
            penalty = tf.reduce_mean(tf.square(slopes - 1.0))
            wasserstein = tf.reduce_mean(critic(real_in, training=True)) - tf.reduce_mean(critic(fake_in, training=True))
            loss = -wasserstein + GRADIENT_PENALTY * penalty
        c_opt.apply_gradients(zip(tape.gradient(loss, critic.trainable_variables), critic.trainable_variables))
        return wasserstein, penalty

    @tf.function
    def generator_step(melody, tracks, noise):
        with tf.GradientTape() as tape:
            fake = generator([melody, noise], training=True)
            adversarial = -tf.reduce_mean(critic(tf.concat([fake, melody], axis=-1), training=True))
            reconstruction = tf.reduce_mean(keras.losses.binary_crossentropy(tracks, fake))
            loss = adversarial + args.reconstruction * reconstruction
        g_opt.apply_gradients(zip(tape.gradient(loss, generator.trainable_variables), generator.trainable_variables))
        return adversarial, reconstruction

    @tf.function
    def validation(melody, tracks, noise):
        fake = generator([melody, noise], training=False)
        real_score = critic(tf.concat([tracks, melody], axis=-1), training=False)
        fake_score = critic(tf.concat([fake, melody], axis=-1), training=False)
        return (tf.reduce_mean(real_score) - tf.reduce_mean(fake_score), tf.reduce_mean(tf.cast(fake > 0.5, tf.float32)),
                tf.reduce_mean(keras.losses.binary_crossentropy(tracks, fake)))

    per_epoch = max(1, len(sampler) // args.batch // args.update_ratio)  # generator updates per epoch
    total = max(1, round(per_epoch * args.epochs)) if args.epochs else None
    history = {key: [] for key in ("iteration", "wasserstein", "gradient_penalty", "generator_loss",
                                   "reconstruction", "valid_iteration", "valid_wasserstein", "valid_generated_density",
                                   "valid_reconstruction")}
    real_density = float(valid[1].mean())
    os.makedirs(args.out, exist_ok=True)
    settings = {key: value for key, value in vars(args).items()}
    started = time.monotonic()
    last_save = started
    iteration = 0

    def save(final):
        generator.save(os.path.join(args.out, "generator.keras"))
        record = {
            "style": args.style, "settings": settings, "lowest_pitch": lowest, "steps": STEPS, "pitches": PITCHES,
            "noise_shape": list(noise_shape), "train_pieces": len(train_pieces), "train_windows": len(sampler),
            "valid_pieces": len(splits["valid"]), "test_pieces": len(splits["test"]),
            "generator_updates": iteration, "epochs_done": round(iteration / per_epoch, 3),
            "minutes": round((time.monotonic() - started) / 60, 2), "finished": final,
            "generator_parameters": int(generator.count_params()), "valid_real_density": real_density,
            "history": history,
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
            melody, tracks = sampler.batch(args.batch)
            noise = rng.standard_normal((args.batch,) + noise_shape).astype(np.float32)
            wasserstein, penalty = critic_step(melody, tracks, noise)
        noise = rng.standard_normal((args.batch,) + noise_shape).astype(np.float32)
        g_loss, reconstruction = generator_step(melody, tracks, noise)
        iteration += 1
        history["iteration"].append(iteration)
        history["wasserstein"].append(float(wasserstein))
        history["gradient_penalty"].append(float(penalty))
        history["generator_loss"].append(float(g_loss))
        history["reconstruction"].append(float(reconstruction))
        if iteration % args.log_every == 0 or iteration == 1:
            valid_w, density, valid_bce = validation(valid[0], valid[1], valid_noise)
            history["valid_iteration"].append(iteration)
            history["valid_wasserstein"].append(float(valid_w))
            history["valid_generated_density"].append(float(density))
            history["valid_reconstruction"].append(float(valid_bce))
            budget = f"/{total}" if total else ""
            print(f"update {iteration}{budget} (epoch {iteration / per_epoch:.2f}) {elapsed / 60:.1f} min: "
                  f"W {float(wasserstein):.3f} GP {float(penalty):.3f} G {float(g_loss):.3f} "
                  f"BCE {float(reconstruction):.4f} | valid W "
                  f"{float(valid_w):.3f}, BCE {float(valid_bce):.4f}, cells on {float(density):.4f} (real {real_density:.4f})", flush=True)
        if time.monotonic() - last_save >= args.save_minutes * 60:
            save(False)
            last_save = time.monotonic()
    record = save(True)
    print(f"done: {iteration} generator updates in {record['minutes']} min; wrote {args.out}", flush=True)
    return record


def _widths(text: str) -> tuple:
    try:
        widths = tuple(int(width) for width in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"filters must be whole numbers separated by commas, got {text!r}") from None
    if len(widths) < 2 or min(widths) < 1:
        raise argparse.ArgumentTypeError(f"filters needs at least two levels of at least one channel, got {text!r}")
    return widths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", choices=sorted(data.STYLES), required=True)
    parser.add_argument("--out", required=True, help="run folder for generator.keras, training.json, curves.png")
    parser.add_argument("--epochs", type=float, default=0, help="stop after this many epochs (0: no limit)")
    parser.add_argument("--minutes", type=float, default=0, help="stop after this many minutes (0: no limit)")
    parser.add_argument("--lr", type=float, default=2e-4, help="Adam learning rate, both nets (default %(default)s)")
    parser.add_argument("--update-ratio", type=int, default=5, help="critic updates per generator update (default 5)")
    parser.add_argument("--reconstruction", type=float, default=2000.0,
                        help="weight of the cross-entropy to the real tracks in the generator's loss (0: pure "
                             "WGAN-GP as DeepComposer; default %(default)s)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--logit-floor", type=float, default=None,
                        help="hold the generator's logits at or above this (e.g. -12) so int8 keeps them (default: none)")
    parser.add_argument("--filters", type=_widths, default=gan_model.DEFAULT_FILTERS,
                        help="generator channels per U-Net level, top to bottleneck (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow intra- and inter-op threads (default 1)")
    parser.add_argument("--log-every", type=int, default=25, help="generator updates between progress lines")
    parser.add_argument("--save-minutes", type=float, default=2.0, help="minutes between saves of the generator")
    parser.add_argument("--limit-pieces", type=int, default=0, help="train on only the first N pieces (smoke runs)")
    parser.add_argument("--half", choices=data.HALVES,
                        help="train on this half of the training pieces only (tools.gan.data.halves), so that the "
                             "other half's melodies are unseen: a fold's generator")
    parser.add_argument("--data", default=data.CACHE_FOLDER, help="cache folder from tools.gan.data")
    args = parser.parse_args(argv)
    if not args.epochs and not args.minutes:
        parser.error("give --epochs or --minutes (or both): training needs a budget")
    if args.update_ratio < 1 or args.batch < 1 or args.lr <= 0 or args.reconstruction < 0:
        parser.error("--update-ratio and --batch must be at least 1, --lr positive, --reconstruction not negative")
    train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
