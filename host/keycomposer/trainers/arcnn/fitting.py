"""The AR-CNN's training loop, with a checkpoint after each evaluation that `--resume` goes on from.

A run folder holds checkpoint.keras (the network with its Adam state), state.json (the step reached, the seconds
spent, the evaluations so far, the settings) and curves.png (the losses, and the voices the network writes under
one fixed validation soprano at that step). Each is written beside and renamed into place, so a run stopped at any moment (Ctrl-C) keeps the last evaluated checkpoint whole. A resumed run draws its
examples from a generator seeded with (seed, step), so the same run resumed at the same step draws the same.

The steps run under the strategy keycomposer.trainers.distribution chooses (several GPUs, or several machines
from TF_CONFIG, all running the same command; the run folder must then be one they all see): each replica
trains on its share of the global batch, and only the chief writes the run's files.
"""

import json
import os
import time

import numpy as np

from keycomposer.trainers import distribution
from keycomposer.trainers.arcnn import examples, network

CHECKPOINT, STATE, CURVES = "checkpoint.keras", "state.json", "curves.png"
VALID_BATCH = 32


def read_state(out: str) -> dict | None:
    """The run's state.json, or None when the folder holds no checkpoint."""
    path = os.path.join(out, STATE)
    if not (os.path.exists(path) and os.path.exists(os.path.join(out, CHECKPOINT))):
        return None
    with open(path) as f:
        return json.load(f)


