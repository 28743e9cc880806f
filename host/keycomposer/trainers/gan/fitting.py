"""The GAN's training loop: conditional WGAN-GP, with checkpoints that `--resume` goes on from.

As in DeepComposer's GAN notebook: for every generator update the critic is updated ``update_ratio`` times, each
time on fresh real windows, with gradient penalty weight 10. The generator writes per part per 16th the logits of
keycomposer.models.voice_grid's classes (networks); the critic reads the real parts as one-hots and the generated
ones as straight-through Gumbel samples (one-hot forward, the softmax's gradient backward: Jang et al. 2017), so
it cannot tell them apart by softness alone. The generator's loss adds ``auxiliary`` times the cross-entropy
(nats per cell) between its classes and the composer's own, which carries a short training (on two CPU cores the
critic alone teaches too slowly); auxiliary 0 is DeepComposer's pure WGAN-GP. Adam, betas 0.5 and 0.9, both
networks at the same constant learning rate. An epoch is as many generator updates as there are training
windows / batch size.

Every ``eval_every`` generator updates an evaluation measures the generator on fixed validation windows (the
critic's Wasserstein estimate, the cross-entropy and class accuracy) and redraws the picture (curves.png: the
curves, and the parts the generator writes for one fixed validation melody, decoded as inference decodes them).
A run folder holds::

    checkpoint-STEP/generator.keras   the generator, compiled with its Adam (so its state is saved too)
    checkpoint-STEP/critic.keras      the critic, with its Adam
    checkpoint-STEP/best.keras        the generator at its lowest validation cross-entropy so far
    state.json                        step, seconds, evaluations, best, settings, and which checkpoint is current
    curves.png

A checkpoint is written at an evaluation (at most every ``save_minutes``; 0: at each) into a new folder; then
state.json, written beside and renamed, names it, and only then are older checkpoint folders removed. So a run
stopped at any moment (Ctrl-C) keeps its last checkpoint whole and state.json always matches it.

The steps run under tf.distribute's strategy (keycomposer.trainers.distribution): ``batch`` is the global batch,
each replica trains on its share, and every loss is a sum over examples divided by the global batch. Everything
random in a step (the windows, the generator's noise, the Gumbel draws, the gradient penalty's mixing shares) is
drawn in numpy from the run's generator as part of the batch, so a run does not depend on how many replicas
train it. Only the chief writes the run folder.
"""

import json
import os
import shutil
import time

import numpy as np

from keycomposer.trainers import distribution
from keycomposer.trainers.gan import networks
from keycomposer.trainers.gan.windows import STEPS, WindowSampler
from keycomposer.training import RUN_PICTURE, RUN_STATE

STATE, CURVES = RUN_STATE, RUN_PICTURE
GENERATOR, CRITIC, BEST = "generator.keras", "critic.keras", "best.keras"
CHECKPOINT_PREFIX = "checkpoint-"
GRADIENT_PENALTY = 10.0
SAMPLE_SEED = 7  # the noise and the decoding's draw for the picture's sample: the same at every evaluation
PANELS = (
    ("Wasserstein estimate: critic E[real] - E[fake]", ("wasserstein", "valid_wasserstein")),
    ("gradient penalty (before x10)", ("gradient_penalty",)),
    ("generator loss (adversarial part)", ("generator_loss",)),
    ("cross-entropy to the real parts (nats per cell)", ("cross_entropy", "valid_cross_entropy")),
)


def read_state(out: str) -> dict | None:
    """The run's state.json, or None when the folder holds no whole checkpoint."""
    path = os.path.join(out, STATE)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        state = json.load(f)
    folder = os.path.join(out, state.get("checkpoint", ""))
    if not all(os.path.exists(os.path.join(folder, name)) for name in (GENERATOR, CRITIC, BEST)):
        return None
    return state


