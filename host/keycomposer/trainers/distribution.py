"""Where a trainer's steps run: tf.distribute's strategy for what this process sees, and the few rules a training
loop keeps so that one command trains on one CPU, several GPUs or several machines alike.

- TF_CONFIG set (a cluster, as tf.distribute reads it): MultiWorkerMirroredStrategy, every worker running the
  same command; several GPUs visible: MirroredStrategy; otherwise the default strategy (one device).
- Every worker draws the same global batch from the same seed and each replica trains on its share of it
  (``replica_shares``), so a run's examples do not depend on how many replicas train it.
- A replica's loss is divided by the global batch (``tf.nn.compute_average_loss``); Keras' optimizer sums the
  replicas' gradients, and ``step`` sums their losses: the global batch's mean, as one device computes it.
- Decisions made from a clock (stop after --minutes, the learning rate's schedule) are ``agreed``: every worker
  takes the mean over workers, so no worker stops a step before the others and leaves them waiting.
- Only the chief (``is_chief``) writes the run's files and installs the model; the others save their checkpoint
  to a folder of their own that is thrown away (``save_elsewhere``), since a save may need every worker.
"""

import json
import os
import shutil
import tempfile


class DistributionError(ValueError):
    """A setting tf.distribute cannot train with (TF_CONFIG, a batch the replicas cannot share); says which."""


def cluster_config(environ=os.environ) -> dict | None:
    """TF_CONFIG read: {"cluster": {...}, "task": {"type", "index"}}, or None when it is not set."""
    text = environ.get("TF_CONFIG", "").strip()
    if not text:
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise DistributionError(f"TF_CONFIG is not JSON ({error.msg} at character {error.pos})") from error
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict) or not config["cluster"]:
        raise DistributionError("TF_CONFIG names no cluster: it needs {\"cluster\": {\"worker\": [\"host:port\", "
                                "...]}, \"task\": {\"type\": \"worker\", \"index\": N}}")
    task = config.get("task")
    if not (isinstance(task, dict) and task.get("type") in config["cluster"]
            and isinstance(task.get("index"), int)
            and 0 <= task["index"] < len(config["cluster"][task["type"]])):
        raise DistributionError(f"TF_CONFIG's task {task!r} is not one of its cluster's "
                                f"({', '.join(f'{k} 0..{len(v) - 1}' for k, v in config['cluster'].items())})")
    return config


def is_chief(environ=os.environ) -> bool:
    """Whether this process writes the run's files: no cluster, the task "chief", or worker 0 of a cluster
    without a chief (tf.distribute's rule)."""
    config = cluster_config(environ)
    if config is None:
        return True
    task = config["task"]
    return task["type"] == "chief" or (task["type"] == "worker" and task["index"] == 0
                                       and "chief" not in config["cluster"])


def choose(environ=os.environ):
    """The strategy for this process. Make it before TensorFlow runs anything else: the multi-worker strategy
    sets up its collectives when the runtime starts."""
    import tensorflow as tf

    if cluster_config(environ) is not None:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_physical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def worker_count(strategy) -> int:
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return 1
    spec = resolver.cluster_spec().as_dict()
    return sum(len(spec.get(job, [])) for job in ("chief", "worker")) or 1


def check_batch(strategy, batch: int) -> None:
    replicas = strategy.num_replicas_in_sync
    if batch % replicas:
        raise DistributionError(f"--batch {batch} cannot be shared by the {replicas} replicas training it: give a "
                                f"multiple of {replicas}")


def replica_shares(strategy, arrays, batch: int):
    """Each replica's consecutive share of the global batch `arrays` (numpy, first axis the batch), as the
    distributed value ``step`` takes."""
    import tensorflow as tf

    share = batch // strategy.num_replicas_in_sync

    def for_replica(context):
        first = context.replica_id_in_sync_group * share
        return tuple(tf.constant(array[first:first + share]) for array in arrays)

    return strategy.experimental_distribute_values_from_function(for_replica)


def step(strategy, replica_step):
    """A tf.function of the distributed value ``replica_shares`` gives, and of tensors every replica takes whole
    (`common`, such as the global batch's token count): runs `replica_step(*share, *common)` on every replica and
    sums what it returns (a loss, or a structure of losses, each already divided by the global batch) over the
    replicas."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def distributed(shares, *common):
        per_replica = strategy.run(replica_step, args=(*shares, *common))
        return tf.nest.map_structure(
            lambda value: strategy.reduce(tf.distribute.ReduceOp.SUM, value, axis=None), per_replica)

    return distributed


def clipped_sum(strategy, gradients, clipnorm: float) -> list:
    """What a replica hands its optimizer (one built without clipping) so that each variable's gradient is
    clipped to `clipnorm` as one device clips the whole batch's: Keras clips each replica's share before it
    sums them. Call it in `strategy.run`'s replica context.

    - A dense gradient: the replicas' sum, clipped, divided among the replicas, whose shares the optimizer sums
      back.
    - An embedding's gradient (IndexedSlices, one row a token): the optimizer gathers the replicas' rows into
      the rows one device would hold, so each share is scaled by the factor the gathered rows' norm gives."""
    import tensorflow as tf

    replicas = strategy.num_replicas_in_sync
    if replicas == 1:
        return [tf.clip_by_norm(gradient, clipnorm) for gradient in gradients]
    sliced = [isinstance(gradient, tf.IndexedSlices) for gradient in gradients]
    summed = tf.distribute.get_replica_context().all_reduce(
        tf.distribute.ReduceOp.SUM, [tf.reduce_sum(tf.square(g.values)) if is_sliced else g
                                     for g, is_sliced in zip(gradients, sliced)])
    shares = []
    for gradient, total, is_sliced in zip(gradients, summed, sliced):
        if is_sliced:
            scale = clipnorm / tf.maximum(tf.sqrt(total), clipnorm)
            shares.append(tf.IndexedSlices(gradient.values * scale, gradient.indices, gradient.dense_shape))
        else:
            shares.append(tf.clip_by_norm(total, clipnorm) / replicas)
    return shares


def agreed(strategy, value: float) -> float:
    """The mean of `value` over the workers, the same number on each; one worker: `value` itself."""
    if worker_count(strategy) == 1:
        return value
    import tensorflow as tf

    per_replica = strategy.run(lambda: tf.constant(value, tf.float32))
    return float(strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica, axis=None))


def save_elsewhere(save) -> None:
    """`save(folder)` into a temporary folder that is then removed: what a worker other than the chief does where
    the chief saves, so that a save needing every worker finds them all."""
    folder = tempfile.mkdtemp(prefix="keycomposer-worker-")
    try:
        save(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
