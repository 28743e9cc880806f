"""The AR-CNN's trainer: `keycomposer train arcnn` (command), its loop and checkpoints (fitting), what it learns
from (examples), the network (network) and the Bach chorales' voices (chorales). tools/arcnn/ calls these."""

from keycomposer.trainers.arcnn.command import train  # noqa: F401
