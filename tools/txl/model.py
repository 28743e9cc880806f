"""The Transformer-XL decoder (the code lives in keycomposer.trainers.txl.network)."""

from keycomposer.trainers.txl.network import NEG, Shape, TransformerXL, sinusoids  # noqa: F401
