"""The AR-CNN network (the code lives in keycomposer.trainers.arcnn.network)."""

from keycomposer.trainers.arcnn.network import DEFAULT_DILATIONS, DEFAULT_WIDTH, STEPS, build  # noqa: F401
