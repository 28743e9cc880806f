"""Bach chorales as four voices of notes (the code lives in keycomposer.trainers.arcnn.chorales, which
`keycomposer train arcnn` uses too; this keeps `python -m tools.arcnn.data` and the bench's imports).

    .venv-train/bin/python -m tools.arcnn.data            # writes out/arcnn/voices.npz (a few minutes)
"""

import sys

from keycomposer.trainers.arcnn.chorales import (  # noqa: F401
    DEFAULT_CACHE, SPLIT_SHARES, STEPS_PER_QUARTER, VOICE_COUNT, Chorale, chorale_ids, load, main, part_notes,
    prepare, score_voices, split_of,
)

if __name__ == "__main__":
    sys.exit(main())
