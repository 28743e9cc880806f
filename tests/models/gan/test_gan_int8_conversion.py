"""What the int8 conversion does to a generator before converting it (the logit floor it adds) and the
quantization-aware fine-tuning that trains it as int8 computes it (tools/gan/qat.py). Needs Keras and
TensorFlow (the train extra); skipped without them."""

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="building the generator needs Keras (the train extra)")
tf = pytest.importorskip("tensorflow", reason="fake quantization needs TensorFlow (the train extra)")

from tools.gan import convert, model, qat  # noqa: E402
from test_gan_logit_floor import generator_with_weights, inputs  # noqa: E402


def test_flooring_a_generator_changes_no_output_by_more_than_the_floor_s_probability():
    generator = generator_with_weights(None)
    last = generator.get_layer("tracks")
    kernel, bias = last.get_weights()
    last.set_weights([kernel, bias - 10])  # most logits far under the floor
    melody, noise = inputs()
    held = convert.floored(generator)
    assert model.logit_floor_of(held) == convert.CONVERSION_FLOOR
    before, after = generator.predict([melody, noise], verbose=0), held.predict([melody, noise], verbose=0)
    assert before.min() < after.min() == pytest.approx(1 / (1 + np.exp(-convert.CONVERSION_FLOOR)), rel=1e-4)
    assert np.abs(after - before).max() <= 1 / (1 + np.exp(-convert.CONVERSION_FLOOR)) + 1e-6
    assert convert.floored(held) is held  # a generator with a floor keeps its own


def test_the_quantized_generator_rounds_as_int8_and_nothing_more():
    generator = convert.floored(generator_with_weights(None))
    melody, noise = inputs()
    quantized = qat.quantized_clone(generator)
    qat.set_ranges(quantized, melody, noise)
    exact = generator.predict([melody, noise], verbose=0)
    rounded = quantized.predict([melody, noise], verbose=0)
    assert not np.array_equal(rounded, exact)  # weights and outputs are rounded ...
    assert np.abs(rounded - exact).max() < 0.05  # ... to 255 or 256 steps, not changed
    conv = quantized.get_layer("down1a")
    assert conv.low.numpy() == 0.0 and conv.high.numpy() > 0  # a ReLU's range starts at 0


def test_a_fine_tuned_generator_comes_back_as_plain_layers_with_its_weights(tmp_path):
    generator = convert.floored(generator_with_weights(None))
    quantized = qat.quantized_clone(generator)
    plain = qat.plain_copy(quantized, generator)
    assert {type(layer) for layer in plain.layers} == {type(layer) for layer in generator.layers}
    for layer in generator.layers:
        for before, after in zip(layer.get_weights(), plain.get_layer(layer.name).get_weights()):
            assert np.array_equal(before, after)
    plain.save(tmp_path / "g.keras")  # saved without the quantized classes: convert loads it as any run
    assert model.logit_floor_of(keras.saving.load_model(tmp_path / "g.keras", compile=False)) == convert.CONVERSION_FLOOR
