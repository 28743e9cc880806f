"""The AR-CNN network, Coconet's way: four voices in, each voice's class distribution at every step out.

Input (steps, 4 * CLASSES + 4): each voice's one-hot class per 16th step (zero where masked) and one mask
flag per voice (keycomposer.models.voice_grid). Output (steps, 4, CLASSES) logits: per voice per step a
softmax over rest, struck pitch and held pitch. Coconet convolves over time x pitch; here pitch and voice are
the channels of a 1D convolution over time, dilated so the receptive field spans the whole 8-bar window at a
cost that keeps a 100-step Gibbs run well under half a second (a 2D net of Coconet's width over 128 x 64
cells costs about 50x more per pass). Residual blocks; no normalisation layer (nothing to go wrong in int8).
"""

from keycomposer.models.voice_grid import CLASSES, VOICES
from keycomposer.trainers.dilated_stack import dilated_residual_stack

STEPS = 128  # 8 bars of 16th notes in 4/4
DEFAULT_WIDTH = 96
DEFAULT_DILATIONS = (1, 2, 4, 8, 16, 32, 1, 2, 4, 8)  # receptive field 157 steps: the whole window


def build(width=DEFAULT_WIDTH, dilations=DEFAULT_DILATIONS, steps=STEPS):
    """A 1x1 projection to `width` channels, one residual block per dilation (ReLU, 3-tap dilated conv,
    ReLU, 1x1 conv, added back), a 1x1 projection to every voice's class logits."""
    import keras
    from keras import layers

    voices = len(VOICES)
    grid = keras.Input((steps, voices * CLASSES + voices), name="voices_and_masks")
    x = dilated_residual_stack(grid, width, dilations)
    logits = layers.Conv1D(voices * CLASSES, 1, name="class_logits")(x)
    logits = layers.Reshape((steps, voices, CLASSES), name="per_voice")(logits)
    return keras.Model(grid, logits, name="arcnn_bach")
