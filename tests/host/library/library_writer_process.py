"""A process that saves compositions into a library in a loop, for the concurrency and crash tests.

    python library_writer_process.py ROOT COUNT TAG [CRASH_AT]

Saves COUNT compositions named "TAG N" (N = 0, 1, ...) and prints "saved ID N" after each save
returns. CRASH_AT (optional) makes the process SIGKILL itself inside its first save, at a named
point: "file-fsync" (temporary file written, before its fsync), "renamed" (file in place, row not
yet committed) or "committed" (row committed, before save returns).
"""

import os
import signal
import sys

from keycomposer.library import Library
from keycomposer.library import store
from keycomposer.music import sample_composition, transpose


def expected_composition(number: int):
    """The composition save number ``number`` holds, so a checker can rebuild it."""
    return transpose(sample_composition("twinkle"), number % 12)


def die(*_args, **_kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def arm(crash_at: str) -> None:
    if crash_at == "file-fsync":
        os.fsync = die
    elif crash_at == "renamed":
        real_replace = os.replace

        def replace_then_die(source, destination):
            real_replace(source, destination)
            die()
        store.os.replace = replace_then_die
    elif crash_at == "committed":
        real_get = store.Library.get

        def get_after_commit(self, entry_id):
            if sys._getframe(1).f_code.co_name == "save":
                die()
            return real_get(self, entry_id)
        store.Library.get = get_after_commit
    else:
        raise SystemExit(f"unknown crash point {crash_at!r}")


def main() -> None:
    root, count, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    library = Library(root)
    if len(sys.argv) > 4:
        arm(sys.argv[4])
    for number in range(count):
        entry = library.save(expected_composition(number), "recording", name=f"{tag} {number}",
                             parameters={"number": number})
        print(f"saved {entry.id} {number}", flush=True)


if __name__ == "__main__":
    main()
