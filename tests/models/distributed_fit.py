"""One process of the tf.distribute test (test_distributed_training.py), run as its own program: trains a tiny
AR-CNN with fitting.fit under the strategy keycomposer.trainers.distribution chooses (TF_CONFIG set: one worker of
a cluster) and writes what it saw as JSON. With `two-cpus` it trains under MirroredStrategy on the CPU split
in two logical devices, the way one machine's GPUs are used.

    python tests/models/distributed_fit.py RUN_FOLDER RESULT.json [two-cpus]
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


def main(out: str, result: str, devices: str = "") -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    from keycomposer.trainers import distribution
    from keycomposer.trainers.arcnn import fitting

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    if devices == "two-cpus":
        (cpu,) = tf.config.list_physical_devices("CPU")
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    else:
        strategy = distribution.choose()
    splits = {"train": chorales(12, 1), "valid": chorales(3, 2)}
    state = fitting.fit(out, splits, seed=SEED, batch=BATCH, lr=1e-2, max_steps=STEPS, width=16, dilations=(1, 2, 4),
                        eval_every=2, valid_examples=16, threads=1, report=lambda line: None, strategy=strategy)
    config = distribution.cluster_config()
    index = config["task"]["index"] if config else 0
    with open(result, "w") as f:
        json.dump({"history": state["history"], "replicas": strategy.num_replicas_in_sync,
                   "workers": distribution.worker_count(strategy), "chief": distribution.is_chief(),
                   "agreed": distribution.agreed(strategy, float(index))}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
