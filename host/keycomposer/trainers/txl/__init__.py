"""The Transformer-XL's trainer: `keycomposer train txl` (command), its loop and checkpoints (fitting), the windows
it learns from (windows), the network (network), its conversion to the step file (conversion), the corpus
melodies (melodies) and the continuation drawn in the live picture (sample). tools/txl/ calls these."""

from keycomposer.trainers.txl.command import train  # noqa: F401
