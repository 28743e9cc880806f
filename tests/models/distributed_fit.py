"""One process of the tf.distribute test (test_distributed_training.py), run as its own program: trains a tiny
network of one technique (arcnn, txl, gan) with its fitting.fit under the strategy
keycomposer.trainers.distribution chooses (TF_CONFIG set: one worker of a cluster) and writes what it saw as
JSON. With `two-cpus` it trains under MirroredStrategy on the CPU split in two logical devices, the way one
machine's GPUs are used.

    python tests/models/distributed_fit.py TECHNIQUE RUN_FOLDER RESULT.json [two-cpus]
"""

import json
import os
import sys

import numpy as np

STEPS, BATCH, SEED = 8, 8, 7


def chorales(count: int, seed: int) -> list:
    """Pieces an AR-CNN learns fast: a soprano of quarter notes in C major, the alto a third or fourth under it
    (the scale's), the tenor an octave under it and the bass two."""
    from keycomposer.trainers.arcnn.chorales import Chorale

    scale = [60, 62, 64, 65, 67, 69, 71, 72, 74, 76]
    rng = np.random.default_rng(seed)
    pieces = []
    for number in range(count):
        degrees = rng.integers(2, len(scale), 48)
        voices = [[(4 * k, 4 * k + 4, scale[d] + 7) for k, d in enumerate(degrees)],
                  [(4 * k, 4 * k + 4, scale[d - 2] + 7) for k, d in enumerate(degrees)],
                  [(4 * k, 4 * k + 4, scale[d] - 5) for k, d in enumerate(degrees)],
                  [(4 * k, 4 * k + 4, scale[d] - 17) for k, d in enumerate(degrees)]]
        pieces.append(Chorale(f"piece{seed}-{number}", voices))
    return pieces


def melodies(count: int, seed: int, style: str) -> list:
    """(id, style, Melody) triples a Transformer-XL learns fast: 8 bars of 4/4 in quarter and eighth notes, a
    stepwise walk on the C major scale."""
    from keycomposer.models.melody_tokens import Melody

    scale = (0, 2, 4, 5, 7, 9, 11, 12)
    rng = np.random.default_rng(seed)
    triples = []
    for number in range(count):
        notes, onset, degree = [], 0, 3
        while onset < 8 * 16:
            degree = int(np.clip(degree + rng.integers(-2, 3), 0, len(scale) - 1))
            length = 4 if rng.random() < 0.6 else 2
            notes.append((onset, length, 60 + scale[degree]))
            onset += length
        bars = np.array([(16 * k, 16) for k in range(8)])
        triples.append((f"tune{seed}-{number}", style, Melody(np.array(notes), bars)))
    return triples


def fit_arcnn(out: str, strategy, watch) -> dict:
    from keycomposer.trainers.arcnn import fitting

    splits = {"train": chorales(12, 1), "valid": chorales(3, 2)}
    return fitting.fit(out, splits, seed=SEED, batch=BATCH, lr=1e-2, max_steps=STEPS, width=16, dilations=(1, 2, 4),
                       eval_every=2, valid_examples=16, threads=1, report=lambda line: None, watch=watch,
                       strategy=strategy)


def fit_txl(out: str, strategy, watch) -> dict:
    from keycomposer.trainers.txl import fitting
    from keycomposer.trainers.txl.network import Shape

    splits = {"train": melodies(8, 1, "folk") + melodies(4, 3, "classical"),
              "valid": melodies(2, 2, "folk") + melodies(2, 4, "classical")}
    shape = Shape(layers=1, width=16, heads=2, inner=32, memory=16, segment=16)
    return fitting.fit(out, splits, shape=shape, seed=SEED, batch=BATCH, lr=1e-2, max_steps=STEPS, warmup=2,
                       eval_every=2, eval_windows=8, threads=1, report=lambda line: None, watch=watch,
                       strategy=strategy)


def four_parts(count: int, seed: int) -> list:
    """GAN pieces: 8 bars of quarter notes, the melody on the C major scale, the three parts under it as the
    AR-CNN's chorales have them."""
    from keycomposer.trainers.gan.pieces import Piece

    scale = [60, 62, 64, 65, 67, 69, 71, 72, 74, 76]
    rng = np.random.default_rng(seed)
    pieces = []
    for number in range(count):
        degrees = rng.integers(2, len(scale), 32)
        rolls = np.zeros((4, 32 * 4, 128), bool)
        struck = np.zeros_like(rolls)
        for beat, d in enumerate(degrees):
            for part, pitch in enumerate((scale[d] + 7, scale[d - 2] + 7, scale[d] - 5, scale[d] - 17)):
                rolls[part, 4 * beat:4 * beat + 4, pitch] = True
                struck[part, 4 * beat, pitch] = True
        pieces.append(Piece(f"piece{seed}-{number}", rolls, struck=struck))
    return pieces


def fit_gan(out: str, strategy, watch) -> dict:
    from keycomposer.trainers.gan import fitting
    from keycomposer.trainers.gan.windows import WindowSampler

    splits = {"train": four_parts(8, 1), "valid": four_parts(2, 2)}
    per_epoch = len(WindowSampler(splits["train"], 48, None)) // BATCH  # generator updates
    return fitting.fit(out, splits, lowest=48, seed=SEED, batch=BATCH, lr=1e-3, update_ratio=2, auxiliary=10.0,
                       width=8, epochs=STEPS / per_epoch, eval_every=2, valid_windows=8, threads=1,
                       report=lambda line: None, watch=watch,
                       strategy=strategy)


FITS = {"arcnn": fit_arcnn, "gan": fit_gan, "txl": fit_txl}


def main(technique: str, out: str, result: str, devices: str = "") -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    from keycomposer.trainers import distribution

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    if devices == "two-cpus":
        (cpu,) = tf.config.list_physical_devices("CPU")
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    else:
        strategy = distribution.choose()
    watched = []  # the steps at which fit showed the network to `watch`: the chief's evaluations
    state = FITS[technique](out, strategy, lambda net, evaluation: watched.append(evaluation["step"]))
    config = distribution.cluster_config()
    index = config["task"]["index"] if config else 0
    with open(result, "w") as f:
        json.dump({"history": state["history"], "replicas": strategy.num_replicas_in_sync,
                   "workers": distribution.worker_count(strategy), "chief": distribution.is_chief(),
                   "agreed": distribution.agreed(strategy, float(index)), "watched": watched}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
