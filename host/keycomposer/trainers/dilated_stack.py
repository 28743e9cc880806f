"""The convolutional body the AR-CNN's network and the GAN's generator share: over time, a 1x1 projection to
`width` channels, one residual block per dilation (ReLU, 3-tap dilated conv, ReLU, 1x1 conv, added back) and a
closing ReLU. Layer names are part of saved checkpoints: project, relu{k}a, conv{k}, relu{k}b, mix{k},
residual{k}, relu_out. No normalisation layer (nothing to go wrong in int8)."""


def dilated_residual_stack(x, width: int, dilations):
    from keras import layers

    x = layers.Conv1D(width, 1, name="project")(x)
    for block, dilation in enumerate(dilations):
        y = layers.ReLU(name=f"relu{block}a")(x)
        y = layers.Conv1D(width, 3, dilation_rate=dilation, padding="same", name=f"conv{block}")(y)
        y = layers.ReLU(name=f"relu{block}b")(y)
        y = layers.Conv1D(width, 1, name=f"mix{block}")(y)
        x = layers.Add(name=f"residual{block}")([x, y])
    return layers.ReLU(name="relu_out")(x)
