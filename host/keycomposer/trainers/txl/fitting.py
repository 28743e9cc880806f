"""The Transformer-XL's training loop, with a checkpoint after each evaluation that `--resume` goes on from.

A run folder holds checkpoint.npz (the network's weights and Adam's state), best.npz (the weights of the
evaluation with the lowest validation loss: what is converted and installed), state.json (the step reached, the
seconds spent, the evaluations so far, the settings and shape) and curves.png (the live picture: the losses,
the validation perplexity, and the network's continuation of one fixed validation melody). Every file is
written beside and renamed into place, so a run stopped at any moment (Ctrl-C) keeps the last evaluated
checkpoint whole. A resumed run draws its windows from a generator seeded with (seed, step).

The learning rate rises linearly over `warmup` steps, then falls linearly to a tenth over the run's length
(steps or minutes, whichever ends it), as tools/txl/train.py always did.

The steps run under tf.distribute's strategy (keycomposer.trainers.distribution): `batch` is the global batch,
each replica trains on its share, and the loss is divided by the global batch's token count, so one process,
several GPUs and several machines (TF_CONFIG) learn alike. Only the chief writes the run folder.
"""

import json
import math
import os
import time

import numpy as np

from keycomposer.models.melody_tokens import PAD
from keycomposer.progress import progress_bar
from keycomposer.quiet import quiet_c_stderr
from keycomposer.trainers import distribution, live_picture
from keycomposer.trainers.txl import sample
from keycomposer.trainers.txl.network import Shape, TransformerXL
from keycomposer.trainers.txl.windows import Batches, fixed_windows

CHECKPOINT, BEST, STATE, PICTURE = "checkpoint.npz", "best.npz", "state.json", "curves.png"
PANELS = [("cross-entropy per token (nats)", ["train_loss", "valid_loss"]), ("validation perplexity",
                                                                            ["valid_perplexity"])]


def read_state(out: str) -> dict | None:
    """The run's state.json, or None when the folder holds no checkpoint."""
    path = os.path.join(out, STATE)
    if not (os.path.exists(path) and os.path.exists(os.path.join(out, CHECKPOINT))):
        return None
    with open(path) as f:
        return json.load(f)


