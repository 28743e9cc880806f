"""The bench's baseline: DeepComposer's U-Net reading our voice grid. Needs Keras (the train extra)."""

from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="building the network needs Keras (the train extra)")

from keycomposer.models import voice_grid  # noqa: E402
from tools.arcnn import deepcomposer_network  # noqa: E402

if not Path(deepcomposer_network.REFERENCE).is_file():  # beside the repository, not in it: a clone has none
    pytest.skip(f"DeepComposer's reference network {Path(deepcomposer_network.REFERENCE).resolve()} is not here",
                allow_module_level=True)


def grid_with(voice, step, klass, masked_voice=None, steps=16):
    classes = np.zeros((4, steps), np.int64)
    classes[voice, step] = klass
    masked = np.zeros((4, steps), bool)
    if masked_voice is not None:
        masked[masked_voice] = True
    return voice_grid.network_input(classes, masked)[None]


def test_each_voices_struck_and_held_cells_and_mask_become_channels_of_the_pitch_image():
    net = deepcomposer_network.build(steps=16)
    image = keras.Model(net.input, net.get_layer("roll_image").output)
    pitch = 60
    struck = np.asarray(image(grid_with(2, 5, voice_grid.onset_class(pitch))))[0]
    assert struck.shape == (16, voice_grid.PITCHES, 12)
    assert struck[5, pitch - voice_grid.LOWEST_PITCH, 4] == 1 and struck.sum() == 1  # tenor struck: channel 2 * 2
    held = np.asarray(image(grid_with(1, 3, voice_grid.onset_class(pitch) + voice_grid.PITCHES)))[0]
    assert held[3, pitch - voice_grid.LOWEST_PITCH, 3] == 1 and held.sum() == 1  # alto held: channel 2 * 1 + 1
    masked = np.asarray(image(grid_with(0, 0, 0, masked_voice=3)))[0]
    assert (masked[..., 8 + 3] == 1).all() and masked.sum() == 16 * voice_grid.PITCHES


def test_it_gives_a_softmax_per_voice_per_step_like_ours():
    net = deepcomposer_network.build(steps=16)
    out = net(np.zeros((2, 16, 4 * voice_grid.CLASSES + 4), np.float32))
    assert tuple(out.shape) == (2, 16, 4, voice_grid.CLASSES)
