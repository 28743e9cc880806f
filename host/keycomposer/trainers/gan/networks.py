"""The accompaniment GAN's two networks, after DeepComposer's GAN notebook (a conditional WGAN-GP).

Shapes, stated once (batch first, left out below):
- melody: (STEPS, MELODY_FEATURES): per 16th the melody's pitch one-hot over the style's 64-pitch band (all zero
  at a rest), then one flag that is 1 where a melody note starts.
- noise: (STEPS, NOISE_CHANNELS), standard normal.
- parts: (STEPS, TRACKS, CLASSES): per part per 16th the classes of keycomposer.models.voice_grid (rest, pitch
  struck, pitch held over MIDI 28..91); the generator gives their logits, the critic reads them as one-hots
  (real) or straight-through Gumbel samples (generated).

Generator: a 1D convolution over time with pitch, melody and noise as channels, residual blocks dilated so one
window (4 bars) is seen whole, as the AR-CNN's network (keycomposer.trainers.dilated_stack), and a 1x1 projection to every
part's class logits. Critic: melody and parts stacked as channels, strided 1D convolutions, one unbounded score.
Only the generator is shipped, as int8 TFLite; no normalisation layer (nothing to go wrong in int8).
"""

from keycomposer.models.voice_grid import CLASSES
from keycomposer.trainers.dilated_stack import dilated_residual_stack

STEPS = 64  # 4 bars of 16th notes in 4/4
PITCHES = 64  # the melody's band
MELODY_FEATURES = PITCHES + 1  # the band, then a flag where a note starts
TRACKS = 3  # accompaniment parts, top to bottom
NOISE_CHANNELS = 8
DEFAULT_WIDTH = 128
DEFAULT_DILATIONS = (1, 2, 4, 8, 16, 1, 2, 4, 8, 16)  # receptive field 125 steps: the whole window
LOWEST_PITCH = {"bach": 33, "quartet": 36}  # the melody's band: A1..C7 (soprano with room); C2..D#7


def build_generator(width=DEFAULT_WIDTH, dilations=DEFAULT_DILATIONS, steps=STEPS, name="gan_generator"):
    """Melody and noise concatenated, a 1x1 projection to ``width`` channels, one residual block per dilation
    (ReLU, 3-tap dilated conv, ReLU, 1x1 conv, added back), a 1x1 projection to each part's class logits."""
    import keras
    from keras import layers

    melody = keras.Input((steps, MELODY_FEATURES), name="melody")
    noise = keras.Input((steps, NOISE_CHANNELS), name="noise")
    x = layers.Concatenate(name="melody_and_noise")([melody, noise])
    x = dilated_residual_stack(x, width, dilations)
    logits = layers.Conv1D(TRACKS * CLASSES, 1, name="class_logits")(x)
    logits = layers.Reshape((steps, TRACKS, CLASSES), name="per_part")(logits)
    return keras.Model([melody, noise], logits, name=name)


def build_critic(widths=(128, 128, 128, 128), steps=STEPS):
    """Melody and the parts' classes as channels; 4-tap stride-2 LeakyReLU convolutions; one linear score. No
    batch normalisation: the gradient penalty is taken per example (Gulrajani et al. 2017, section 4)."""
    import keras
    from keras import layers

    rolls = keras.Input((steps, MELODY_FEATURES + TRACKS * CLASSES), name="melody_and_parts")
    x = rolls
    for level, width in enumerate(widths):
        x = layers.Conv1D(width, 4, strides=2, padding="same", name=f"conv{level}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky{level}")(x)
    x = layers.Flatten(name="flatten")(x)
    score = layers.Dense(1, name="score")(x)
    return keras.Model(rolls, score, name="gan_critic")
