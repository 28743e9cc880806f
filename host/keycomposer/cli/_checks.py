"""Checks of option values shared by several commands, made before any work starts (a take, a model run)."""

from __future__ import annotations

import math
from pathlib import Path

from keycomposer.bounded_read import TooLargeError, read_bounded
from keycomposer.cli import CommandError

MIN_BPM, MAX_BPM = 1, 1000  # the range Tempo.from_bpm accepts
MAX_TAKE_BARS = 64
MAX_SCRIPT_BYTES = 1024 * 1024  # an emulator script of a whole concert is a few kilobytes


def check_bpm(bpm: float, option: str = "--bpm") -> float:
    if not (math.isfinite(bpm) and MIN_BPM <= bpm <= MAX_BPM):
        raise CommandError(f"{option} must be in range {MIN_BPM}..{MAX_BPM}, got {bpm:g}")
    return bpm


def check_bars(bars: int, option: str = "--bars") -> int:
    if not 1 <= bars <= MAX_TAKE_BARS:
        raise CommandError(f"{option} must be in range 1..{MAX_TAKE_BARS}, got {bars}")
    return bars


def check_output_file(path: str, option: str = "--out") -> Path:
    """A file that can be written once the work is done: its folder exists and it is not a folder itself."""
    output = Path(path)
    folder = output.parent
    if not folder.is_dir():
        raise CommandError(f"{option} {path}: the folder {folder} does not exist")
    if output.is_dir():
        raise CommandError(f"{option} {path} is a folder; give a file name ending in .mid")
    return output


def read_script(path: str | Path) -> str:
    """An emulator script's text, read as MIDI inputs are (bounded, a pipe or device too, never waiting
    for ever), before any keyboard or emulator is started."""
    try:
        return read_bounded(path, MAX_SCRIPT_BYTES).decode("utf-8")
    except TooLargeError as error:
        raise CommandError(f"cannot read script {path}: more than {MAX_SCRIPT_BYTES} bytes") from error
    except OSError as error:
        raise CommandError(f"cannot read script {path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"cannot read script {path}: not UTF-8 text ({error.reason} at byte {error.start})") \
            from error
