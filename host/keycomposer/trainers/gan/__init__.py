"""The accompaniment GAN's trainer: `keycomposer train gan` (command), its loop and checkpoints (fitting), the
int8 file and its card (conversion), what it learns from (windows), the two networks (networks) and the
four-part pieces of the corpus or a folder (pieces). tools/gan/ calls these."""

from keycomposer.trainers.gan.command import train  # noqa: F401
