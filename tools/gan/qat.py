"""Quantization-aware fine-tuning of a trained accompaniment generator, so its int8 file keeps what it learnt.

    .venv-train/bin/python -m tools.gan.qat out/gan/quartet_run6 --out out/gan/quartet_run6_qat --updates 1500

Why: trained as it is, nothing keeps the generator's numbers where int8 can hold them. Two quartet generators
trained with the shipped recipe (one of them the same recipe and seed run again) kept the float model's most
likely pitch on only 70 % and 18 % of validation steps in int8 (tools/gan/README.md). The shipped quartet
file's 87 % was luck.

How: the generator is first equalized as tools/gan/convert.py does before any conversion (every hidden
channel's calibration peak at the same value). Then it is trained a little more as its int8 file will compute
it: every convolution's weights rounded per output channel to 255 symmetric steps, and every convolution's
output (the logits before the sigmoid too) rounded per tensor to 256 steps over the range it takes, a running
average of its batches' extremes (Jacob et al. 2018). Rounding passes gradients straight through. Only the
reconstruction loss (cross-entropy to the composer's own parts) trains here: the critic is not kept with a run,
and the fine-tuning is short and starts from a generator the critic already shaped. The run folder it writes
holds the fine-tuned generator (plain layers again, equalized) and a training.json that tools/gan/convert.py
converts like any other run: `convert --no-equalize`, as equalizing again would move the weights off the grid
they were trained on.
"""

import argparse
import json
import os
import sys

import numpy as np

RANGE_MOMENTUM = 0.99  # running average of each output's batch extremes, as TensorFlow's QAT keeps them


def quantized_clone(generator):
    """``generator`` with every Conv2D and Concatenate replaced by a quantized one carrying the same weights."""
    import keras

    classes = _quantized_classes()

    def clone(layer):
        for plain, quantized in ((keras.layers.Conv2D, classes["conv"]), (keras.layers.Concatenate, classes["concat"])):
            if isinstance(layer, plain):
                return quantized.from_config(layer.get_config())
        return layer.__class__.from_config(layer.get_config())

    quantized = keras.models.clone_model(generator, clone_function=clone)
    for layer in generator.layers:
        target = quantized.get_layer(layer.name)
        target.set_weights(layer.get_weights() + target.get_weights()[len(layer.get_weights()):])
    return quantized


_CLASSES = {}


def _quantized_classes() -> dict:
    """Conv2D and Concatenate whose outputs (and a convolution's weights) are rounded as int8 TFLite's CONV_2D
    and CONCATENATION round them (built once, as they need TensorFlow)."""
    if _CLASSES:
        return _CLASSES
    import keras
    import tensorflow as tf

    class RoundedOutput:
        """Per tensor, the range int8 holds an output in (0 always inside: int8 zero points are exact), a
        running average of the training batches' extremes, and the rounding to 256 steps over it."""

        def add_range(self):
            self.low = self.add_weight(name="low", shape=(), initializer="zeros", trainable=False)
            self.high = self.add_weight(name="high", shape=(), initializer="ones", trainable=False)

        def rounded(self, out, training):
            if training:
                self.low.assign(RANGE_MOMENTUM * self.low + (1 - RANGE_MOMENTUM) * tf.minimum(tf.reduce_min(out), 0.0))
                self.high.assign(RANGE_MOMENTUM * self.high + (1 - RANGE_MOMENTUM) * tf.maximum(tf.reduce_max(out), 0.0))
            return tf.quantization.fake_quant_with_min_max_vars(out, self.low, self.high, num_bits=8)

        def unrounded(self, inputs):
            """The layer's output before rounding: what `set_ranges` measures."""
            raise NotImplementedError

    @keras.saving.register_keras_serializable(package="keycomposer_qat")
    class QuantizedConv2D(RoundedOutput, keras.layers.Conv2D):
        def build(self, input_shape):
            super().build(input_shape)
            self.add_range()

        def unrounded(self, inputs):
            # int8 weights: per output channel, symmetric, 255 steps
            reach = tf.stop_gradient(tf.maximum(tf.reduce_max(tf.abs(self.kernel), axis=[0, 1, 2]), 1e-8))
            kernel = tf.quantization.fake_quant_with_min_max_vars_per_channel(self.kernel, -reach, reach,
                                                                              num_bits=8, narrow_range=True)
            out = tf.nn.conv2d(inputs, kernel, strides=1, padding="SAME") + self.bias
            # A sigmoid's input (the logits) is what int8 holds; a ReLU is fused into the convolution.
            return out if self.activation is keras.activations.sigmoid else self.activation(out)

        def call(self, inputs, training=False):
            out = self.rounded(self.unrounded(inputs), training)
            return tf.sigmoid(out) if self.activation is keras.activations.sigmoid else out

    @keras.saving.register_keras_serializable(package="keycomposer_qat")
    class QuantizedConcatenate(RoundedOutput, keras.layers.Concatenate):
        def build(self, input_shape):
            super().build(input_shape)
            self.add_range()

        def unrounded(self, inputs):
            return tf.concat(inputs, axis=self.axis)

        def compute_output_spec(self, inputs, **kwargs):  # Merge's takes no `training`
            return super().compute_output_spec(inputs)

        def call(self, inputs, training=False):
            return self.rounded(self.unrounded(inputs), training)

    _CLASSES.update(conv=QuantizedConv2D, concat=QuantizedConcatenate, rounded=RoundedOutput)
    return _CLASSES


