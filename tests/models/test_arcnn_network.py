"""The AR-CNN network and its loss. Needs Keras and TensorFlow (the train extra); skipped without them."""

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="building the network needs Keras (the train extra)")
tf = pytest.importorskip("tensorflow")

from keycomposer.models import voice_grid  # noqa: E402
from tools.arcnn import model, train  # noqa: E402


def test_the_network_reads_the_grid_and_gives_a_softmax_per_voice_per_step():
    net = model.build(width=8, dilations=(1, 2), steps=16)
    out = net(np.zeros((2, 16, 4 * voice_grid.CLASSES + 4), np.float32))
    assert tuple(out.shape) == (2, 16, 4, voice_grid.CLASSES)


def test_the_loss_counts_the_masked_cells_only():
    rng = np.random.default_rng(0)
    classes = rng.integers(0, voice_grid.CLASSES, (2, 16, 4))
    masked = rng.random((2, 16, 4)) < 0.3
    logits = rng.normal(size=(2, 16, 4, voice_grid.CLASSES)).astype(np.float32)
    changed = logits.copy()
    changed[~masked] += rng.normal(size=changed[~masked].shape).astype(np.float32)  # only where nothing is asked
    first = train.masked_cross_entropy(tf, classes, masked, logits).numpy()
    assert np.allclose(first, train.masked_cross_entropy(tf, classes, masked, changed).numpy())
    sure = np.full_like(logits, -20.0)
    np.put_along_axis(sure, classes[..., None], 20.0, axis=-1)
    assert train.masked_cross_entropy(tf, classes, masked, sure).numpy().max() < 1e-6