def fit(out: str, splits: dict, *, shape: Shape, seed: int, batch: int, lr: float, max_steps: int | None = None,
        minutes: float | None = None, warmup: int = 100, segments: int = 2, classical_share: float = 0.5,
        eval_every: int = 50, eval_windows: int = 128, short_melodies: bool = False, threads: int = 1,
        resume: bool = False, data: str = "", init: str | None = None, title: str = "Transformer-XL",
        report=print, strategy=None, watch=None) -> dict:
    """Trains on `splits['train']` ((id, style, Melody) triples) until `max_steps` steps or `minutes` of training
    (counting the time before a resume) are reached, whichever comes first; evaluates on `splits['valid']` every
    `eval_every` steps and at the end (`short_melodies`: see windows.fixed_windows). `init`: a weights file (.npz) of the same shape to start from. `data` names
    what it trains on (kept in the state). `strategy`: tf.distribute's, by default ``distribution.choose()``;
    `batch` is the global batch, shared by its replicas. `watch(model, evaluation)`, when given, sees the network
    after each evaluation on the chief. Returns the final state (on a worker other than the chief: its own, not
    written). KeyboardInterrupt passes through; the last checkpoint stays. A batch the replicas cannot share, or a
    TF_CONFIG that cannot be read, raises distribution.DistributionError."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet_c_stderr():  # TensorFlow's C++ start-up lines, which no setting silences in 2.21
        import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # TensorFlow already ran in this process (tests, a notebook): its threads stay as they were set
    strategy = strategy or distribution.choose()
    distribution.check_batch(strategy, batch)
    chief = distribution.is_chief()
    tf.random.set_seed(seed)
    state = read_state(out) if resume else None
    if state is not None:
        shape = Shape(**state["shape"])
    with strategy.scope():  # the network's and Adam's variables, one copy a replica
        model = TransformerXL(shape, seed=seed)
        # each gradient clipped to norm 1 once the replicas' are summed (distribution.clipped_sum), not by Adam
        optimizer = tf.keras.optimizers.Adam(lr, beta_2=0.98)
        optimizer.build(model.trainable_variables)
        if state is not None:
            load_checkpoint(os.path.join(out, CHECKPOINT), model, optimizer)
            step, spent, history, best = state["step"], state["seconds"], state["history"], state["best"]
            report(f"resuming from step {step} ({spent / 60:.1f} min trained) in {out}")
        else:
            if init:
                model.load_weights(np.load(init))
            step, spent, history, best = 0, 0.0, [], None
    length = segments * shape.segment + 1
    batches = Batches(splits["train"], batch, length, seed, classical_share)
    batches.rng = np.random.default_rng([seed, step])
    valid, valid_styles = fixed_windows(splits["valid"], length, eval_windows, short_melodies)
    sample_id, sample_style, sample_melody = sample.sample_melody(splits["valid"])
    sampler = sample.TensorFlowStep(model) if chief else None

    def loss_sum(tokens, styles):
        """The cross-entropy summed over the non-PAD targets of the windows' segments, and their count."""
        memories, memory_valid = model.empty_memories(tf.shape(tokens)[0])
        total, count = 0.0, 0.0
        for k in range(segments):
            part = tokens[:, k * shape.segment: (k + 1) * shape.segment + 1]
            inputs, targets = part[:, :-1], part[:, 1:]
            logits, memories = model.segment(inputs, memories, memory_valid, styles)
            memory_valid = tf.concat([memory_valid, tf.not_equal(inputs, PAD)], axis=1)[:, -shape.memory:]
            weight = tf.cast(tf.not_equal(targets, PAD), tf.float32)
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(targets, logits)
            total += tf.reduce_sum(losses * weight)
            count += tf.reduce_sum(weight)
        return total, count

    def replica_step(tokens, styles, global_count):
        with tf.GradientTape() as tape:
            total, _ = loss_sum(tokens, styles)
            loss = total / global_count  # summed over the replicas: the global batch's mean per token
        gradients = distribution.clipped_sum(strategy, tape.gradient(loss, model.trainable_variables), 1.0)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))  # summed over the replicas
        return loss

    train_step = distribution.step(strategy, replica_step)

    def train_on(tokens, styles) -> float:
        global_count = tf.constant(max(float(np.count_nonzero(tokens[:, 1:] != PAD)), 1.0), tf.float32)
        return float(train_step(distribution.replica_shares(strategy, (tokens, styles), batch), global_count))

    @tf.function(input_signature=[tf.TensorSpec([None, length], tf.int32), tf.TensorSpec([None], tf.int32)])
    def eval_step(tokens, styles):
        total, count = loss_sum(tokens, styles)
        return total / tf.maximum(count, 1.0), count

    def validation_loss() -> float:
        total = count = 0.0
        for start in range(0, len(valid), batch):
            loss, n = eval_step(valid[start:start + batch], valid_styles[start:start + batch])
            total += float(loss) * float(n)
            count += float(n)
        return total / count

    started = time.monotonic()

    def seconds() -> float:
        return spent + time.monotonic() - started

    def progress() -> float:
        done = [step / max_steps] if max_steps else []
        done += [seconds() / (minutes * 60)] if minutes else []
        return max(done)

    settings = {"data": data, "seed": seed, "batch": batch, "lr": lr, "warmup": warmup, "segments": segments,
                "classical_share": classical_share, "max_steps": max_steps, "minutes": minutes,
                "eval_every": eval_every, "eval_windows": eval_windows, "threads": threads,
                "tokens_per_step": batch * (length - 1), "init": init}
    parameters = int(sum(int(np.prod(v.shape)) for v in model.trainable_variables))
    report(f"{len({id(melody) for _, _, melody in splits['train']})} training melodies, {len(valid)} validation windows of {length - 1} tokens, "
           f"{parameters} parameters ({shape.layers} layers, width {shape.width}, {shape.heads} heads, memory "
           f"{shape.memory})")
    if chief:
        os.makedirs(out, exist_ok=True)
    first_step = step
    reached = distribution.agreed(strategy, progress())  # every worker stops at the same step
    while reached < 1:
        recent = []
        until = step + eval_every - step % eval_every
        with progress_bar(until - step if max_steps is None else min(until, max_steps) - step,
                          f"training to step {until if max_steps is None else min(until, max_steps)}") as advance:
            while step < until and reached < 1:
                # linear warm-up, then a linear decay to a tenth over the run's length
                optimizer.learning_rate.assign(lr * min(1.0, (step + 1) / warmup) * (1.0 - 0.9 * reached))
                recent.append(train_on(*next(batches)))
                step += 1
                reached = distribution.agreed(strategy, progress())
                advance(1)
        valid_loss = validation_loss()
        history.append({"step": step, "seconds": round(seconds(), 1), "train_loss": round(float(np.mean(recent)), 4),
                        "valid_loss": round(valid_loss, 4), "valid_perplexity": round(math.exp(valid_loss), 4),
                        "lr": float(optimizer.learning_rate.numpy())})
        improved = best is None or valid_loss < best["valid_loss"]
        if improved:
            best = {"step": step, "valid_loss": round(valid_loss, 4)}
        rate = (step - first_step) * batch * (length - 1) / max(time.monotonic() - started, 1e-9)
        report(f"step {step}{'/' + str(max_steps) if max_steps else ''}  train {history[-1]['train_loss']:.3f}  "
               f"valid {valid_loss:.3f} (perplexity {math.exp(valid_loss):.2f})  {seconds() / 60:.1f} min, "
               f"{rate:.0f} tokens/s")
        state = {"technique": "txl", "step": step, "seconds": round(seconds(), 1), "history": history, "settings": settings,
                 "shape": shape.as_dict(), "parameters": parameters, "best": best,
                 "sample": {"melody": sample_id, "given_bars": sample.GIVEN_BARS, "more_bars": sample.MORE_BARS}}
        if not chief:
            continue  # its weights are the chief's (a save of plain arrays needs no other worker)
        notes = sample.continuation(sampler, sample_melody, sample_style)
        save_checkpoint(model, optimizer, state, out, improved)
        live_picture.save(os.path.join(out, PICTURE), title=f"{title}: step {step}", history=history, panels=PANELS,
                          sample=(notes, f"{sample_id}: {sample.GIVEN_BARS} bars given (blue), the model's next "
                                         f"{sample.MORE_BARS} (red)"))
        if watch is not None:
            watch(model, history[-1])
    return (read_state(out) if chief else None) or state


