"""The AR-CNN network: a small U-Net over an 8-bar, 64-pitch binary piano roll, giving one logit per cell
(how much that cell wants to be flipped).

DeepComposer's is a 5-level U-Net of 17 M parameters over 128 x 128 cells (46 ms per forward pass, int8,
here). Ours keeps its shape (convolutions, pooling, skips) but reads 64 pitches, not 128, and has far fewer
filters, so a whole 100-step generation fits in well under half a second. The decoder upsamples and then
convolves (UpSampling2D + Conv2D), never Conv2DTranspose: int8 TRANSPOSE_CONV does not load in
tflite-runtime 2.14 (DESIGN.md).
"""

STEPS = 128  # 8 bars of 16th notes in 4/4
LOWEST_PITCH = 28  # E1
PITCHES = 64  # E1..G6: the chorales' 36..88 plus room to transpose them to all 12 keys
DEFAULT_FILTERS = (12, 24, 48, 96)


def build(filters=DEFAULT_FILTERS, steps=STEPS, pitches=PITCHES):
    """U-Net: per encoder level two 3x3 ReLU convolutions then a 2x2 max-pool; the last level is the
    bottleneck; per decoder level upsample, concatenate the skip, two 3x3 convolutions; 1x1 logits."""
    import keras
    from keras import layers

    levels = len(filters)
    if steps % 2 ** (levels - 1) or pitches % 2 ** (levels - 1):
        raise ValueError(f"steps and pitches must divide by 2**{levels - 1} for {levels} levels")
    roll = keras.Input((steps, pitches, 1), name="roll")
    x, skips = roll, []
    for level, width in enumerate(filters):
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
    logits = layers.Conv2D(1, 1, name="flip_logits")(x)
    return keras.Model(roll, logits, name="arcnn_bach")