def set_ranges(quantized, melodies, noises) -> None:
    """Each rounded output's range from these inputs: its smallest and largest value (0 always inside), as the
    int8 conversion calibrates it."""
    import keras

    # Layer by layer, each from the ranges set before it (a probe of them all at once would flatten the
    # concatenations' input lists into its outputs).
    for layer in quantized.layers:
        if not isinstance(layer, _quantized_classes()["rounded"]):
            continue
        values = keras.Model(quantized.inputs, layer.input).predict([melodies, noises], batch_size=64, verbose=0)
        out = np.asarray(layer.unrounded(values))
        layer.low.assign(min(float(out.min()), 0.0))
        layer.high.assign(max(float(out.max()), 0.0))


def plain_copy(quantized, generator):
    """A plain generator (the architecture of ``generator``) with ``quantized``'s trained weights."""
    import keras

    plain = keras.models.clone_model(generator)
    for layer in plain.layers:
        weights = quantized.get_layer(layer.name).get_weights()
        layer.set_weights(weights[:len(layer.get_weights())])
    return plain


def cross_entropy(model, melodies, tracks, noises) -> float:
    out = np.clip(model.predict([melodies, noises], batch_size=64, verbose=0), 1e-7, 1 - 1e-7)
    return float(np.mean(-(tracks * np.log(out) + (1 - tracks) * np.log(1 - out))))


def fine_tune(run: str, out: str, updates: int, lr: float, batch: int, seed: int, log=print) -> dict:
    import keras
    import tensorflow as tf

    from tools.gan import convert, data, model as gan_model, train

    keras.utils.set_random_seed(seed)
    with open(os.path.join(run, "training.json")) as f:
        training = json.load(f)
    generator = keras.saving.load_model(os.path.join(run, "generator.keras"), compile=False)
    style = training["style"]
    lowest = gan_model.LOWEST_PITCH[style]
    splits = data.load(style, training["settings"]["data"])
    rng = np.random.default_rng(seed)
    noise_shape = tuple(training["noise_shape"])
    sampler = train.WindowSampler(splits["train"], lowest, rng)
    melodies, _ = sampler.batch(convert.CALIBRATION_WINDOWS)
    noises = rng.standard_normal((len(melodies),) + noise_shape).astype(np.float32)
    valid_melodies, valid_tracks = train.WindowSampler(splits["valid"], lowest, rng).fixed(train.VALID_WINDOWS)
    valid_noises = np.random.default_rng(1).standard_normal((len(valid_melodies),) + noise_shape).astype(np.float32)

    equalized = convert.floored(convert.equalize(generator, melodies, noises))
    quantized = quantized_clone(equalized)
    set_ranges(quantized, melodies, noises)
    before = {"float": cross_entropy(equalized, valid_melodies, valid_tracks, valid_noises),
              "rounded": cross_entropy(quantized, valid_melodies, valid_tracks, valid_noises)}
    log(f"validation cross-entropy before: float {before['float']:.5f}, rounded as int8 {before['rounded']:.5f}")
    optimizer = keras.optimizers.Adam(lr)

    @tf.function
    def step(melody, tracks, noise):
        with tf.GradientTape() as tape:
            fake = quantized([melody, noise], training=True)
            loss = tf.reduce_mean(keras.losses.binary_crossentropy(tracks, fake))
        optimizer.apply_gradients(zip(tape.gradient(loss, quantized.trainable_variables), quantized.trainable_variables))
        return loss

    history = {"update": [], "valid_rounded": []}
    for update in range(1, updates + 1):
        melody, tracks = sampler.batch(batch)
        noise = rng.standard_normal((batch,) + noise_shape).astype(np.float32)
        step(melody, tracks, noise)
        if update % max(1, updates // 10) == 0 or update == updates:
            rounded = cross_entropy(quantized, valid_melodies, valid_tracks, valid_noises)
            history["update"].append(update)
            history["valid_rounded"].append(rounded)
            log(f"update {update}/{updates}: validation cross-entropy rounded as int8 {rounded:.5f}")
    plain = plain_copy(quantized, equalized)
    after = {"float": cross_entropy(plain, valid_melodies, valid_tracks, valid_noises),
             "rounded": history["valid_rounded"][-1] if history["valid_rounded"] else before["rounded"]}
    os.makedirs(out, exist_ok=True)
    plain.save(os.path.join(out, "generator.keras"))
    record = dict(training)
    record["settings"] = {**training["settings"], "out": out}
    record["quantization_aware"] = {"from": run, "updates": updates, "lr": lr, "batch": batch, "seed": seed,
                                    "valid_cross_entropy_before": before, "valid_cross_entropy_after": after,
                                    "history": history}
    with open(os.path.join(out, "training.json"), "w") as f:
        json.dump(record, f)
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="training run folder (generator.keras, training.json)")
    parser.add_argument("--out", required=True, help="folder for the fine-tuned run")
    parser.add_argument("--updates", type=int, default=1500)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    record = fine_tune(args.run, args.out, args.updates, args.lr, args.batch, args.seed)
    print(f"wrote {args.out}: {json.dumps(record['quantization_aware']['valid_cross_entropy_after'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
