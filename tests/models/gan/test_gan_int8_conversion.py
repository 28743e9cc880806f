"""What the int8 conversion does to a generator before converting it: the logit floor it adds. Needs Keras (the
train extra); skipped without it."""

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="building the generator needs Keras (the train extra)")

from tools.gan import convert, model  # noqa: E402
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
