"""The generator's optional logit floor (tools/gan/model.py) and the int8 conversion's equalization of it.
Needs Keras (the train extra); skipped without it."""

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="building the generator needs Keras (the train extra)")

from tools.gan import convert, model  # noqa: E402


def generator_with_weights(floor, seed=0):
    generator = model.build_generator(logit_floor=floor)
    rng = np.random.default_rng(seed)
    for weight in generator.trainable_weights:
        weight.assign(rng.normal(0, 0.1, weight.shape).astype("float32"))
    return generator


def inputs(count=4, seed=1):
    rng = np.random.default_rng(seed)
    melody = (rng.random((count, model.STEPS, model.PITCHES, 1)) < 0.05).astype("float32")
    return melody, rng.standard_normal((count,) + model.noise_shape()).astype("float32")


def test_no_cell_goes_below_the_floor_and_the_floor_survives_saving(tmp_path):
    generator = generator_with_weights(-12.0)
    above = generator.get_layer("tracks_above_floor")
    above.set_weights([w - 30 for w in above.get_weights()])  # push every logit far down
    assert generator.predict(inputs(), verbose=0).min() == pytest.approx(1 / (1 + np.exp(12.0)), rel=1e-4)
    generator.save(tmp_path / "g.keras")
    assert model.logit_floor_of(keras.saving.load_model(tmp_path / "g.keras", compile=False)) == -12.0
    assert model.logit_floor_of(model.build_generator()) is None


@pytest.mark.parametrize("floor", [None, -12.0])
def test_equalizing_a_generator_for_int8_leaves_its_output_as_it_was(floor):
    generator = generator_with_weights(floor)
    melody, noise = inputs()
    equalized = convert.equalize(generator, melody, noise)
    assert model.logit_floor_of(equalized) == floor
    assert np.abs(equalized.predict([melody, noise], verbose=0) - generator.predict([melody, noise], verbose=0)).max() < 1e-5
