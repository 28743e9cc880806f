"""The accompaniment GAN's two networks, after DeepComposer's GAN notebook (a conditional WGAN-GP).

- Generator: a U-Net over the melody's piano roll (2 bars of 16th notes = 32 steps x 64 pitches); noise joins
  at the bottleneck; out come three accompaniment tracks, one sigmoid per cell (how likely it sounds).
- Critic: the three tracks stacked with the melody (4 channels), strided convolutions, one unbounded score.

Only the generator is shipped, as int8 TFLite. Its decoder upsamples then convolves (UpSampling2D + Conv2D),
never Conv2DTranspose, and the noise is a small (4, 8, NOISE_CHANNELS) tensor concatenated at the bottleneck,
not a dense projection: int8 TRANSPOSE_CONV and FULLY_CONNECTED v12 do not load in tflite-runtime 2.14.
Nothing normalises the activations, so after training the decoder's tensors are hundreds of times larger
than the encoder skips they are concatenated with; tools/gan/convert.py rescales the channels (an exact
equivalent) before int8 conversion, or the int8 file would lose the skips and with them the melody.
"""

STEPS = 32  # 2 bars of 16th notes in 4/4
PITCHES = 64
TRACKS = 3  # accompaniment tracks, top to bottom
NOISE_CHANNELS = 16
DEFAULT_FILTERS = (8, 16, 32, 64)  # the last is the bottleneck
FLOOR_LAYER = "logits"
LOWEST_PITCH = {"bach": 33, "quartet": 36}  # A1..C7 (chorales 36..88 plus transposition room); C2..D#7 (cello C2)


def noise_shape(filters=DEFAULT_FILTERS, steps=STEPS, pitches=PITCHES):
    levels = len(filters)
    return (steps // 2 ** (levels - 1), pitches // 2 ** (levels - 1), NOISE_CHANNELS)


def build_generator(filters=DEFAULT_FILTERS, steps=STEPS, pitches=PITCHES, tracks=TRACKS, name="gan_generator",
                    logit_floor=None):
    """U-Net: per encoder level two 3x3 ReLU convolutions then a 2x2 max-pool; at the bottleneck the noise is
    concatenated before its two convolutions; per decoder level upsample, concatenate the skip, two 3x3
    convolutions; a 1x1 sigmoid convolution gives one channel per track.

    With ``logit_floor`` the sigmoid's input is held at or above it (a ReLU on the logits less the floor, then
    the floor added back). Without it, Adam keeps pushing the logits of cells that never sound downwards
    however small their gradient: a quartet generator's reached -814 after 8,760 updates, built as the
    difference of weights in the hundreds, and int8 rounding of the last hidden layer then moved its logits
    by up to 4 (tools/gan/README.md). Below the floor the gradient is zero, so they stop there."""
    import keras
    from keras import layers

    levels = len(filters)
    if steps % 2 ** (levels - 1) or pitches % 2 ** (levels - 1):
        raise ValueError(f"steps and pitches must divide by 2**{levels - 1} for {levels} levels")
    melody = keras.Input((steps, pitches, 1), name="melody")
    noise = keras.Input(noise_shape(filters, steps, pitches), name="noise")
    x, skips = melody, []
    for level, width in enumerate(filters):
        if level == levels - 1:
            x = layers.Concatenate(name="with_noise")([x, noise])
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"down{level}a")(x)
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"down{level}b")(x)
        if level < levels - 1:
            skips.append(x)
            x = layers.MaxPool2D(2, name=f"pool{level}")(x)
    for level in reversed(range(levels - 1)):
        width = filters[level]
        x = layers.UpSampling2D(2, name=f"up{level}")(x)
        x = layers.Concatenate(name=f"skip{level}")([skips[level], x])
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"up{level}a")(x)
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"up{level}b")(x)
    # Start with few cells on (sigmoid(-4) = 2 %, near the real 1.5 %), not half the roll: the critic then
    # has to teach pitch and rhythm from the first update rather than first how empty music is.
    if logit_floor is None:
        tracks_out = layers.Conv2D(tracks, 1, activation="sigmoid", name="tracks",
                                   bias_initializer=keras.initializers.Constant(-4.0))(x)
    else:
        above = layers.Conv2D(tracks, 1, activation="relu", name="tracks_above_floor",
                              bias_initializer=keras.initializers.Constant(-4.0 - logit_floor))(x)
        logits = layers.Rescaling(1.0, offset=logit_floor, name=FLOOR_LAYER)(above)
        tracks_out = layers.Activation("sigmoid", name="tracks")(logits)
    return keras.Model([melody, noise], tracks_out, name=name)


def logit_floor_of(generator):
    """The floor a built generator holds its logits at, or None."""
    names = {layer.name for layer in generator.layers}
    return float(generator.get_layer(FLOOR_LAYER).offset) if FLOOR_LAYER in names else None


def build_critic(widths=(16, 32, 64), steps=STEPS, pitches=PITCHES, tracks=TRACKS):
    """Tracks and melody stacked as channels; 4x4 stride-2 LeakyReLU convolutions; one linear score. No batch
    normalisation: the gradient penalty is taken per example (Gulrajani et al. 2017, section 4)."""
    import keras
    from keras import layers

    rolls = keras.Input((steps, pitches, tracks + 1), name="tracks_and_melody")
    x = rolls
    for level, width in enumerate(widths):
        x = layers.Conv2D(width, 4, strides=2, padding="same", name=f"conv{level}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky{level}")(x)
    x = layers.Flatten(name="flatten")(x)
    score = layers.Dense(1, name="score")(x)
    return keras.Model(rolls, score, name="gan_critic")
