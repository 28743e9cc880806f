"""Silencing what C libraries write straight to file descriptor 2 (ALSA's complaints before rtmidi raises)."""

import contextlib
import os
import sys


@contextlib.contextmanager
def quiet_c_stderr():
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # pytest's capture, or no stderr at all
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