def checkpoint_file(out: str, state: dict, name: str = BEST) -> str:
    """A file of the run's current checkpoint: BEST (the default), GENERATOR or CRITIC."""
    return os.path.join(out, state["checkpoint"], name)


def fit(out: str, splits: dict, *, lowest: int, seed: int, batch: int, lr: float, update_ratio: int,
        auxiliary: float, width: int = networks.DEFAULT_WIDTH, epochs: float | None = None,
        minutes: float | None = None, eval_every: int = 50, save_minutes: float = 0.0, valid_windows: int = 256,
        threads: int = 1, resume: bool = False, data: str = "", title: str = "accompaniment GAN",
        report=print, on_checkpoint=None, extra_settings: dict | None = None, strategy=None, watch=None) -> dict:
    """Trains until ``epochs`` (of generator updates) or ``minutes`` of training (counting the time before a
    resume) are reached, whichever comes first (at least one must be given). ``lowest`` is the melody band's
    lowest MIDI pitch; ``data`` names what it trains on (kept in the state). ``on_checkpoint(state)`` is called
    after each checkpoint. `strategy`: tf.distribute's, by default ``distribution.choose()``; ``batch`` is the
    global batch, shared by its replicas. ``watch(generator, evaluation)``, when given, sees the generator after
    each evaluation on the chief. Returns the final state (on a worker other than the chief: its own, not
    written). KeyboardInterrupt passes through; the last checkpoint stays. A batch the replicas cannot share, or a
    TF_CONFIG that cannot be read, raises distribution.DistributionError."""
    if epochs is None and minutes is None:
        raise ValueError("give epochs or minutes: training needs a length")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    from keycomposer.models import voice_grid
    from keycomposer.progress import progress_bar
    from keycomposer.trainers import live_picture

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass  # TensorFlow already ran in this process (tests, a notebook): its threads stay as they were set
    strategy = strategy or distribution.choose()
    distribution.check_batch(strategy, batch)
    chief = distribution.is_chief()
    state = read_state(out) if resume else None
    step = state["step"] if state else 0
    keras.utils.set_random_seed((seed * 1_000_003 + step) % 2**32)  # a resumed run draws on, not again
    rng = np.random.default_rng([seed, step])
    sampler = WindowSampler(splits["train"], lowest, rng)
    valid = WindowSampler(splits["valid"], lowest, rng).fixed(valid_windows)
    valid_noise = noise(len(valid[0]), np.random.default_rng(1))
    per_epoch = max(1, len(sampler) // batch)
    max_updates = max(1, round(per_epoch * epochs)) if epochs is not None else None
    with strategy.scope():  # both networks' and both Adams' variables, one copy a replica
        if state is not None:
            generator = keras.saving.load_model(checkpoint_file(out, state, GENERATOR))
            critic = keras.saving.load_model(checkpoint_file(out, state, CRITIC))
            best_generator = keras.saving.load_model(checkpoint_file(out, state, BEST), compile=False)
            g_opt, c_opt = generator.optimizer, critic.optimizer
            g_opt.learning_rate.assign(lr)  # the rate asked for now (the command passes the run's own by default)
            c_opt.learning_rate.assign(lr)
            spent, history, best = state["seconds"], state["history"], state["best"]
            architecture = state["architecture"]
            report(f"resuming from step {step} ({spent / 60:.1f} min trained) in {out}")
        else:
            generator = networks.build_generator(width=width, name="gan_generator")
            critic = networks.build_critic()
            best_generator = keras.models.clone_model(generator)
            g_opt = keras.optimizers.Adam(lr, beta_1=0.5, beta_2=0.9)
            c_opt = keras.optimizers.Adam(lr, beta_1=0.5, beta_2=0.9)
            generator.compile(optimizer=g_opt)  # so a checkpoint holds each Adam's state too
            critic.compile(optimizer=c_opt)
            g_opt.build(generator.trainable_variables)  # built here, not inside the first traced step (traced twice)
            c_opt.build(critic.trainable_variables)
            spent, history, best = 0.0, [], {"valid_cross_entropy": None, "step": 0}
            architecture = {"generator": "dilated residual 1D convolution (keycomposer.trainers.gan.networks)",
                            "width": width, "dilations": list(networks.DEFAULT_DILATIONS),
                            "generator_parameters": int(generator.count_params()),
                            "critic_parameters": int(critic.count_params())}
        for optimizer, net in ((g_opt, generator), (c_opt, critic)):
            if not optimizer.built:  # Adam's slots made here, in the scope, not by the step's first call
                optimizer.build(net.trainable_variables)
    classes = voice_grid.CLASSES

    def critic_input(melody, parts_one_hot):
        flat = tf.reshape(parts_one_hot, [tf.shape(melody)[0], STEPS, networks.TRACKS * classes])
        return tf.concat([melody, flat], axis=-1)

    def drawn(logits, uniform):
        """Straight-through Gumbel-softmax: a one-hot draw forward, the softmax's gradient backward. `uniform`:
        the logits' shape of draws in (0, 1)."""
        gumbel = -tf.math.log(-tf.math.log(uniform))
        soft = tf.nn.softmax(logits + gumbel)
        hard = tf.one_hot(tf.argmax(soft, axis=-1), classes)
        return hard + soft - tf.stop_gradient(soft)

    def cross_entropy(parts, logits):
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=parts, logits=logits))

    def per_example_cross_entropy(parts, logits):
        cells = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=parts, logits=logits)
        return tf.reduce_mean(cells, axis=[1, 2])

    def global_mean(per_example):  # summed over the replicas (distribution.step): the global batch's mean
        return tf.nn.compute_average_loss(per_example, global_batch_size=batch)

    def score(rolls):
        return tf.reshape(critic(rolls, training=True), [-1])

    def critic_replica_step(melody, parts, noises, uniform, mix_share):
        with tf.GradientTape() as tape:
            fake_in = critic_input(melody, drawn(generator([melody, noises], training=True), uniform))
            real_in = critic_input(melody, tf.one_hot(parts, classes))
            mixed = mix_share * real_in + (1 - mix_share) * fake_in
            with tf.GradientTape() as penalty_tape:
                penalty_tape.watch(mixed)
                mixed_score = critic(mixed, training=True)
            slopes = tf.sqrt(tf.reduce_sum(tf.square(penalty_tape.gradient(mixed_score, mixed)), axis=[1, 2]) + 1e-12)
            penalty = tf.square(slopes - 1.0)
            wasserstein = score(real_in) - score(fake_in)
            loss = global_mean(-wasserstein + GRADIENT_PENALTY * penalty)
        c_opt.apply_gradients(zip(tape.gradient(loss, critic.trainable_variables), critic.trainable_variables))
        return global_mean(wasserstein), global_mean(penalty)

    def generator_replica_step(melody, parts, noises, uniform):
        with tf.GradientTape() as tape:
            logits = generator([melody, noises], training=True)
            adversarial = -score(critic_input(melody, drawn(logits, uniform)))
            guided = per_example_cross_entropy(parts, logits)
            loss = global_mean(adversarial + auxiliary * guided)
        g_opt.apply_gradients(zip(tape.gradient(loss, generator.trainable_variables), generator.trainable_variables))
        return global_mean(adversarial), global_mean(guided)

    critic_step = distribution.step(strategy, critic_replica_step)
    generator_step = distribution.step(strategy, generator_replica_step)

    def uniform_draws(count):
        return rng.uniform(1e-9, 1.0, (count, STEPS, networks.TRACKS, classes)).astype(np.float32)

    @tf.function
    def validation(melody, parts, noises):
        logits = generator([melody, noises], training=False)
        real_score = critic(critic_input(melody, tf.one_hot(parts, classes)), training=False)
        fake_score = critic(critic_input(melody, tf.one_hot(tf.argmax(logits, axis=-1), classes)), training=False)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, axis=-1, output_type=tf.int32), parts), tf.float32))
        return tf.reduce_mean(real_score) - tf.reduce_mean(fake_score), cross_entropy(parts, logits), accuracy

    started = time.monotonic()

    def seconds() -> float:
        return spent + time.monotonic() - started

    def progress() -> float:
        shares = ([step / max_updates] if max_updates else []) + ([seconds() / (minutes * 60)] if minutes else [])
        return max(shares)

    settings = {"data": data, "seed": seed, "batch": batch, "lr": lr, "update_ratio": update_ratio,
                "auxiliary": auxiliary, "width": architecture["width"], "epochs": epochs, "minutes": minutes,
                "max_updates": max_updates, "lowest_pitch": lowest, "threads": threads, "eval_every": eval_every,
                "valid_windows": len(valid[0])} | (extra_settings or {})
    report(f"{len(splits['train'])} training pieces, {len(sampler)} windows, {per_epoch} generator updates per "
           f"epoch; generator {architecture['generator_parameters']} parameters, critic "
           f"{architecture['critic_parameters']}")
    if chief:
        os.makedirs(out, exist_ok=True)
    sums, first_step, last_save = {}, step, time.monotonic()
    sample_melody = valid[0][:1]
    sample_noise = noise(1, np.random.default_rng(SAMPLE_SEED))
    reached = distribution.agreed(strategy, progress())  # every worker stops at the same update
    while reached < 1:
        block = eval_every - step % eval_every
        with progress_bar(block, f"generator updates {step + 1}..{step + block}") as advance:
            for _ in range(block):
                for _ in range(update_ratio):
                    melody, parts = sampler.batch(batch)
                    mix_share = rng.uniform(0.0, 1.0, (batch, 1, 1)).astype(np.float32)
                    wasserstein, penalty = critic_step(distribution.replica_shares(
                        strategy, (melody, parts, noise(batch, rng), uniform_draws(batch), mix_share), batch))
                adversarial, guided = generator_step(distribution.replica_shares(
                    strategy, (melody, parts, noise(batch, rng), uniform_draws(batch)), batch))
                step += 1
                for key, value in (("wasserstein", wasserstein), ("gradient_penalty", penalty),
                                   ("generator_loss", adversarial), ("cross_entropy", guided)):
                    sums[key] = sums.get(key, 0.0) + float(value)
                sums["updates"] = sums.get("updates", 0) + 1
                advance(1)
                reached = distribution.agreed(strategy, progress())
                if reached >= 1:
                    break
        valid_w, valid_ce, accuracy = (float(v) for v in validation(valid[0], valid[1], valid_noise))
        count = sums.pop("updates")
        history.append({"step": step, "seconds": round(seconds(), 1)}
                       | {key: round(total / count, 4) for key, total in sums.items()}
                       | {"valid_wasserstein": round(valid_w, 4), "valid_cross_entropy": round(valid_ce, 4),
                          "valid_accuracy": round(accuracy, 4)})
        sums = {}
        if best["valid_cross_entropy"] is None or valid_ce < best["valid_cross_entropy"]:
            best = {"valid_cross_entropy": round(valid_ce, 4), "valid_accuracy": round(accuracy, 4), "step": step}
            best_generator.set_weights(generator.get_weights())
        row = history[-1]
        rate = (step - first_step) / max(time.monotonic() - started, 1e-9) * 60
        report(f"step {step}{'/' + str(max_updates) if max_updates else ''} (epoch {step / per_epoch:.2f}) "
               f"{seconds() / 60:.1f} min, {rate:.0f} updates/min:  W {row['wasserstein']:.3f}  "
               f"GP {row['gradient_penalty']:.3f}  G {row['generator_loss']:.3f}  CE {row['cross_entropy']:.3f}  |  "
               f"valid W {valid_w:.3f}  CE {valid_ce:.3f}  accuracy {accuracy:.3f}")
        due = reached >= 1 or save_minutes <= 0 or distribution.agreed(
            strategy, (time.monotonic() - last_save) / (save_minutes * 60)) >= 1  # the same on every worker
        if not chief:
            if due:
                distribution.save_elsewhere(lambda folder: (generator.save(os.path.join(folder, GENERATOR)),
                                                            critic.save(os.path.join(folder, CRITIC))))
                last_save = time.monotonic()
            continue
        sample = sample_notes(generator([sample_melody, sample_noise], training=False).numpy()[0],
                              sample_melody[0], lowest)
        live_picture.save(os.path.join(out, CURVES), title=f"{title}: step {step}", history=history,
                          panels=PANELS, sample=(sample, f"its parts for a validation melody, step {step}"))
        if watch is not None:
            watch(generator, history[-1])
        if due:
            state = {"technique": "gan", "step": step, "seconds": round(seconds(), 1), "epochs_done": round(step / per_epoch, 3),
                     "history": history, "best": best, "settings": settings, "architecture": architecture,
                     "train_pieces": len(splits["train"]), "train_windows": len(sampler)}
            save_checkpoint(out, state, generator, critic, best_generator)
            last_save = time.monotonic()
            if on_checkpoint is not None:
                on_checkpoint(read_state(out))
    return read_state(out) if chief else {"step": step, "history": history, "best": best}