def save_checkpoint(model, optimizer, state: dict, out: str, improved: bool) -> None:
    """checkpoint.npz, best.npz (when `improved`) and state.json, each written beside and renamed into place;
    state.json last, so it never names a step whose weights are not there."""
    arrays = {f"weight/{k}": v for k, v in model.weights().items()}
    arrays.update({f"optimizer/{i}": v.numpy() for i, v in enumerate(optimizer.variables)})
    write_beside(os.path.join(out, CHECKPOINT), lambda f: np.savez(f, **arrays))
    if improved:
        write_beside(os.path.join(out, BEST), lambda f: np.savez(f, **model.weights()))
    write_beside(os.path.join(out, STATE), lambda f: f.write(json.dumps(state, indent=1).encode()))


def write_beside(path: str, write) -> None:
    folder, name = os.path.split(path)
    partial = os.path.join(folder, "partial." + name)
    with open(partial, "wb") as f:
        write(f)
    os.replace(partial, path)


def load_checkpoint(path: str, model, optimizer) -> None:
    """The weights and Adam's state of `path` into `model` and `optimizer` (built for the same shape)."""
    with np.load(path) as saved:
        model.load_weights({k.removeprefix("weight/"): saved[k] for k in saved.files if k.startswith("weight/")})
        for i, variable in enumerate(optimizer.variables):
            variable.assign(saved[f"optimizer/{i}"])
