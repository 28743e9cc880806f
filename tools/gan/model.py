"""The accompaniment GAN's generator and critic: keycomposer.trainers.gan.networks (its doc states the shapes)."""

from keycomposer.trainers.gan.networks import (  # noqa: F401  (tools and tests import them from here)
    DEFAULT_DILATIONS, DEFAULT_WIDTH, LOWEST_PITCH, MELODY_FEATURES, NOISE_CHANNELS, PITCHES, STEPS, TRACKS,
    build_critic, build_generator,
)
