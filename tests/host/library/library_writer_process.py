"""A process that saves compositions into a library in a loop, for the concurrency and crash tests.

    python library_writer_process.py ROOT COUNT TAG [STAGE[@SAVE]]

Saves COUNT compositions named "TAG N" (N = 0, 1, ...) and prints "saved ID N" after each save
returns. STAGE (optional) makes the process SIGKILL itself inside save number SAVE (default 0) at
a named point: "file-fsync" (temporary file written, before its fsync), "renamed" (file in place,
row not yet committed) or "committed" (row committed, before save returns).
"renamed" is reached by the hard link a save gives its file (or the rename where links are missing).
"""

import os
import signal
import sys

from keycomposer.library import store
from keycomposer.library import Library
from keycomposer.music import sample_composition, transpose

STAGES = ("file-fsync", "renamed", "committed")


def expected_composition(number: int):
    """The composition save number ``number`` holds, so a checker can rebuild it."""
    return transpose(sample_composition("twinkle"), number % 12)


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class Saboteur:
    """Kills this process at ``stage`` of save number ``target``, by wrapping what the library calls."""

    def __init__(self, stage: str, target: int):
        if stage not in STAGES:
            raise SystemExit(f"unknown crash stage {stage!r}; expected one of {STAGES}")
        self.stage, self.target, self.current = stage, target, -1
        real_fsync, real_replace, real_link, real_get = os.fsync, os.replace, os.link, store.Library.get
        saboteur = self

        def fsync(descriptor):
            if saboteur.armed("file-fsync"):
                die()
            real_fsync(descriptor)

        def replace(source, destination):
            real_replace(source, destination)
            if saboteur.armed("renamed"):
                die()

        def link(source, destination):
            real_link(source, destination)
            if saboteur.armed("renamed"):
                die()

        def get(library, entry_id):
            if sys._getframe(1).f_code.co_name == "save" and saboteur.armed("committed"):
                die()
            return real_get(library, entry_id)

        store.os.fsync, store.os.replace, store.os.link, store.Library.get = fsync, replace, link, get

    def armed(self, stage: str) -> bool:
        return stage == self.stage and self.current == self.target


def main() -> None:
    root, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    library = Library(root)
    saboteur = None
    if len(sys.argv) > 4:
        stage, _, target = sys.argv[4].partition("@")
        saboteur = Saboteur(stage, int(target or 0))
    for number in range(count):
        if saboteur is not None:
            saboteur.current = number
        entry = library.save(expected_composition(number), "recording", name=f"{tag} {number}",
                             parameters={"number": number})
        print(f"saved {entry.id} {number}", flush=True)


if __name__ == "__main__":
    main()
