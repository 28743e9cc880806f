"""DeepComposer's AR-CNN network (the U-Net of ../shared/reference/deepcomposer_arcnn.py) on our task, for the
bench's likelihood row "DeepComposer's network at the same training budget".

The anchor reads one binary piano roll and scores every cell. To predict the same thing ours does (each voice's
class at each step), the U-Net body is kept exactly as the reference builds it (5 levels, 32 filters doubling,
1024-filter bottleneck, batch norm and dropout) over a (steps, 64 pitches) image whose channels are each voice's
struck and held cells plus its mask flag; two heads read its last feature map: a 1x1 conv gives each voice's
struck and held logit per pitch, and the features averaged over pitch give each voice's rest logit. Same input
and output as keycomposer.trainers.arcnn.network, so the same loop trains it and the same bench scores it.

    nice -n 5 .venv-train/bin/python -m tools.arcnn.train --network deepcomposer --out out/arcnn/deepcomposer \\
        --seed 0 --minutes 110 --threads 1
"""
import importlib.util
import os

from keycomposer.models.voice_grid import CLASSES, PITCHES, VOICES
from keycomposer.trainers.arcnn.network import STEPS

REFERENCE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "reference", "deepcomposer_arcnn.py")


def reference_module():
    spec = importlib.util.spec_from_file_location("deepcomposer_arcnn", os.path.abspath(REFERENCE))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(steps=STEPS):
    import keras
    from keras import layers, ops

    voices = len(VOICES)
    grid = keras.Input((steps, voices * CLASSES + voices), name="voices_and_masks")
    one_hot = layers.Reshape((steps, voices, CLASSES))(grid[..., :voices * CLASSES])
    cells = ops.reshape(one_hot[..., 1:], (-1, steps, voices * 2, PITCHES))  # struck, held per voice
    cells = layers.Permute((1, 3, 2))(cells)  # (steps, pitches, voices * 2)
    masks = layers.UpSampling2D((1, PITCHES))(layers.Reshape((steps, 1, voices))(grid[..., voices * CLASSES:]))
    image = layers.Concatenate(name="roll_image")([cells, masks])

    reference = reference_module().build(steps=steps, pitches=PITCHES)
    body = keras.Model(reference.input, reference.layers[-2].output)  # all but its 1-channel logits conv
    body = keras.models.clone_model(body, input_tensors=keras.Input(image.shape[1:]))  # same layers, 12 channels in
    features = body(image)

    pitch_logits = layers.Conv2D(voices * 2, 1, name="pitch_logits")(features)  # (steps, pitches, voices * 2)
    pitch_logits = layers.Reshape((steps, voices, 2 * PITCHES))(layers.Permute((1, 3, 2))(pitch_logits))
    pooled = layers.Reshape((steps, -1))(layers.AveragePooling2D((1, PITCHES))(features))
    rest_logits = layers.Reshape((steps, voices, 1))(layers.Dense(voices, name="rest_logits")(pooled))
    logits = layers.Concatenate(name="per_voice")([rest_logits, pitch_logits])
    return keras.Model(grid, logits, name="deepcomposer_arcnn_voices")