def fit(out: str, splits: dict, *, seed: int, batch: int, lr: float, max_steps: int | None = None,
        minutes: float | None = None, width: int = network.DEFAULT_WIDTH,
        dilations=network.DEFAULT_DILATIONS, eval_every: int = 200, valid_examples: int = 256, threads: int = 2,
        resume: bool = False, data: str = "", report=print, build=None, strategy=None, watch=None) -> dict:
    """Trains until `max_steps` optimizer steps or `minutes` of training (counting the time before a resume) are
    reached, whichever is given (both: the first); `data` names what it trains on (kept in the state). The
    learning rate decays (cosine) over that length. `build` makes another network with the same input and output
    (the bench's baseline) in place of ours. `strategy`: tf.distribute's, by default
    ``distribution.choose()``; `batch` is the global batch, shared by its replicas. Returns the final state
    (what state.json holds). `watch(net, evaluation)`, when given, sees the network after each evaluation on the
    chief (a notebook draws what it writes then). KeyboardInterrupt passes through; the last checkpoint stays. A batch the replicas
    cannot share, or a TF_CONFIG that cannot be read, raises distribution.DistributionError."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # TensorFlow already ran in this process (tests, a notebook): its threads stay as they were set
    strategy = strategy or distribution.choose()
    distribution.check_batch(strategy, batch)
    chief = distribution.is_chief()
    keras.utils.set_random_seed(seed)
    state = read_state(out) if resume else None
    with strategy.scope():  # the network's and Adam's variables, one copy a replica
        if state is not None:
            net = keras.saving.load_model(os.path.join(out, CHECKPOINT))
            optimizer = net.optimizer
            step, spent, history = state["step"], state["seconds"], state["history"]
            report(f"resuming from step {step} ({spent / 60:.1f} min trained) in {out}")
        else:
            net = build() if build else network.build(width, tuple(dilations))
            optimizer = keras.optimizers.Adam(lr)
            net.compile(optimizer=optimizer)  # so the checkpoint holds Adam's state too
            step, spent, history = 0, 0.0, []
        if not optimizer.built:  # Adam's slots made here, in the scope, not by the step's first call
            optimizer.build(net.trainable_variables)
    sampler = examples.ExampleSampler(splits["train"], np.random.default_rng([seed, step]))
    valid = examples.fixed_examples(splits["valid"], valid_examples, 1000 + seed)

    def replica_step(x, classes, masked):
        with tf.GradientTape() as tape:
            per_example = examples.masked_cross_entropy(tf, classes, masked, net(x, training=True))
            loss = tf.nn.compute_average_loss(per_example, global_batch_size=batch)
        grads = tape.gradient(loss, net.trainable_variables)
        optimizer.apply_gradients(zip(grads, net.trainable_variables))  # summed over the replicas
        return loss

    train_step = distribution.step(strategy, replica_step)

    def validation() -> float:
        x, classes, masked = valid
        losses = [examples.masked_cross_entropy(tf, classes[i:i + VALID_BATCH].transpose(0, 2, 1),
                                                masked[i:i + VALID_BATCH].transpose(0, 2, 1),
                                                net(x[i:i + VALID_BATCH], training=False))
                  for i in range(0, len(x), VALID_BATCH)]
        return float(np.mean(np.concatenate([np.asarray(loss) for loss in losses])))

    def progress() -> float:
        if max_steps and minutes:
            return max(step / max_steps, seconds() / (minutes * 60))
        return step / max_steps if max_steps else seconds() / (minutes * 60)

    started = time.monotonic()

    def seconds() -> float:
        return spent + time.monotonic() - started

    settings = {"data": data, "seed": seed, "batch": batch, "lr": lr, "max_steps": max_steps, "minutes": minutes,
                "threads": threads, "eval_every": eval_every, "valid_examples": valid_examples}
    recent, first_step = [], step
    if chief:
        os.makedirs(out, exist_ok=True)
    reached = distribution.agreed(strategy, progress())
    while reached < 1:
        optimizer.learning_rate.assign(examples.cosine(lr, reached))
        x, classes, masked = sampler.batch(batch)
        shares = distribution.replica_shares(strategy, (x, classes.transpose(0, 2, 1), masked.transpose(0, 2, 1)),
                                             batch)
        recent.append(float(train_step(shares)))
        step += 1
        reached = distribution.agreed(strategy, progress())
        if step % eval_every == 0 or reached >= 1:
            history.append({"step": step, "seconds": round(seconds(), 1),
                            "train_loss": round(float(np.mean(recent)), 4), "valid_loss": round(validation(), 4)})
            recent = []
            rate = (step - first_step) * batch / max(time.monotonic() - started, 1e-9)
            report(f"step {step}{'/' + str(max_steps) if max_steps else ''}  train {history[-1]['train_loss']:.3f}  "
                   f"valid {history[-1]['valid_loss']:.3f}  {seconds() / 60:.1f} min, {rate:.1f} examples/s")
            state = {"technique": "arcnn", "step": step, "seconds": round(seconds(), 1), "history": history,
                     "settings": settings,
                     "architecture": {"width": width if state is None else state["architecture"]["width"],
                                      "dilations": list(dilations) if state is None
                                      else state["architecture"]["dilations"],
                                      "parameters": int(net.count_params())}}
            if chief:
                save_checkpoint(net, state, out)
                sample = examples.harmonization_sample(lambda x: np.asarray(net(x[None], training=False))[0],
                                                       splits["valid"][0])
                examples.plot_curves(history, os.path.join(out, CURVES),
                                     (sample, f"its alto, tenor, bass under a validation soprano, step {step}"))
                if watch is not None:
                    watch(net, history[-1])
            else:
                distribution.save_elsewhere(lambda folder: net.save(os.path.join(folder, CHECKPOINT)))
    return (read_state(out) if chief else None) or state


def save_checkpoint(net, state: dict, out: str) -> None:
    """checkpoint.keras and state.json, each written beside and renamed into place."""
    partial = os.path.join(out, "partial." + CHECKPOINT)
    net.save(partial)
    with open(os.path.join(out, "partial." + STATE), "w") as f:
        json.dump(state, f, indent=2)
    os.replace(partial, os.path.join(out, CHECKPOINT))
    os.replace(os.path.join(out, "partial." + STATE), os.path.join(out, STATE))