def noise(count: int, rng) -> np.ndarray:
    return rng.standard_normal((count, STEPS, networks.NOISE_CHANNELS)).astype(np.float32)


def sample_notes(logits: np.ndarray, melody_features: np.ndarray, lowest: int) -> list:
    """(start, end, MIDI pitch, part) notes of one window: the melody (part 0) and the three parts the logits
    (steps, tracks, classes) give, drawn by keycomposer.models.gan_decoding as inference draws them."""
    from keycomposer.models import voice_grid
    from keycomposer.models.gan_decoding import decode

    band = melody_features[:, :-1]
    pitches = np.where(band.any(axis=1), band.argmax(axis=1) + lowest, -1)
    struck = melody_features[:, -1] > 0
    notes = []
    for step in np.flatnonzero(pitches >= 0):
        if notes and not struck[step] and notes[-1][1] == step and notes[-1][2] == pitches[step]:
            notes[-1] = (notes[-1][0], step + 1, notes[-1][2], 0)
        else:
            notes.append((int(step), int(step) + 1, int(pitches[step]), 0))
    logits = logits.astype(np.float64)
    log_probability = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
    parts = decode(log_probability, pitches, seed=(SAMPLE_SEED, 1))
    for part, part_classes in enumerate(parts, 1):
        notes.extend((start, end, pitch, part) for start, end, pitch in voice_grid.class_notes(part_classes))
    return notes


def save_checkpoint(out: str, state: dict, generator, critic, best_generator) -> None:
    """A new checkpoint folder, then state.json naming it (beside and renamed), then older folders removed."""
    name = f"{CHECKPOINT_PREFIX}{state['step']:07d}"
    folder = os.path.join(out, name)
    shutil.rmtree(folder, ignore_errors=True)  # a half-written one from a run stopped while writing it
    os.makedirs(folder)
    generator.save(os.path.join(folder, GENERATOR))
    critic.save(os.path.join(folder, CRITIC))
    best_generator.save(os.path.join(folder, BEST))
    state = dict(state, checkpoint=name)
    partial = os.path.join(out, "partial." + STATE)
    with open(partial, "w") as f:
        json.dump(state, f, indent=1)
    os.replace(partial, os.path.join(out, STATE))
    for entry in os.listdir(out):
        if entry.startswith(CHECKPOINT_PREFIX) and entry != name:
            shutil.rmtree(os.path.join(out, entry), ignore_errors=True)
